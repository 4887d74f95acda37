"""Depth (or optical-flow / reconstruction) pre-training checkpoint -> segmentation init.

Our pre-training models (:class:`~mmdepthpretrain.models.SelfSupDepthEstimator` and the
flow / reconstruction variants) share one layout: the encoder under ``backbone.``, the
shared decoder under ``decode_head.convs.``, the task's output layer elsewhere under
``decode_head.`` (``disp_convs``, ``flow_convs``, ``rgb_convs`` ...) and the pose branch
under ``pose_encoder.`` / ``pose_decoder.``. The segmentation networks of the paper's
Figure 1 (Lao et al.) take:

- ``full`` (setup b): ``backbone.*`` and ``decode_head.convs.*``; only the classifier
  starts fresh;
- ``encoder`` (setups a, c, d and "encoder only"): ``backbone.*`` only.

The conversion is by key prefix only, so it does not depend on the encoder's type.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Mapping, Optional, Tuple

from torch import Tensor, nn

from .common import (
    ConversionError,
    ConversionReport,
    apply_model_check,
    clone_tensor,
    decoder_fit_problems,
    first_keys,
    resnet_info,
    unwrap_state_dict,
)

__all__ = ['pretrain_to_seg', 'SEG_MODES', 'SAME_NORMALISATION_NOTE']

SEG_MODES = ('full', 'encoder')
SAME_NORMALISATION_NOTE = ('normalise the segmentation inputs as in the pre-training config '
                           '(data_preprocessor mean/std)')
_DECODER = 'decode_head.convs.'


def pretrain_to_seg(state_dict: Mapping, mode: str = 'full', model: Optional[nn.Module] = None
                 ) -> Tuple[OrderedDict[str, Tensor], ConversionReport]:
    """Convert a pre-training checkpoint to a segmentation initialisation.

    Args:
        state_dict (Mapping): An mmengine checkpoint dict (with ``state_dict``) or a bare
            state dict of a depth / flow / reconstruction pre-training model.
        mode (str): ``'full'`` keeps ``backbone.*`` and ``decode_head.convs.*``;
            ``'encoder'`` keeps ``backbone.*``. Defaults to 'full'.
        model (nn.Module, optional): Target segmentation model to check keys and shapes
            against and to list the fresh keys of. Defaults to None.

    Returns:
        tuple: ``(state_dict, report)``.

    Raises:
        ConversionError: Unknown mode; no ``backbone.*`` keys (e.g. a Monodepth2 file, which
            has its own converter); ``full`` without a shared decoder; a decoder that does
            not take the encoder's channels (e.g. a siamese flow decoder in ``full`` mode);
            keys that do not fit ``model``.
    """
    if mode not in SEG_MODES:
        raise ConversionError(f'pretrain_to_seg: mode must be one of {SEG_MODES}, got {mode!r}')
    state, _ = unwrap_state_dict(state_dict, 'depth checkpoint')
    if not any(k.startswith('backbone.') for k in state):
        hint = ''
        if any(k.startswith('encoder.') for k in state):
            hint = (' Keys under encoder. look like a Monodepth2 or DepthToSemantic file: use '
                    'tools/model_converters/monodepth2_to_mmdp.py or '
                    'depth_to_semantic_to_mmdp.py.')
        elif any(k.startswith(('conv1.', 'layer1.')) for k in state):
            hint = (' Keys look like a plain torchvision ResNet: use '
                    'tools/model_converters/torchvision_resnet.py.')
        raise ConversionError(f'pretrain_to_seg: the encoder matched nothing: no backbone.* keys '
                              f'in the checkpoint (it holds {first_keys(state)}).{hint}')
    has_decoder = any(k.startswith(_DECODER) for k in state)
    if mode == 'full' and not has_decoder:
        raise ConversionError(
            'pretrain_to_seg: mode full needs the shared decoder (decode_head.convs.*), which '
            f'this checkpoint does not have (decode head keys: '
            f'{[k for k in state if k.startswith("decode_head.")][:8]}); use mode encoder')

    report = ConversionReport(converter='pretrain_to_seg', mode=mode)
    out: OrderedDict[str, Tensor] = OrderedDict()
    for key, value in state.items():
        if key.startswith('backbone.') or (mode == 'full' and key.startswith(
                (_DECODER, 'neck.'))):
            out[key] = clone_tensor(value)
            report.converted[key] = key
        elif key.startswith(_DECODER):
            report.dropped[key] = 'decoder, not transferred in encoder mode'
        elif key.startswith('decode_head.'):
            report.dropped[key] = ('output layer of the pre-training task (the segmentation '
                                   'classifier starts fresh)')
        elif key.startswith(('pose_encoder.', 'pose_decoder.')):
            report.dropped[key] = 'pose branch, only used for pre-training'
        elif key.startswith('neck.'):
            report.dropped[key] = 'neck, not transferred in encoder mode'
        elif key.startswith('data_preprocessor.'):
            report.dropped[key] = 'data preprocessor buffers'
        else:
            report.dropped[key] = 'not part of the encoder or the shared decoder'
    if mode == 'full':
        problems = decoder_fit_problems(out)
        if problems:
            raise ConversionError(
                'pretrain_to_seg: the shared decoder does not take the encoder\'s features '
                '(e.g. a siamese flow decoder fed with two frames); use mode encoder',
                problems)
    info = resnet_info(out, 'backbone.')
    if info is not None:
        report.info['encoder'] = info['name']
    report.fresh_hint = ('the classifier (decode_head.conv_seg.*)' if mode == 'full' else
                         'the whole decode head (and auxiliary head)')
    report.notes.append(SAME_NORMALISATION_NOTE)
    apply_model_check(out, report, model)
    return out, report
