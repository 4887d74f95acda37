"""Config files of other packages (``mmseg::``, ``mmdet::``) found without re-reading them.

For every ``_base_ = 'mmseg::...'`` (and ``Config.fromfile('mmseg::...')``) mmengine 0.10
looks the name up in the package's model index: it reads ``.mim/model-index.yml`` and
every ``metafile.yml`` it imports (mmseg: about 80 YAML files) and, for a ``_base_/`` file
that has no metafile entry, does so only to fail over to the plain path. It also reloads
``pkg_resources`` to check that the package is installed. That is about 0.35 s per
external base on a 2-core machine, most of the time it takes to read one of our configs.

:func:`enable_config_lookup_cache` keeps, per process, the table mmengine builds from
those files (config name -> its metafile entry, the first entry of a name winning, as in
mmengine) and the packages found installed. The table is read again when the package's
``model-index.yml`` changes. Lookups give mmengine's results, its ``ValueError`` for a
name without an entry included, so ``_base_/`` files still resolve to their path.
"""
from __future__ import annotations

import os
import os.path as osp
import warnings

_ORIGINALS: dict = {}
_TABLES: dict = {}  # package path -> (model-index stamp, {config name: metafile entry})
_INSTALLED: set = set()


def _stamp(package_path: str):
    try:
        st = os.stat(osp.join(package_path, '.mim', 'model-index.yml'))
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _table(package_path: str) -> dict:
    from mmengine.fileio import load

    stamp = _stamp(package_path)
    cached = _TABLES.get(package_path)
    if cached is not None and stamp is not None and cached[0] == stamp:
        return cached[1]
    mim = osp.join(package_path, '.mim')
    table: dict = {}
    for meta_path in load(osp.join(mim, 'model-index.yml'))['Import']:
        for entry in load(osp.join(mim, meta_path))['Models']:
            if 'Config' not in entry:
                warnings.warn(f'{meta_path}: a model without Config: {entry}', stacklevel=2)
                continue
            table.setdefault(entry['Config'].partition('/')[-1], entry)
    _TABLES[package_path] = (stamp, table)
    return table


def cfg_metainfo(package_path: str, cfg_path: str) -> dict:
    """``mmengine.config.utils._get_cfg_metainfo`` from the cached table."""
    table = _table(package_path)
    if cfg_path not in table:
        raise ValueError(f'Expected configs: {table.keys()}, but got {cfg_path}')
    return table[cfg_path]


def is_installed(package: str) -> bool:
    """``mmengine.utils.is_installed``, remembering the packages found installed."""
    if package in _INSTALLED:
        return True
    found = _ORIGINALS['is_installed'](package)
    if found:
        _INSTALLED.add(package)
    return found


def enable_config_lookup_cache() -> bool:
    """Serve mmengine's lookups of ``package::`` configs from the per-process cache.

    Returns:
        bool: False when it was already enabled.
    """
    import mmengine.config.config as config_module
    import mmengine.config.utils as config_utils

    if _ORIGINALS:
        return False
    _ORIGINALS.update(metainfo=config_utils._get_cfg_metainfo,
                      is_installed=config_module.is_installed)
    config_utils._get_cfg_metainfo = cfg_metainfo
    config_module.is_installed = is_installed
    return True


def disable_config_lookup_cache() -> None:
    """Give mmengine its own lookups back and forget the cache."""
    import mmengine.config.config as config_module
    import mmengine.config.utils as config_utils

    if not _ORIGINALS:
        return
    config_utils._get_cfg_metainfo = _ORIGINALS.pop('metainfo')
    config_module.is_installed = _ORIGINALS.pop('is_installed')
    _TABLES.clear()
    _INSTALLED.clear()


def config_lookup_cache_enabled() -> bool:
    return bool(_ORIGINALS)
