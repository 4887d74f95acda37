"""Backbones for depth pre-training."""

from .depth_resnet import DepthResNet
from .plain_vit import VIT_ARCHS, PlainViT

__all__ = ['DepthResNet', 'PlainViT', 'VIT_ARCHS']
