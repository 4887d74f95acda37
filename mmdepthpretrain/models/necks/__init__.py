"""Necks: the simple feature pyramid that lets a plain ViT serve mmdet's detectors."""

from .simple_fpn import LayerNorm2d, SimpleFPN

__all__ = ['LayerNorm2d', 'SimpleFPN']
