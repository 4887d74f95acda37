"""Colour coding of depth, flow and labels, shared by hooks, figures and the synthetic world."""

from .colormaps import (
                        colorize,
                        colorize_labels,
                        disparity_to_color,
                        flow_to_color,
                        make_color_wheel,
                        resize_nearest,
                        stack_panels,
)

__all__ = [
    'colorize', 'colorize_labels', 'disparity_to_color', 'flow_to_color', 'make_color_wheel',
    'resize_nearest', 'stack_panels'
]
