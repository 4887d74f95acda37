"""Training-step speed and peak memory of Mask R-CNN with a plain ViT and the simple pyramid.

Builds the detector of a detection config (default: the COCO ViT-B DINOv2 recipe, random
weights: speed does not depend on them), feeds ``--batch`` synthetic images of ``--size``
with a few random boxes and masks per image through mmdet's data preprocessor, and times
whole optimiser steps (forward, losses, backward, AdamW with layer decay) after
``--warmup`` steps. Reports samples/s (median over ``--repeats`` blocks of ``--iters``
steps) and peak memory: on CUDA ``max_memory_allocated``; on the CPU the peak resident set
size of this process.

Examples::

    python benchmarks/detector_step.py --device cuda --size 1024 --batch 2 --amp   # ViTDet
    python benchmarks/detector_step.py --size 256 --batch 2 --iters 2 --repeats 3   # CPU
"""
import argparse
import json
import os.path as osp
import resource
import statistics
import sys
import time

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT = osp.join(REPO, 'configs', 'coco',
                   'mask-rcnn_vit-b-dinov2_sfpn_16xb4-lsj-100e_coco-1024.py')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config', default=DEFAULT)
    p.add_argument('--size', type=int, default=1024, help='square input side (default 1024)')
    p.add_argument('--batch', type=int, default=2)
    p.add_argument('--device', default='cpu')
    p.add_argument('--amp', action='store_true', help='bf16 autocast')
    p.add_argument('--no-cp', action='store_true', help='no gradient checkpointing')
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--iters', type=int, default=3)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, default=None)
    return p.parse_args(argv)


def make_batch(batch: int, size: int, num_classes: int, seed: int = 0):
    """Images in [0, 255] and ``DetDataSample`` targets with 3 box + mask objects each."""
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8))
        xy = torch.rand(3, 2, generator=g) * size * 0.6
        wh = torch.rand(3, 2, generator=g) * size * 0.3 + size * 0.05
        boxes = torch.cat([xy, xy + wh], 1)
        masks = torch.zeros(3, size, size, dtype=torch.uint8)
        for i, (x0, y0, x1, y1) in enumerate(boxes.long().tolist()):
            masks[i, y0:y1, x0:x1] = 1
        sample = DetDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                             pad_shape=(size, size), scale_factor=(1., 1.),
                                             batch_input_shape=(size, size)))
        sample.gt_instances = InstanceData(
            bboxes=boxes, labels=torch.randint(0, num_classes, (3, ), generator=g),
            masks=BitmapMasks(masks.numpy(), size, size))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def peak_memory_mb(device: str) -> float:
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    sys.path.insert(0, REPO)
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope

    import mmdepthpretrain  # noqa: F401
    cfg = Config.fromfile(args.config)
    cfg.model.backbone.init_cfg = None
    if args.no_cp:
        cfg.model.backbone.with_cp = False
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model).to(args.device)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    data = make_batch(args.batch, args.size, cfg.model.roi_head.bbox_head.num_classes)
    dtype = torch.bfloat16 if args.amp else None

    def step():
        with torch.autocast(args.device.split(':')[0], dtype=dtype, enabled=args.amp):
            batch = model.data_preprocessor(data, True)
            losses = model(**batch, mode='loss')
            loss, _ = model.parse_losses(losses)
        optim.update_params(loss)

    for _ in range(args.warmup):
        step()
    if args.device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.iters):
            step()
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        rates.append(args.iters * args.batch / (time.perf_counter() - start))
    result = dict(config=osp.relpath(args.config, REPO), size=args.size, batch=args.batch,
                  device=args.device, amp=args.amp, with_cp=bool(cfg.model.backbone.with_cp),
                  threads=torch.get_num_threads(),
                  samples_per_s=round(statistics.median(rates), 3),
                  peak_memory_mb=round(peak_memory_mb(args.device), 1))
    print(json.dumps(result))
    return result


if __name__ == '__main__':
    main()
