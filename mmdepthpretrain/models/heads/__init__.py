"""Auxiliary heads for depth pre-training."""

from .pose_decoder import PoseDecoder

__all__ = ['PoseDecoder']
