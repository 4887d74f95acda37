"""Depth pre-training models: networks, losses, geometry; importing registers them."""

from . import backbones, decode_heads, heads, losses, necks, pretrainers
from .backbones import *  # noqa: F401,F403
from .data_preprocessor import MultiFrameDataPreProcessor
from .decode_heads import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .pretrainers import *  # noqa: F401,F403

__all__ = ['MultiFrameDataPreProcessor'] + [
    name for area in (backbones, decode_heads, heads, losses, necks, pretrainers)
    for name in area.__all__
]
