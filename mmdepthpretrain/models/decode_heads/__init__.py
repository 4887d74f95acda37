"""Decode heads: the multi-scale depth decoder and its twins with other output layers."""

from .depth_anything_head import DepthAnythingHead, DepthAnythingSegHead
from .depth_seg_head import DepthSegHead
from .disparity_head import Conv3x3, DisparityHead, UpBlock, build_decoder_blocks, run_decoder
from .dpt_decoder import DPTDecoder
from .flow_head import FlowHead
from .linear_probe_head import LinearProbeHead
from .rgb_head import RGBHead

__all__ = [
    'DisparityHead', 'DepthSegHead', 'UpBlock', 'Conv3x3', 'build_decoder_blocks', 'run_decoder',
    'FlowHead',
    'RGBHead',
    'DepthAnythingHead', 'DepthAnythingSegHead', 'DPTDecoder', 'LinearProbeHead',
]
