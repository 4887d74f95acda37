import copy

import pytest
import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmseg.registry import MODELS

import mmdepthpretrain.models  # noqa: F401

from .utils import TINY_CHANNELS, make_batch, tiny_model_cfg

MODES = [
    ('M', (0, -1, 1), 'separate', {'loss_photometric', 'loss_smoothness'}),
    ('M', (0, -1, 1), 'shared', {'loss_photometric', 'loss_smoothness'}),
    ('S', (0, 's'), None, {'loss_photometric', 'loss_smoothness'}),
    ('MS', (0, -1, 1, 's'), 'separate', {'loss_photometric', 'loss_smoothness'}),
    ('L', (0,), None, {'loss_depth'}),
    ('M+L', (0, -1, 1), 'separate', {'loss_photometric', 'loss_smoothness', 'loss_depth'}),
    ('S+L', (0, 's'), None, {'loss_photometric', 'loss_smoothness', 'loss_depth'}),
]


def build(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(tiny_model_cfg(**kwargs))


@pytest.mark.parametrize(
    'supervision,frame_ids,pose,keys', MODES, ids=[f'{m[0]}-{m[2]}' for m in MODES]
)
def test_every_mode_trains_validates_and_predicts(supervision, frame_ids, pose, keys):
    model = build(supervision=supervision, frame_ids=frame_ids, pose=pose)
    params_before = {k: v.detach().clone() for k, v in model.named_parameters()}
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    log = model.train_step(make_batch(frame_ids=frame_ids), optim)
    assert keys <= set(log) and all(torch.isfinite(v) for v in log.values())
    changed = {
        k.split('.')[0] for k, v in model.named_parameters() if not torch.equal(v, params_before[k])
    }
    expected = {'backbone', 'decode_head'}
    if pose == 'separate':
        expected |= {'pose_encoder', 'pose_decoder'}
    elif pose == 'shared':
        expected |= {'pose_decoder'}
    assert changed == expected

    val_batch = make_batch(frame_ids=(0,), with_depth=False)
    results = model.val_step(val_batch)
    assert len(results) == 2
    depth = results[0].pred_depth_map.data
    disp = results[0].pred_disp_map.data
    assert depth.shape == disp.shape == (1, 32, 64)
    assert depth.min() >= model.min_depth and depth.max() <= model.max_depth
    data = model.data_preprocessor(val_batch, False)
    disps = model(**data, mode='tensor')
    assert [tuple(d.shape) for d in disps] == [(2, 1, 32 // 2**s, 64 // 2**s) for s in range(4)]
    assert torch.allclose(disps[0][0], disp)
    assert 'pose_encoder' not in dict(model.named_children()) or pose == 'separate'


def test_pose_pairs_are_ordered_in_time_and_inverted_for_past_frames():
    model = build(supervision='M', frame_ids=(0, -1, 1))

    class FirstMinusSecond(nn.Module):
        """Encoder stub: the mean of the first frame minus the second, as a feature."""

        def forward(self, x):
            return [(x[:, :3] - x[:, 3:]).mean(dim=(1, 2, 3)).view(-1, 1, 1, 1)]

    class TranslationX(nn.Module):
        num_input_features = 1

        def forward(self, feats):
            t = torch.cat([feats[0].view(-1, 1), torch.zeros(len(feats[0]), 2)], dim=1)
            return torch.zeros(len(t), 1, 3), t[:, None]

    model.pose_encoder, model.pose_decoder = FirstMinusSecond(), TranslationX()
    aug = torch.zeros(1, 3, 3, 4, 4)
    aug[:, 0], aug[:, 1], aug[:, 2] = 0.5, 0.2, 0.8  # target, frame -1, frame +1
    T = model.source_poses(aug)
    # frame -1: pair [src, tgt] -> 0.2 - 0.5 = -0.3, inverted -> +0.3
    # frame +1: pair [tgt, src] -> 0.5 - 0.8 = -0.3, kept
    assert T.shape == (1, 2, 4, 4)
    assert T[0, 0, 0, 3].item() == pytest.approx(0.3)
    assert T[0, 1, 0, 3].item() == pytest.approx(-0.3)


def test_stereo_source_uses_the_samples_stereo_transform():
    model = build(supervision='S', frame_ids=(0, 's'))
    stereo_T = torch.eye(4).repeat(2, 1, 1)
    stereo_T[:, 0, 3] = torch.tensor([-0.54, 0.54])
    T = model.source_poses(torch.zeros(2, 2, 3, 4, 4), stereo_T)
    assert torch.equal(T[:, 0], stereo_T)


def test_frames_are_matched_by_id_not_position():
    model = build(supervision='M', frame_ids=(0, -1, 1))
    model.train()
    batch = make_batch(batch_size=1, frame_ids=(0, -1, 1))
    swapped = copy.deepcopy(batch)
    swapped['inputs'][0] = batch['inputs'][0][[0, 2, 1]]
    swapped['data_samples'][0].set_metainfo(dict(frame_ids=[0, 1, -1]))
    torch.manual_seed(0)
    a = model.loss(**model.data_preprocessor(batch, True))
    torch.manual_seed(0)
    b = model.loss(**model.data_preprocessor(swapped, True))
    assert torch.allclose(a['loss_photometric'], b['loss_photometric'])
    missing = make_batch(batch_size=1, frame_ids=(0, 1))
    with pytest.raises(KeyError, match='missing'):
        model.loss(**model.data_preprocessor(missing, True))


def test_supervised_loss_uses_depth_in_metres():
    model = build(supervision='L', frame_ids=(0,))
    batch = make_batch(batch_size=1, frame_ids=(0,))
    data = model.data_preprocessor(batch, True)
    losses = model.loss(**data)
    with torch.no_grad():
        disps = model(**data, mode='tensor')
        depths = model.disparities_to_depths(disps, (32, 64))
    gt = batch['data_samples'][0].gt_depth_map.data
    valid = gt > 0
    expected = torch.stack([(d[valid] - gt[valid]).abs().mean() for d in depths[0]]).mean()
    assert losses['loss_depth'].item() == pytest.approx(expected.item(), rel=1e-5)
    no_depth = make_batch(batch_size=1, frame_ids=(0,), with_depth=False)
    with pytest.raises(KeyError, match='gt_depth_map'):
        model.loss(**model.data_preprocessor(no_depth, True))


def test_loss_terms_follow_the_supervision():
    # the depth loss of a base config is ignored without L; smoothness can be switched off
    model = build(supervision='M', depth_loss=dict(type='MaskedL1DepthLoss'), smoothness_loss=False)
    assert model.depth_loss is None and model.smoothness_loss is None
    model = build(
        supervision='L',
        frame_ids=(0,),
        smoothness_loss=dict(type='EdgeAwareSmoothnessLoss', loss_weight=0.5),
    )
    assert model.smoothness_loss.loss_weight == 0.5 and model.photometric_loss is None
    model = build(supervision='M+L')
    assert model.smoothness_loss is not None and model.depth_loss is not None


def test_mmseg_decode_head_with_one_output_channel():
    model = build(
        supervision='L',
        frame_ids=(0,),
        decode_head=dict(
            type='FCNHead',
            in_channels=TINY_CHANNELS[-1],
            in_index=4,
            channels=8,
            num_convs=1,
            num_classes=1,
            out_channels=1,
        ),
    )
    log = model.train_step(
        make_batch(frame_ids=(0,)), OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    )
    assert torch.isfinite(log['loss_depth'])
    result = model.val_step(make_batch(frame_ids=(0,), with_depth=False))
    assert result[0].pred_depth_map.data.shape == (1, 32, 64)


@pytest.mark.parametrize(
    'kwargs,match',
    [
        (dict(supervision='S', frame_ids=(0, -1, 1)), 'has S but frame_ids'),
        (dict(supervision='M', frame_ids=(0,)), 'no temporal source'),
        (dict(supervision='M', frame_ids=(0, 's')), 'no temporal source'),
        (dict(supervision='S', frame_ids=(0, -1, 's')), 'no M'),
        (dict(supervision='M', frame_ids=(0, -1, 1, 's')), 'no S'),
        (dict(supervision='X', frame_ids=(0,)), 'not valid'),
        (dict(supervision='L', frame_ids=(1, 0)), 'start with the target'),
        (dict(supervision='M', frame_ids=(0, -1), pose_decoder=None), 'pose_decoder'),
        (
            dict(
                supervision='M',
                frame_ids=(0, -1),
                pose='shared',
                pose_decoder=dict(type='PoseDecoder', in_channels=128),
            ),
            'num_input_features',
        ),
        (dict(supervision='L', frame_ids=(0,), depth_loss=False), 'MaskedL1DepthLoss-like'),
        (dict(supervision='S', frame_ids=(0, 's'), photometric_loss=False), 'Photometric'),
    ],
)
def test_bad_configs_fail_at_build_time(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(**kwargs)


def test_nonfinite_loss_raises_or_skips():
    model = build(supervision='S', frame_ids=(0, 's'))
    model.photometric_loss.forward = lambda *a, **k: torch.tensor(float('nan'))
    batch = make_batch(frame_ids=(0, 's'))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(FloatingPointError, match='loss_photometric'):
        model.train_step(batch, optim)

    model = build(supervision='S', frame_ids=(0, 's'), nonfinite='skip')
    model.photometric_loss.forward = lambda *a, **k: torch.tensor(float('inf'))
    before = {k: v.detach().clone() for k, v in model.state_dict().items() if 'running' not in k}
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log = model.train_step(batch, optim)
    assert log['loss'].item() == 0.0
    for k, v in model.state_dict().items():
        if k in before and v.dtype.is_floating_point:
            assert torch.equal(v, before[k]), k
