"""Pre-training quality of a grid: each stage's validation curve, final values and time.

A pre-training stage validates every ``val_interval`` iterations with its config's
evaluator (``MonoDepthMetric``: abs rel, delta < 1.25; ``FlowEPEMetric``: EPE;
``ReconstructionMetric``: masked L1); mmengine writes those to the stage's
``<timestamp>/vis_data/scalars.json``, which is read back here as the fine-tuning curves
are. The early-stopping option of a stage is mmengine's ``EarlyStoppingHook``, added
through a small config that inherits the stage's config (:func:`early_stop_config`).
"""
from __future__ import annotations

import glob
import json
import os.path as osp
import pprint
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

__all__ = [
    'PRETRAIN_METRICS', 'LOWER_IS_BETTER', 'stage_metrics', 'read_val_curves',
    'early_stop_config', 'early_stop_rule', 'pretraining_summary', 'format_pretraining'
]

# Validation keys of the pre-training evaluators and their titles, in table order.
PRETRAIN_METRICS = (('abs_rel', 'abs rel'), ('a1', 'δ<1.25'), ('EPE', 'EPE'),
                    ('masked_l1', 'masked L1'))
LOWER_IS_BETTER = ('abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'EPE', 'Fl_all', 'masked_l1',
                   'l1', 'photo_l1')


def stage_metrics(stage: dict) -> List[Tuple[str, str]]:
    """A stage's curve metrics: its ``metrics:`` (key -> title, or a list of keys), else
    :data:`PRETRAIN_METRICS` (only those the stage logged are shown)."""
    given = (stage or {}).get('metrics')
    if isinstance(given, dict):
        return [(str(k), str(v)) for k, v in given.items()]
    if isinstance(given, list):
        return [(str(k), str(k)) for k in given]
    return list(PRETRAIN_METRICS)


def read_val_curves(train_dir: str, keys: Sequence[str]) -> Dict[str, dict]:
    """Validation curves of a training run from mmengine's ``scalars.json``.

    Args:
        train_dir (str): The run's work dir (the newest ``<timestamp>/vis_data`` wins).
        keys (sequence): Validation keys to read.

    Returns:
        dict: key -> ``dict(x=[iterations], y=[values])`` for each key that was logged.
    """
    files = sorted(glob.glob(osp.join(train_dir, '*', 'vis_data', 'scalars.json')))
    curves: Dict[str, dict] = OrderedDict()
    if not files:
        return curves
    with open(files[-1]) as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            step = rec.get('step', rec.get('iter'))
            if step is None or 'loss' in rec:
                continue
            for key in keys:
                if isinstance(rec.get(key), (int, float)):
                    curve = curves.setdefault(key, dict(x=[], y=[]))
                    curve['x'].append(int(step))
                    curve['y'].append(float(rec[key]))
    return curves


def early_stop_rule(early_stop: dict) -> str:
    """'less' or 'greater': the stage's ``rule``, else 'less' for the error metrics of
    :data:`LOWER_IS_BETTER` and 'greater' for the others."""
    metric = early_stop['metric']
    return early_stop.get('rule') or ('less' if metric in LOWER_IS_BETTER else 'greater')


def early_stop_config(base_config: str, early_stop: dict,
                      custom_hooks: Optional[list] = None) -> str:
    """The text of a config that inherits ``base_config`` and adds mmengine's
    ``EarlyStoppingHook`` to its custom hooks.

    Args:
        base_config (str): Absolute path of the stage's config.
        early_stop (dict): ``metric`` (validation key), ``patience`` (validations without
            an improvement of more than ``min_delta``), optional ``min_delta`` (default 0)
            and ``rule`` ('less' or 'greater'; default: 'less' for the error metrics of
            :data:`LOWER_IS_BETTER`, else 'greater').
        custom_hooks (list, optional): The base config's custom hooks (kept in front).

    Returns:
        str: Python config text.
    """
    metric = early_stop['metric']
    rule = early_stop_rule(early_stop)
    hook = dict(type='EarlyStoppingHook', monitor=metric, rule=rule,
                patience=int(early_stop.get('patience', 3)),
                min_delta=float(early_stop.get('min_delta', 0.0)), strict=True)
    hooks = list(custom_hooks or []) + [hook]
    return (f'# written by the experiment grid: {osp.basename(base_config)} with early '
            f'stopping on {metric}\n_base_ = [{base_config!r}]\n'
            f'custom_hooks = {pprint.pformat(hooks, width=90)}\n')


def pretraining_summary(work_dir: str, spec: dict) -> Dict[str, dict]:
    """Per pre-training stage and dataset: its curves, final values, time, early stop.

    Args:
        work_dir (str): The grid's work dir (stages in ``pretrain/<dataset>/<name>``).
        spec (dict): The grid spec.

    Returns:
        dict: ``'<dataset>/<name>'`` -> ``dict(curves, final, final_iteration, seconds,
        stopped_early, checkpoint)`` for every stage folder that exists; ``final`` holds
        the validation values of the checkpoint handed on (an early-stopped stage's best
        validation), or the last values when that checkpoint was not validated.
    """
    out: Dict[str, dict] = OrderedDict()
    for name, stage in (spec.get('pretrain') or {}).items():
        keys = [k for k, _ in stage_metrics(stage)]
        for ds in spec.get('datasets') or {}:
            pdir = osp.join(work_dir, 'pretrain', ds, name)
            if not osp.isdir(pdir):
                continue
            done = {}
            try:
                with open(osp.join(pdir, 'done.json')) as f:
                    done = json.load(f)
            except (OSError, ValueError):
                pass
            curves = read_val_curves(pdir, keys)
            final, last = _values_at(curves, checkpoint_iteration(done.get('checkpoint')))
            out[f'{ds}/{name}'] = OrderedDict(
                curves=curves, final=final, final_iteration=last,
                seconds=done.get('seconds'), checkpoint=done.get('checkpoint'),
                stopped_early=done.get('stopped_early'), given=bool(done.get('given')))
    return out


def checkpoint_iteration(ckpt: Optional[str]) -> Optional[int]:
    """The iteration in a checkpoint's name (``iter_250.pth`` -> 250), if any."""
    match = re.search(r'iter_(\d+)\.pth$', ckpt or '')
    return int(match.group(1)) if match else None


def _values_at(curves: Dict[str, dict], iteration: Optional[int]):
    """Each curve's value at ``iteration`` (that of the checkpoint handed on, e.g. the best
    validation of an early-stopped stage) when every curve has it, else its last value;
    and that iteration."""
    if iteration is not None and curves and all(iteration in c['x'] for c in curves.values()):
        return OrderedDict((k, c['y'][c['x'].index(iteration)])
                           for k, c in curves.items()), iteration
    final = OrderedDict((k, c['y'][-1]) for k, c in curves.items() if c['y'])
    return final, max((c['x'][-1] for c in curves.values() if c['x']), default=None)


def format_pretraining(summary: Optional[dict], titles: Sequence[Tuple[str, str]]) -> str:
    """``abs rel 0.153, δ<1.25 0.812 @400`` for a table cell; '-' without values."""
    if not summary or not summary.get('final'):
        return '-'
    names = dict(titles)
    parts = [f'{names.get(k, k)} {v:.3f}' for k, v in summary['final'].items()]
    text = ', '.join(parts)
    if summary.get('final_iteration') is not None:
        text += f' @{summary["final_iteration"]}'
    return text
