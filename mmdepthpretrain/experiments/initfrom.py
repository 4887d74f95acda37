"""How a fine-tuning config says its initialisation is made (``init_from``), read for the grid."""
from __future__ import annotations

from typing import Optional

from .spec import CONVERT_MODES, GridSpecError

__all__ = ['CONVERTER', 'read_config', 'convert_mode']

CONVERTER = 'pretrain_to_seg'  # the converter of our pre-training checkpoints


def read_config(config_file: str, why: str):
    """A config read with mmengine (bases resolved), or a GridSpecError naming it."""
    from mmengine.config import Config

    try:
        return Config.fromfile(config_file, import_custom_modules=False)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's config
        raise GridSpecError(f'{config_file}: cannot read the config to find its {why} '
                            f'({type(exc).__name__}: {exc})') from None


def _init_from(config_file: str) -> Optional[dict]:
    """The config's ``init_from``, read with mmengine (bases resolved)."""
    init_from = read_config(config_file, 'init_from').get('init_from')
    if init_from is not None and not isinstance(init_from, dict):
        raise GridSpecError(f'{config_file}: init_from is a dict(converter=..., source=..., '
                            f'mode=...), got {type(init_from).__name__}')
    return None if init_from is None else dict(init_from)


def convert_mode(config_file: str, setup: dict) -> str:
    """The converter mode of a setup: its ``convert:``, else the config's ``init_from.mode``.

    Args:
        config_file (str): The fine-tuning config (read with mmengine's ``Config``).
        setup (dict): The spec's setup (``name``, optional ``convert``).

    Returns:
        str: 'full' or 'encoder'.
    """
    if setup.get('convert'):
        return setup['convert']
    init_from = _init_from(config_file)
    fix = (f"add init_from = dict(converter='{CONVERTER}', source=..., mode='full' or "
           f"'encoder') to the config, or give the setup convert: full|encoder in the spec")
    if init_from is None:
        raise GridSpecError(f'{config_file}: no init_from field, so the grid cannot tell how '
                            f'to convert the pre-training checkpoint for setup '
                            f'{setup["name"]!r}; {fix}')
    if init_from.get('converter') != CONVERTER:
        raise GridSpecError(f'{config_file}: init_from.converter is '
                            f'{init_from.get("converter")!r}, but the grid converts its '
                            f'pre-training checkpoints with {CONVERTER}; {fix}')
    mode = init_from.get('mode')
    if mode not in CONVERT_MODES:
        raise GridSpecError(f'{config_file}: init_from.mode is {mode!r}, not one of '
                            f'{", ".join(CONVERT_MODES)}; {fix}')
    return mode
