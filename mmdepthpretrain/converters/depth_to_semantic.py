"""The paper's own (DepthToSemantic) checkpoint files -> our state dict.

Facts about the files (Lao et al., public code): a training run writes, per saved step,
separate files ``encoder-{step}.pth``, ``decoder_depth-{step}.pth`` and
``decoder_pose-{step}.pth`` (``decoder_flow-{step}.pth`` for the optical-flow model), each
a dict ``{'train_step': step, 'model_state_dict': {...}, ...}`` (the encoder file also
holds the optimizer state). The encoder is Monodepth2's ResNet encoder (keys
``encoder.conv1.weight``, ``encoder.layer1.0.conv1.weight`` ...; it normalises inside the
network with ``(x - 0.45) / 0.225``), the decoders use Monodepth2's decoder layout
(``decoder.{i}.conv.conv.weight``; see :mod:`.monodepth2`). The pose decoder takes the
depth encoder's features of both frames (Monodepth2's pose decoder with two input
features, ``net.{0..3}``), so it maps to our shared-encoder variant: ``pose_encoder=None``
and ``PoseDecoder(num_input_features=2)``. The flow decoder takes the channel-concatenated
features of two frames (twice the encoder's channels) and predicts 2 channels.
"""
from __future__ import annotations

import glob
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Tuple

from torch import Tensor, nn

from .common import (
    MONODEPTH2_NORMALISATION,
    ConversionError,
    ConversionReport,
    apply_model_check,
    decoder_fit_problems,
    resnet_info,
    unwrap_state_dict,
)
from .monodepth2 import (
    _encoder,
    _prefix_sources,
    monodepth2_decoder_to_ours,
    monodepth2_pose_decoder_to_ours,
    normalisation_note,
)

__all__ = ['depth_to_semantic_to_ours', 'find_depth_to_semantic_files', 'D2S_ROLES']

# role -> file name stem ("{stem}-{step}.pth")
D2S_ROLES = OrderedDict(encoder='encoder', decoder_depth='decoder_depth',
                        decoder_pose='decoder_pose', decoder_flow='decoder_flow')
_NAME = re.compile(r'^(encoder|decoder_depth|decoder_pose|decoder_flow)-(\d+)\.pth$')


def find_depth_to_semantic_files(folder: str, step: Optional[int] = None
                                 ) -> Tuple[int, Dict[str, str]]:
    """Find the files of one saved step in a DepthToSemantic checkpoint folder.

    Args:
        folder (str): Folder holding ``encoder-{step}.pth`` etc.
        step (int, optional): Training step; the latest step with an encoder file when None.
            Defaults to None.

    Returns:
        tuple: ``(step, files)`` with ``files`` mapping role (``encoder``,
        ``decoder_depth``, ``decoder_pose``, ``decoder_flow``) to path.

    Raises:
        FileNotFoundError: No folder, no encoder file, or no encoder file for ``step``
            (the message lists the steps present).
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'DepthToSemantic checkpoint folder not found: {folder}')
    found: Dict[int, Dict[str, str]] = {}
    for path in glob.glob(osp.join(folder, '*.pth')):
        m = _NAME.match(osp.basename(path))
        if m:
            found.setdefault(int(m.group(2)), {})[m.group(1)] = path
    steps = sorted(s for s, f in found.items() if 'encoder' in f)
    if not steps:
        raise FileNotFoundError(f'{folder} has no encoder-{{step}}.pth file (a DepthToSemantic '
                                'checkpoint folder holds encoder-N.pth, decoder_depth-N.pth, '
                                'decoder_pose-N.pth)')
    if step is None:
        step = steps[-1]
    elif step not in steps:
        raise FileNotFoundError(f'{folder} has no encoder-{step}.pth; steps present: {steps}')
    files = found[step]
    return step, OrderedDict((r, files[r]) for r in D2S_ROLES if r in files)


def depth_to_semantic_to_ours(encoder: Mapping, decoder_depth: Optional[Mapping] = None,
                              decoder_pose: Optional[Mapping] = None,
                              decoder_flow: Optional[Mapping] = None,
                              pose_num_frames: int = 1, model: Optional[nn.Module] = None
                              ) -> Tuple[OrderedDict[str, Tensor], ConversionReport]:
    """Convert DepthToSemantic checkpoint contents to our keys.

    Output keys: ``backbone.*``; ``decode_head.convs.*`` with ``decode_head.disp_convs.*``
    (depth) or ``decode_head.flow_convs.*`` (flow); ``pose_decoder.*`` for the
    shared-encoder pose decoder.

    Args:
        encoder (Mapping): Contents of ``encoder-{step}.pth``.
        decoder_depth (Mapping, optional): Contents of ``decoder_depth-{step}.pth``.
        decoder_pose (Mapping, optional): Contents of ``decoder_pose-{step}.pth``.
        decoder_flow (Mapping, optional): Contents of ``decoder_flow-{step}.pth``.
        pose_num_frames (int): ``num_frames`` of our PoseDecoder. Defaults to 1.
        model (nn.Module, optional): Target model to check keys and shapes against.
            Defaults to None.

    Returns:
        tuple: ``(state_dict, report)``.
    """
    if decoder_depth is not None and decoder_flow is not None:
        raise ConversionError('DepthToSemantic: give a depth decoder or a flow decoder, not '
                              'both (they belong to different models)')
    out: OrderedDict[str, Tensor] = OrderedDict()
    report = ConversionReport(converter='depth_to_semantic', mode='depth')
    extras = _encoder(encoder, 'encoder', 'backbone.', report, out)
    if isinstance(extras.get('train_step'), int):
        report.info['train_step'] = extras['train_step']
    report.info['encoder'] = resnet_info(out, 'backbone.')['name']
    for role, sd, output, mult in (('decoder_depth', decoder_depth, 'disp_convs', 1),
                                   ('decoder_flow', decoder_flow, 'flow_convs', 2)):
        if sd is None:
            continue
        tensors, _ = unwrap_state_dict(sd, role)
        dec, dec_report = monodepth2_decoder_to_ours(tensors, name=role, output=output)
        _prefix_sources(dec_report, role)
        out.update(dec)
        report.converted.update(dec_report.converted)
        problems = decoder_fit_problems(out, feature_multiplier=mult)
        if problems:
            raise ConversionError(f'{role} does not fit the encoder (files of different '
                                  'models?)', problems)
        if role == 'decoder_flow':
            report.mode = 'flow'
            report.notes.append('the flow decoder takes both frames\' features (twice the '
                                'encoder channels); only the encoder transfers to '
                                'segmentation (seg-encoder)')
    if decoder_pose is not None:
        tensors, _ = unwrap_state_dict(decoder_pose, 'decoder_pose')
        pose, pose_report = monodepth2_pose_decoder_to_ours(tensors, name='decoder_pose',
                                                            num_frames=pose_num_frames)
        _prefix_sources(pose_report, 'decoder_pose')
        out.update(pose)
        report.converted.update(pose_report.converted)
        report.info.update(pose_report.info)
        squeeze = out['pose_decoder.squeeze.weight'].shape[0]
        n = out['pose_decoder.pose_convs.0.weight'].shape[1] // max(int(squeeze), 1)
        report.info['pose'] = (f'decoder on the depth encoder\'s features of {n} frames: '
                               f'pose_encoder=None, PoseDecoder(num_input_features={n})')
    report.info['normalisation'] = MONODEPTH2_NORMALISATION
    report.notes.append(normalisation_note('DepthToSemantic'))
    apply_model_check(out, report, model)
    return out, report
