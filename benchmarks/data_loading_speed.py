"""Data-loading speed of the KITTI depth pre-training pipeline on one core.

Times ``KittiRawDepthDataset`` + the training pipeline of
``configs/_base_/datasets/kitti_raw_depth.py`` (reduced-size decode, resize to 640x192,
flip, packing; colour jitter runs on the device) for 3-frame stereo samples
(``frame_ids = [0, -1, 1, 's']``: four 1242x375 images per sample) in one process with
one thread, and reports the median time per sample over several runs and the samples/s
per core, plus the median time of each transform.

Without ``--world`` a KITTI-layout synthetic world at 1242x375 is generated in a
temporary folder (``mmdepthpretrain.datasets.synthetic.generate_world``). With
``--ext jpg`` the frames are converted to JPEG (quality 95, as users who convert KITTI
do) in a copy. Synthetic frames are smoother than real photographs, so their PNGs are
about 3x smaller than KITTI's and decode faster; JPEG decoding time depends little on
content.

Example::

    python benchmarks/data_loading_speed.py --ext png jpg --runs 5 --samples 40
"""

import argparse
import os
import os.path as osp
import platform
import shutil
import statistics
import sys
import tempfile
import time


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return f'{cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}'


def to_jpg(root: str, out: str, quality: int = 95) -> str:
    """Copy a KITTI-layout world with image_02/03 frames converted to JPEG."""
    import cv2

    shutil.copytree(root, out, ignore=shutil.ignore_patterns('ground_truth', 'data_semantics'))
    for dirpath, _, files in os.walk(out):
        if osp.basename(osp.dirname(dirpath)) not in ('image_02', 'image_03'):
            continue
        for n in files:
            if n.endswith('.png'):
                p = osp.join(dirpath, n)
                cv2.imwrite(p[:-4] + '.jpg', cv2.imread(p), [cv2.IMWRITE_JPEG_QUALITY, quality])
                os.remove(p)
    return out


def make_kitti_world(root: str, sequences: int = 1, frames: int = 6, workers: int = 1,
                     size=(1242, 375)) -> str:
    """Generate a KITTI-layout synthetic world (default: KITTI's raw size) in ``root``."""
    from mmdepthpretrain.datasets.synthetic import generate_world

    generate_world(
        root,
        layout='kitti',
        sequences=sequences,
        frames=frames,
        size=tuple(size),
        seed=0,
        semantic_images=1,
        workers=workers,
        contact_sheet=False,
    )
    return root


def time_pipeline(root, frame_ids, scale, interpolation, runs, samples, tolerance=0.0, seed=0):
    import numpy as np
    from mmengine.registry import init_default_scope

    from mmdepthpretrain.datasets import KittiRawDepthDataset

    init_default_scope('mmseg')
    pipeline = [
        dict(type='LoadMultiFrameImages', decode_size=scale, decode_tolerance=tolerance),
        dict(type='MultiFrameResize', scale=scale, interpolation=interpolation),
        dict(type='MultiFrameRandomFlip', prob=0.5),
        dict(type='PackMultiFrameInputs'),
    ]
    ds = KittiRawDepthDataset(data_root=root, frame_ids=frame_ids, pipeline=pipeline)
    transforms = ds.pipeline.transforms
    np.random.seed(seed)
    for i in range(min(3, len(ds))):  # warm-up (imports, page cache)
        ds[i]
    per_run, per_tf = [], {type(t).__name__: [] for t in transforms}
    for _ in range(runs):
        t0 = time.perf_counter()
        for k in range(samples):
            ds[k % len(ds)]
        per_run.append((time.perf_counter() - t0) / samples)
    for k in range(samples):  # per-transform breakdown
        r = ds.get_data_info(k % len(ds))
        for t in transforms:
            t0 = time.perf_counter()
            r = t(r)
            per_tf[type(t).__name__].append(time.perf_counter() - t0)
    return len(ds), per_run, {k: statistics.median(v) for k, v in per_tf.items()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--world', help='existing KITTI-layout root (default: generate one)')
    p.add_argument('--ext', nargs='+', default=['png', 'jpg'], choices=['png', 'jpg'])
    p.add_argument('--frame-ids', nargs='+', default=['0', '-1', '1', 's'])
    p.add_argument('--scale', nargs=2, type=int, default=[640, 192], metavar=('W', 'H'))
    p.add_argument('--interpolation', default='area', choices=['area', 'bilinear'])
    p.add_argument(
        '--decode-tolerance',
        type=float,
        nargs='+',
        default=[0.0],
        help='LoadMultiFrameImages.decode_tolerance values to time',
    )
    p.add_argument('--runs', type=int, default=5)
    p.add_argument('--samples', type=int, default=40, help='samples per run')
    p.add_argument('--budget-ms', type=float, default=25.0)
    args = p.parse_args(argv)

    import cv2
    import numpy as np
    import torch

    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    frame_ids = [f if f == 's' else int(f) for f in args.frame_ids]
    print(f'machine: {machine()}')
    print(
        f'python {platform.python_version()}, numpy {np.__version__}, opencv {cv2.__version__},'
        f' torch {torch.__version__}; 1 thread'
    )
    print('command: ' + ' '.join([osp.basename(sys.executable)] + sys.argv))
    tmp = tempfile.mkdtemp(prefix='mmdp_speed_')
    try:
        root = args.world
        if root is None:
            root = osp.join(tmp, 'png')
            t0 = time.perf_counter()
            make_kitti_world(root, sequences=1, frames=6, workers=1)
            print(f'generated a 1242x375 KITTI-layout world in {time.perf_counter() - t0:.0f} s')
        for ext in args.ext:
            r = root if ext == 'png' else to_jpg(root, osp.join(tmp, 'jpg'))
            for tol in args.decode_tolerance:
                n, runs, per_tf = time_pipeline(
                    r,
                    frame_ids,
                    tuple(args.scale),
                    args.interpolation,
                    args.runs,
                    args.samples,
                    tol,
                )
                med = statistics.median(runs) * 1e3
                ok = med <= args.budget_ms
                print(
                    f'[{ext}, decode_tolerance={tol}] frame_ids={frame_ids} -> '
                    f'{args.scale[0]}x{args.scale[1]} ({args.interpolation}), {n} samples: '
                    f'median {med:.1f} ms/sample over {args.runs} runs x {args.samples} '
                    f'(min {min(runs) * 1e3:.1f}, max {max(runs) * 1e3:.1f}) = '
                    f'{1e3 / med:.1f} samples/s per core '
                    f'[budget {args.budget_ms:.0f} ms: {"ok" if ok else "over"}]'
                )
                print(
                    '      per transform (median ms): '
                    + ', '.join(f'{k} {v * 1e3:.2f}' for k, v in per_tf.items())
                )
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
