"""Stop a run at the first non-finite loss, before a checkpoint can save its weights."""
from __future__ import annotations

import math

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

__all__ = ['FiniteLossHook']


def _value(value) -> float:
    try:
        return float(value.detach().float().mean()) if hasattr(value, 'detach') else float(value)
    except (TypeError, ValueError):
        return 0.0


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise ``FloatingPointError`` when a training step's loss is NaN or infinite.

    mmseg and mmdet models keep training on a NaN loss (every later step is NaN, and the
    next checkpoint saves NaN weights over nothing better). This hook checks the logged
    ``loss`` of every iteration (the value is already on the host: mmengine's
    ``RuntimeInfoHook`` reads it for the log) and stops with the iteration, the non-finite
    terms and what to do. Its ``LOW`` priority runs it after the logger printed the
    iteration and before ``CheckpointHook`` (``VERY_LOW``) could save the step's weights.
    Our tools and :class:`~mmdepthpretrain.compat.CompatRunner` register it.

    A model with ``nonfinite='skip'`` (``SelfSupDepthEstimator``) skips such steps itself
    in its ``train_step``; under a distributed wrapper, whose ``train_step`` replaces the
    model's, this hook guards the optimizer instead
    (:class:`~mmdepthpretrain.models.pretrainers.nonfinite.NonFiniteGradientGuard`) and
    warns for each skipped step.
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._guards = []

    def before_train(self, runner) -> None:
        """Guard the optimizers of a wrapped model that asks to skip non-finite steps."""
        from mmengine.model import is_model_wrapper
        model = runner.model
        if not is_model_wrapper(model) or getattr(model.module, 'nonfinite', None) != 'skip':
            return
        from mmdepthpretrain.models.pretrainers.nonfinite import gradient_guard
        wrappers = getattr(runner.optim_wrapper, 'optim_wrappers', None)
        wrappers = list(wrappers.values()) if wrappers else [runner.optim_wrapper]
        self._guards = [gradient_guard(w.optimizer) for w in wrappers]

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        """Check ``outputs['loss']`` and name the non-finite terms."""
        if not isinstance(outputs, dict) or 'loss' not in outputs:
            return
        if self._guards:  # 'skip' under a wrapper: the loss was zeroed, the step guarded
            from mmdepthpretrain.models.pretrainers.nonfinite import nonfinite_terms, warn_skipped
            decisions = [guard.pop() for guard in self._guards]
            bad = nonfinite_terms(outputs)
            if bad or any(ok is not None and not bool(ok) for ok in decisions):
                warn_skipped(type(runner.model.module).__name__, list(bad))
            return
        if math.isfinite(_value(outputs['loss'])):
            return
        bad = {k: _value(v) for k, v in outputs.items()
               if 'loss' in k and not math.isfinite(_value(v))}
        last = runner.message_hub.get_info('last_ckpt')
        resume = f'; then resume from {last} with --resume' if last else ''
        raise FloatingPointError(
            f'iteration {runner.iter + 1}: non-finite loss {bad}; the step\'s weights were '
            'not saved. Lower the learning rate (optim_wrapper.optimizer.lr), clip gradients '
            '(optim_wrapper.clip_grad=dict(max_norm=...)) or check the data' + resume)
