"""Training throughput of the depth pre-training model: one optimizer step, no data loading.

Builds the model of the KITTI config of the chosen supervision and ResNet depth
(``configs/kitti/monodepth2-<m|s|ms|l>_r<18|50>_1xb12-66k_kitti-640x192.py``: depth and
pose networks, Monodepth2 losses, the data preprocessor with its colour jitter and
normalisation), feeds it packed uint8 batches that already sit on the device (so the
preprocessor is timed, the loader is not) and runs ``model.train_step`` with Adam.
Reports the median samples/s over ``--repeats`` timed blocks of ``--iters`` steps each
(after ``--warmup`` steps) and the peak memory (CUDA: ``max_memory_allocated``; CPU: the
process's peak resident set size); ``--json`` also writes them to a file.

``--compile`` compiles ``model.train_step`` as ``tools/train.py --compile`` (mmengine's
``compile=True``) does, with :func:`mmdepthpretrain.compat.compile_step`;
``--cuda-graphs`` adds ``mode='reduce-overhead'`` (inductor's CUDA graphs).
``--amp bf16`` autocasts without loss scaling (``AutocastOptimWrapper``; mmengine's
``AmpOptimWrapper`` keeps a ``GradScaler`` whose step reads the device every iteration),
``--amp fp16`` uses ``AmpOptimWrapper``.

Examples::

    python benchmarks/train_throughput.py                       # R18 640x192 b12 mono, CPU
    python benchmarks/train_throughput.py --device cuda --amp bf16 --channels-last
    python benchmarks/train_throughput.py --device cuda --amp bf16 --channels-last --cuda-graphs
    python benchmarks/train_throughput.py --height 96 --width 320 --batch 4 --iters 3
"""

import argparse
import copy
import json
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
    p.add_argument('--compile', action='store_true',
                   help='torch.compile model.train_step as tools/train.py --compile does')
    p.add_argument('--cuda-graphs', action='store_true',
                   help="compile with mode='reduce-overhead' (CUDA graphs; implies --compile)")
    p.add_argument('--compile-backend', default=None,
                   help='torch.compile backend (default inductor; aot_eager for a quick check)')
    p.add_argument('--json', default=None, help='also write the result to this JSON file')
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


def compile_options(args):
    """The ``torch.compile`` arguments of ``--compile``/``--cuda-graphs`` (None: eager)."""
    if not (args.compile or args.cuda_graphs):
        return None
    options = {}
    if args.compile_backend:
        options['backend'] = args.compile_backend
    if args.cuda_graphs and options.get('backend', 'inductor') == 'inductor':
        options['mode'] = 'reduce-overhead'
    return options


def build_model(args, cfg):
    """Build the depth model on ``args.device`` in training mode.

    Args:
        args (argparse.Namespace): ``device`` and ``channels_last``.
        cfg (dict): Model config (a KITTI config's ``model``); its data preprocessor gets
            ``channels_last`` (the model then keeps its 4-D weights channels-last too).
            ``init_cfg`` (ImageNet weights) is not applied.

    Returns:
        torch.nn.Module: The model.
    """
    from mmseg.registry import MODELS

    import mmdepthpretrain.models  # noqa: F401

    cfg = copy.deepcopy(cfg)
    # channels_last: the network input, and the model's 4-D weights with it
    cfg['data_preprocessor']['channels_last'] = args.channels_last
    return MODELS.build(cfg).to(args.device).train()


def build_step(model, optim_wrapper, args):
    """``model.train_step`` (compiled as the Runner compiles it when asked) on one batch.

    Returns:
        callable: ``step(batch) -> log_vars``.
    """
    args.cudagraph_skips_before = cudagraph_skips()  # the counter is per process
    options = args.compile_requested = compile_options(args)
    train_step = args.compiled_step = model.train_step
    if options is not None:
        from mmdepthpretrain.compat import compile_step, resolve_compile

        options = resolve_compile(options, device=str(args.device).split(':')[0])
        if options is not None:
            train_step = args.compiled_step = compile_step(model.train_step, options)
    args.compiled_with = options
    return lambda batch: train_step(batch, optim_wrapper)


def compile_status(args):
    """How the step ran: 'eager', 'compiled', 'eager: compile unavailable' (the runner's
    probe failed, so it never compiled) or 'eager: compile failed' (it fell back later)."""
    if getattr(args, 'compile_requested', None) is None:
        return 'eager'
    if args.compiled_with is None:
        return 'eager: compile unavailable'
    return 'compiled' if getattr(args.compiled_step, 'compiled', True) else \
        'eager: compile failed'


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
    device_type = str(args.device).split(':')[0]
    if args.amp == 'bf16' or device_type != 'cuda':  # no loss scaling (and no GPU needed)
        dtype = torch.bfloat16 if args.amp == 'bf16' else torch.float16
        return AutocastOptimWrapper(optimizer=optimizer, dtype=dtype, device_type=device_type)
    return AmpOptimWrapper(optimizer=optimizer, dtype=torch.float16)


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

    CUDA's peak-memory counter is reset after the warm-up; ``args.warmup_s`` gets the
    warm-up's seconds (compilation included).

    Args:
        step (callable): One training step (or one batch), ``args.batch`` samples.
        args (argparse.Namespace): ``warmup``, ``iters``, ``repeats``, ``batch``, ``device``.

    Returns:
        tuple: The samples/s of each block and the last call's return value.
    """
    out = None
    start = time.perf_counter()
    for _ in range(args.warmup):
        out = step()
    sync(args.device)
    args.warmup_s = time.perf_counter() - start
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


def peak_memory_gib(device):
    """Peak memory in GiB and its kind: CUDA ``max_memory_allocated`` or peak RSS."""
    if str(device).startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**30, 'CUDA allocated'
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 'peak RSS'


def peak_memory(device):
    """Peak memory as text (see :func:`peak_memory_gib`)."""
    gib, kind = peak_memory_gib(device)
    return f'{gib:.2f} GiB ({kind})'


def write_json(path, record):
    """Write ``record`` (a dict of plain values) to ``path`` (folders created, atomically)."""
    if path:
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        tmp = f'{path}.tmp'
        with open(tmp, 'w') as f:
            json.dump(record, f, indent=1)
        os.replace(tmp, path)


def cudagraph_skips():
    """Graphs inductor compiled without a CUDA graph so far in this process."""
    from torch._dynamo.utils import counters

    return int(counters['inductor'].get('cudagraph_skips', 0))


def step_record(args, rates, log, **extra):
    """The JSON record of a timed step benchmark."""
    gib, kind = peak_memory_gib(args.device)
    med = statistics.median(rates)
    return dict(
        depth=args.depth, supervision=args.supervision, batch=args.batch,
        amp=args.amp, channels_last=args.channels_last,
        compile=args.compiled_with, compile_requested=getattr(args, 'compile_requested', None),
        compile_status=compile_status(args), device=str(args.device), machine=machine(args.device),
        samples_per_s=med, blocks=rates, iters=args.iters, step_ms=1000 * args.batch / med,
        warmup_s=args.warmup_s, peak_gib=gib, peak_kind=kind,
        cudagraph_skips=cudagraph_skips() - getattr(args, 'cudagraph_skips_before', 0),
        last_loss=float(log['loss'].detach()),
        date=time.strftime('%Y-%m-%d'), **extra)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = kitti_config(args)
    if str(args.device).startswith('cuda'):  # as the Runner does (mmseg's env_cfg: True)
        torch.backends.cudnn.benchmark = cfg.env_cfg.get('cudnn_benchmark', False)
    model = build_model(args, cfg.model)
    optim_wrapper = build_optim_wrapper(model, args)
    batch = make_batch(args, cfg.model.frame_ids)
    command = 'python ' + ' '.join([sys.argv[0]] + list(argv or sys.argv[1:]))
    print('command: ' + command)
    print(machine(args.device))
    step = build_step(model, optim_wrapper, args)
    rates, log = time_steps(lambda: step(batch), args)
    record = step_record(args, rates, log, height=args.height, width=args.width,
                         command=command)
    write_json(args.json, record)
    print(
        f'R{args.depth} {args.width}x{args.height} batch {args.batch} '
        f'supervision {args.supervision} amp {args.amp} channels_last {args.channels_last} '
        f'compile {args.compiled_with} on {args.device} ({compile_status(args)})'
    )
    print(
        f'samples/s: median {record["samples_per_s"]:.2f} '
        f'(blocks: {", ".join(f"{r:.2f}" for r in rates)}; {args.iters} steps each)'
    )
    print(
        f'step time: {record["step_ms"]:.1f} ms, peak memory {peak_memory(args.device)}, '
        f'warm-up {args.warmup_s:.1f} s, last loss {record["last_loss"]:.4f}'
    )


if __name__ == '__main__':
    main()
