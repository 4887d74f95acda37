"""Masked-reconstruction baseline: masks, loss, modes, training on the synthetic world."""

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

from mmdepthpretrain.engine import ReconstructionVisualizationHook
from mmdepthpretrain.evaluation.metrics.reconstruction_metric import ReconstructionMetric
from mmdepthpretrain.models.backbones import DepthResNet
from mmdepthpretrain.models.decode_heads.rgb_head import RGBHead
from mmdepthpretrain.models.losses.reconstruction_loss import (
    MaskedReconstructionLoss,
    masked_l1_reconstruction,
)
from mmdepthpretrain.models.pretrainers.masked_reconstruction import (
    MaskedReconstructionEstimator,
    random_rectangle_masks,
)

from .utils import TINY_CHANNELS, make_batch

init_default_scope('mmseg')


def tiny_recon_cfg(**kwargs):
    cfg = dict(
        type='MaskedReconstructionEstimator',
        backbone=dict(type='DepthResNet', depth=18, base_channels=16, stem_channels=16),
        decode_head=dict(type='RGBHead', in_channels=TINY_CHANNELS, channels=[8, 16, 32, 64, 64]),
        data_preprocessor=dict(
            type='MultiFrameDataPreProcessor',
            mean=[114.75] * 3,
            std=[57.375] * 3,
            color_jitter=None,
        ),
    )
    cfg.update(kwargs)
    return cfg


def test_random_rectangle_masks():
    g = torch.Generator().manual_seed(0)
    # one rectangle of exactly a quarter of each side
    m = random_rectangle_masks(8, 40, 64, num_masks=(1, 1), mask_size=(0.25, 0.25), generator=g)
    assert m.shape == (8, 1, 40, 64)
    assert (m.sum(dim=(1, 2, 3)) == 10 * 16).all()
    rows = m.any(dim=3)[:, 0]
    assert (rows.sum(1) == 10).all()  # contiguous block of 10 rows
    # counts and sizes stay in range; different images get different masks
    m = random_rectangle_masks(16, 40, 64, num_masks=(0, 3), mask_size=(0.1, 0.3), generator=g)
    area = m.mean(dim=(1, 2, 3))
    assert area.max() <= 3 * 0.3 * 0.3 + 1e-6 and not torch.equal(m[0], m[1])
    assert (area == 0).any() or area.min() >= 0.1 * 0.1 * 0.5
    with pytest.raises(ValueError, match='mask_size'):
        random_rectangle_masks(1, 4, 4, mask_size=(0.5, 1.5))


def test_loss_hand_value():
    pred = torch.zeros(1, 3, 2, 2)
    target = torch.tensor([[0.2, 0.4], [0.6, 0.8]]).expand(1, 3, 2, 2)
    mask = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).view(1, 1, 2, 2)
    assert masked_l1_reconstruction(pred, target, mask).item() == pytest.approx(0.5)
    assert masked_l1_reconstruction(pred, target, mask, 0.5).item() == pytest.approx(
        0.5 + 0.5 * 0.5
    )
    # two scales: the half-resolution one is upsampled and weighted 1/2
    coarse = torch.full((1, 3, 1, 1), 0.5)
    loss = MaskedReconstructionLoss()([pred, coarse], target, mask, scales=[0, 1])
    assert loss.item() == pytest.approx((0.5 + 0.5 * 0.3) / 1.5)


def test_mask_fill_and_target():
    model = MODELS.build(tiny_recon_cfg())
    batch = make_batch(batch_size=2, frame_ids=(0,), height=32, width=64, with_depth=False)
    data = model.data_preprocessor(batch, False)
    aug, target = model._input_and_target(data['inputs'], data['data_samples'])
    assert torch.allclose(target, data['inputs']['imgs'][:, 0], atol=1e-6)
    mask = model.make_masks(aug, seed=1)
    masked = model._apply_mask(aug, target, mask)
    black = (0 - 114.75) / 57.375
    assert torch.allclose(masked[mask.expand_as(aug).bool()], torch.tensor(black))
    keep = ~mask.expand_as(aug).bool()
    assert torch.equal(masked[keep], aug[keep])
    model.fill = 'mean'
    masked = model._apply_mask(aug, target, mask)
    mean = (target.mean(dim=(2, 3)) * 255 - 114.75) / 57.375  # (B, 3)
    assert torch.allclose(masked[0, :, mask[0, 0].bool()].mean(1), mean[0], atol=1e-5)
    assert torch.equal(model.make_masks(aug, seed=1), mask)


def test_modes_and_state_dict():
    torch.manual_seed(0)
    model = MODELS.build(tiny_recon_cfg())
    assert isinstance(model, MaskedReconstructionEstimator)
    assert isinstance(model.decode_head, RGBHead) and set(model.decode_head.rgb_convs) == {'0'}
    batch = make_batch(batch_size=2, frame_ids=(0, -1), height=32, width=64, with_depth=False)
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    log = model.train_step(batch, optim)
    assert set(log) == {'loss', 'loss_recon'} and torch.isfinite(log['loss'])
    model.eval()
    out = model.val_step(batch)
    assert out[0].pred_recon.data.shape == (3, 32, 64)
    assert out[0].pred_recon.data.min() >= 0 and out[0].pred_recon.data.max() <= 1
    assert out[0].recon_mask.data.shape == (1, 32, 64) and out[0].recon_mask.data.sum() > 0
    again = model.val_step(batch)  # seeded masks: repeatable evaluation
    assert torch.equal(again[0].pred_recon.data, out[0].pred_recon.data)
    data = model.data_preprocessor(batch, False)
    aug = data['inputs']['aug'][:, 0]
    tensors = model(aug, mode='tensor')
    assert tensors[0].shape == (2, 3, 32, 64)
    assert torch.allclose(model(**data, mode='tensor')[0], tensors[0])
    assert torch.allclose(model.encode_decode(aug, None), tensors[0])
    # metric: predicting the target exactly gives zero error
    metric = ReconstructionMetric()
    samples = [o.to_dict() for o in out]
    metric.process({}, samples)
    perfect = dict(samples[0], pred_recon=dict(data=samples[0]['recon_target']['data']))
    metric.process({}, [perfect])
    assert metric.results[-1]['masked_l1'] == 0 and metric.results[0]['masked_l1'] > 0
    res = metric.compute_metrics(metric.results)
    assert set(res) == {'l1', 'masked_l1', 'masked_psnr'}
    rows = ReconstructionVisualizationHook().panels(
        (out[0].recon_target.data.permute(1, 2, 0).numpy() * 255).astype('uint8'), out[0]
    )
    assert len(rows) == 3 and (rows[1][out[0].recon_mask.data[0].bool().numpy()] == 0).all()
    # encoder keys load into a DepthResNet of the same depth
    enc = {k[9:]: v for k, v in model.state_dict().items() if k.startswith('backbone.')}
    DepthResNet(depth=18, base_channels=16, stem_channels=16).load_state_dict(enc, strict=True)
    with pytest.raises(ValueError, match='fill'):
        MODELS.build(tiny_recon_cfg(fill='noise'))


def test_training_lowers_masked_l1(synthetic_kitti):
    torch.manual_seed(0)
    ds = DATASETS.build(
        dict(
            type='KittiRawDepthDataset',
            data_root=synthetic_kitti,
            frame_ids=[0],
            split_cfg=dict(sides=('l',)),
            pipeline=[
                dict(type='LoadMultiFrameImages'),
                dict(type='MultiFrameResize', scale=(128, 40)),
                dict(type='PackMultiFrameInputs'),
            ],
        )
    )
    batch = pseudo_collate([ds[i] for i in range(6)])
    model = MODELS.build(tiny_recon_cfg())
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=2e-3))

    def masked_l1():
        model.eval()
        with torch.no_grad():
            out = model.val_step(batch)
        model.train()
        metric = ReconstructionMetric()
        metric.process(batch, [o.to_dict() for o in out])
        return metric.compute_metrics(metric.results)['masked_l1']

    before = masked_l1()
    for _ in range(40):
        model.train_step(batch, optim)
    after = masked_l1()
    assert after < 0.6 * before, (before, after)
