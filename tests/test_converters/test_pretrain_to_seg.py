"""Our pre-training checkpoints to segmentation initialisations (full / encoder)."""
import pytest
import torch
from mmseg.registry import MODELS

from mmdepthpretrain.converters import ConversionError, check_against_model, pretrain_to_seg

from .cli_utils import run_main

CHANNELS = [16, 16, 32, 64, 128]  # DepthResNet-18 with 16 base channels
RESNET = dict(type='DepthResNet', depth=18, base_channels=16, stem_channels=16)
DEPTH_MODEL = dict(
    type='SelfSupDepthEstimator', supervision='M', frame_ids=[0, -1, 1], backbone=RESNET,
    decode_head=dict(type='DisparityHead', in_channels=CHANNELS),
    pose_encoder=dict(RESNET, num_input_images=2),
    pose_decoder=dict(type='PoseDecoder', in_channels=CHANNELS[-1], channels=32))
# Stand-in for the segmentation twin: same encoder and shared decoder, another output layer
SEG_MODEL = dict(type='SelfSupDepthEstimator', supervision='L', frame_ids=[0], backbone=RESNET,
                 decode_head=dict(type='DisparityHead', in_channels=CHANNELS, out_channels=7,
                                  scales=[0]))
SEG_CONFIG = ("custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)\n"
              f'model = {SEG_MODEL!r}\n')


@pytest.fixture(scope='module')
def depth_ckpt(tmp_path_factory):
    """An mmengine-style checkpoint of a small depth model with random weights."""
    torch.manual_seed(0)
    model = MODELS.build(DEPTH_MODEL).eval()
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point():
                t.copy_(torch.randn_like(t) * 0.1 + (1.0 if 'running_var' in name else 0.0))
    path = tmp_path_factory.mktemp('depth') / 'iter_100.pth'
    torch.save({'meta': {'epoch': 1, 'iter': 100}, 'state_dict': model.state_dict(),
                'optimizer': {'state': {}, 'param_groups': [{'lr': 1e-4}]}}, path)
    return str(path), model


def _seg_model():
    return MODELS.build(SEG_MODEL).eval()


def test_full_keeps_encoder_and_decoder(depth_ckpt, tmp_path, capsys):
    path, depth = depth_ckpt
    cfg = tmp_path / 'seg.py'
    cfg.write_text(SEG_CONFIG)
    dst = tmp_path / 'seg_full.pth'
    assert run_main('pretrain_to_seg', [path, str(dst), '--mode', 'full', '--config',
                                     str(cfg)]) == 0
    printed = capsys.readouterr().out
    assert 'pose branch, only used for pre-training' in printed
    assert 'output layer of the pre-training task' in printed
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)  # no allow-list needed
    assert ckpt['meta']['converter'] == 'pretrain_to_seg' and ckpt['meta']['mode'] == 'full'
    assert ckpt['meta']['source'] == [path]
    state = ckpt['state_dict']
    src = depth.state_dict()
    expected = {k for k in src if k.startswith(('backbone.', 'decode_head.convs.'))}
    assert set(state) == expected
    for k in expected:
        assert torch.equal(state[k], src[k])

    seg = _seg_model()
    result = seg.load_state_dict(state, strict=False)
    assert not result.unexpected_keys
    assert {k.split('.')[1] for k in result.missing_keys} == {'disp_convs'}  # classifier only
    fresh = check_against_model(state, seg).fresh
    assert fresh == result.missing_keys
    assert f'fresh (target model keys not in the checkpoint, keep their own initialisation): ' \
           f'{len(fresh)} keys' in printed
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        feats, ref_feats = seg.backbone(x), depth.backbone(x)
        for a, b in zip(feats, ref_feats):
            assert torch.equal(a, b)
        for a, b in zip(seg.decode_head.decode(feats), depth.decode_head.decode(ref_feats)):
            assert torch.equal(a, b)


def test_encoder_mode_and_flow_output_layer(depth_ckpt):
    _, depth = depth_ckpt
    state, report = pretrain_to_seg({'state_dict': depth.state_dict()}, mode='encoder',
                                 model=_seg_model())
    assert state and all(k.startswith('backbone.') for k in state)
    assert report.dropped['decode_head.convs.0.conv1.weight'].startswith('decoder, not')
    assert 'decode_head.convs.0.conv1.weight' in report.fresh
    assert 'backbone.conv1.weight' not in report.fresh
    x = torch.randn(1, 3, 64, 64)
    seg = _seg_model()
    seg.load_state_dict(state, strict=False)
    with torch.no_grad():
        assert torch.equal(seg.backbone(x)[-1], depth.backbone(x)[-1])

    # a flow / reconstruction model names its output layer differently: dropped all the same
    flow = {k.replace('disp_convs', 'flow_convs'): v for k, v in depth.state_dict().items()}
    state, report = pretrain_to_seg(flow, mode='full')
    assert not any('flow_convs' in k for k in state)
    assert report.dropped['decode_head.flow_convs.0.weight'].startswith('output layer')


def test_checkpoints_of_other_architectures_are_refused(depth_ckpt):
    with pytest.raises(ConversionError, match='encoder matched nothing') as err:
        pretrain_to_seg({'foo.weight': torch.zeros(3), 'bar.bias': torch.zeros(3)})
    assert 'foo' in str(err.value) and 'bar' in str(err.value)
    with pytest.raises(ConversionError, match='monodepth2_to_mmdp'):
        pretrain_to_seg({'encoder.conv1.weight': torch.zeros(64, 3, 7, 7)})
    with pytest.raises(ConversionError, match='use mode encoder'):
        pretrain_to_seg({'backbone.conv1.weight': torch.zeros(64, 3, 7, 7)}, mode='full')
    with pytest.raises(ConversionError, match='mode must be one of'):
        pretrain_to_seg({'backbone.conv1.weight': torch.zeros(1)}, mode='decoder')

    # a wider model's weights into the small config: every mismatching key is listed
    wide = MODELS.build(dict(DEPTH_MODEL, backbone=dict(RESNET, base_channels=32),
                             decode_head=dict(type='DisparityHead',
                                              in_channels=[16, 32, 64, 128, 256])))
    with pytest.raises(ConversionError, match='do not fit the target model') as err:
        pretrain_to_seg(wide.state_dict(), mode='full', model=_seg_model())
    assert 'backbone.layer1.0.conv1.weight: checkpoint shape [32, 16, 3, 3] vs model shape ' \
           '[16, 16, 3, 3]' in str(err.value)
    assert len(err.value.problems) == 105 and '... and 80 more' in str(err.value)
    assert any(p.startswith('decode_head.convs.4.conv1.weight: checkpoint shape [256, 256')
               for p in err.value.problems)
