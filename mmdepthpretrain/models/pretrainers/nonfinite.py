"""What a non-finite loss does to a training step, with one host read at the step's end.

Nothing inside the step waits for the host: whether the losses are finite is a device
tensor, a skipped step's loss is replaced by zero on the device (:func:`zero_if_nonfinite`)
and its gradients are zeroed on the device before the optimizer steps
(:class:`NonFiniteGradientGuard`). The host reads the outcome once, after the update is
queued (:func:`report_nonfinite`), which is where mmengine's ``RuntimeInfoHook`` reads the
step's log values anyway: the check adds no stall to a training loop.

Under a distributed wrapper (whose ``train_step`` replaces the model's), the guard is
installed and the outcome read by :class:`~mmdepthpretrain.compat.FiniteLossHook`.
"""

import math
import weakref
from typing import Dict, List, Optional

import torch
from mmengine.logging import print_log
from torch import Tensor

__all__ = ['NONFINITE_MODES', 'all_finite', 'zero_if_nonfinite', 'NonFiniteGradientGuard',
           'gradient_guard', 'report_nonfinite', 'nonfinite_terms', 'warn_skipped']

NONFINITE_MODES = ('raise', 'skip')


def all_finite(losses: Dict[str, Tensor]) -> Tensor:
    """0-dim bool tensor on the losses' device: every element of every term is finite."""
    if not losses:
        return torch.ones((), dtype=torch.bool)
    return torch.stack([torch.isfinite(v.detach()).all() for v in losses.values()]).all()


def zero_if_nonfinite(loss: Tensor) -> Tensor:
    """``loss`` where it is finite, else 0 (a device-side select: no host read)."""
    return torch.where(torch.isfinite(loss), loss, torch.zeros_like(loss))


class NonFiniteGradientGuard:
    """Optimizer step pre-hook: zero every gradient unless all of them are finite.

    The decision is a device tensor (one norm per gradient, no host read). The hook runs
    after the gradients are complete, that is after a distributed all-reduce (so all ranks
    decide alike) and after mmengine's gradient clipping. Zero gradients leave the weights
    of SGD unchanged; optimizers with momentum or weight decay still apply those.

    Args:
        optimizer (torch.optim.Optimizer): The optimizer to guard.
    """

    def __init__(self, optimizer: torch.optim.Optimizer):
        self.ok: Optional[Tensor] = None
        self._handle = optimizer.register_step_pre_hook(self._before_step)

    def _before_step(self, optimizer, args, kwargs) -> None:
        grads = [p.grad for group in optimizer.param_groups for p in group['params']
                 if p.grad is not None]
        if not grads:
            return
        ok = torch.isfinite(torch.stack(torch._foreach_norm(grads))).all()
        for grad in grads:
            grad.masked_fill_(~ok, 0.0)
        self.ok = ok if self.ok is None else self.ok & ok

    def pop(self) -> Optional[Tensor]:
        """The decision since the last call (None when the optimizer did not step)."""
        ok, self.ok = self.ok, None
        return ok

    def remove(self) -> None:
        """Unregister the hook."""
        self._handle.remove()


_GUARDS: 'weakref.WeakKeyDictionary' = weakref.WeakKeyDictionary()


@torch.compiler.disable
def gradient_guard(optimizer: torch.optim.Optimizer) -> NonFiniteGradientGuard:
    """The :class:`NonFiniteGradientGuard` of ``optimizer``, installed on first use.

    One guard per optimizer, kept as long as the optimizer lives: its hooks stay the same
    from step to step, so a compiled step is not recompiled.
    """
    guard = _GUARDS.get(optimizer)
    if guard is None:
        guard = _GUARDS[optimizer] = NonFiniteGradientGuard(optimizer)
    return guard


def nonfinite_terms(values: Dict[str, object]) -> Dict[str, float]:
    """The ``loss`` terms of a log dict whose (mean) value is not finite, as floats."""
    bad = {}
    for key, value in values.items():
        if 'loss' not in key:
            continue
        try:
            number = float(value.detach().float().mean()) if hasattr(value, 'detach') \
                else float(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(number):
            bad[key] = number
    return bad


@torch.compiler.disable  # a host read: under torch.compile it runs after the compiled graphs
def report_nonfinite(owner: str, terms: Dict[str, Tensor], ok: Tensor, mode: str,
                     guard_ok: Optional[Tensor] = None) -> None:
    """Read the step's outcome on the host (its one sync) and raise or warn.

    Args:
        owner (str): Class name for the message.
        terms (dict[str, Tensor]): The step's loss terms as computed.
        ok (Tensor): 0-dim bool, whether the terms are finite.
        mode (str): 'raise': ``FloatingPointError`` naming the terms; 'skip': a warning
            (the loss was replaced by zero and the gradients zeroed).
        guard_ok (Tensor, optional): The gradient guard's decision. Defaults to None.

    Raises:
        FloatingPointError: in 'raise' mode, when a term is not finite.
    """
    if guard_ok is not None:
        ok = ok & guard_ok
    if bool(ok):
        return
    bad = nonfinite_terms(terms)
    if mode == 'raise':
        raise FloatingPointError(
            f'{owner}: non-finite loss term(s) {bad}; lower the learning rate, check the '
            "inputs, or set nonfinite='skip' to skip such steps")
    warn_skipped(owner, list(bad))


def warn_skipped(owner: str, bad: List[str]) -> None:
    """The warning of a skipped step (``bad``: the non-finite terms, if any)."""
    what = f'loss term(s) {bad}' if bad else 'gradients'
    print_log(f'{owner}: non-finite {what}, step skipped (zero gradients)',
              logger='current', level=30)
