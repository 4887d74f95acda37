"""Grad-CAM of an encoder layer of a segmentation model (paper Fig. 6).

Grad-CAM (Selvaraju et al., ICCV 2017): with activations ``A_k`` of a layer and a score
``y``, the channel weights are the spatially averaged gradients
``alpha_k = mean_{i,j} dy / dA_k[i, j]`` and the map is ``ReLU(sum_k alpha_k A_k)``.
For segmentation the score is the sum, over pixels, of the logit of each pixel's
predicted label (the paper's "sum of predicted labels"), so the map shows which
locations of a shallow layer support the whole predicted segmentation.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ['find_layer', 'grad_cam', 'overlay_heatmap']


def find_layer(model: torch.nn.Module, name: str) -> torch.nn.Module:
    """The sub-module called ``name`` (``backbone.layer1``); a clear error otherwise."""
    modules = dict(model.named_modules())
    if name not in modules:
        shallow = [n for n in modules if n.count('.') <= 1 and n][:20]
        raise KeyError(f'layer {name!r} not in the model; layers include: '
                       f'{", ".join(shallow)}')
    return modules[name]


def grad_cam(model: torch.nn.Module, inputs: torch.Tensor, batch_img_metas: list,
             layer: str = 'backbone.layer1') -> Tuple[np.ndarray, np.ndarray]:
    """Grad-CAM of ``layer`` for an mmseg ``EncoderDecoder``-style model.

    Args:
        model (nn.Module): Has ``encode_decode(inputs, batch_img_metas)`` returning logits
            (B, C, H, W) at the input size.
        inputs (Tensor): Pre-processed batch (B, 3, H, W) (output of the data
            preprocessor).
        batch_img_metas (list[dict]): Image metas of the batch.
        layer (str): Module name. Defaults to 'backbone.layer1'.

    Returns:
        tuple: ``cam`` (B, H, W) float32 in [0, 1] at the input size and ``labels``
        (B, H, W) int64, the predicted labels.
    """
    module = find_layer(model, layer)
    store = {}

    def hook(_, __, output):
        out = output[0] if isinstance(output, (list, tuple)) else output
        out.retain_grad()
        store['act'] = out

    handle = module.register_forward_hook(hook)
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            inputs = inputs.detach().requires_grad_(True)
            logits = model.encode_decode(inputs, batch_img_metas)
            if 'act' not in store:
                raise RuntimeError(f'layer {layer!r} was not used in the forward pass')
            labels = logits.argmax(dim=1)
            score = logits.gather(1, labels[:, None]).sum()
            model.zero_grad(set_to_none=True)
            score.backward()
    finally:
        handle.remove()
        model.train(was_training)
    act, grad = store['act'].detach(), store['act'].grad
    weights = grad.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * act).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=inputs.shape[-2:], mode='bilinear', align_corners=False)[:, 0]
    flat = cam.flatten(1)
    lo, hi = flat.min(1)[0][:, None, None], flat.max(1)[0][:, None, None]
    cam = (cam - lo) / (hi - lo).clamp_min(1e-12)
    return cam.float().cpu().numpy(), labels.cpu().numpy()


def overlay_heatmap(image_rgb: np.ndarray, cam: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blend a [0, 1] heat map (resized to the image) over an RGB uint8 image (jet)."""
    import cv2

    h, w = image_rgb.shape[:2]
    if cam.shape != (h, w):
        cam = cv2.resize(cam.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    heat = cv2.applyColorMap(np.uint8(np.clip(cam, 0, 1) * 255), cv2.COLORMAP_JET)
    heat = cv2.cvtColor(heat, cv2.COLOR_BGR2RGB)
    return np.uint8(np.clip((1 - alpha) * image_rgb + alpha * heat, 0, 255))
