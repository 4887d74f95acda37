"""Hook drawing predicted disparity next to the input image."""

from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from ...visualization import disparity_to_color, stack_panels

__all__ = ['DepthVisualizationHook']


@HOOKS.register_module()
class DepthVisualizationHook(Hook):
    """Draw the input frame above its colour-mapped predicted disparity.

    Every ``interval`` validation (and test) iterations the first ``max_samples`` samples
    of the batch are rendered and sent to the runner's visualizer with ``add_image``, so
    every configured backend (local files, TensorBoard, W&B ...) receives them.

    Subclasses add rows (e.g. optical flow) by overriding :meth:`panels`.

    Args:
        interval (int): Draw every ``interval`` iterations. Defaults to 50.
        max_samples (int): Samples drawn per iteration. Defaults to 1.
        cmap (str): Matplotlib colour map. Defaults to 'magma'.
        pred_key (str): Data sample field holding the disparity; falls back to the inverse
            of ``pred_depth_map``. Defaults to 'pred_disp_map'.
        draw_test (bool): Also draw during testing. Defaults to False.
    """

    priority = 'NORMAL'

    def __init__(
        self,
        interval: int = 50,
        max_samples: int = 1,
        cmap: str = 'magma',
        pred_key: str = 'pred_disp_map',
        draw_test: bool = False,
    ):
        if interval < 1 or max_samples < 1:
            raise ValueError(
                f'DepthVisualizationHook: interval and max_samples must be >= 1, '
                f'got {interval}, {max_samples}'
            )
        self.interval = interval
        self.max_samples = max_samples
        self.cmap = cmap
        self.pred_key = pred_key
        self.draw_test = draw_test

    def panels(self, image: np.ndarray, sample) -> List[np.ndarray]:
        """Rows drawn for one sample: the input, then the disparity.

        Args:
            image (np.ndarray): ``(H, W, 3)`` uint8 RGB target frame.
            sample: The predicted data sample.

        Returns:
            list[np.ndarray]: RGB panels of the image's width.
        """
        if self.pred_key in sample:
            disp = sample.get(self.pred_key).data
        else:
            disp = 1.0 / sample.pred_depth_map.data.clamp(min=1e-6)
        disp = disp.detach().float().cpu().numpy().squeeze(0)
        if disp.shape != image.shape[:2]:
            import cv2

            disp = cv2.resize(disp, image.shape[1::-1], interpolation=cv2.INTER_LINEAR)
        return [image, disparity_to_color(disp, self.cmap)]

    @staticmethod
    def _target_image(inputs, index: int, sample) -> np.ndarray:
        frames = inputs[index]
        frame_ids = list(sample.metainfo.get('frame_ids', [0]))
        img = frames[frame_ids.index(0)] if frames.dim() == 4 else frames
        img = img.detach().cpu()
        if img.dtype != torch.uint8:
            img = (img.float().clamp(0, 1) * 255).round().to(torch.uint8)
        return img.permute(1, 2, 0).numpy()

    def _draw(self, runner, batch_idx: int, data_batch: dict, outputs: Sequence, mode: str) -> None:
        if batch_idx % self.interval != 0 or not outputs:
            return
        visualizer = runner.visualizer
        for i, sample in enumerate(outputs[: self.max_samples]):
            image = self._target_image(data_batch['inputs'], i, sample)
            canvas = stack_panels(*self.panels(image, sample))
            name = f'{mode}_depth_{batch_idx}_{i}'
            visualizer.add_image(name, canvas, step=runner.iter)

    def after_val_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: Optional[dict] = None,
        outputs: Optional[Sequence] = None,
    ) -> None:
        """Draw during validation."""
        self._draw(runner, batch_idx, data_batch, outputs, 'val')

    def after_test_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: Optional[dict] = None,
        outputs: Optional[Sequence] = None,
    ) -> None:
        """Draw during testing when ``draw_test``."""
        if self.draw_test:
            self._draw(runner, batch_idx, data_batch, outputs, 'test')
