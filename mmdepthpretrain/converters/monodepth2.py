"""Monodepth2 weights folder -> :class:`SelfSupDepthEstimator` state dict.

Facts about the Monodepth2 files (Godard et al., ICCV 2019; the layout of its released
weights folders):

- ``encoder.pth``: a torchvision ResNet under ``encoder.`` (``encoder.fc.*`` included)
  plus the non-tensor entries ``height``, ``width`` (training input size) and
  ``use_stereo``. The encoder normalises inside the network with ``(x - 0.45) / 0.225``
  for ``x`` in [0, 1]; here normalisation is the data preprocessor's job, so these weights
  need ``mean=[114.75] * 3, std=[57.375] * 3`` (0-255 units, RGB).
- ``depth.pth``: the decoder as one list ``decoder.{i}``: upconv(4, 0), upconv(4, 1),
  upconv(3, 0), ..., upconv(0, 1) as conv blocks (``decoder.{i}.conv.conv.*``, a
  reflection-padded 3x3 conv then ELU), then the disparity convs of scales 0..3
  (``decoder.{10 + s}.conv.*``). So ``decoder.{2k}`` -> ``convs.{4 - k}.conv1``,
  ``decoder.{2k + 1}`` -> ``convs.{4 - k}.conv2`` and ``decoder.{10 + s}`` ->
  ``disp_convs.{s}`` of :class:`~mmdepthpretrain.models.DisparityHead`.
- ``pose_encoder.pth``: a 2-frame ResNet (``conv1`` with 6 input channels) under
  ``encoder.``.
- ``pose.pth``: ``net.0`` the 1x1 squeeze, ``net.1`` and ``net.2`` the 3x3 pose convs,
  ``net.3`` the 1x1 output conv with ``6 * num_frames`` channels. Monodepth2 predicts two
  frames and uses only the first, so the first 6 output channels are kept and our
  :class:`~mmdepthpretrain.models.PoseDecoder` (``num_frames=1``) computes the same pose.
"""
from __future__ import annotations

import os.path as osp
import re
from collections import OrderedDict
from typing import Any, Dict, Mapping, Optional, Tuple

from torch import Tensor, nn

from .common import (
    MONODEPTH2_NORMALISATION,
    ConversionError,
    ConversionReport,
    apply_model_check,
    clone_tensor,
    decoder_fit_problems,
    first_keys,
    resnet_info,
    unwrap_state_dict,
)
from .torchvision_resnet import map_resnet_keys

__all__ = [
    'monodepth2_to_ours', 'monodepth2_decoder_to_ours', 'monodepth2_pose_decoder_to_ours',
    'MONODEPTH2_FILES', 'find_monodepth2_files', 'normalisation_note'
]

MONODEPTH2_FILES = dict(encoder='encoder.pth', depth='depth.pth',
                        pose_encoder='pose_encoder.pth', pose='pose.pth')

_UPCONV = re.compile(r'^decoder\.(\d+)\.conv\.conv\.(weight|bias)$')
_DISPCONV = re.compile(r'^decoder\.(\d+)\.conv\.(weight|bias)$')
_POSE = re.compile(r'^net\.([0-3])\.(weight|bias)$')
_POSE_TARGET = {0: 'squeeze', 1: 'pose_convs.0', 2: 'pose_convs.2', 3: 'pose_convs.4'}


def normalisation_note(source: str) -> str:
    """The normalisation advice printed for weights that normalise inside the encoder."""
    return (f'{source} encoders normalise inside the network with (x - 0.45) / 0.225 for x '
            'in [0, 1]; our networks leave that to the data preprocessor, so use '
            f'mean={MONODEPTH2_NORMALISATION["mean"]}, std={MONODEPTH2_NORMALISATION["std"]} '
            '(RGB: bgr_to_rgb=True for mmseg pipelines) with these weights')


def monodepth2_decoder_to_ours(state: Mapping[str, Tensor], name: str = 'depth.pth',
                               prefix: str = 'decode_head.', output: str = 'disp_convs'
                               ) -> Tuple[OrderedDict[str, Tensor], ConversionReport]:
    """Convert a Monodepth2-layout decoder (``decoder.{i}``) to :class:`DisparityHead` keys.

    Args:
        state (Mapping[str, Tensor]): Decoder tensors.
        name (str): Source name for messages. Defaults to 'depth.pth'.
        prefix (str): Output prefix. Defaults to 'decode_head.'.
        output (str): Name of the output layer (``disp_convs``; ``flow_convs`` for a flow
            decoder). Defaults to 'disp_convs'.

    Returns:
        tuple: ``(state_dict, report)``.

    Raises:
        ConversionError: A key that is not part of this layout (all listed).
    """
    out: OrderedDict[str, Tensor] = OrderedDict()
    report = ConversionReport(converter='monodepth2_decoder')
    unknown = []
    for key, value in state.items():
        up, disp = _UPCONV.match(key), _DISPCONV.match(key)
        if up and int(up.group(1)) < 10:
            i = int(up.group(1))
            new = f'{prefix}convs.{4 - i // 2}.conv{1 + i % 2}.{up.group(2)}'
        elif disp and 10 <= int(disp.group(1)) < 15:
            new = f'{prefix}{output}.{int(disp.group(1)) - 10}.{disp.group(2)}'
        else:
            unknown.append(f'{key} {list(value.shape)}')
            continue
        out[new] = clone_tensor(value)
        report.converted[new] = key
    if unknown:
        raise ConversionError(f'{name}: keys that are not part of a Monodepth2 depth decoder '
                              '(decoder.{0-9}.conv.conv.*, decoder.{10+s}.conv.*)', unknown)
    return out, report


def monodepth2_pose_decoder_to_ours(state: Mapping[str, Tensor], name: str = 'pose.pth',
                                    prefix: str = 'pose_decoder.', num_frames: int = 1
                                    ) -> Tuple[OrderedDict[str, Tensor], ConversionReport]:
    """Convert a Monodepth2 pose decoder (``net.{0..3}``) to :class:`PoseDecoder` keys.

    Args:
        state (Mapping[str, Tensor]): Pose decoder tensors.
        name (str): Source name for messages. Defaults to 'pose.pth'.
        prefix (str): Output prefix. Defaults to 'pose_decoder.'.
        num_frames (int): Frames our decoder predicts; the first ``6 * num_frames`` output
            channels of ``net.3`` are kept. Defaults to 1.

    Returns:
        tuple: ``(state_dict, report)``.
    """
    out: OrderedDict[str, Tensor] = OrderedDict()
    report = ConversionReport(converter='monodepth2_pose_decoder')
    unknown = []
    for key, value in state.items():
        m = _POSE.match(key)
        if not m:
            unknown.append(f'{key} {list(value.shape)}')
            continue
        idx = int(m.group(1))
        if idx == 3:
            if value.shape[0] % 6 or value.shape[0] < 6 * num_frames:
                raise ConversionError(f'{name}: {key} has {value.shape[0]} output channels; '
                                      f'expected a multiple of 6, at least {6 * num_frames}')
            if value.shape[0] > 6 * num_frames:
                report.info['pose_frames_kept'] = (
                    f'{num_frames} of {value.shape[0] // 6} (the first; Monodepth2 uses only '
                    'the first prediction)')
            value = value[:6 * num_frames]
        new = f'{prefix}{_POSE_TARGET[idx]}.{m.group(2)}'
        out[new] = clone_tensor(value)
        report.converted[new] = key
    if unknown:
        raise ConversionError(f'{name}: keys that are not part of a Monodepth2 pose decoder '
                              '(net.0-3)', unknown)
    return out, report


def _encoder(state: Mapping, name: str, dst_prefix: str, report: ConversionReport,
             out: Dict[str, Tensor]) -> Dict[str, Any]:
    """Convert one ``encoder.``-prefixed ResNet file into ``out``; returns its extras."""
    tensors, extras = unwrap_state_dict(state, name)
    mapped, converted, dropped, unknown = map_resnet_keys(tensors, 'encoder.', dst_prefix, name)
    others = [k for k in tensors if not k.startswith('encoder.')]
    if unknown or others:
        raise ConversionError(f'{name}: keys that are not part of a ResNet encoder under '
                              'encoder. (another architecture?)', unknown + others)
    out.update(mapped)
    report.converted.update(converted)
    report.dropped.update((f'{name}:{k}', r) for k, r in dropped.items())
    return extras


def _prefix_sources(report: ConversionReport, name: str) -> None:
    """Name the source keys of ``report`` as ``file:key``."""
    report.converted = OrderedDict((k, f'{name}:{v}') for k, v in report.converted.items())


def monodepth2_to_ours(encoder_sd: Mapping, depth_sd: Optional[Mapping] = None,
                       pose_encoder_sd: Optional[Mapping] = None,
                       pose_sd: Optional[Mapping] = None, pose_num_frames: int = 1,
                       model: Optional[nn.Module] = None
                       ) -> Tuple[OrderedDict[str, Tensor], ConversionReport]:
    """Convert Monodepth2 weights to :class:`SelfSupDepthEstimator` keys.

    Output keys: ``backbone.*`` (from ``encoder.pth``), ``decode_head.convs.*`` and
    ``decode_head.disp_convs.*`` (``depth.pth``), ``pose_encoder.*`` (``pose_encoder.pth``)
    and ``pose_decoder.*`` (``pose.pth``).

    Args:
        encoder_sd (Mapping): Contents of ``encoder.pth``.
        depth_sd (Mapping, optional): Contents of ``depth.pth``. Defaults to None.
        pose_encoder_sd (Mapping, optional): Contents of ``pose_encoder.pth``.
            Defaults to None.
        pose_sd (Mapping, optional): Contents of ``pose.pth``. Defaults to None.
        pose_num_frames (int): ``num_frames`` of our PoseDecoder. Defaults to 1.
        model (nn.Module, optional): Target model to check keys and shapes against.
            Defaults to None.

    Returns:
        tuple: ``(state_dict, report)``; ``report.info`` holds ``height``, ``width``,
        ``use_stereo`` of ``encoder.pth`` and the normalisation to use.
    """
    out: OrderedDict[str, Tensor] = OrderedDict()
    report = ConversionReport(converter='monodepth2', mode='depth')
    extras = _encoder(encoder_sd, 'encoder.pth', 'backbone.', report, out)
    for key in ('height', 'width', 'use_stereo'):
        if key in extras:
            report.info[key] = extras[key]
    report.info['encoder'] = resnet_info(out, 'backbone.')['name']
    if depth_sd is not None:
        tensors, _ = unwrap_state_dict(depth_sd, 'depth.pth')
        dec, dec_report = monodepth2_decoder_to_ours(tensors)
        _prefix_sources(dec_report, 'depth.pth')
        out.update(dec)
        report.converted.update(dec_report.converted)
        problems = decoder_fit_problems(out)
        if problems:
            raise ConversionError('depth.pth does not fit encoder.pth (files of different '
                                  'models?)', problems)
    if pose_encoder_sd is not None:
        _encoder(pose_encoder_sd, 'pose_encoder.pth', 'pose_encoder.', report, out)
        report.info['pose_encoder'] = resnet_info(out, 'pose_encoder.')['name']
    if pose_sd is not None:
        tensors, _ = unwrap_state_dict(pose_sd, 'pose.pth')
        pose, pose_report = monodepth2_pose_decoder_to_ours(tensors, num_frames=pose_num_frames)
        _prefix_sources(pose_report, 'pose.pth')
        out.update(pose)
        report.converted.update(pose_report.converted)
        report.info.update(pose_report.info)
    if not any(k.startswith('backbone.') for k in out):
        raise ConversionError(f'encoder.pth: the encoder matched nothing ({first_keys(out)})')
    report.info['normalisation'] = MONODEPTH2_NORMALISATION
    report.notes.append(normalisation_note('Monodepth2'))
    apply_model_check(out, report, model)
    return out, report


def find_monodepth2_files(folder: str) -> Dict[str, str]:
    """Paths of the Monodepth2 files present in ``folder`` (``encoder.pth`` required).

    Args:
        folder (str): A Monodepth2 weights folder.

    Returns:
        dict[str, str]: role (``encoder``, ``depth``, ``pose_encoder``, ``pose``) -> path.

    Raises:
        FileNotFoundError: The folder or its ``encoder.pth`` is missing.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'Monodepth2 weights folder not found: {folder}')
    files = {role: osp.join(folder, fname) for role, fname in MONODEPTH2_FILES.items()
             if osp.isfile(osp.join(folder, fname))}
    if 'encoder' not in files:
        raise FileNotFoundError(f'{folder} has no encoder.pth (a Monodepth2 weights folder '
                                'holds encoder.pth, depth.pth, pose_encoder.pth, pose.pth)')
    return files
