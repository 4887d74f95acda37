"""Shared command-line plumbing for tools/train.py and tools/test.py.

Keeps user mistakes (a missing config, checkpoint or initialisation file) to one readable
line instead of a traceback from deep inside mmengine.
"""
from __future__ import annotations

import os
import os.path as osp
import shlex
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
                yield f'{where}.init_cfg.checkpoint', item['checkpoint']
        for key, value in node.items():
            if key != 'init_cfg':
                yield from _pretrained_paths(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _pretrained_paths(value, f'{where}[{i}]')


def _is_local(path: str) -> bool:
    return '://' not in str(path)


INIT_FROM_KEYS = ('converter', 'source', 'mode')


def converter_names() -> list[str]:
    """Names of the converters in ``tools/model_converters`` (file names without ``.py``)."""
    folder = osp.join(REPO_ROOT, 'tools', 'model_converters')
    return sorted(f[:-3] for f in os.listdir(folder)
                  if f.endswith('.py') and not f.startswith('_'))


def init_from_command(cfg) -> str | None:
    """The command that makes the config's ``load_from`` file, from its ``init_from``.

    ``init_from = dict(converter=NAME, source=PATH, mode=MODE)`` says that ``load_from`` is
    written by ``tools/model_converters/NAME.py``; ``mode`` (the converter's ``--mode``) is
    omitted for converters without one. The command is
    ``python tools/model_converters/{converter}.py {source} {load_from} [--mode {mode}]``.

    Args:
        cfg (mmengine.Config): The run's config.

    Returns:
        str | None: The command, or None when the config has no ``init_from``.

    Raises:
        CLIError: ``init_from`` is malformed, names no converter of this project, or comes
            without ``load_from``.
    """
    init = cfg.get('init_from')
    if init is None:
        return None
    usage = ("expected init_from = dict(converter='pretrain_to_seg', source='path/to/iter_N.pth', "
             "mode='full')")
    if not isinstance(init, dict):
        raise CLIError(f'init_from: {usage}, got {init!r}')
    unknown = sorted(set(init) - set(INIT_FROM_KEYS))
    if unknown:
        raise CLIError(f'init_from: unknown key(s) {", ".join(unknown)}; {usage}')
    for key in INIT_FROM_KEYS:
        value = init.get(key)
        if (key != 'mode' or value is not None) and not (isinstance(value, str) and value):
            raise CLIError(f'init_from.{key}: expected a non-empty string, got {value!r}; {usage}')
    script = f'tools/model_converters/{init["converter"]}.py'
    if not osp.isfile(osp.join(REPO_ROOT, script)):
        raise CLIError(f'init_from.converter: no converter {script} '
                       f'(available: {", ".join(converter_names())})')
    if not cfg.get('load_from'):
        raise CLIError('init_from: needs load_from, the file the converter writes')
    args = ['python', script, init['source'], str(cfg.load_from)]
    if init.get('mode') is not None:
        args += ['--mode', init['mode']]
    return ' '.join(shlex.quote(a) for a in args)


def check_input_files(cfg) -> None:
    """Fail before training when a file the config points at is missing.

    Checks ``load_from`` and every ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
    When ``load_from`` is missing and the config says how it is made (``init_from``, see
    :func:`init_from_command`), the error gives the command.

    Args:
        cfg (mmengine.Config): The run's config.

    Raises:
        CLIError: A file is missing, or ``init_from`` is malformed.
    """
    items = []
    if cfg.get('load_from') and not cfg.get('resume', False):
        items.append(('load_from', cfg.load_from, init_from_command(cfg)))
    items.extend((key, path, None) for key, path in _pretrained_paths(cfg.get('model', {})))
    for key, path, command in items:
        if _is_local(path) and not osp.isfile(osp.expanduser(path)):
            msg = f'{key}: initialisation file not found: {path}'
            if command:
                msg += f' (make it with: {command})'
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
