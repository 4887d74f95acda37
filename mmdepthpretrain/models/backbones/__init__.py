"""Backbones for depth pre-training."""

from .depth_resnet import DepthResNet

__all__ = ['DepthResNet']
