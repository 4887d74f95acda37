"""End-to-end training throughput: the project's data loader feeding the training step.

Builds the model and the training data loader from the KITTI config of the chosen
supervision and ResNet depth (``configs/kitti/monodepth2-<m|s|ms|l>_r<18|50>_1xb12-66k_
kitti-640x192.py``: ``KittiRawDepthDataset`` with the ``kitti_raw_depth.py`` pipeline at
640x192, the frames of the supervision, batch 12, persistent workers, pinned memory on
CUDA, the config's ``env_cfg``) with the index built from a KITTI-layout synthetic world
at KITTI's raw size, 1242x375 (``--world``, or generated in a temporary folder). Then
times, each as the median samples/s over ``--repeats`` blocks of ``--iters`` batches after
``--warmup`` (a new loader per phase, so none starts with batches prefetched):

* loader only: the loader iterated with no step (the loader's ceiling);
* step only: ``model.train_step`` on one loader batch, repeated (the step's ceiling);
* end to end: ``model.train_step`` on each batch the loader yields.

End to end is bounded by the slower of the first two; the last line names it. Peak memory
is reported as in ``train_throughput.py`` (CUDA: ``max_memory_allocated`` over the
end-to-end phase; CPU: the peak resident set size of the main process, workers excluded).
The sampler is ``InfiniteSampler`` (an iteration-based run never reaches an epoch end on
KITTI's 39,810-sample split, so the small world must not either). The world's files stay in
the page cache, so disk reads are not timed; synthetic PNGs are about 3x smaller than
KITTI's and decode faster (``--ext jpg`` converts the frames to JPEG, as users who convert
KITTI do). Blocks should span several rounds of the workers (a round is ``--workers``
batches), hence the larger default ``--iters`` than in ``train_throughput.py``.

Examples::

    python benchmarks/train_end_to_end.py --device cuda --workers 16             # R18 mono
    python benchmarks/train_end_to_end.py --device cuda --workers 16 --ext jpg \\
        --amp bf16 --channels-last --supervision MS
    python benchmarks/train_end_to_end.py --batch 2 --warmup 1 --iters 2 --repeats 2 \\
        --workers 1 --drives 1 --frames 6 --world-size 320x96 --img-scale 64x32  # CPU smoke
"""

import argparse
import os
import os.path as osp
import shutil
import statistics
import sys
import tempfile
import time

import torch
from data_loading_speed import make_kitti_world, to_jpg
from train_throughput import (
    add_model_args,
    add_step_args,
    build_model,
    build_optim_wrapper,
    build_step,
    kitti_config,
    machine,
    peak_memory,
    step_record,
    time_steps,
    write_json,
)


def size(text):
    """``WxH`` -> ``(W, H)``."""
    w, h = text.lower().split('x')
    return int(w), int(h)


def parse_args(argv=None):
    p = add_model_args(argparse.ArgumentParser(description=__doc__.split('\n')[0]))
    p.add_argument('--batch', type=int, default=None, help="default: the config's 12")
    p.add_argument(
        '--workers',
        type=int,
        default=min(8, os.cpu_count() or 1),
        help="loader workers (default: the config's 8, at most the CPU count)",
    )
    p.add_argument('--world', help='existing KITTI-layout root (default: generate one)')
    p.add_argument('--drives', type=int, default=2, help='drives of a generated world')
    p.add_argument('--frames', type=int, default=30, help='frames per drive of a generated world')
    p.add_argument('--ext', default='png', choices=['png', 'jpg'], help='image format read')
    p.add_argument('--world-size', type=size, default=(1242, 375),
                   help="frame size WxH of a generated world (default KITTI's 1242x375)")
    p.add_argument('--img-scale', type=size, default=None,
                   help="training size WxH (default: the config's 640x192)")
    add_step_args(p)
    p.set_defaults(warmup=10, iters=50)
    return p.parse_args(argv)


def load_config(args, root):
    """The KITTI config with its training loader pointed at ``root``."""
    cfg = kitti_config(args)
    if args.img_scale is not None:
        cfg.img_scale = args.img_scale
        for t in cfg.train_dataloader.dataset.pipeline:
            if t['type'] == 'LoadMultiFrameImages':
                t['decode_size'] = args.img_scale
            elif t['type'] == 'MultiFrameResize':
                t['scale'] = args.img_scale
    loader = cfg.train_dataloader
    loader.dataset.update(data_root=root, ann_file='')
    loader.sampler = dict(type='InfiniteSampler', shuffle=True)
    loader.num_workers = args.workers
    loader.persistent_workers = args.workers > 0
    loader.pin_memory = str(args.device).startswith('cuda')
    if args.batch is not None:
        loader.batch_size = args.batch
    args.batch = loader.batch_size
    return cfg


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    command = 'python ' + ' '.join([sys.argv[0]] + list(argv or sys.argv[1:]))
    print('command: ' + command)
    print(machine(args.device))
    tmp = tempfile.mkdtemp(prefix='mmdp_e2e_')
    try:
        root = args.world
        if root is None:
            t0 = time.perf_counter()
            workers = min(8, os.cpu_count() or 1)
            root = make_kitti_world(osp.join(tmp, 'png'), args.drives, args.frames, workers,
                                    size=args.world_size)
            w, h = args.world_size
            print(
                f'generated a {w}x{h} KITTI-layout world ({args.drives} drives x '
                f'{args.frames} frames) in {time.perf_counter() - t0:.0f} s'
            )
        if args.ext == 'jpg':
            root = to_jpg(root, osp.join(tmp, 'jpg'))

        from mmengine.registry import init_default_scope
        from mmengine.runner import Runner
        from mmengine.utils.dl_utils import set_multi_processing

        cfg = load_config(args, root)
        init_default_scope(cfg.default_scope)
        set_multi_processing(**cfg.env_cfg.mp_cfg)
        if str(args.device).startswith('cuda'):
            torch.backends.cudnn.benchmark = cfg.env_cfg.cudnn_benchmark

        def build_loader():
            # a new loader (workers, sampler) per phase: the phase starts with no batch
            # prefetched, and InfiniteSampler's index stream cannot be restarted
            return Runner.build_dataloader(cfg.train_dataloader, seed=0)

        loader = build_loader()
        model = build_model(args, cfg.model)
        optim_wrapper = build_optim_wrapper(model, args)
        ds = cfg.train_dataloader.dataset
        print(
            f'R{args.depth} {cfg.img_scale[0]}x{cfg.img_scale[1]} batch {args.batch} '
            f'supervision {args.supervision} frames {list(ds.frame_ids)} '
            f'{len(loader.dataset)} samples ({args.ext}), workers {args.workers}, '
            f'amp {args.amp} channels_last {args.channels_last} compile {args.compile} '
            f'on {args.device}'
        )
        if args.iters < 2 * args.workers:
            print(f'note: blocks of {args.iters} batches span under 2 rounds of the workers')

        def report(name, rates, unit):
            return (
                f'{name}: median {statistics.median(rates):.2f} samples/s '
                f'(blocks: {", ".join(f"{r:.2f}" for r in rates)}; {args.iters} {unit} each)'
            )

        it = iter(loader)
        loader_rates, _ = time_steps(lambda: next(it), args)
        print(report('loader only', loader_rates, 'batches'))
        batch = next(it)
        del it, loader  # stop its workers

        step = build_step(model, optim_wrapper, args)
        step_rates, _ = time_steps(lambda: step(batch), args)
        print(report('step only (one loader batch, repeated)', step_rates, 'steps'))

        it = iter(build_loader())
        rates, log = time_steps(lambda: step(next(it)), args)
        print(report('end to end', rates, 'steps'))
        med = statistics.median(rates)
        print(
            f'end-to-end step time: {1000 * args.batch / med:.1f} ms, peak memory '
            f'{peak_memory(args.device)}, last loss {float(log["loss"].detach()):.4f}'
        )
        lo, st = statistics.median(loader_rates), statistics.median(step_rates)
        bound, ceiling = ('loader', lo) if lo < st else ('step', st)
        print(
            f'bound by the {bound}: loader only {lo:.2f}, step only {st:.2f} samples/s; '
            f'end to end reaches {100 * med / ceiling:.0f}% of the {bound} alone'
        )
        write_json(args.json, step_record(
            args, rates, log, kind='end_to_end', workers=args.workers, ext=args.ext,
            img_scale=list(cfg.img_scale), loader_samples_per_s=lo, step_samples_per_s=st,
            bound=bound, command=command))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
