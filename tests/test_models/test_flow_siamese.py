"""Siamese optical-flow baseline: warping, losses, modes, training on the synthetic world."""

import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

from mmdepthpretrain.datasets.transforms.flow_loading import (  # noqa: F401 (registers)
    LoadFlowAnnotation,
    PackMultiFrameFlowInputs,
    read_kitti_flow_png,
)
from mmdepthpretrain.engine import FlowVisualizationHook
from mmdepthpretrain.evaluation.metrics.flow_metric import FlowEPEMetric, resize_flow
from mmdepthpretrain.models.backbones import DepthResNet
from mmdepthpretrain.models.decode_heads.flow_head import FlowHead
from mmdepthpretrain.models.losses.flow_loss import FlowPhotometricLoss, FlowSmoothnessLoss
from mmdepthpretrain.models.losses.photometric_loss import photometric_error
from mmdepthpretrain.models.pretrainers.flow_siamese import FlowSiameseEstimator
from mmdepthpretrain.models.utils.geometry import flow_warp
from mmdepthpretrain.visualization import flow_to_color

from .utils import TINY_CHANNELS, make_batch

init_default_scope('mmseg')
DRIVE = '2011_01_01/2011_01_01_drive_0001_sync'
RESNET = dict(type='DepthResNet', depth=18, base_channels=16, stem_channels=16)


def tiny_flow_cfg(**kwargs):
    cfg = dict(
        type='FlowSiameseEstimator',
        backbone=RESNET,
        decode_head=dict(
            type='FlowHead',
            in_channels=[2 * c for c in TINY_CHANNELS],
            channels=[8, 16, 32, 64, 64],
        ),
        data_preprocessor=dict(type='MultiFrameDataPreProcessor', color_jitter=None),
    )
    cfg.update(kwargs)
    return cfg


def read_rgb(root, index):
    path = osp.join(root, DRIVE, 'image_02', 'data', f'{index:010d}.png')
    img = cv2.imread(path)[..., ::-1].copy()
    return torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255


def flow_dataset(root, scale, pipeline_extra=()):
    return DATASETS.build(
        dict(
            type='KittiRawDepthDataset',
            data_root=root,
            frame_ids=[0, 1],
            split_cfg=dict(sides=('l',)),
            pipeline=[
                dict(type='LoadMultiFrameImages'),
                dict(type='LoadFlowAnnotation'),
                *pipeline_extra,
                dict(type='MultiFrameResize', scale=scale),
                dict(type='PackMultiFrameFlowInputs'),
            ],
        )
    )


# ------------------------------------------------------------------- warping
def test_gt_flow_reconstructs_target(synthetic_kitti):
    """Backward warping frame t+1 with the GT flow t -> t+1 reproduces frame t."""
    for f in range(3):
        flow, valid = read_kitti_flow_png(
            osp.join(synthetic_kitti, 'ground_truth', DRIVE, 'flow', f'{f:010d}.png')
        )
        assert valid.mean() > 0.99 and np.abs(flow).max() > 5  # real motion, dense GT
        tgt, src = read_rgb(synthetic_kitti, f), read_rgb(synthetic_kitti, f + 1)
        gt = torch.from_numpy(flow).permute(2, 0, 1)[None]
        warped, inside = flow_warp(src, gt, return_mask=True)
        m = inside[:, 0]
        assert m.float().mean() > 0.6
        l1 = (warped - tgt).abs().mean(1)[m]
        l1_zero = (src - tgt).abs().mean(1)[m]
        # most pixels are reproduced almost exactly (occlusions and aliasing remain)
        assert (l1 < 0.02).float().mean() > 0.85
        assert l1.mean() < 0.5 * l1_zero.mean()
        photo = photometric_error(warped, tgt, ssim_weight=0.85, l1_weight=0.15)[m].mean()
        photo_zero = photometric_error(src, tgt, ssim_weight=0.85, l1_weight=0.15)[m].mean()
        assert photo < 0.5 * photo_zero
        # the loss module, with the GT flow as the only scale, agrees
        loss = FlowPhotometricLoss()
        assert loss(warped, tgt) < 0.6 * loss(src, tgt)


# -------------------------------------------------------------------- losses
def test_photometric_loss_hand_value():
    """Constant images: SSIM = (2ab + C1) / (a^2 + b^2 + C1), L1 = |a - b|."""
    a, b = 0.6, 0.2
    c1 = 0.01**2
    ssim = (2 * a * b + c1) / (a * a + b * b + c1)
    err = 0.15 * abs(a - b) + 0.85 * (1 - ssim) / 2
    full = lambda size, v: torch.full((1, 3, size, size), v, dtype=torch.float64)  # noqa: E731
    pred0, tgt0 = full(2, a), full(2, b)
    pred1, tgt1 = full(4, b), full(4, b)  # zero error
    pred2, tgt2 = full(3, b), full(3, a)
    loss = FlowPhotometricLoss()([pred0, pred1, pred2], [tgt0, tgt1, tgt2], scales=[0, 1, 2])
    assert loss.item() == pytest.approx(err + 0 + err / 4, rel=1e-9)
    # the text's weighting: 0.15 L1 + 0.15 (1 - SSIM) == ssim_weight 0.3 on (1 - SSIM) / 2
    text = FlowPhotometricLoss(l1_weight=0.15, ssim_weight=0.3)(pred0, tgt0)
    assert text.item() == pytest.approx(0.15 * abs(a - b) + 0.15 * (1 - ssim), rel=1e-9)


def test_smoothness_hand_value():
    """u = k x on a flat image: mean |dx u| over both components is k / 2."""
    k = 0.3
    flow = torch.zeros(1, 2, 4, 8)
    flow[:, 0] = k * torch.arange(8.0)
    flat = torch.full((1, 3, 8, 16), 0.5)
    loss = FlowSmoothnessLoss(loss_weight=2.0)
    assert loss(flow, flat.clone()[..., :4, :8]).item() == pytest.approx(2.0 * k / 2, rel=1e-5)
    # scale 1 (half the image width) is weighted 1/2
    assert loss(flow, flat).item() == pytest.approx(2.0 * k / 2 / 2, rel=1e-5)
    # an image edge between columns 3 and 4 (step 1 in every channel) discounts exp(-1)
    edge = torch.zeros(1, 3, 4, 8)
    edge[..., 4:] = 1.0
    expected = 2.0 * (k * (6 + math.exp(-1)) / 7) / 2
    assert loss(flow, edge).item() == pytest.approx(expected, rel=1e-5)


def _bilinear_numpy(img, x, y):
    """Border-clamped bilinear sampling of img (C, H, W) at float pixel coords."""
    c, h, w = img.shape
    x = np.clip(x, 0, w - 1)
    y = np.clip(y, 0, h - 1)
    x0 = np.clip(np.floor(x).astype(int), 0, w - 2)
    y0 = np.clip(np.floor(y).astype(int), 0, h - 2)
    fx, fy = x - x0, y - y0
    return (
        img[:, y0, x0] * (1 - fx) * (1 - fy)
        + img[:, y0, x0 + 1] * fx * (1 - fy)
        + img[:, y0 + 1, x0] * (1 - fx) * fy
        + img[:, y0 + 1, x0 + 1] * fx * fy
    )


@pytest.mark.parametrize('loss_resolution', ['scale', 'input'])
def test_model_loss_equals_independent_computation(loss_resolution):
    torch.manual_seed(0)
    model = MODELS.build(tiny_flow_cfg(loss_resolution=loss_resolution))
    batch = make_batch(batch_size=2, frame_ids=(0, 1), height=32, width=64, with_depth=False)
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    imgs = data['inputs']['imgs']
    flows = model(**data, mode='tensor')  # image-size units, same train-mode forward
    assert [f.shape[-2:] for f in flows] == [(32, 64), (16, 32), (8, 16), (4, 8)]
    photo, smooth = 0.0, 0.0
    for s, flow in enumerate(flows):
        tgt, src = imgs[:, 0], imgs[:, 1]
        if loss_resolution == 'scale':
            tgt = F.avg_pool2d(tgt, 2**s) if s else tgt  # area resize by 2^s
            src = F.avg_pool2d(src, 2**s) if s else src
            h, w = flow.shape[-2:]
            pix = flow.detach().numpy() * np.array([w, h]).reshape(1, 2, 1, 1)
        else:
            h, w = 32, 64
            up = F.interpolate(flow, size=(h, w), mode='bilinear', align_corners=False)
            pix = up.detach().numpy() * np.array([w, h]).reshape(1, 2, 1, 1)
        vv, uu = np.meshgrid(np.arange(h), np.arange(w), indexing='ij')
        warped = torch.stack(
            [
                torch.from_numpy(_bilinear_numpy(src[i].numpy(), uu + pix[i, 0], vv + pix[i, 1]))
                for i in range(2)
            ]
        ).float()
        err = 0.15 * (warped - tgt).abs().mean(1) + 0.85 * _ssim_dissim(warped, tgt).mean(1)
        photo += err.mean().item() / 2**s
        tgt_s = F.avg_pool2d(imgs[:, 0], 2**s) if s else imgs[:, 0]
        f = flow.detach()
        dx = (f[..., :, 1:] - f[..., :, :-1]).abs() * torch.exp(
            -(tgt_s[..., :, 1:] - tgt_s[..., :, :-1]).abs().mean(1, keepdim=True)
        )
        dy = (f[..., 1:, :] - f[..., :-1, :]).abs() * torch.exp(
            -(tgt_s[..., 1:, :] - tgt_s[..., :-1, :]).abs().mean(1, keepdim=True)
        )
        smooth += (dx.mean() + dy.mean()).item() / 2**s
    assert losses['loss_photometric'].item() == pytest.approx(photo, rel=1e-4)
    assert losses['loss_smoothness'].item() == pytest.approx(2.0 * smooth, rel=1e-4)


def _ssim_dissim(x, y):
    """(1 - SSIM) / 2 with 3x3 means over a reflection-padded image, written out."""
    pad = lambda t: F.pad(t, (1, 1, 1, 1), mode='reflect')  # noqa: E731
    mean = lambda t: F.avg_pool2d(pad(t), 3, 1)  # noqa: E731
    mx, my = mean(x), mean(y)
    vx, vy, cxy = mean(x * x) - mx**2, mean(y * y) - my**2, mean(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    ssim = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return ((1 - ssim) / 2).clamp(0, 1)


# --------------------------------------------------------------------- model
def test_flow_head_output_layer():
    head = FlowHead(in_channels=[2 * c for c in TINY_CHANNELS], scales=(0, 2))
    assert set(head.flow_convs) == {'0', '2'} and not hasattr(head, 'disp_convs')
    feats = [torch.randn(1, 2 * c, 32 // 2**i, 64 // 2**i) for i, c in enumerate(TINY_CHANNELS, 1)]
    out = head(feats)
    assert [o.shape[1] for o in out] == [2, 2]
    assert (out[0] < 0).any()  # unbounded (no sigmoid)
    pix = FlowHead.to_pixels(torch.ones(1, 2, 1, 1), 10, 20)
    assert pix.flatten().tolist() == [20.0, 10.0]
    with pytest.raises(ValueError, match='out_channels must be 2'):
        FlowHead(out_channels=1)


def test_modes_and_frame_order():
    torch.manual_seed(0)
    model = MODELS.build(tiny_flow_cfg())
    assert isinstance(model, FlowSiameseEstimator)
    batch = make_batch(batch_size=2, frame_ids=(0, 1), height=32, width=64, with_depth=False)
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    log = model.train_step(batch, optim)
    assert set(log) == {'loss', 'loss_photometric', 'loss_smoothness'}
    assert all(torch.isfinite(v) for v in log.values())
    model.eval()
    out = model.val_step(batch)
    assert out[0].pred_flow.data.shape == (2, 32, 64)
    data = model.data_preprocessor(batch, False)
    pred = model(**data, mode='predict')
    assert torch.equal(pred[0].pred_flow.data, out[0].pred_flow.data)
    # tensor mode accepts (B, 2, 3, H, W) and (B, 6, H, W) pairs
    pair = data['inputs']['aug']
    flows = model(pair, mode='tensor')
    assert torch.allclose(flows[0], model(pair.flatten(1, 2), mode='tensor')[0])
    pix = model.encode_decode(pair, None)
    assert torch.allclose(pix[0], out[0].pred_flow.data, atol=1e-6)
    # frames stored in another order are reordered by the samples' frame_ids
    swapped = make_batch(batch_size=2, frame_ids=(1, 0), height=32, width=64, with_depth=False)
    swapped['inputs'] = [x[[1, 0]] for x in batch['inputs']]
    out_swapped = model.val_step(swapped)
    assert torch.allclose(out_swapped[0].pred_flow.data, out[0].pred_flow.data, atol=1e-6)
    # the reversed model predicts the flow t+1 -> t: a different output
    model.frame_ids = [1, 0]
    assert not torch.allclose(model.val_step(batch)[0].pred_flow.data, out[0].pred_flow.data)
    with pytest.raises(KeyError, match='missing'):
        model.val_step(
            make_batch(batch_size=1, frame_ids=(0, -1), height=32, width=64, with_depth=False)
        )
    with pytest.raises(ValueError, match='frame_ids'):
        MODELS.build(tiny_flow_cfg(frame_ids=[0, 0]))
    with pytest.raises(ValueError, match='loss_resolution'):
        MODELS.build(tiny_flow_cfg(loss_resolution='full'))


def test_encoder_state_dict_loads_into_depth_resnet():
    model = MODELS.build(tiny_flow_cfg())
    state = model.state_dict()
    enc = {k[len('backbone.') :]: v for k, v in state.items() if k.startswith('backbone.')}
    assert enc and all(k.startswith(('backbone.', 'decode_head.')) for k in state)
    resnet = DepthResNet(depth=18, base_channels=16, stem_channels=16)
    resnet.load_state_dict(enc, strict=True)
    x = torch.rand(1, 3, 32, 64)
    model.eval()
    resnet.eval()
    assert torch.allclose(resnet(x)[-1], model.backbone(x)[-1])


# --------------------------------------------------------- data, metric, vis
def test_flow_annotation_metric_and_colour(synthetic_kitti):
    ds = flow_dataset(synthetic_kitti, (128, 40))
    sample = ds[0]
    gt = sample['data_samples'].gt_flow
    h0, w0 = sample['data_samples'].metainfo['ori_shape']
    assert sample['inputs'].shape == (2, 3, 40, 128)
    assert gt.data.shape == (2, h0, w0) and gt.valid.dtype == torch.bool
    assert (
        sample['data_samples']
        .metainfo['flow_path']
        .endswith(osp.join('ground_truth', DRIVE, 'flow', '0000000000.png'))
    )
    samples = [sample['data_samples'].to_dict()]
    batch = dict(inputs=[sample['inputs']])
    # the GT flow at the input resolution, in its pixels, scores ~0 EPE
    half = resize_flow(gt.data, (40, 128))
    assert half[0].abs().max().item() == pytest.approx(
        gt.data[0].abs().max().item() * 128 / w0, rel=0.05
    )
    metric = FlowEPEMetric(with_photometric=True)
    metric.process(batch, [dict(samples[0], pred_flow=dict(data=half))])
    metric.process(batch, [dict(samples[0], pred_flow=dict(data=torch.zeros(2, 40, 128)))])
    good, zero = metric.results
    magnitude = gt.data.norm(dim=0).mean().item()
    assert good['gt']['EPE'] < 0.1 * magnitude
    assert zero['gt']['EPE'] == pytest.approx(magnitude, rel=1e-4)
    assert good['photo']['photo_l1'] < 0.7 * good['photo']['photo_l1_zero']
    res = metric.compute_metrics(metric.results)
    assert res['EPE'] == pytest.approx((good['gt']['EPE'] + magnitude) / 2, rel=1e-4)
    # right-camera targets have no GT flow: clear error
    with pytest.raises(ValueError, match='left camera'):
        LoadFlowAnnotation().flow_path(dict(side='r', img_path='x', folder=DRIVE, frame_index=0))
    # colour wheel: zero flow is white, rightward red, leftward cyan-blue
    flow = np.zeros((1, 3, 2), np.float32)
    flow[0, 1] = (4, 0)
    flow[0, 2] = (-4, 0)
    col = flow_to_color(flow).astype(int)[0]
    assert col[0].tolist() == [255, 255, 255]
    assert col[1, 0] == 255 and col[1, 1] < 60 and col[1, 2] < 60
    assert col[2, 0] < 60 and col[2, 2] > 200
    # the hook draws image | predicted flow | GT flow
    hook = FlowVisualizationHook()
    pred_sample = sample['data_samples'].clone()
    pred_sample.set_data(dict(pred_flow=type(gt)(data=half)))
    image = sample['inputs'][0].permute(1, 2, 0).numpy()
    rows = hook.panels(image, pred_sample)
    assert len(rows) == 3 and all(r.shape == image.shape for r in rows)


# ---------------------------------------------------------------- training
def test_training_lowers_epe(synthetic_kitti):
    torch.manual_seed(0)
    ds = flow_dataset(synthetic_kitti, (128, 40))
    batch = pseudo_collate([ds[i] for i in range(5)])  # one drive
    model = MODELS.build(tiny_flow_cfg())
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))

    def epe():
        model.eval()
        with torch.no_grad():
            out = model.val_step(batch)
        model.train()
        metric = FlowEPEMetric()
        metric.process(batch, [o.to_dict() for o in out])
        return metric.compute_metrics(metric.results)['EPE']

    before = epe()
    first = model.train_step(batch, optim)['loss_photometric'].item()
    for _ in range(59):
        last = model.train_step(batch, optim)['loss_photometric'].item()
    after = epe()
    assert last < 0.8 * first
    assert after < 0.85 * before, (before, after)
