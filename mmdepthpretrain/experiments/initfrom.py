"""How a fine-tuning config says its initialisation is made (``init_from``), read for the grid."""
from __future__ import annotations

from typing import Optional, Tuple

from .spec import CONVERTER_MODES, GridSpecError

__all__ = ['CONVERTER', 'read_config', 'convert_mode', 'conversion']

CONVERTER = 'pretrain_to_seg'  # the converter of our pre-training checkpoints


def read_config(config_file: str, why: str):
    """A config read with mmengine (bases resolved), or a GridSpecError naming it."""
    from mmengine.config import Config

    from ..compat import enable_config_lookup_cache
    enable_config_lookup_cache()  # a grid reads many configs with the same mmseg:: bases
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


def conversion(config_file: str, setup: dict) -> Tuple[str, str]:
    """The converter and mode that make a setup's initialisation from a pre-training stage.

    The converter is the config's ``init_from.converter`` (:data:`CONVERTER` for a config
    without ``init_from``), one of ``spec.CONVERTER_MODES``; the mode the setup's
    ``convert:``, else the config's ``init_from.mode``.

    Args:
        config_file (str): The fine-tuning config (read with mmengine's ``Config``).
        setup (dict): The spec's setup (``name``, optional ``convert``).

    Returns:
        tuple[str, str]: e.g. ``('pretrain_to_seg', 'full')`` or
        ``('vit_to_mmdp', 'backbone')``.
    """
    init_from = _init_from(config_file)
    converter = (init_from or {}).get('converter') or CONVERTER
    fix = (f"add init_from = dict(converter='{CONVERTER}', source=..., mode='full' or "
           f"'encoder') to the config, or give the setup convert: full|encoder in the spec")
    if converter not in CONVERTER_MODES:
        raise GridSpecError(f'{config_file}: init_from.converter is {converter!r}, but the grid '
                            f'converts its pre-training checkpoints with '
                            f'{" or ".join(CONVERTER_MODES)}; {fix}')
    modes = CONVERTER_MODES[converter]
    if setup.get('convert'):
        mode = setup['convert']
    elif init_from is None:
        raise GridSpecError(f'{config_file}: no init_from field, so the grid cannot tell how '
                            f'to convert the pre-training checkpoint for setup '
                            f'{setup["name"]!r}; {fix}')
    else:
        mode = init_from.get('mode')
    if mode not in modes:
        given = (f'setup {setup["name"]!r} has convert: {mode!r}' if setup.get('convert')
                 else f'init_from.mode is {mode!r}')
        raise GridSpecError(f'{config_file}: {given}, not one of {", ".join(modes)} '
                            f'({converter}); {fix}')
    return converter, mode


def convert_mode(config_file: str, setup: dict) -> str:
    """The converter mode of a setup (see :func:`conversion`).

    Args:
        config_file (str): The fine-tuning config (read with mmengine's ``Config``).
        setup (dict): The spec's setup (``name``, optional ``convert``).

    Returns:
        str: e.g. 'full' or 'encoder'.
    """
    return conversion(config_file, setup)[1]
