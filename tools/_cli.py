"""Shared command-line plumbing for tools/train.py and tools/test.py.

Keeps user mistakes to one readable line (``train.py: error: ...``, exit status 2) instead
of a traceback from deep inside mmengine; ``MMDEPTHPRETRAIN_DEBUG=1`` keeps the traceback.
One line is printed for

* input files: a missing config, checkpoint or initialisation file; a checkpoint that is
  not a checkpoint, is truncated, corrupt or unsafe (any entry point: ``load_from``,
  ``--resume``, ``init_cfg=dict(type='Pretrained')``);
* configuration: an unreadable config, an unknown ``--cfg-options`` key (the rule is in
  :mod:`_cfg_options`: the key must exist in the loaded config, or be new where it is
  read: a Runner setting at the top level, a constructor parameter of the component, or
  below a mapping without ``type`` such as ``default_hooks`` or ``env_cfg``), a value a
  component refuses (``ValueError``, ``KeyError``: an invalid ``min_depth``, an unknown
  ``type``);
* data: files that are missing or cannot be read (``OSError``, or mmcv's assertion, while
  a batch loads: a truncated PNG, also from a data-loader worker), an empty data root,
  dropped samples with ``on_missing='error'``;
* numerics: a non-finite loss (``FloatingPointError``);
* a broken installation (mmcv without its compiled ops, a missing package).

Anything else (a bug) keeps its traceback.
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


CFG_OPTIONS_HELP = (
    'override config settings, key=value (nested keys with dots, list items by index: '
    'custom_hooks.0.priority=LOW). A key must exist in the config, or be new where it is '
    'read: a Runner setting at the top level (resume, randomness, runner_type ...), a '
    'constructor parameter of the component (model.backbone.frozen_stages), or anything '
    'below a mapping without type (default_hooks, env_cfg, norm_cfg ...); other keys fail '
    'with the nearest known ones')
EPILOG = ('Errors in the input (files, config, data, numerics) are reported in one line; '
          'set MMDEPTHPRETRAIN_DEBUG=1 to see the traceback.')


def import_plugin() -> None:
    """Import mmdepthpretrain (registers every component), or raise :class:`CLIError`."""
    try:
        import mmdepthpretrain  # noqa: F401
    except ImportError as exc:
        if os.environ.get('MMDEPTHPRETRAIN_DEBUG'):
            raise
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
        if 'make install' not in msg:
            msg = f'cannot import mmdepthpretrain ({msg}); run `make install`'
        raise CLIError(msg) from None


def load_config(path: str, cfg_options: dict | None = None):
    """Load a config with the plugin imported and the options checked and merged.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): ``--cfg-options`` (see :mod:`_cfg_options`).

    Returns:
        mmengine.Config: The config.

    Raises:
        CLIError: A missing or unreadable config, an unknown option key, a broken install.
    """
    from mmengine.config import Config

    if not osp.isfile(path):
        raise CLIError(f'config file not found: {path}')
    import_plugin()
    from mmdepthpretrain.compat import enable_config_lookup_cache
    enable_config_lookup_cache()
    try:
        cfg = Config.fromfile(path)
    except Exception as exc:  # noqa: BLE001 - parse errors of user files
        raise CLIError(f'cannot read config {path}: {type(exc).__name__}: {exc}') from None
    if cfg_options:
        from _cfg_options import check_cfg_options
        error = check_cfg_options(cfg, cfg_options)
        if error:
            raise CLIError(error)
        try:
            cfg.merge_from_dict(cfg_options)
        except Exception as exc:  # noqa: BLE001 - values mmengine cannot merge
            raise CLIError(f'--cfg-options: {type(exc).__name__}: {exc}') from None
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


_DATA_FRAMES = (f'{os.sep}torch{os.sep}utils{os.sep}data{os.sep}',)


def _raised_loading_data(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while a data loader fetched a batch (not while a dataset
    built its index)."""
    if 'DataLoader worker' in str(exc):
        return True
    tb = exc.__traceback__
    while tb is not None:
        if any(part in tb.tb_frame.f_code.co_filename for part in _DATA_FRAMES):
            return True
        tb = tb.tb_next
    return False


def _plain_message(exc: BaseException) -> str:
    """The message of ``exc`` as the user should read it."""
    if isinstance(exc, KeyError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        msg = exc.args[0]
    else:
        msg = str(exc)
    if 'Original Traceback' in msg:  # re-raised from a data-loader worker
        last = [ln for ln in msg.strip().splitlines() if ln.strip()][-1].strip()
        msg = last.split(': ', 1)[1] if ': ' in last and ' ' not in last.split(':')[0] else last
    if isinstance(exc, FileNotFoundError) and exc.filename and str(exc.filename) not in msg:
        msg = f'{msg}: {exc.filename}'
    if type(exc).__name__ != 'MissingDataError':  # a report, one line per drive
        msg = ' '.join(part.strip() for part in msg.splitlines() if part.strip())
    return msg or type(exc).__name__


def one_line_message(exc: BaseException) -> str | None:
    """The one line our tools print for ``exc``, or None to keep the traceback.

    Args:
        exc (BaseException): The exception.

    Returns:
        str | None: The message (without the program name).
    """
    compat = sys.modules.get('mmdepthpretrain.compat')
    ours = (CLIError, compat.CheckpointError) if compat is not None else (CLIError,)
    if isinstance(exc, ours):
        return _plain_message(exc)
    loading = _raised_loading_data(exc)
    if not isinstance(exc, (OSError, ValueError, KeyError, FloatingPointError)) and not (
            loading and isinstance(exc, AssertionError)):  # mmcv's "failed to load image"
        return None
    msg = _plain_message(exc)
    if isinstance(exc, (OSError, AssertionError)) and loading:
        msg = (f'loading data: {msg} (restore the file from the dataset, or remove the '
               'sample)')
    return msg


@contextmanager
def one_line_errors(prog: str):
    """Print input errors as ``prog: error: ...`` and exit with status 2 (see the module
    docstring); ``MMDEPTHPRETRAIN_DEBUG=1`` keeps the traceback."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - classified by one_line_message
        msg = None if os.environ.get('MMDEPTHPRETRAIN_DEBUG') else one_line_message(exc)
        if msg is None:
            raise
        print(f'{prog}: error: {msg}', file=sys.stderr)
        sys.exit(2)
