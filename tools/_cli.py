"""Shared command-line plumbing for tools/train.py and tools/test.py.

Keeps user mistakes (a missing config, checkpoint or initialisation file) to one readable
line instead of a traceback from deep inside mmengine.
"""
from __future__ import annotations

import os
import os.path as osp
import sys
import warnings
from contextlib import contextmanager

# mmengine imports pkg_resources, which setuptools >= 81 flags on every start.
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


class CLIError(Exception):
    """An error caused by the user's input, reported as one line."""


def load_config(path: str, cfg_options: dict | None = None):
    """Load a config with the plugin imported, or raise :class:`CLIError`."""
    from mmengine.config import Config

    if not osp.isfile(path):
        raise CLIError(f'config file not found: {path}')
    import mmdepthpretrain  # noqa: F401  (registers every component)
    try:
        cfg = Config.fromfile(path)
    except Exception as exc:  # noqa: BLE001 - parse errors of user files
        raise CLIError(f'cannot read config {path}: {type(exc).__name__}: {exc}') from None
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _pretrained_paths(node, where='model'):
    """Yield (key, path) of every ``init_cfg`` of type ``Pretrained`` below ``node``."""
    if isinstance(node, dict):
        init = node.get('init_cfg')
        inits = init if isinstance(init, (list, tuple)) else [init]
        for item in inits:
            if isinstance(item, dict) and item.get('type') == 'Pretrained' and \
                    item.get('checkpoint'):
                yield f'{where}.init_cfg.checkpoint', item['checkpoint'], item
        for key, value in node.items():
            if key != 'init_cfg':
                yield from _pretrained_paths(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _pretrained_paths(value, f'{where}[{i}]')


def _is_local(path: str) -> bool:
    return '://' not in str(path)


def check_input_files(cfg) -> None:
    """Fail before training when a file the config points at is missing.

    Checks ``load_from`` and every ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
    A config may give the command that makes its ``load_from`` file as ``load_from_hint``;
    it is printed with the error when the missing file is the one the hint makes.
    """
    items = []
    if cfg.get('load_from') and not cfg.get('resume', False):
        items.append(('load_from', cfg.load_from, dict(converter_hint=cfg.get('load_from_hint'))))
    items.extend(_pretrained_paths(cfg.get('model', {})))
    for key, path, holder in items:
        if _is_local(path) and not osp.isfile(osp.expanduser(path)):
            msg = f'{key}: initialisation file not found: {path}'
            hint = holder.get('converter_hint') if isinstance(holder, dict) else None
            if hint and str(path) in hint:
                msg += f' (make it with: {hint})'
            raise CLIError(msg)


@contextmanager
def one_line_errors(prog: str):
    """Turn CLIError, missing files and unsafe checkpoints into one line and exit code 2."""
    from mmdepthpretrain.compat import UnsafeCheckpointError

    try:
        yield
    except (CLIError, FileNotFoundError, UnsafeCheckpointError) as exc:
        if os.environ.get('MMDEPTHPRETRAIN_DEBUG'):
            raise
        msg = str(exc)
        if isinstance(exc, FileNotFoundError) and exc.filename and exc.filename not in msg:
            msg = f'{msg}: {exc.filename}'
        print(f'{prog}: error: {msg}', file=sys.stderr)
        sys.exit(2)
