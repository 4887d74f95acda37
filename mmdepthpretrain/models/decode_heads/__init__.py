"""Decode heads: the multi-scale depth decoder and its twins with other output layers."""

from .depth_seg_head import DepthSegHead
from .disparity_head import Conv3x3, DisparityHead, UpBlock, build_decoder_blocks, run_decoder
from .flow_head import FlowHead
from .rgb_head import RGBHead

__all__ = [
    'DisparityHead', 'DepthSegHead', 'UpBlock', 'Conv3x3', 'build_decoder_blocks', 'run_decoder',
    'FlowHead',
    'RGBHead',
]
