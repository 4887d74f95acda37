"""torchvision ResNet state dict -> encoder initialisation (``backbone.*``).

mmseg's ``ResNet`` (and :class:`~mmdepthpretrain.models.DepthResNet`) name their parameters
exactly as torchvision does (``conv1``, ``bn1``, ``layer1.0.conv1``,
``layer1.0.downsample.0`` ...), so the conversion is a prefix change plus dropping the
ImageNet classifier ``fc``. For a pose encoder that takes ``n`` channel-stacked frames,
``conv1`` is repeated over the frames and divided by ``n`` (Godard et al., ICCV 2019,
supplementary Sec. B), so identical frames give the 1-frame response.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple

import torch
from torch import Tensor, nn

from .common import (
    IMAGENET_NORMALISATION,
    ConversionError,
    ConversionReport,
    apply_model_check,
    clone_tensor,
    first_keys,
    is_resnet_key,
    resnet_info,
    unwrap_state_dict,
)

__all__ = ['torchvision_resnet_to_encoder', 'map_resnet_keys', 'expand_conv1']


def map_resnet_keys(state: Mapping[str, Tensor], src_prefix: str, dst_prefix: str,
                    name: str) -> Tuple[OrderedDict[str, Tensor], Dict[str, str],
                                        Dict[str, str], List[str]]:
    """Move ResNet keys from ``src_prefix`` to ``dst_prefix``.

    Args:
        state (Mapping[str, Tensor]): Source tensors.
        src_prefix (str): Prefix of the ResNet keys in the source (e.g. ``'encoder.'``).
        dst_prefix (str): Prefix in the output (e.g. ``'backbone.'``).
        name (str): Source name for messages.

    Returns:
        tuple: ``(tensors, converted, dropped, unknown)``: output tensors, output key ->
        source key, dropped source key -> reason (the classifier ``fc``), and source keys
        under ``src_prefix`` that are not ResNet keys.
    """
    out: OrderedDict[str, Tensor] = OrderedDict()
    converted: Dict[str, str] = OrderedDict()
    dropped: Dict[str, str] = OrderedDict()
    unknown: List[str] = []
    for key, value in state.items():
        if not key.startswith(src_prefix):
            continue
        sub = key[len(src_prefix):]
        if sub.startswith('fc.'):
            dropped[key] = 'ImageNet classifier, not part of the encoder'
        elif is_resnet_key(sub):
            out[dst_prefix + sub] = clone_tensor(value)
            converted[dst_prefix + sub] = key
        else:
            unknown.append(key)
    if not out:
        raise ConversionError(
            f'{name}: the encoder matched nothing: no ResNet keys (conv1, bn1, '
            f'layer1.0.conv1, ...) under {src_prefix!r}; the file holds {first_keys(state)}')
    return out, converted, dropped, unknown


def expand_conv1(weight: Tensor, num_input_images: int) -> Tensor:
    """Repeat a 3-channel ``conv1`` weight over ``num_input_images`` frames, divided by n."""
    if weight.shape[1] != 3:
        raise ConversionError(f'conv1 already takes {weight.shape[1]} input channels; '
                              'num_input_images expands a 3-channel conv1 only')
    return torch.cat([weight] * num_input_images, dim=1) / num_input_images


def torchvision_resnet_to_encoder(state_dict: Mapping, num_input_images: int = 1,
                                  prefix: str = 'backbone.',
                                  model: Optional[nn.Module] = None
                                  ) -> Tuple[OrderedDict[str, Tensor], ConversionReport]:
    """Convert an ImageNet torchvision ResNet state dict to an encoder initialisation.

    Args:
        state_dict (Mapping): torchvision ``resnet{18,34,50,101,152}`` state dict (bare, or
            wrapped in ``state_dict`` / ``model``).
        num_input_images (int): Frames the encoder takes (2 for a pose encoder): ``conv1``
            is repeated and divided by this number. Defaults to 1.
        prefix (str): Prefix of the output keys. Defaults to 'backbone.'.
        model (nn.Module, optional): Target model to check keys and shapes against and to
            list the fresh keys of. Defaults to None.

    Returns:
        tuple: ``(state_dict, report)``.

    Raises:
        ConversionError: No ResNet keys, other non-ResNet keys, or keys that do not fit
            ``model`` (all listed).
    """
    state, _ = unwrap_state_dict(state_dict, 'torchvision checkpoint')
    if any(k.startswith(('backbone.', 'encoder.')) for k in state):
        raise ConversionError(
            'torchvision checkpoint: keys are prefixed (backbone./encoder.); this converter '
            'takes a plain torchvision ResNet state dict (conv1.weight, layer1.0.conv1.weight '
            '...). Use pretrain_to_seg for our checkpoints or monodepth2_to_ours for Monodepth2 '
            'files.')
    if num_input_images < 1:
        raise ConversionError(f'num_input_images must be >= 1, got {num_input_images}')
    out, converted, dropped, unknown = map_resnet_keys(state, '', prefix,
                                                       'torchvision checkpoint')
    if unknown:
        raise ConversionError('torchvision checkpoint: keys that are not part of a '
                              'torchvision ResNet (another architecture?)', unknown)
    report = ConversionReport(converter='torchvision_resnet', mode='encoder',
                              converted=converted, dropped=dropped)
    info = resnet_info(out, prefix)
    report.info['encoder'] = info['name']
    if num_input_images > 1:
        out[prefix + 'conv1.weight'] = expand_conv1(out[prefix + 'conv1.weight'],
                                                    num_input_images)
        report.info['num_input_images'] = num_input_images
        report.notes.append(f'conv1 repeated over {num_input_images} frames and divided by '
                            f'{num_input_images}')
    report.info['normalisation'] = IMAGENET_NORMALISATION
    report.notes.append(
        'ImageNet weights expect ImageNet normalisation of RGB inputs: data_preprocessor '
        f'mean={IMAGENET_NORMALISATION["mean"]}, std={IMAGENET_NORMALISATION["std"]}, '
        'bgr_to_rgb=True')
    report.fresh_hint = 'everything outside the encoder (decoder, classifier)'
    apply_model_check(out, report, model)
    return out, report
