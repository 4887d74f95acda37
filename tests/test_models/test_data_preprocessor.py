import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF

from mmdepthpretrain.models import MultiFrameDataPreProcessor
from mmdepthpretrain.models.data_preprocessor import color_jitter

from .utils import make_batch, make_K


def test_batch_format_and_normalisation():
    batch = make_batch(batch_size=2, frame_ids=(0, -1, 1, 's'), height=8, width=12)
    pre = MultiFrameDataPreProcessor(mean=(10, 20, 30), std=(2, 4, 5), color_jitter=None)
    out = pre(batch, training=True)
    inputs = out['inputs']
    raw = torch.stack(batch['inputs']).float()
    assert inputs['imgs'].shape == (2, 4, 3, 8, 12)
    assert torch.allclose(inputs['imgs'], raw / 255)
    mean = torch.tensor([10.0, 20, 30]).view(1, 1, 3, 1, 1)
    std = torch.tensor([2.0, 4, 5]).view(1, 1, 3, 1, 1)
    assert torch.allclose(inputs['aug'], (raw - mean) / std, atol=1e-4)
    K = torch.from_numpy(make_K(8, 12))
    assert torch.allclose(inputs['K'], K.expand(2, 4, 4))
    assert torch.allclose(inputs['inv_K'] @ inputs['K'], torch.eye(4).expand(2, 4, 4), atol=1e-6)
    assert inputs['stereo_T'][:, 0, 3].tolist() == pytest.approx([-0.54, -0.54])
    assert len(out['data_samples']) == 2 and 'gt_depth_map' in out['data_samples'][0]


def test_default_normalisation_is_unit_range_and_no_jitter_in_eval():
    batch = make_batch(batch_size=1, frame_ids=(0, 1), height=8, width=12)
    out = MultiFrameDataPreProcessor()(batch, training=False)['inputs']
    assert torch.allclose(out['aug'], out['imgs'])


@pytest.mark.parametrize(
    'op,kw,ref',
    [
        ('brightness', dict(brightness=(1.15, 1.15)), lambda x: TF.adjust_brightness(x, 1.15)),
        ('contrast', dict(contrast=(0.85, 0.85)), lambda x: TF.adjust_contrast(x, 0.85)),
        ('saturation', dict(saturation=(1.2, 1.2)), lambda x: TF.adjust_saturation(x, 1.2)),
        ('hue', dict(hue=(0.07, 0.07)), lambda x: TF.adjust_hue(x, 0.07)),
    ],
)
def test_each_jitter_operation_matches_torchvision(op, kw, ref):
    torch.manual_seed(0)
    x = torch.rand(2, 3, 3, 6, 7)
    params = dict(brightness=(1, 1), contrast=(1, 1), saturation=(1, 1), hue=(0, 0), prob=1.0)
    params.update(kw)
    got = color_jitter(x, **params)
    expected = torch.stack([torch.stack([ref(f) for f in sample]) for sample in x])
    assert torch.allclose(got, expected, atol=1e-5), op


def test_jitter_is_drawn_per_sample_and_shared_by_frames():
    torch.manual_seed(1)
    frame = torch.rand(4, 1, 3, 6, 7)
    x = frame.expand(4, 3, 3, 6, 7).contiguous()  # three identical frames per sample
    got = color_jitter(x)
    assert torch.allclose(got[:, 0], got[:, 1]) and torch.allclose(got[:, 0], got[:, 2])
    assert not torch.allclose(got[0, 0], x[0, 0])  # something changed
    assert not torch.allclose(got[0, 0] - x[0, 0], got[1, 0] - x[1, 0])  # per sample
    assert got.min() >= 0 and got.max() <= 1
    assert torch.equal(color_jitter(x, prob=0.0), x)


def test_training_jitter_feeds_only_the_network_copy():
    batch = make_batch(batch_size=2, frame_ids=(0, 1), height=8, width=12)
    pre = MultiFrameDataPreProcessor(color_jitter=dict(prob=1.0))
    out = pre(batch, training=True)['inputs']
    raw = torch.stack(batch['inputs']).float() / 255
    assert torch.allclose(out['imgs'], raw)
    assert not torch.allclose(out['aug'], raw)
    with pytest.raises(KeyError, match='gamma'):
        MultiFrameDataPreProcessor(color_jitter=dict(gamma=0.1))


def test_jitter_defaults_are_monodepth2s():
    pre = MultiFrameDataPreProcessor(color_jitter=dict())
    assert pre.jitter_cfg == dict(
        brightness=(0.8, 1.2),
        contrast=(0.8, 1.2),
        saturation=(0.8, 1.2),
        hue=(-0.1, 0.1),
        prob=0.5,
    )
    # numbers are symmetric ranges around 1 (around 0 for hue); ranges pass through
    pre = MultiFrameDataPreProcessor(color_jitter=dict(brightness=0.4, hue=(0.0, 0.05), prob=1))
    assert pre.jitter_cfg['brightness'] == pytest.approx((0.6, 1.4))
    assert pre.jitter_cfg['hue'] == (0.0, 0.05) and pre.jitter_cfg['prob'] == 1.0
    assert MultiFrameDataPreProcessor().jitter_cfg is None


def test_preprocessor_jitter_is_shared_by_frames_and_feeds_only_the_network():
    # identical frames in every sample: after jitter they stay identical to each other,
    # differ from the unaugmented frames the losses see, and are then normalised
    batch = make_batch(batch_size=3, frame_ids=(0, -1, 1), height=6, width=8)
    for i, x in enumerate(batch['inputs']):
        batch['inputs'][i] = x[:1].expand_as(x).contiguous()
    raw = torch.stack(batch['inputs']).float() / 255
    pre = MultiFrameDataPreProcessor(
        mean=(10, 20, 30), std=(50, 60, 70), color_jitter=dict(prob=1.0)
    )
    torch.manual_seed(0)
    out = pre(batch, training=True)['inputs']
    assert torch.equal(out['imgs'], raw)  # losses: unaugmented, exactly
    scale = torch.tensor([255 / 50, 255 / 60, 255 / 70]).view(1, 1, 3, 1, 1)
    shift = torch.tensor([10 / 50, 20 / 60, 30 / 70]).view(1, 1, 3, 1, 1)
    jittered = (out['aug'] + shift) / scale  # undo the normalisation
    assert jittered.min() >= -1e-5 and jittered.max() <= 1 + 1e-5
    for f in (1, 2):
        assert torch.allclose(jittered[:, f], jittered[:, 0], atol=1e-6)
    for i in range(3):
        assert not torch.allclose(jittered[i, 0], raw[i, 0], atol=1e-3)
    # the same seed draws the same jitter; evaluation never jitters
    torch.manual_seed(0)
    assert torch.equal(pre(batch, training=True)['inputs']['aug'], out['aug'])
    val = pre(batch, training=False)['inputs']
    assert torch.allclose((val['aug'] + shift) / scale, raw, atol=1e-5)


def test_jitter_probability_selects_whole_samples():
    torch.manual_seed(5)
    x = torch.rand(64, 2, 3, 4, 5)
    g = torch.Generator().manual_seed(0)
    got = color_jitter(x, prob=0.5, generator=g)
    changed = (got - x).abs().flatten(1).amax(dim=1) > 0
    assert 10 < int(changed.sum()) < 54  # about half the samples
    assert torch.equal(got[~changed], x[~changed])  # the others are untouched
    g = torch.Generator().manual_seed(0)
    assert torch.equal(color_jitter(x, prob=0.5, generator=g), got)  # repeatable


def test_mismatched_sizes_fail_clearly():
    batch = make_batch(batch_size=2, frame_ids=(0,), height=4, width=6)
    batch['inputs'][1] = torch.zeros(1, 3, 4, 8, dtype=torch.uint8)
    with pytest.raises(ValueError, match='same frame count and size'):
        MultiFrameDataPreProcessor()(batch)


def test_without_intrinsics_K_is_omitted():
    batch = make_batch(batch_size=1, frame_ids=(0,), height=4, width=6)
    meta = dict(batch['data_samples'][0].metainfo)
    meta.pop('cam_K')
    from mmseg.structures import SegDataSample

    batch['data_samples'] = [SegDataSample(metainfo=meta)]
    out = MultiFrameDataPreProcessor()(batch)['inputs']
    assert 'K' not in out and np.allclose(out['stereo_T'][0, 0, 3].item(), -0.54)


def test_channels_last_input_and_weights():
    from mmseg.registry import MODELS

    from .utils import make_batch, tiny_model_cfg

    cfg = tiny_model_cfg(data_preprocessor=dict(type='MultiFrameDataPreProcessor',
                                                channels_last=True))
    model = MODELS.build(cfg)
    weights = [p for p in model.parameters() if p.dim() == 4]
    assert weights and all(p.is_contiguous(memory_format=torch.channels_last) for p in weights)
    data = model.data_preprocessor(make_batch(), True)
    aug = data['inputs']['aug']
    assert aug.stride(2) == 1  # channels innermost in every frame
    feats = model.extract_feat(aug[:, 0])
    assert all(f.is_contiguous(memory_format=torch.channels_last) for f in feats)
    losses = model.loss(**data)
    assert all(torch.isfinite(v) for v in losses.values())
