"""The speed suite in one process: every step, end-to-end and fine-tuning measurement.

Runs the measurements of :data:`SUITE` in order of priority with the benchmark scripts of
this folder (``train_throughput.py``, ``train_end_to_end.py``, ``finetune_step.py``,
``vit_backbone.py`` for the ViT-L backbone in bf16 against Hugging Face's), each
writing one JSON file into ``--out``, and prints a table at the end (also saved as
``table.txt`` and ``suite.json``). A measurement that does not fit in the time left before
``--deadline`` (seconds since the epoch; ``gpu_suite.sh`` sets it 9 minutes after its
start, stack install included) is skipped and listed as such, and one that fails is listed
with its error; the others go on.

``--dry-run`` runs every measurement on the CPU at a tiny size with 1 iteration, compiled
variants with the ``eager`` backend (the same code path without inductor's code
generation), so that the suite cannot rot where no GPU is available.

Examples::

    bash benchmarks/gpu_suite.sh                     # on the GPU machine (stack install first)
    python benchmarks/gpu_suite.py --dry-run --out /tmp/suite
"""
import argparse
import gc
import json
import os
import os.path as osp
import sys
import time
import traceback

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

# Monodepth2's own training step on one H100 (samples/s), the issue's reference figures
MONODEPTH2 = {('M', 18, '640x192'): 142.0, ('M', 50, '640x192'): 91.4,
              ('M', 18, '1024x320'): 63.2, ('MS', 18, '640x192'): 118.9}

BF16_CL = ['--amp', 'bf16', '--channels-last']
# (name, kind, arguments on the GPU, estimated GPU seconds), highest priority first: the
# R18 variants up to CUDA graphs, the fine-tuning ratio, end to end, R50 / 1024x320 / MS,
# the ViT-L backbone, then the rest; with mmcv prebuilt (device_stack.sh) about the first
# eleven fit the 9 minutes by these estimates (which are guesses until a GPU run)
SUITE = [
    ('step_r18_m_fp32', 'step', [], 20),
    ('step_r18_m_bf16_cl', 'step', BF16_CL, 15),
    ('step_r18_m_bf16_cl_cudagraphs', 'step', BF16_CL + ['--cuda-graphs'], 120),
    # interleaved, block by block, in one process: the ratio is what the plugin adds
    ('finetune_pair', 'finetune', ['--only', 'ours', 'mmseg-same-net'], 60),
    ('e2e_r18_m_bf16_cl', 'e2e', BF16_CL, 60),
    ('step_r50_m_bf16_cl', 'step', BF16_CL + ['--depth', '50'], 20),
    ('step_r18_m_1024x320_bf16_cl', 'step', BF16_CL + ['--width', '1024', '--height', '320'],
     20),
    ('step_r18_ms_bf16_cl', 'step', BF16_CL + ['--supervision', 'MS'], 20),
    ('vit_l_bf16', 'vit', [], 60),
    ('step_r18_m_bf16', 'step', ['--amp', 'bf16'], 15),
    ('step_r18_m_bf16_cl_compiled', 'step', BF16_CL + ['--compile'], 90),
    ('e2e_r18_m_bf16_cl_cudagraphs', 'e2e', BF16_CL + ['--cuda-graphs'], 90),
    ('step_r50_m_bf16_cl_cudagraphs', 'step', BF16_CL + ['--depth', '50', '--cuda-graphs'], 120),
    ('step_r18_m_1024x320_bf16_cl_cudagraphs', 'step',
     BF16_CL + ['--width', '1024', '--height', '320', '--cuda-graphs'], 100),
    ('step_r18_ms_bf16_cl_cudagraphs', 'step', BF16_CL + ['--supervision', 'MS', '--cuda-graphs'],
     120),
    ('finetune_mmseg', 'finetune', ['--only', 'mmseg'], 30),
]

TIMING = dict(gpu=['--warmup', '5', '--iters', '20', '--repeats', '5'],
              dry=['--warmup', '1', '--iters', '1', '--repeats', '1'])
SIZES = dict(gpu=dict(step=['--device', 'cuda', '--height', '192', '--width', '640',
                            '--batch', '12'],
                      e2e=['--device', 'cuda', '--workers', '16', '--ext', 'jpg',
                           '--warmup', '10', '--iters', '60', '--repeats', '3'],
                      finetune=['--device', 'cuda', '--crop', '512x1024', '--batch', '8',
                                '--amp', 'bf16', '--warmup', '3', '--iters', '10',
                                '--repeats', '3'],
                      vit=['--device', 'cuda', '--dtype', 'bf16', '--warmup', '2', '--iters',
                           '5', '--repeats', '3']),
             dry=dict(step=['--device', 'cpu', '--height', '32', '--width', '64', '--batch', '2',
                            '--compile-backend', 'eager'],
                      e2e=['--device', 'cpu', '--workers', '1', '--ext', 'jpg',
                           '--img-scale', '64x32', '--batch', '2', '--compile-backend', 'eager',
                           '--warmup', '1', '--iters', '1', '--repeats', '1'],
                      finetune=['--device', 'cpu', '--crop', '32x64', '--batch', '2',
                                '--warmup', '1', '--iters', '1', '--repeats', '1'],
                      vit=['--device', 'cpu', '--arch', 'small', '--sizes', '28', '--impls',
                           'ours', 'hf-eager', '--warmup', '0', '--iters', '1', '--repeats',
                           '1', '--in-process']))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default=os.environ.get('OUT') or 'work_dirs/gpu_suite')
    p.add_argument('--dry-run', action='store_true', help='CPU, tiny sizes, 1 iteration')
    p.add_argument('--deadline', type=float, default=None,
                   help='stop starting measurements that do not fit before this time '
                   '(seconds since the epoch; default: no limit)')
    p.add_argument('--only', nargs='+', default=None, help='names of SUITE to run')
    return p.parse_args(argv)


def arguments(kind, extra, dry, json_path):
    """Command-line arguments of one measurement's script."""
    mode = 'dry' if dry else 'gpu'
    args = list(SIZES[mode][kind])
    if kind == 'step':
        args += TIMING[mode]
    if kind == 'vit':
        return args + extra + ['--json', json_path]
    if kind == 'finetune':
        return args + [a for a in extra if not (dry and a == '--amp')] + ['--json', json_path]
    if dry:
        extra = [a for a in extra if a not in ('--amp', 'bf16')]  # no bf16 speed on this CPU
        if '--depth' in extra:  # the R50 variants: the same code path as R18
            i = extra.index('--depth')
            extra = extra[:i] + extra[i + 2:]
        if '--width' in extra:
            extra = [a for a in extra if a not in ('--width', '1024', '--height', '320')]
    return args + extra + ['--json', json_path]


_WORLDS = {}


def world(out, dry):
    """A KITTI-layout synthetic world for the end-to-end runs, generated once."""
    if out not in _WORLDS:
        from data_loading_speed import make_kitti_world

        start = time.time()
        size, drives, frames = ((320, 96), 1, 4) if dry else ((1242, 375), 2, 40)
        workers = 1 if dry else min(8, os.cpu_count() or 1)  # 1: no worker processes
        _WORLDS[out] = make_kitti_world(osp.join(out, 'world'), drives, frames, workers,
                                        size=size)
        print(f'[suite] generated a {size[0]}x{size[1]} world ({drives} x {frames} frames) '
              f'in {time.time() - start:.0f} s', flush=True)
    return _WORLDS[out]


def run_one(name, kind, extra, dry, out):
    """Run one measurement in this process; returns its JSON record."""
    import torch

    json_path = osp.join(out, f'{name}.json')
    argv = arguments(kind, extra, dry, json_path)
    if kind == 'e2e':
        argv += ['--world', world(out, dry)]
    if kind == 'step':
        import train_throughput as script
    elif kind == 'e2e':
        import train_end_to_end as script
    elif kind == 'vit':
        import vit_backbone as script
    else:
        import finetune_step as script
    torch._dynamo.reset()
    try:
        script.main(argv)
    finally:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    with open(json_path) as f:
        record = json.load(f)
    record['argv'] = argv
    with open(json_path, 'w') as f:
        json.dump(record, f, indent=1)
    return record


def reference(name, record):
    """Monodepth2's samples/s for the same setting (None when the issue gives none)."""
    if not name.startswith('step_') or record.get('device', '').startswith('cpu'):
        return None
    key = (record['supervision'], record['depth'], f"{record['width']}x{record['height']}")
    return MONODEPTH2.get(key) if record.get('batch') == 12 else None


def table(results):
    """The suite's table as text."""
    lines = [f'{"measurement":42s} {"samples/s":>10s} {"ms/step":>9s} {"peak GiB":>9s} '
             f'{"warm-up s":>9s}  notes']
    for r in results:
        if r['status'] != 'ok':
            lines.append(f'{r["name"]:42s} {r["status"]}')
            continue
        rec, notes = r['record'], []
        if r['kind'] == 'vit':
            lines += vit_rows(r['name'], rec)
            continue
        if r['kind'] == 'finetune':
            lines += finetune_rows(r['name'], rec)
            continue
        ref = reference(r['name'], rec)
        if ref:
            notes.append(f'{rec["samples_per_s"] / ref:.2f}x Monodepth2 (H100, {ref:g})')
        if r['kind'] == 'e2e':
            notes.append(f'loader only {rec["loader_samples_per_s"]:.1f}, step only '
                         f'{rec["step_samples_per_s"]:.1f} ({rec["bound"]}-bound)')
        if rec.get('compile_status', '').startswith('eager:'):
            notes.append(f'NOT COMPILED ({rec["compile_status"]})')
        if rec.get('cudagraph_skips'):
            notes.append(f'{rec["cudagraph_skips"]} graph(s) without CUDA graph')
        lines.append(f'{r["name"]:42s} {rec["samples_per_s"]:10.1f} {rec["step_ms"]:9.1f} '
                     f'{rec["peak_gib"]:9.2f} {rec.get("warmup_s", 0):9.1f}  {"; ".join(notes)}')
    return '\n'.join(lines)


def finetune_rows(name, rec):
    """One table row per fine-tuning model, the ratio ours / mmseg in the notes."""
    rows = []
    for e in rec['entries']:
        notes = []
        if e['name'] == 'ours' and rec.get('ours_over_mmseg_same_net'):
            notes.append(f'{rec["ours_over_mmseg_same_net"]:.3f}x mmseg on the same network'
                         ' (interleaved)')
        rows.append(f'{name + " " + e["name"]:42s} {e["samples_per_s"]:10.1f} '
                    f'{e["step_ms"]:9.1f} {e["peak_gib"]:9.2f} {e["warmup_s"]:9.1f}  '
                    f'{"; ".join(notes)}')
    return rows


def vit_rows(name, rec):
    """One table row per ViT backbone entry, with ours / Hugging Face in the notes."""
    rows = []
    for e in rec['entries']:
        label = f'{name} {e["size"]} {e["mode"]} {e["impl"]}'
        if 'oom' in e:
            rows.append(f'{label:42s} out of memory')
            continue
        notes = [f'{r["speed"]:.2f}x speed, '
                 + (f'{r["memory"]:.2f}x memory' if r['memory'] else 'memory n/a')
                 + f' of {r["vs"]}' for r in rec['ratios'] if e['impl'] == 'ours'
                 and 'speed' in r and (r['size'], r['mode']) == (e['size'], e['mode'])]
        ms = 1000 * rec['batch'] / e['rate']
        rows.append(f'{label:42s} {e["rate"]:10.1f} {ms:9.1f} {e["peak"] / 1024:9.2f} '
                    f'{"":9s}  {"; ".join(notes)}')
    return rows


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    suite = [s for s in SUITE if args.only is None or s[0] in args.only]
    unknown = sorted(set(args.only or ()) - {s[0] for s in SUITE})
    if unknown:
        raise SystemExit(f'gpu_suite: unknown measurement(s) {unknown}')
    results = []
    for name, kind, extra, estimate in suite:
        left = None if args.deadline is None else args.deadline - time.time()
        entry = dict(name=name, kind=kind)
        if left is not None and not args.dry_run and left < estimate:
            entry['status'] = f'skipped: {left:.0f} s left, needs about {estimate} s'
            results.append(entry)
            print(f'[suite] {name}: {entry["status"]}', flush=True)
            continue
        print(f'[suite] {name} ...', flush=True)
        start = time.time()
        try:
            entry['record'] = run_one(name, kind, extra, args.dry_run, args.out)
            entry['status'] = 'ok'
        except Exception as exc:  # noqa: BLE001 - one failure must not end the suite
            traceback.print_exc()
            entry['status'] = f'failed: {type(exc).__name__}: {str(exc).splitlines()[0][:150]}'
        entry['seconds'] = time.time() - start
        print(f'[suite] {name}: {entry["status"]} ({entry["seconds"]:.0f} s)', flush=True)
        results.append(entry)
        save(results, args.out)  # after each one: a run cut short keeps what it measured
    print(save(results, args.out))
    return results


def save(results, out):
    """Write ``suite.json`` and ``table.txt``; returns the table."""
    text = table(results)
    with open(osp.join(out, 'table.txt'), 'w') as f:
        f.write(text + '\n')
    with open(osp.join(out, 'suite.json'), 'w') as f:
        json.dump(results, f, indent=1)
    return text


if __name__ == '__main__':
    main()
