"""The fine-tuning learning-rate search of a grid, on a held-out validation split.

Runs the grid spec once per value of its ``lr_search.values`` (the spec's
``finetune.held_out`` images of each budget score the runs; the test split is never
read), in ``<work_dir>/lr_<value>``; the pre-training runs once, in the first value's
folder, and the others reuse its checkpoints. It then writes ``lr_search.out`` (JSON):
per dataset x init-setup x budget the value with the best mean over seeds of the spec's
first report metric, every value's mean and per-seed scores, and the commands. A grid
spec uses the choice with ``finetune.lr_from: <that file>``.

Example:
    python tools/experiments/lr_search.py configs/experiments/lr_search_synthetic.yaml \\
        --work-dir work_dirs/lr_search
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
for _p in (REPO, osp.join(REPO, 'tools', 'experiments')):
    if _p not in sys.path:
        sys.path.insert(0, _p)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='lr_search.py', description=__doc__.split('\n')[0])
    parser.add_argument('spec', help='grid spec with lr_search: and finetune.held_out')
    parser.add_argument('--work-dir', help='default: work_dirs/<spec name>')
    parser.add_argument('--set', nargs='+', default=[], metavar='KEY=VALUE',
                        help='spec overrides (see run_grid.py)')
    parser.add_argument('--use-checkpoint', nargs='+', default=[], metavar='STAGE=PATH',
                        help='pre-training checkpoints to use (see run_grid.py)')
    parser.add_argument('--out', help='the choice (default: the spec\'s lr_search.out)')
    parser.add_argument('--quiet', action='store_true')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import os

    os.chdir(REPO)
    from run_grid import make_plan, run

    from mmdepthpretrain.experiments import GridSpecError, choose_lr, load_spec

    try:
        spec = load_spec(args.spec, args.set, args.use_checkpoint)
        search = spec.get('lr_search')
        if not search or not spec['finetune'].get('held_out'):
            raise GridSpecError(f'{args.spec}: a learning-rate search needs lr_search: '
                                f'{{values: [...]}} and finetune.held_out (validation images)')
        option = search.get('option', 'optim_wrapper.optimizer.lr')
        out_file = args.out or search.get('out') or osp.join(
            args.work_dir or osp.join('work_dirs', spec['name']), 'lr_choice.json')
        work = args.work_dir or osp.join('work_dirs', spec['name'])
        metric = make_plan(args.spec, work, args.set, args.use_checkpoint).metrics
        if not metric:
            raise GridSpecError(f'{args.spec}: report.metrics names the compared metric')
        metric = metric[0][0]
        start = time.perf_counter()
        checkpoints, results, runs = list(args.use_checkpoint), {}, {}
        for value in search['values']:
            vdir = osp.join(work, f'lr_{value}')
            out = run(args.spec, vdir, list(args.set) + [f'finetune.options.{option}={value}'],
                      qualitative=False, quiet=args.quiet, checkpoints=checkpoints)
            plan = out['plan']
            if not checkpoints:  # later values reuse this value's pre-training
                for stage in plan.stages:
                    done = osp.join(stage.done_file)
                    if stage.kind == 'pretrain' and osp.isfile(done):
                        ckpt = json.load(open(done))['checkpoint']
                        checkpoints.append(f'{stage.key}={ckpt}')
            with open(out['paths']['json']) as f:
                results[value] = json.load(f)['rows']
            runs[str(value)] = dict(work_dir=vdir, seconds=round(out['seconds'], 1),
                                    failed=[k for k, v in out['statuses'].items()
                                            if v != 'done'])
        choice = choose_lr(results, metric)
        choice.update(
            option=option, metric=metric, values=search['values'],
            held_out=spec['finetune']['held_out'], spec=args.spec, overrides=args.set,
            per_seed={str(v): {f'{r["dataset"]}/{r["init"]}-{r["setup"]}/b{r["budget"]}':
                               (r.get('per_seed') or {}).get(metric) for r in rows}
                      for v, rows in results.items()},
            runs=runs, seconds=round(time.perf_counter() - start, 1),
            date=time.strftime('%Y-%m-%d %H:%M:%S'))
        os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
        with open(out_file, 'w') as f:
            json.dump(choice, f, indent=2)
            f.write('\n')
    except (GridSpecError, ValueError) as exc:
        print(f'lr_search.py: error: {exc}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('\nlr_search.py: interrupted; run it again to resume', file=sys.stderr)
        return 130
    for key, value in choice['chosen'].items():
        scores = ', '.join(f'{v}: {s:.2f}' for v, s in choice['scores'][key].items())
        print(f'[lr_search] {key}: {option}={value} ({metric} on the held-out images: '
              f'{scores})')
    print(f'[lr_search] choice: {out_file}')
    return 1 if any(r['failed'] for r in runs.values()) else 0


if __name__ == '__main__':
    sys.exit(main())
