"""Compare what fine-tuning did to each part of several runs (FinetuneDiagnosticsHook).

Each run is a work dir of ``tools/train.py`` trained with the hook, for example::

    python tools/train.py configs/synthetic/depthseg_r18-depth-full_1xb4-300_synthetic-320x96.py \\
        --work-dir work_dirs/diag/depth-full \\
        --cfg-options default_hooks.diagnostics.type=FinetuneDiagnosticsHook \\
            default_hooks.diagnostics.interval=20

(``run_grid.py --set finetune.options.default_hooks.diagnostics.type=FinetuneDiagnosticsHook``
adds it to every cell of a grid). Then::

    python tools/experiments/finetune_diagnostics.py random=work_dirs/diag/random-full \\
        depth=work_dirs/diag/depth-full --out work_dirs/diag/diagnostics.md

prints, per run and parameter group: the gradient norm at the first iteration and its
median over the records, the relative weight change at the end, the dead-channel
fraction of the group's activations at the first and the last record, and per run the
classifier input's effective rank and the training loss at the start and the end.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import statistics
import sys


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog='finetune_diagnostics.py',
                                description=__doc__.split('\n')[0])
    p.add_argument('runs', nargs='+', metavar='NAME=WORK_DIR')
    p.add_argument('--out', help='also write the tables to this Markdown file')
    return p.parse_args(argv)


def load_run(spec: str) -> tuple[str, dict]:
    name, sep, work_dir = spec.partition('=')
    if not sep or not name or not work_dir:
        raise SystemExit(f'finetune_diagnostics.py: expected NAME=WORK_DIR, got {spec!r}')
    path = work_dir if work_dir.endswith('.json') else osp.join(
        work_dir, 'finetune_diagnostics.json')
    if not osp.isfile(path):
        raise SystemExit(f'finetune_diagnostics.py: {path} not found: train the run with '
                         '--cfg-options default_hooks.diagnostics.type=FinetuneDiagnosticsHook')
    with open(path) as f:
        data = json.load(f)
    if not data.get('records'):
        raise SystemExit(f'finetune_diagnostics.py: {path} has no records')
    return name, data


def _dead(record: dict, group: str) -> float | None:
    vals = [v for k, v in (record.get('dead_fraction') or {}).items()
            if k == group or k.startswith(group + '.')]
    return sum(vals) / len(vals) if vals else None


def _fmt(x, spec='.3g') -> str:
    return '-' if x is None else format(x, spec)


def tables(runs: list[tuple[str, dict]]) -> str:
    lines = ['| run | group | trained | grad norm (iter 1) | grad norm (median) | '
             'weight change (end) | dead channels (start → end) |',
             '|---|---|---|---|---|---|---|']
    for name, data in runs:
        first, last = data['records'][0], data['records'][-1]
        for group, g0 in first['groups'].items():
            norms = [r['groups'][group]['grad_norm'] for r in data['records']]
            d0, d1 = _dead(first, group), _dead(last, group)
            dead = '-' if d0 is None else f'{d0:.2f} → {d1:.2f}'
            lines.append(f"| {name} | {group} | {'yes' if g0['trained'] else 'no'} | "
                         f"{_fmt(g0['grad_norm'])} | {_fmt(statistics.median(norms))} | "
                         f"{_fmt(last['groups'][group]['rel_change'])} | {dead} |")
    lines += ['', '| run | iterations | loss (first → last) | classifier input effective rank '
              '(start → end, of channels) |', '|---|---|---|---|']
    for name, data in runs:
        first, last = data['records'][0], data['records'][-1]
        losses = [x for x in data['losses'] if x == x]
        rank = '-'
        if 'classifier_input_rank' in first:
            rank = (f"{first['classifier_input_rank']:.2f} → "
                    f"{last.get('classifier_input_rank', float('nan')):.2f} "
                    f"of {first['classifier_input_channels']}")
        loss = f'{losses[0]:.3f} → {losses[-1]:.3f}' if losses else '-'
        lines.append(f"| {name} | {last['iter']} | {loss} | {rank} |")
    return '\n'.join(lines) + '\n'


def main(argv=None) -> int:
    args = parse_args(argv)
    text = tables([load_run(r) for r in args.runs])
    sys.stdout.write(text)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        tmp = args.out + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.replace(tmp, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
