"""Reading ViT checkpoints: single files, and Hugging Face folders (sharded or not).

A Hugging Face folder holds ``config.json`` and ``model.safetensors`` or
``pytorch_model.bin``, or shards listed by ``model.safetensors.index.json`` /
``pytorch_model.bin.index.json``. Everything loads through :func:`load_source`
(``weights_only=True``; safetensors hold tensors only).
"""
from __future__ import annotations

import json
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

from torch import Tensor

from .common import ConversionError, unwrap_state_dict
from .io import load_source

__all__ = ['HF_WEIGHT_FILES', 'read_vit_source']

HF_WEIGHT_FILES = ('model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin',
                   'pytorch_model.bin.index.json')


def _read_json(path: str) -> Dict[str, Any]:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise ConversionError(f'cannot read {path}: {exc}') from None


def _folder_weights(folder: str) -> List[str]:
    for name in HF_WEIGHT_FILES:
        path = osp.join(folder, name)
        if not osp.isfile(path):
            continue
        if not name.endswith('.index.json'):
            return [path]
        weight_map = _read_json(path).get('weight_map')
        if not isinstance(weight_map, dict) or not weight_map:
            raise ConversionError(f'{path} has no weight_map')
        shards = list(OrderedDict.fromkeys(weight_map.values()))
        missing = [s for s in shards if not osp.isfile(osp.join(folder, s))]
        if missing:
            raise FileNotFoundError(f'{path} lists shards that are not in {folder}: '
                                    f'{missing[:5]}')
        return [osp.join(folder, s) for s in shards]
    raise FileNotFoundError(f'{folder} has none of {list(HF_WEIGHT_FILES)} (a Hugging Face '
                            'model folder), and is not a checkpoint file')


def read_vit_source(path: str) -> Tuple[OrderedDict[str, Tensor], Optional[dict], List[str]]:
    """Load a checkpoint file or a Hugging Face folder.

    Args:
        path (str): ``.pth`` / ``.pt`` / ``.bin`` / ``.safetensors`` file, or a folder.

    Returns:
        tuple: ``(state_dict, hf_config or None, files read)``.
    """
    path = osp.expanduser(str(path))
    if osp.isdir(path):
        files = _folder_weights(path)
        config_path = osp.join(path, 'config.json')
        config = _read_json(config_path) if osp.isfile(config_path) else None
        state: OrderedDict[str, Tensor] = OrderedDict()
        for f in files:
            part, _ = unwrap_state_dict(load_source(f), f)
            clash = set(part) & set(state)
            if clash:
                raise ConversionError(f'{f} repeats keys of another shard: {sorted(clash)[:5]}')
            state.update(part)
        return state, config, files + ([config_path] if config is not None else [])
    if not osp.isfile(path):
        raise FileNotFoundError(f'source checkpoint not found: {path}')
    state, _ = unwrap_state_dict(load_source(path), path)
    return state, None, [path]
