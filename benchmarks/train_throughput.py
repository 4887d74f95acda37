"""Training throughput of the depth pre-training model: one optimizer step, no data loading.

Builds ``SelfSupDepthEstimator`` as the KITTI configs do (ResNet depth + pose encoders,
Monodepth2 losses), feeds it packed uint8 batches that already sit on the device (so the
data preprocessor's colour jitter and normalisation are timed, the loader is not) and
runs ``model.train_step`` with Adam. Reports the median samples/s over ``--repeats`` timed
blocks of ``--iters`` steps each (after ``--warmup`` steps) and the peak memory (CUDA:
``max_memory_allocated``; CPU: the process's peak resident set size).

Examples::

    python benchmarks/train_throughput.py                       # R18 640x192 b12 mono, CPU
    python benchmarks/train_throughput.py --device cuda --amp bf16 --channels-last
    python benchmarks/train_throughput.py --height 96 --width 320 --batch 4 --iters 3
"""

import argparse
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np
import torch

FRAMES = {'M': [0, -1, 1], 'S': [0, 's'], 'MS': [0, -1, 1, 's'], 'L': [0]}
ENC_CHANNELS = {
    18: [64, 64, 128, 256, 512],
    34: [64, 64, 128, 256, 512],
    50: [64, 256, 512, 1024, 2048],
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        '--depth',
        type=int,
        default=18,
        choices=sorted(ENC_CHANNELS),
        help='ResNet depth of the depth and pose encoders (default 18)',
    )
    p.add_argument('--supervision', default='M', choices=sorted(FRAMES))
    p.add_argument('--height', type=int, default=192)
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--batch', type=int, default=12)
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
    return p.parse_args(argv)


def build_model(args):
    from mmseg.registry import MODELS

    import mmdepthpretrain.models  # noqa: F401

    ch = ENC_CHANNELS[args.depth]
    cfg = dict(
        type='SelfSupDepthEstimator',
        supervision=args.supervision,
        frame_ids=FRAMES[args.supervision],
        min_depth=0.1,
        max_depth=100.0,
        backbone=dict(type='DepthResNet', depth=args.depth),
        decode_head=dict(type='DisparityHead', in_channels=ch),
        data_preprocessor=dict(type='MultiFrameDataPreProcessor', channels_last=args.channels_last),
    )
    if 'M' in args.supervision:
        cfg.update(
            pose_encoder=dict(type='DepthResNet', depth=args.depth, num_input_images=2),
            pose_decoder=dict(type='PoseDecoder', in_channels=ch[-1]),
        )
    model = MODELS.build(cfg).to(args.device)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    if args.compile:
        for name in ('backbone', 'decode_head', 'pose_encoder', 'pose_decoder'):
            if hasattr(model, name):
                setattr(model, name, torch.compile(getattr(model, name)))
    return model.train()


def make_batch(args):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    h, w, frame_ids = args.height, args.width, FRAMES[args.supervision]
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

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    if args.amp == 'none':
        return OptimWrapper(optimizer)
    dtype = torch.bfloat16 if args.amp == 'bf16' else torch.float16
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


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build_model(args)
    optim_wrapper = build_optim_wrapper(model, args)
    batch = make_batch(args)
    print('command: python ' + ' '.join([sys.argv[0]] + (argv or sys.argv[1:])))
    print(machine(args.device))
    for _ in range(args.warmup):
        model.train_step(batch, optim_wrapper)
    sync(args.device)
    if str(args.device).startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    rates = []
    for _ in range(args.repeats):
        sync(args.device)
        start = time.perf_counter()
        for _ in range(args.iters):
            log = model.train_step(batch, optim_wrapper)
        sync(args.device)
        rates.append(args.batch * args.iters / (time.perf_counter() - start))
    if str(args.device).startswith('cuda'):
        peak = f'{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB (CUDA allocated)'
    else:
        peak = f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB (peak RSS)'
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
