"""The fine-tuning protocol of a grid: a held-out validation split and searched learning rates.

Held-out validation (``finetune.held_out: N``): of a budget's ``B`` labelled images (the
first ``B`` by name, the datasets' ``subset_mode='first'``), the first ``B - N`` train and
the last ``N`` score the run; the test split (every unlabelled image) is never read. The
held-out names are written per dataset and budget by ``tools/experiments/make_split.py``
(a stage of the grid) into ``<work_dir>/splits/<dataset>/val_b<B>_h<N>.txt``.

Searched learning rates (``finetune.lr_from: FILE``): ``tools/experiments/lr_search.py``
runs a held-out grid once per learning rate and writes FILE with the chosen value per
dataset x init-setup x budget (best mean of the first report metric over seeds); a grid
reading it sets that value (``option``, e.g. ``optim_wrapper.optimizer.lr``) in each cell
it names. Cells it does not name keep their config's learning rate.
"""
from __future__ import annotations

import json
import os.path as osp
from typing import List, Optional

from .spec import GridSpecError

__all__ = ['split_file', 'held_out_options', 'read_lr_choice', 'lr_option', 'choose_lr']

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def split_file(work_dir: str, dataset: str, budget: int, held_out: int) -> str:
    """Where the held-out names of one dataset and budget are listed."""
    return osp.join(work_dir, 'splits', dataset, f'val_b{budget}_h{held_out}.txt')


def held_out_options(budget: int, held_out: int, names_file: str) -> List[str]:
    """cfg-options that train on the first ``budget - held_out`` labelled images and
    validate and test on the listed held-out ones."""
    opts = [f'train_dataloader.dataset.num_labelled={budget - held_out}',
            'train_dataloader.dataset.subset_mode=first']
    for loader in LOADERS[1:]:
        opts += [f'{loader}.dataset.split=train', f'{loader}.dataset.subset_mode=list',
                 f'{loader}.dataset.subset_file={names_file}']
    return opts


def read_lr_choice(path: str, spec_path: str = '<spec>') -> dict:
    """The chosen learning rates written by ``tools/experiments/lr_search.py``."""
    if not osp.isfile(path):
        raise GridSpecError(f'{spec_path}: finetune.lr_from: {path} not found; run the '
                            f'learning-rate search first (python tools/experiments/'
                            f'lr_search.py configs/experiments/lr_search_synthetic.yaml), '
                            f'or drop lr_from to use the configs\' learning rates')
    try:
        with open(path) as f:
            choice = json.load(f)
    except ValueError as exc:
        raise GridSpecError(f'{path}: not valid JSON ({exc})') from None
    if not isinstance(choice.get('chosen'), dict) or not choice.get('option'):
        raise GridSpecError(f'{path}: a learning-rate choice has option and chosen '
                            f'(key -> value); rerun tools/experiments/lr_search.py')
    return choice


def lr_option(choice: Optional[dict], dataset: str, init_setup: str,
              budget: int) -> List[str]:
    """The cfg-option of a cell's chosen value: the entry ``<dataset>/<init-setup>/b<budget>``,
    else ``<init-setup>``; [] when the choice names neither."""
    if not choice:
        return []
    chosen = choice['chosen']
    for key in (f'{dataset}/{init_setup}/b{budget}', init_setup):
        if key in chosen:
            return [f'{choice["option"]}={chosen[key]}']
    return []


def choose_lr(results: dict, metric: str, higher_is_better: bool = True) -> dict:
    """Pick the best value per dataset x init-setup x budget.

    Args:
        results (dict): value -> the ``rows`` of that value's ``results.json``.
        metric (str): The metric key compared (its ``_mean`` over seeds).
        higher_is_better (bool): Defaults to True.

    Returns:
        dict: ``chosen`` (key -> value) and ``scores`` (key -> value -> mean), keys
        ``<dataset>/<init>-<setup>/b<budget>``; ties go to the smaller value.
    """
    scores: dict = {}
    for value in sorted(results, key=float):
        for row in results[value]:
            mean = row.get(f'{metric}_mean')
            if not isinstance(mean, (int, float)) or mean != mean:
                continue
            key = f'{row["dataset"]}/{row["init"]}-{row["setup"]}/b{row["budget"]}'
            scores.setdefault(key, {})[value] = float(mean)
    chosen = {}
    for key, by_value in scores.items():
        best = None
        for value, mean in by_value.items():  # ascending values: ties keep the smaller
            if best is None or (mean > by_value[best] if higher_is_better
                                else mean < by_value[best]):
                best = value
        chosen[key] = float(best)
    return dict(chosen=chosen, scores=scores)
