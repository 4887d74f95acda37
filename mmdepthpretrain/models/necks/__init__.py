"""Necks: the simple feature pyramid that lets a plain ViT serve mmdet's detectors."""

from .simple_fpn import LN2d, SimpleFPN

__all__ = ['LN2d', 'SimpleFPN']
