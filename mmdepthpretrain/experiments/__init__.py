"""Experiment harness: declarative grids, result tables, curves, figures, Grad-CAM.

A grid is read and checked by :mod:`.spec`, turned into stages and cells with their
commands by :mod:`.plan`, run by :mod:`.runner` and written up by :mod:`.report`.
Nothing here registers components; importing it does not import matplotlib or mmseg
(those load when a figure is drawn or a config is read).
"""
from .gradcam import find_layer, grad_cam, overlay_heatmap
from .plan import (
                   FinetuneCell,
                   GridPlan,
                   GridTools,
                   Stage,
                   cell_work_dir,
                   convert_mode,
                   format_command,
                   plan_grid,
)
from .pretraining import (
                   PRETRAIN_METRICS,
                   checkpoint_iteration,
                   early_stop_config,
                   format_pretraining,
                   pretraining_summary,
                   read_val_curves,
                   stage_metrics,
)
from .protocol import choose_lr, held_out_options, lr_option, read_lr_choice, split_file
from .qualitative import dumped_config, qualitative_figure
from .report import (
                   aggregate,
                   collect_results,
                   csv_table,
                   curve_series,
                   curves_figure,
                   finished_cells,
                   markdown_table,
                   mean_std,
                   metric_pairs,
                   plot_curves,
                   read_scalars,
                   write_tables,
)
from .runner import GridRunner, atomic_write_text, best_checkpoint, last_checkpoint, write_json
from .spec import (
                   GridSpecError,
                   apply_overrides,
                   load_spec,
                   read_spec,
                   report_metrics,
                   use_checkpoints,
                   validate_spec,
)
from .stats import format_paired, paired_difference, paired_rows, reference_row, t_interval

__all__ = [
    'find_layer', 'grad_cam', 'overlay_heatmap', 'FinetuneCell', 'GridPlan', 'GridTools',
    'Stage', 'cell_work_dir', 'convert_mode', 'format_command', 'plan_grid',
    'dumped_config', 'qualitative_figure', 'aggregate', 'collect_results', 'csv_table',
    'curve_series', 'curves_figure', 'finished_cells', 'markdown_table', 'mean_std',
    'metric_pairs', 'plot_curves', 'read_scalars', 'write_tables', 'GridRunner',
    'atomic_write_text', 'best_checkpoint', 'last_checkpoint', 'write_json', 'GridSpecError',
    'apply_overrides', 'load_spec', 'read_spec', 'report_metrics', 'use_checkpoints',
    'validate_spec',
    'PRETRAIN_METRICS', 'early_stop_config', 'format_pretraining', 'pretraining_summary',
    'read_val_curves', 'stage_metrics', 'choose_lr', 'held_out_options', 'lr_option',
    'read_lr_choice', 'split_file', 'checkpoint_iteration', 'format_paired',
    'paired_difference', 'paired_rows', 'reference_row', 't_interval'
]
