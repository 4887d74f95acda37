"""Speed of the synthetic world generator.

Reports (medians over repeats):
  * one 640x192 KITTI frame: left + right image, depth, labels, 64-beam lidar, flow,
    written to disk exactly as ``generate_world`` does, in one process (one core);
  * the demo world (4 drives x 100 frames + 200 KITTI-semantics images at 640x192).

Usage:
    python benchmarks/synthetic_world_speed.py [--frames 20] [--world-repeats 1] [--skip-world]
"""

import argparse
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time

import numpy as np

from mmdepthpretrain.datasets.synthetic import generate_world, kitti_calibration, scaled_K
from mmdepthpretrain.datasets.synthetic.writers import kitti_raw


def machine():
    cpu = platform.processor() or 'unknown cpu'
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(ln.split(':', 1)[1].strip() for ln in f if ln.startswith('model name'))
    except (OSError, StopIteration):
        pass
    load = ', '.join(f'{v:.1f}' for v in os.getloadavg())
    return (
        f'{cpu}, {os.cpu_count()} logical cores, load average {load}, '
        f'Python {platform.python_version()}, NumPy {np.__version__}'
    )


def cpu_seconds():
    """CPU time of this process and its finished children (user + system)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def frame_times(n, size=(640, 192)):
    """Per-frame wall time of rendering + flow + writing one stereo/lidar frame."""
    spec = dict(
        layout='kitti',
        frames=n + 1,
        size=size,
        moving=True,
        overlap=0.3,
        index=0,
        seed=1234,
        name='bench_drive',
    )
    _, spec['geom'] = kitti_calibration(scaled_K('kitti', size), size)
    tmp = tempfile.mkdtemp()
    try:
        spec['stage'] = tmp
        times = []
        orig = kitti_raw.render_sequence

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            for item in orig(*args, **kwargs):
                yield item  # the caller writes the frame before asking for the next
                times.append(time.perf_counter() - t0)
                t0 = time.perf_counter()

        kitti_raw.render_sequence = timed
        try:
            kitti_raw.write_kitti_drive(spec)
        finally:
            kitti_raw.render_sequence = orig
    finally:
        shutil.rmtree(tmp)
    return times[1:-1]  # drop warm-up and the flow-less last frame


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--frames', type=int, default=20)
    p.add_argument('--world-repeats', type=int, default=1)
    p.add_argument('--skip-world', action='store_true')
    args = p.parse_args()
    print(f'machine: {machine()}')
    c0 = cpu_seconds()
    t = frame_times(args.frames)
    cpu_frame = (cpu_seconds() - c0) / (args.frames + 1)
    print(
        f'frame 640x192 (stereo + depth + labels + lidar + flow, written), one process: '
        f'median {statistics.median(t):.3f} s, min {min(t):.3f} s, max {max(t):.3f} s '
        f'over {len(t)} frames; CPU time {cpu_frame:.3f} s per frame'
    )
    if args.skip_world:
        return
    runs, cpu = [], []
    for _ in range(args.world_repeats):
        out = tempfile.mkdtemp()
        try:
            c0 = cpu_seconds()
            t0 = time.perf_counter()
            generate_world(
                out,
                'kitti',
                sequences=4,
                frames=100,
                size=(640, 192),
                seed=0,
                semantic_images=200,
                overwrite=True,
            )
            runs.append(time.perf_counter() - t0)
            cpu.append(cpu_seconds() - c0)
        finally:
            shutil.rmtree(out)
    print(
        f'demo world (4 x 100 frames + 200 semantic images, 640x192, '
        f'{min(2, os.cpu_count() or 1)} workers): median {statistics.median(runs):.1f} s over '
        f'{len(runs)} run(s); CPU time (all processes) median {statistics.median(cpu):.1f} s'
    )
    print(f'load average after: {", ".join(f"{v:.1f}" for v in os.getloadavg())}')


if __name__ == '__main__':
    main()
