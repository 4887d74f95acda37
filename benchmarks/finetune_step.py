"""Fine-tuning step speed: our segmentation config against plain mmseg on the same network.

Builds the model and optimizer wrapper of each config (random weights; mmseg's own
``SegDataPreProcessor``, ``EncoderDecoder``, losses; the config's optimizer and
constructor through mmengine's ``build_optim_wrapper``), feeds the same random uint8 images
and Cityscapes-like labels at ``--crop`` and ``--batch``, and times ``model.train_step``
as ``train_throughput.py`` does (median samples/s over ``--repeats`` blocks of
``--iters`` steps, after ``--warmup``). Three measurements:

* ``ours``: ``--ours`` (default: ``configs/kitti/deeplabv3_r50_depthinit.py``, our
  DeepLabV3-R50-D8 whose plain ResNet-50 stem takes a depth encoder);
* ``mmseg-same-net``: ``--mmseg`` (default: mmseg's own DeepLabV3-R50-D8 Cityscapes
  config) with the backbone type, class count, optimizer and loss settings of ours
  (``ResNet`` instead of ``ResNetV1c``; Adam), i.e. the same network and recipe through
  mmseg alone: the ratio ours / this is what the plugin adds;
* ``mmseg``: ``--mmseg`` as published (``ResNetV1c``, deep stem), for reference.

The measurements asked for are timed interleaved, block by block (see :func:`measure`).
``--amp`` uses mmengine's ``AmpOptimWrapper`` (bf16 or fp16) for every config on a GPU,
our ``AutocastOptimWrapper`` on the CPU. ``--json-dir`` writes one JSON per measurement.

Examples::

    python benchmarks/finetune_step.py --device cuda --crop 512x1024 --batch 8 --amp bf16
    python benchmarks/finetune_step.py --crop 64x128 --batch 2 --warmup 1 --iters 1   # CPU
"""
import argparse
import copy
import os.path as osp
import statistics
import sys
import time

import torch
from train_throughput import machine, peak_memory_gib, sync, write_json

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
OURS = osp.join(REPO, 'configs', 'kitti', 'deeplabv3_r50_depthinit.py')
MMSEG = 'mmseg::deeplabv3/deeplabv3_r50-d8_4xb2-80k_cityscapes-512x1024.py'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--ours', default=OURS)
    p.add_argument('--mmseg', default=MMSEG)
    p.add_argument('--crop', default='512x1024', help='HxW (default 512x1024)')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--amp', default='none', choices=['none', 'bf16', 'fp16'])
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--iters', type=int, default=5)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--only', nargs='+', choices=['ours', 'mmseg-same-net', 'mmseg'],
                   default=['mmseg-same-net', 'ours', 'mmseg'])
    p.add_argument('--json-dir', default=None, help='one JSON file per measurement here')
    p.add_argument('--json', default=None, help='all measurements in one JSON file')
    return p.parse_args(argv)


def config_path(path):
    """A file path, or ``mmseg::<path>`` inside mmseg's installed configs."""
    if path.startswith('mmseg::'):
        import mmseg

        return osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs', path[len('mmseg::'):])
    return path


def load(args, name):
    """The config of measurement ``name`` with the common optimizer wrapper settings."""
    from mmengine.config import Config

    cfg = Config.fromfile(config_path(args.ours if name == 'ours' else args.mmseg))
    if name == 'mmseg-same-net':
        ours_cfg = Config.fromfile(config_path(args.ours))
        ours = ours_cfg.model
        cfg.model.backbone.type = ours.backbone.type
        cfg.model.backbone.style = ours.backbone.get('style', 'pytorch')
        cfg.model.decode_head.num_classes = ours.decode_head.num_classes
        cfg.model.auxiliary_head.num_classes = ours.auxiliary_head.num_classes
        # the same recipe too (optimizer, loss settings), with mmseg's own components: the
        # optimizer step of Adam costs more than SGD's, which is the recipe, not the plugin
        cfg.optim_wrapper.optimizer = ours_cfg.optim_wrapper.optimizer
        for head in ('decode_head', 'auxiliary_head'):
            cfg.model[head].loss_decode = ours[head].loss_decode
    cfg.model.pretrained = None  # random weights (nothing is initialised or downloaded)
    cfg.model.data_preprocessor.size = tuple(int(v) for v in args.crop.lower().split('x'))
    cfg.model.data_preprocessor.size_divisor = None  # the same padding (none) for every config
    if args.amp != 'none':
        dtype = 'bfloat16' if args.amp == 'bf16' else 'float16'
        cfg.optim_wrapper.type = 'AmpOptimWrapper' if str(args.device).startswith('cuda') \
            else 'AutocastOptimWrapper'
        cfg.optim_wrapper.dtype = dtype
    return cfg


def make_batch(args, num_classes, seed=0):
    """uint8 images and labels (255 = ignore on 5% of the pixels) at ``args.crop``."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    h, w = (int(v) for v in args.crop.lower().split('x'))
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(args.batch):
        inputs.append(torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8))
        label = torch.randint(0, num_classes, (1, h, w), generator=g)
        label[torch.rand(1, h, w, generator=g) < 0.05] = 255
        s = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        s.gt_sem_seg = PixelData(data=label)
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def build(args, name):
    """Model, optimizer wrapper, batch and config of measurement ``name``."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmdepthpretrain  # noqa: F401  (registers AutocastOptimWrapper; adds nothing to mmseg)

    cfg = load(args, name)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model)).to(args.device).train()
    optim_wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    batch = make_batch(args, cfg.model.decode_head.num_classes)
    return model, optim_wrapper, batch, cfg


def measure(args, names):
    """Time the training steps of ``names``, interleaved.

    Each is warmed up, then the ``--repeats`` blocks of ``--iters`` steps alternate between
    them in the order A B, B A, A B, ... so that a machine getting faster or slower during
    the run (clocks, caches, other jobs) favours none: timed one after the other, the one
    run first was 10-15% slower on a 2-core CPU, whichever it was.

    Returns:
        dict: name -> record (median samples/s over its blocks; on a GPU the peak memory
        of its blocks, all the compared models' weights and optimizer states resident).
    """
    setups = {name: build(args, name) for name in names}
    steps = {name: (lambda m=m, o=o, b=b: m.train_step(b, o))
             for name, (m, o, b, _) in setups.items()}
    warmup_s, rates, peaks, logs = {}, {n: [] for n in names}, {n: 0.0 for n in names}, {}
    for name in names:
        start = time.perf_counter()
        for _ in range(args.warmup):
            logs[name] = steps[name]()
        sync(args.device)
        warmup_s[name] = time.perf_counter() - start
    cuda = str(args.device).startswith('cuda')
    for r in range(args.repeats):
        for name in (names if r % 2 == 0 else names[::-1]):
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            sync(args.device)
            start = time.perf_counter()
            for _ in range(args.iters):
                logs[name] = steps[name]()
            sync(args.device)
            rates[name].append(args.batch * args.iters / (time.perf_counter() - start))
            peaks[name] = max(peaks[name], peak_memory_gib(args.device)[0])
    kind = peak_memory_gib(args.device)[1] + (
        ', all compared models resident' if cuda and len(names) > 1 else '')
    records = {}
    for name in names:
        cfg = setups[name][3]
        med = statistics.median(rates[name])
        records[name] = dict(
            kind='finetune_step', name=name, config=args.ours if name == 'ours' else
            args.mmseg, backbone=cfg.model.backbone.type, crop=args.crop, batch=args.batch,
            amp=args.amp, device=str(args.device), machine=machine(args.device),
            samples_per_s=med, blocks=rates[name], iters=args.iters,
            step_ms=1000 * args.batch / med, warmup_s=warmup_s[name], peak_gib=peaks[name],
            peak_kind=kind, last_loss=float(logs[name]['loss'].detach()),
            interleaved_with=[n for n in names if n != name], date=time.strftime('%Y-%m-%d'))
    return records


def main(argv=None):
    args = parse_args(argv)
    if str(args.device).startswith('cuda'):
        torch.backends.cudnn.benchmark = True
    print('command: python ' + ' '.join([sys.argv[0]] + list(argv or sys.argv[1:])))
    print(machine(args.device))
    records = measure(args, list(dict.fromkeys(args.only)))
    for name, rec in records.items():
        if args.json_dir:
            write_json(osp.join(args.json_dir, f'finetune_{name}.json'), rec)
        print(f'{name:15s} {rec["backbone"]:10s} {rec["samples_per_s"]:8.2f} samples/s '
              f'{rec["step_ms"]:8.1f} ms/step  peak {rec["peak_gib"]:.2f} GiB '
              f'({rec["peak_kind"]})')
    ratio = None
    if 'ours' in records and 'mmseg-same-net' in records:
        ratio = records['ours']['samples_per_s'] / records['mmseg-same-net']['samples_per_s']
        print(f'ours / mmseg on the same network: {ratio:.3f}x samples/s')
    if args.json:  # all of them in one record, the first one's figures at the top
        first = records[next(iter(records))]
        write_json(args.json, dict(first, entries=list(records.values()),
                                   ours_over_mmseg_same_net=ratio))
    return records


if __name__ == '__main__':
    main()
