import glob
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmengine.visualization import Visualizer
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmdepthpretrain.engine import DepthVisualizationHook
from mmdepthpretrain.visualization import colorize, disparity_to_color


def _batch_and_outputs(n=2, h=8, w=12):
    inputs = [torch.randint(0, 256, (1, 3, h, w), dtype=torch.uint8) for _ in range(n)]
    outputs = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(frame_ids=[0]))
        disp = torch.linspace(0, 1, w).expand(1, h, w).clone()
        s.pred_disp_map = PixelData(data=disp)
        s.pred_depth_map = PixelData(data=1 / disp.clamp(min=0.01))
        outputs.append(s)
    return dict(inputs=inputs, data_samples=outputs), outputs


def test_colour_maps():
    ramp = np.linspace(0, 1, 10)[None]
    img = colorize(ramp, 'gray')
    assert img.shape == (1, 10, 3) and img.dtype == np.uint8
    assert img[0, 0].tolist() == [0, 0, 0] and img[0, -1].tolist() == [255, 255, 255]
    disp = np.array([[0.0, 0.5, 1.0, 100.0]])  # an outlier saturates, not rescales
    col = disparity_to_color(disp, 'gray', percentile=50)  # vmax 0.75
    assert col[0, 2].tolist() == col[0, 3].tolist() and col[0, 1, 0] < col[0, 2, 0]


def test_hook_writes_input_and_disparity_through_visualizer_backends(tmp_path):
    vis = Visualizer.get_instance(
        'test_depth_vis_hook', vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path)
    )
    runner = SimpleNamespace(visualizer=vis, iter=7)
    hook = HOOKS.build(dict(type='DepthVisualizationHook', interval=2, max_samples=1, cmap='gray'))
    batch, outputs = _batch_and_outputs()
    hook.after_val_iter(runner, 1, batch, outputs)  # not on the interval
    assert not glob.glob(str(tmp_path / '**' / '*.png'), recursive=True)
    hook.after_val_iter(runner, 2, batch, outputs)
    files = glob.glob(str(tmp_path / '**' / '*.png'), recursive=True)
    assert len(files) == 1 and osp.basename(files[0]) == 'val_depth_2_0_7.png'
    img = cv2.imread(files[0])[..., ::-1]
    assert img.shape == (16, 12, 3)
    assert np.array_equal(img[:8], batch['inputs'][0][0].permute(1, 2, 0).numpy())
    # disparity row: grey ramp from dark (far) to bright (near), equal channels
    row = img[12, :, 0].astype(int)
    assert (np.diff(row) >= 0).all() and row[-1] > row[0] + 100
    hook.after_test_iter(runner, 0, batch, outputs)  # draw_test is off
    assert len(glob.glob(str(tmp_path / '**' / '*.png'), recursive=True)) == 1


def test_hook_falls_back_to_inverse_depth_and_validates_args():
    hook = DepthVisualizationHook(pred_key='missing', cmap='gray')
    _, outputs = _batch_and_outputs(n=1)
    image = np.zeros((8, 12, 3), np.uint8)
    panels = hook.panels(image, outputs[0])
    assert panels[1].shape == (8, 12, 3)
    assert panels[1][0, -1, 0] > panels[1][0, 0, 0]
    with pytest.raises(ValueError, match='interval'):
        DepthVisualizationHook(interval=0)
