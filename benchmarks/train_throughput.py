"""Training throughput of the depth pre-training model: one optimizer step, no data loading.

Builds the model of the KITTI config of the chosen supervision and ResNet depth
(``configs/kitti/monodepth2-<m|s|ms|l>_r<18|50>_1xb12-66k_kitti-640x192.py``: depth and
pose networks, Monodepth2 losses, the data preprocessor with its colour jitter and
normalisation), feeds it packed uint8 batches that already sit on the device (so the
preprocessor is timed, the loader is not) and runs ``model.train_step`` with Adam.
Reports the median samples/s over ``--repeats`` timed blocks of ``--iters`` steps each
(after ``--warmup`` steps) and the peak memory (CUDA: ``max_memory_allocated``; CPU: the
process's peak resident set size).

Examples::

    python benchmarks/train_throughput.py                       # R18 640x192 b12 mono, CPU
    python benchmarks/train_throughput.py --device cuda --amp bf16 --channels-last
    python benchmarks/train_throughput.py --height 96 --width 320 --batch 4 --iters 3
"""

import argparse
import copy
import os
import os.path as osp
import platform
import resource
import statistics
import sys
import time

import numpy as np
import torch

CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))),
    'configs',
    'kitti',
    'monodepth2-{}_r{}_1xb12-66k_kitti-640x192.py',
)


def add_step_args(p):
    """Add the options shared with the end-to-end benchmark (device, precision, timing)."""
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument(
        '--amp',
        default='none',
        choices=['none', 'bf16', 'fp16'],
        help='mixed precision through mmengine AmpOptimWrapper',
    )
    p.add_argument('--channels-last', action='store_true')
    p.add_argument('--compile', action='store_true', help='torch.compile the networks')
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--iters', type=int, default=10, help='steps per timed block')
    p.add_argument('--repeats', type=int, default=3, help='timed blocks (median reported)')
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    return p


def add_model_args(p):
    """Add the options that pick the KITTI config (ResNet depth, supervision)."""
    p.add_argument('--depth', type=int, default=18, choices=[18, 50], help='ResNet depth')
    p.add_argument(
        '--supervision',
        default='M',
        choices=['M', 'S', 'MS', 'L'],
        help='frames [0, -1, 1] (M), [0, s] (S), [0, -1, 1, s] (MS), [0] + depth (L)',
    )
    return p


def kitti_config(args):
    """The KITTI depth pre-training config of ``args.supervision`` and ``args.depth``."""
    from mmengine.config import Config

    return Config.fromfile(CONFIG.format(args.supervision.lower(), args.depth))


def parse_args(argv=None):
    p = add_model_args(argparse.ArgumentParser(description=__doc__.split('\n')[0]))
    p.add_argument('--height', type=int, default=192)
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--batch', type=int, default=12)
    return add_step_args(p).parse_args(argv)


def build_model(args, cfg):
    """Build the depth model on ``args.device`` in training mode.

    Args:
        args (argparse.Namespace): ``device``, ``channels_last`` and ``compile``.
        cfg (dict): Model config (a KITTI config's ``model``); its data preprocessor gets
            ``channels_last``. ``init_cfg`` (ImageNet weights) is not applied.

    Returns:
        torch.nn.Module: The model.
    """
    from mmseg.registry import MODELS

    import mmdepthpretrain.models  # noqa: F401

    cfg = copy.deepcopy(cfg)
    cfg['data_preprocessor']['channels_last'] = args.channels_last
    model = MODELS.build(cfg).to(args.device)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    if args.compile:
        for name in ('backbone', 'decode_head', 'pose_encoder', 'pose_decoder'):
            if hasattr(model, name):
                setattr(model, name, torch.compile(getattr(model, name)))
    return model.train()


def make_batch(args, frame_ids):
    """A packed batch of random uint8 frames with KITTI-like intrinsics (and depth for L)."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    h, w, frame_ids = args.height, args.width, list(frame_ids)
    K = np.eye(4, dtype=np.float32)
    K[0, 0], K[1, 1], K[0, 2], K[1, 2] = 0.58 * w, 1.92 * h, 0.5 * w - 0.5, 0.5 * h - 0.5
    stereo_T = np.eye(4, dtype=np.float32)
    stereo_T[0, 3] = -0.54
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(args.batch):
        inputs.append(
            torch.randint(0, 256, (len(frame_ids), 3, h, w), generator=g, dtype=torch.uint8).to(
                args.device
            )
        )
        s = SegDataSample(
            metainfo=dict(
                frame_ids=frame_ids, cam_K=K, stereo_T=stereo_T, img_shape=(h, w), ori_shape=(h, w)
            )
        )
        if 'L' in args.supervision:
            s.gt_depth_map = PixelData(data=(torch.rand(1, h, w, generator=g) * 80))
        samples.append(s.to(args.device))
    return dict(inputs=inputs, data_samples=samples)


def build_optim_wrapper(model, args):
    from mmengine.optim import AmpOptimWrapper, OptimWrapper

    from mmdepthpretrain.engine import AutocastOptimWrapper

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    if args.amp == 'none':
        return OptimWrapper(optimizer)
    dtype = torch.bfloat16 if args.amp == 'bf16' else torch.float16
    if not str(args.device).startswith('cuda'):  # mmengine's AmpOptimWrapper needs a GPU
        return AutocastOptimWrapper(optimizer=optimizer, dtype=dtype, device_type='cpu')
    return AmpOptimWrapper(optimizer=optimizer, dtype=dtype)


def sync(device):
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


def machine(device):
    lines = [
        f'python {platform.python_version()}, torch {torch.__version__}, {platform.platform()}',
        f'cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, '
        f'torch threads {torch.get_num_threads()}',
    ]
    if str(device).startswith('cuda'):
        lines.append(f'gpu: {torch.cuda.get_device_name()}')
    return '\n'.join(lines)


def time_steps(step, args):
    """Run ``step()`` ``args.warmup`` times, then time ``args.repeats`` blocks of ``args.iters``.

    CUDA's peak-memory counter is reset after the warm-up.

    Args:
        step (callable): One training step (or one batch), ``args.batch`` samples.
        args (argparse.Namespace): ``warmup``, ``iters``, ``repeats``, ``batch``, ``device``.

    Returns:
        tuple: The samples/s of each block and the last call's return value.
    """
    out = None
    for _ in range(args.warmup):
        out = step()
    sync(args.device)
    if str(args.device).startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    rates = []
    for _ in range(args.repeats):
        sync(args.device)
        start = time.perf_counter()
        for _ in range(args.iters):
            out = step()
        sync(args.device)
        rates.append(args.batch * args.iters / (time.perf_counter() - start))
    return rates, out


def peak_memory(device):
    """Peak memory: CUDA ``max_memory_allocated`` or this process's peak resident set size."""
    if str(device).startswith('cuda'):
        return f'{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB (CUDA allocated)'
    return f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB (peak RSS)'


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = kitti_config(args)
    model = build_model(args, cfg.model)
    optim_wrapper = build_optim_wrapper(model, args)
    batch = make_batch(args, cfg.model.frame_ids)
    print('command: python ' + ' '.join([sys.argv[0]] + (argv or sys.argv[1:])))
    print(machine(args.device))
    rates, log = time_steps(lambda: model.train_step(batch, optim_wrapper), args)
    peak = peak_memory(args.device)
    print(
        f'R{args.depth} {args.width}x{args.height} batch {args.batch} '
        f'supervision {args.supervision} amp {args.amp} channels_last {args.channels_last} '
        f'compile {args.compile} on {args.device}'
    )
    print(
        f'samples/s: median {statistics.median(rates):.2f} '
        f'(blocks: {", ".join(f"{r:.2f}" for r in rates)}; {args.iters} steps each)'
    )
    print(
        f'step time: {1000 * args.batch / statistics.median(rates):.1f} ms, peak memory '
        f'{peak}, last loss {float(log["loss"].detach()):.4f}'
    )


if __name__ == '__main__':
    main()
