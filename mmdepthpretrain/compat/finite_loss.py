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
    """

    priority = 'LOW'

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        """Check ``outputs['loss']`` and name the non-finite terms."""
        if not isinstance(outputs, dict) or 'loss' not in outputs:
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
