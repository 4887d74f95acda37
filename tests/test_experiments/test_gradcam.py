"""Grad-CAM on a tiny segmentation model: map of the image size, gradients of a real layer."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(REPO, 'tests', 'data', 'tiny_seg.py')


@pytest.fixture(scope='module')
def tiny_model():
    from mmengine.config import Config
    from mmengine.model.utils import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmdepthpretrain  # noqa: F401
    init_default_scope('mmseg')
    torch.manual_seed(1)  # an untrained net whose layer1 map is not all negative
    cfg = Config.fromfile(TINY)
    return cfg, revert_sync_batchnorm(MODELS.build(cfg.model))


def test_grad_cam_shape_and_layer(tiny_model):
    from mmdepthpretrain.experiments import grad_cam

    _, model = tiny_model
    inputs = torch.rand(2, 3, 48, 80)
    inputs[..., 40:] += 1.0
    metas = [dict(img_shape=(48, 80), ori_shape=(48, 80), pad_shape=(48, 80))] * 2
    params_before = [p.detach().clone() for p in model.parameters()]
    cam, labels = grad_cam(model, inputs, metas, 'backbone.layer1')
    assert cam.shape == (2, 48, 80) and labels.shape == (2, 48, 80)
    assert cam.min() >= 0.0 and abs(cam.max() - 1.0) < 1e-5
    assert cam.std() > 0.0  # not a constant map
    # the Grad-CAM formula, worked out here with a hook
    acts = {}

    def keep(module, args, output):
        output.retain_grad()
        acts['a'] = output

    handle = model.backbone.layer1.register_forward_hook(keep)
    model.eval()  # as grad_cam does (norm layers with running statistics)
    logits = model.encode_decode(inputs, metas)
    logits.gather(1, logits.argmax(1, keepdim=True)).sum().backward()
    handle.remove()
    model.zero_grad(set_to_none=True)
    a = acts['a']
    raw = torch.relu((a.grad.mean((2, 3), keepdim=True) * a).sum(1, keepdim=True)).detach()
    raw = torch.nn.functional.interpolate(raw, size=(48, 80), mode='bilinear')[:, 0]
    lo = raw.flatten(1).min(1)[0][:, None, None]
    hi = raw.flatten(1).max(1)[0][:, None, None]
    assert np.allclose(cam, ((raw - lo) / (hi - lo)).numpy(), atol=1e-5)
    # Grad-CAM does not train the model
    assert all(torch.equal(a, b) for a, b in zip(params_before, model.parameters()))
    # labels are the model's own prediction
    with torch.no_grad():
        logits = model.encode_decode(inputs, metas)
    assert np.array_equal(labels, logits.argmax(1).numpy())
    with pytest.raises(KeyError, match='backbone.nope'):
        grad_cam(model, inputs, metas, 'backbone.nope')


def test_gradcam_cli_writes_overlay_of_image_size(tiny_model, tmp_path):
    sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
    try:
        import gradcam as cli
    finally:
        sys.path.pop(0)
    _, model = tiny_model
    ckpt = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    image = tmp_path / 'img.png'
    rng = np.random.default_rng(0)
    cv2.imwrite(str(image), rng.integers(0, 255, (50, 70, 3), dtype=np.uint8))
    out = tmp_path / 'cam' / 'out.png'
    cam = cli.run(TINY, str(ckpt), str(image), str(out), layer='backbone.layer1')
    assert cam.shape == (50, 70)
    written = cv2.imread(str(out))
    assert written.shape == (50, 70, 3)
    assert not (tmp_path / 'cam' / 'out.png.tmp').exists()
    assert cli.main([TINY, str(ckpt), str(tmp_path / 'missing.png'), '--out',
                     str(tmp_path / 'x.png')]) == 2
