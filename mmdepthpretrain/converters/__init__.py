"""Checkpoint converters: pure ``state_dict -> (state_dict, report)`` functions.

Command-line front ends live in ``tools/model_converters/``.
"""
from .common import (
                     IMAGENET_NORMALISATION,
                     MONODEPTH2_NORMALISATION,
                     ConversionError,
                     ConversionReport,
                     ModelCheck,
                     apply_model_check,
                     check_against_model,
                     resnet_info,
                     unwrap_state_dict,
)
from .depth_to_semantic import depth_to_semantic_to_ours, find_depth_to_semantic_files
from .io import OutputError, check_destination, load_converted, load_source, save_converted
from .monodepth2 import (
                     find_monodepth2_files,
                     monodepth2_decoder_to_ours,
                     monodepth2_pose_decoder_to_ours,
                     monodepth2_to_ours,
)
from .pretrain_to_seg import SEG_MODES, pretrain_to_seg
from .torchvision_resnet import expand_conv1, torchvision_resnet_to_encoder
from .vit_original import to_depth_anything_layout
from .vit_sources import read_vit_source
from .vit_to_mmdp import VIT_FORMATS, VIT_MODES, detect_vit_format, vit_to_mmdp

__all__ = [
    'ConversionError', 'ConversionReport', 'ModelCheck', 'check_against_model',
    'apply_model_check', 'unwrap_state_dict', 'resnet_info', 'MONODEPTH2_NORMALISATION',
    'IMAGENET_NORMALISATION', 'pretrain_to_seg', 'SEG_MODES', 'monodepth2_to_ours',
    'monodepth2_decoder_to_ours', 'monodepth2_pose_decoder_to_ours', 'find_monodepth2_files',
    'depth_to_semantic_to_ours', 'find_depth_to_semantic_files',
    'torchvision_resnet_to_encoder', 'expand_conv1', 'OutputError', 'check_destination',
    'save_converted', 'load_converted', 'load_source'
]
__all__ += ['to_depth_anything_layout', 'read_vit_source', 'VIT_FORMATS', 'VIT_MODES',
            'detect_vit_format', 'vit_to_mmdp']
