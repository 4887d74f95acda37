"""Checkpoints that load anywhere: the message hub saved as plain data.

A Runner checkpoint holds one tree that is neither tensors nor plain Python data:
``message_hub.log_scalars``, mmengine ``HistoryBuffer`` objects whose histories are numpy
arrays (plus a few numpy scalars in ``message_hub.runtime_info``). Under torch >= 2.6's
``weights_only=True`` default, loading those needs numpy's reconstruct functions and
``builtins.getattr``, which an allow-list cannot admit safely.

:class:`PortableCheckpointHook` therefore changes what is saved, not how it is loaded:

* ``before_save_checkpoint``: every ``HistoryBuffer`` becomes
  ``dict(log_history=<float64 tensor>, count_history=<float64 tensor>, max_length=<int>)``
  and numpy scalars/arrays in ``runtime_info`` and ``meta`` become Python numbers/lists.
  The file then loads with plain ``torch.load(path, weights_only=True)`` and with
  mmengine's own ``CheckpointLoader`` in an environment without mmdepthpretrain; a plain
  mmengine Runner that resumes it skips the records (with a warning) and keeps going.
* ``after_load_checkpoint``: the records become ``HistoryBuffer`` objects again, exactly
  (float64 in, float64 out), before the Runner restores its message hub.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmengine.registry import HOOKS

__all__ = [
    'PortableCheckpointHook',
    'history_to_record',
    'record_to_history',
    'is_history_record',
    'message_hub_to_plain',
    'message_hub_from_plain',
    'to_plain',
]

_RECORD_KEYS = frozenset({'log_history', 'count_history', 'max_length'})


def history_to_record(buf: HistoryBuffer) -> dict:
    """A ``HistoryBuffer`` as plain data (tensors and an int).

    Args:
        buf (HistoryBuffer): The buffer.

    Returns:
        dict: ``log_history`` and ``count_history`` (1-D float64 tensors), ``max_length``.
    """
    return dict(
        log_history=torch.from_numpy(np.array(buf._log_history, dtype=np.float64).ravel()),
        count_history=torch.from_numpy(np.array(buf._count_history, dtype=np.float64).ravel()),
        max_length=int(buf.max_length))


def is_history_record(value: Any) -> bool:
    """Whether ``value`` is a record written by :func:`history_to_record`."""
    return isinstance(value, dict) and set(value) == _RECORD_KEYS


def record_to_history(record: dict) -> HistoryBuffer:
    """Rebuild the ``HistoryBuffer`` a record came from.

    Args:
        record (dict): Output of :func:`history_to_record`.

    Returns:
        HistoryBuffer: A buffer with the same histories (float64) and window.

    Raises:
        ValueError: The record is malformed.
    """
    logs, counts = record['log_history'], record['count_history']
    if not (isinstance(logs, torch.Tensor) and isinstance(counts, torch.Tensor)
            and logs.shape == counts.shape and logs.dim() == 1
            and isinstance(record['max_length'], int)):
        raise ValueError(f'malformed message_hub log record: {record!r}')
    buf = HistoryBuffer(max_length=record['max_length'])
    buf._log_history = logs.detach().cpu().to(torch.float64).numpy().copy()
    buf._count_history = counts.detach().cpu().to(torch.float64).numpy().copy()
    return buf


def to_plain(value: Any) -> Any:
    """Replace numpy scalars and arrays in nested containers by Python numbers and lists.

    Args:
        value: Any nested structure of dicts, lists and tuples.

    Returns:
        The same structure with numpy values converted; everything else unchanged.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        converted = [(k, to_plain(v)) for k, v in value.items()]
        if all(a is b for (_, a), b in zip(converted, value.values())):
            return value
        return type(value)(converted) if isinstance(value, OrderedDict) else dict(converted)
    if isinstance(value, (list, tuple)):
        converted = [to_plain(v) for v in value]
        if all(a is b for a, b in zip(converted, value)):
            return value
        return type(value)(converted) if type(value) in (list, tuple) else converted
    return value


def message_hub_to_plain(state: dict) -> dict:
    """Convert a ``MessageHub.state_dict()`` to plain data (see module docstring).

    Args:
        state (dict): ``log_scalars``, ``runtime_info``, ``resumed_keys``.

    Returns:
        dict: A new dict; the input is not modified.
    """
    out = dict(state)
    if isinstance(state.get('log_scalars'), dict):
        out['log_scalars'] = OrderedDict(
            (key, history_to_record(value) if isinstance(value, HistoryBuffer) else value)
            for key, value in state['log_scalars'].items())
    if 'runtime_info' in state:
        out['runtime_info'] = to_plain(state['runtime_info'])
    return out


def message_hub_from_plain(state: dict) -> dict:
    """Undo :func:`message_hub_to_plain` (``HistoryBuffer`` objects pass through).

    Args:
        state (dict): A message hub state from a checkpoint.

    Returns:
        dict: A new dict whose ``log_scalars`` are ``HistoryBuffer`` objects.
    """
    out = dict(state)
    if isinstance(state.get('log_scalars'), dict):
        out['log_scalars'] = OrderedDict(
            (key, record_to_history(value) if is_history_record(value) else value)
            for key, value in state['log_scalars'].items())
    return out


@HOOKS.register_module()
class PortableCheckpointHook(Hook):
    """Save the message hub as plain data and restore it on load.

    :class:`~mmdepthpretrain.compat.CompatRunner` and our tools register it on every
    Runner; add it with ``custom_hooks=[dict(type='PortableCheckpointHook')]`` to another
    runner. Its ``VERY_LOW`` priority makes it convert after other hooks have added to
    the checkpoint.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Convert ``message_hub`` and ``meta`` in the checkpoint to plain data."""
        if isinstance(checkpoint.get('message_hub'), dict):
            checkpoint['message_hub'] = message_hub_to_plain(checkpoint['message_hub'])
        if 'meta' in checkpoint:
            checkpoint['meta'] = to_plain(checkpoint['meta'])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Rebuild ``HistoryBuffer`` objects before the Runner restores its message hub."""
        if isinstance(checkpoint.get('message_hub'), dict):
            checkpoint['message_hub'] = message_hub_from_plain(checkpoint['message_hub'])
