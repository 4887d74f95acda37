"""Experiment harness: declarative grids, result tables, curves, figures, Grad-CAM.

Nothing here registers components; importing it does not import matplotlib or mmseg
(those load when a figure is drawn).
"""
from .gradcam import find_layer, grad_cam, overlay_heatmap
from .grid import (
                   FinetuneCell,
                   GridPlan,
                   GridRunner,
                   GridSpecError,
                   Stage,
                   atomic_write_text,
                   format_command,
                   load_spec,
                   plan_grid,
)
from .qualitative import colourise, dumped_config, qualitative_figure
from .report import (
                   METRICS,
                   aggregate,
                   collect_results,
                   mean_std,
                   plot_curves,
                   read_scalars,
                   write_tables,
)

__all__ = [
    'find_layer', 'grad_cam', 'overlay_heatmap', 'FinetuneCell', 'GridPlan', 'GridRunner',
    'GridSpecError', 'Stage', 'atomic_write_text', 'format_command', 'load_spec', 'plan_grid',
    'colourise', 'dumped_config', 'qualitative_figure', 'METRICS', 'aggregate',
    'collect_results', 'mean_std', 'plot_curves', 'read_scalars', 'write_tables'
]
