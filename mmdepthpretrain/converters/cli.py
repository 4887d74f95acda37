"""Command-line plumbing shared by ``tools/model_converters/*.py``.

Each tool parses its arguments, loads its sources with :func:`load_source`, calls a pure
converter and hands the result to :func:`finish`, which checks it against ``--config``,
prints the report and writes the file. User mistakes end as one ``prog: error: ...``
message (with the list of mismatched keys where there is one) and exit status 2.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from contextlib import contextmanager
from typing import Iterable, Mapping

from torch import Tensor, nn

from .common import ConversionError, ConversionReport, apply_model_check
from .io import OutputError, check_destination, save_converted

__all__ = ['add_common_args', 'build_model_from_config', 'finish', 'one_line_errors',
           'protected_files']


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--config``, ``--overwrite`` and ``--verbose``."""
    parser.add_argument('--config', type=_existing_config,
                        help='config of the model the weights are for: the '
                        'report then lists its fresh keys exactly, and keys or shapes that '
                        'do not fit it are an error')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace DST if it exists (never an input file)')
    parser.add_argument('--verbose', action='store_true',
                        help='list every key instead of grouping them by module')


def _existing_config(path: str) -> str:
    """argparse type of ``--config``: a missing file fails before anything is loaded."""
    if not osp.isfile(osp.expanduser(path)):
        raise argparse.ArgumentTypeError(f'config file not found: {path}')
    return osp.expanduser(path)


def build_model_from_config(path: str) -> nn.Module:
    """Build ``cfg.model`` of a config file (plugin registered, mmseg default scope).

    Args:
        path (str): Config file.

    Returns:
        nn.Module: the model (weights not initialised from files).
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmdepthpretrain  # noqa: F401  (registers the components)

    if not osp.isfile(path):
        raise FileNotFoundError(f'config file not found: {path}')
    try:
        cfg = Config.fromfile(path)
    except Exception as exc:  # noqa: BLE001 - a user file that does not parse
        raise ConversionError(f'cannot read config {path}: {type(exc).__name__}: {exc}'
                              ) from None
    if 'model' not in cfg:
        raise ConversionError(f'config {path} has no model')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    try:
        return MODELS.build(cfg.model)
    except Exception as exc:  # noqa: BLE001 - a model the config cannot build
        raise ConversionError(f'cannot build the model of {path}: {type(exc).__name__}: '
                              f'{exc}') from None


def protected_files(folder: str, names: Iterable[str]) -> list:
    """Source-format files of an input folder, which a destination may never replace."""
    return [osp.join(folder, n) for n in names]


def finish(state_dict: Mapping[str, Tensor], report: ConversionReport, dst: str,
           inputs: Iterable[str], args: argparse.Namespace) -> int:
    """Check against ``--config``, print the report and write ``dst``.

    Args:
        state_dict (Mapping[str, Tensor]): Converted weights.
        report (ConversionReport): Its report (``sources`` set by the caller).
        dst (str): Destination path.
        inputs (Iterable[str]): Files that must not be overwritten.
        args (argparse.Namespace): With ``config``, ``overwrite``, ``verbose``.

    Returns:
        int: 0.
    """
    dst = check_destination(dst, inputs, args.overwrite)
    if args.config:
        apply_model_check(state_dict, report, build_model_from_config(args.config))
        report.info['checked against'] = args.config
    from mmdepthpretrain import __version__
    meta = report.meta()
    meta['mmdepthpretrain_version'] = __version__
    print(report.format(verbose=args.verbose))
    save_converted(state_dict, dst, meta)
    print(f'saved {len(state_dict)} tensors to {dst}')
    return 0


@contextmanager
def one_line_errors(prog: str):
    """Turn user mistakes into ``prog: error: ...`` on stderr and exit status 2 (a source
    that is missing, not a checkpoint, truncated, corrupt or unsafe among them)."""
    from mmdepthpretrain.compat import CheckpointError

    try:
        yield
    except (ConversionError, OutputError, FileNotFoundError, CheckpointError,
            IsADirectoryError) as exc:
        if os.environ.get('MMDEPTHPRETRAIN_DEBUG'):
            raise
        msg = str(exc)
        if isinstance(exc, FileNotFoundError) and exc.filename and exc.filename not in msg:
            msg = f'{msg}: {exc.filename}'
        print(f'{prog}: error: {msg}', file=sys.stderr)
        sys.exit(2)


def require_file(path: str, what: str) -> str:
    """Fail with one line when an input file is missing."""
    if not osp.isfile(osp.expanduser(path)):
        raise FileNotFoundError(f'{what} not found: {path}')
    return osp.expanduser(path)

