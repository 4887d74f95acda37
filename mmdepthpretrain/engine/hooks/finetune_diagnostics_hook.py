"""What a fine-tuning does to each part of the network: gradients, weight change, dead units.

Written to tell apart the explanations of an initialisation that underfits (the loss of a
depth-initialised whole network following its frozen twin's): a part whose gradients are
orders of magnitude below the others' (the optimiser does not reach it), a part whose
weights barely move relative to their size, units that are dead after the initialisation
(a ReLU that outputs zero for every pixel of a batch cannot learn through that batch), and
the effective rank of the features the classifier sees (a decoder that learnt one quantity,
disparity, hands the classifier a few directions only).
"""

import json
import math
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS
from torch import nn

__all__ = ['FinetuneDiagnosticsHook', 'effective_rank', 'parameter_groups']


def parameter_groups(model: nn.Module, depth: int = 2) -> Dict[str, List[str]]:
    """Group trainable and frozen parameter names by their first ``depth`` name parts.

    ``backbone.layer1.0.conv1.weight`` belongs to ``backbone.layer1``; the classifier of an
    mmseg decode head (``decode_head.conv_seg``) is a group of its own, the rest of the head
    is ``decode_head.<first child>`` for depth 2.
    """
    groups: Dict[str, List[str]] = defaultdict(list)
    for name, _ in model.named_parameters():
        parts = name.split('.')
        groups['.'.join(parts[:depth]) if len(parts) > depth else parts[0]].append(name)
    return dict(groups)


def effective_rank(features: torch.Tensor) -> float:
    """Effective rank (Roy & Vetterli 2007) of (B, C, H, W) features as C x BHW samples.

    exp of the entropy of the normalised singular values of the centred feature matrix:
    C for features spread evenly over C directions, 1 for features on one direction.
    """
    x = features.detach().float().transpose(0, 1).reshape(features.shape[1], -1)
    x = x - x.mean(dim=1, keepdim=True)
    s = torch.linalg.svdvals(x)
    if float(s.sum()) == 0.0:
        return 0.0
    p = s / s.sum()
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))


@HOOKS.register_module()
class FinetuneDiagnosticsHook(Hook):
    """Record, per parameter group, what the optimiser does to a network being fine-tuned.

    Every ``interval`` iterations (and at the first one) it records, for each group of
    :func:`parameter_groups`: the L2 norm of the gradient of that iteration, the weight
    change relative to the initialisation ``||w - w0|| / ||w0||`` and whether the group is
    trained at all; for every ReLU / ELU module, the fraction of channels that are dead
    (ReLU: zero at every pixel of the batch; ELU: negative everywhere) at the first
    iteration and the last; and the effective rank of the classifier's input features.
    The training loss of every iteration is kept too. All of it goes to
    ``<work_dir>/finetune_diagnostics.json`` (written to a temporary file, then renamed)
    at the end of training.

    Args:
        interval (int): Iterations between records. Defaults to 10.
        group_depth (int): Name parts that make a group. Defaults to 2.
        classifier (str): Name of the module whose input is the classifier's features.
            Defaults to 'decode_head.conv_seg'.
        activation_modules (Sequence[str]): Class names of the modules whose outputs are
            read for dead channels. Defaults to ReLU, ELU and the depth decoder's
            ``UpBlock`` (conv-ELU blocks whose ELU is functional).
        out_file (str): File name in the work dir. Defaults to 'finetune_diagnostics.json'.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 10, group_depth: int = 2,
                 classifier: str = 'decode_head.conv_seg',
                 out_file: str = 'finetune_diagnostics.json',
                 activation_modules: Sequence[str] = ('ReLU', 'ELU', 'UpBlock')):
        if interval < 1:
            raise ValueError(f'FinetuneDiagnosticsHook: interval must be >= 1, got {interval}')
        self.interval = interval
        self.group_depth = group_depth
        self.classifier = classifier
        self.out_file = out_file
        self.activation_modules = tuple(activation_modules)
        self._handles: list = []
        self._grad_sq: Dict[str, float] = defaultdict(float)
        self._record_acts = False
        self._acts: Dict[str, float] = {}
        self._features: Optional[torch.Tensor] = None

    # -- set up -------------------------------------------------------------------------
    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._model = model
        self._groups = parameter_groups(model, self.group_depth)
        params = dict(model.named_parameters())
        self._w0 = {n: p.detach().clone() for n, p in params.items()}
        self._trained = {g: any(params[n].requires_grad for n in names)
                         for g, names in self._groups.items()}
        group_of = {n: g for g, names in self._groups.items() for n in names}
        for name, p in params.items():
            if p.requires_grad:
                self._handles.append(p.register_hook(self._grad_hook(group_of[name])))
        for name, module in model.named_modules():
            if type(module).__name__ in self.activation_modules:
                self._handles.append(module.register_forward_hook(self._act_hook(name)))
            if name == self.classifier:
                self._handles.append(module.register_forward_hook(self._feature_hook))
        self.records: List[dict] = []
        self.losses: List[float] = []

    def _grad_hook(self, group: str):
        def hook(grad):
            if self._record_acts:
                self._grad_sq[group] += float(grad.detach().float().pow(2).sum())
        return hook

    def _act_hook(self, name: str):
        def hook(module, inputs, output):
            if not self._record_acts or not isinstance(output, torch.Tensor) or output.dim() != 4:
                return
            alive = (output.detach() > 0).any(dim=(0, 2, 3))
            self._acts[name] = 1.0 - float(alive.float().mean())
        return hook

    def _feature_hook(self, module, inputs, output):
        if self._record_acts and inputs and isinstance(inputs[0], torch.Tensor):
            self._features = inputs[0].detach()

    # -- per iteration ------------------------------------------------------------------
    def _recording(self, runner) -> bool:
        i = runner.iter + 1
        return i == 1 or i % self.interval == 0 or i == runner.max_iters

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._grad_sq.clear()
        self._record_acts = self._recording(runner)
        self._acts = {}
        self._features = None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        loss = (outputs or {}).get('loss')
        self.losses.append(float(loss) if loss is not None else math.nan)
        if not self._record_acts:
            return
        self._record_acts = False
        params = dict(self._model.named_parameters())
        rec = {'iter': runner.iter + 1, 'loss': self.losses[-1], 'groups': {}}
        for g, names in self._groups.items():
            w = torch.cat([params[n].detach().flatten().float() for n in names])
            w0 = torch.cat([self._w0[n].flatten().float() for n in names])
            rec['groups'][g] = {
                'grad_norm': math.sqrt(self._grad_sq.get(g, 0.0)),
                'rel_change': float((w - w0).norm() / w0.norm().clamp_min(1e-12)),
                'trained': self._trained[g],
            }
        if self._acts:
            rec['dead_fraction'] = dict(self._acts)
        if self._features is not None:
            rec['classifier_input_rank'] = effective_rank(self._features)
            rec['classifier_input_channels'] = int(self._features.shape[1])
        self.records.append(rec)

    def after_train(self, runner) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []
        out = {'interval': self.interval, 'losses': self.losses, 'records': self.records}
        path = osp.join(runner.work_dir, self.out_file)
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(out, f, indent=1)
        os.replace(tmp, path)
        runner.logger.info(f'FinetuneDiagnosticsHook: wrote {path}')
