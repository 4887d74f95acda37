import pytest
import torch
import torch.nn as nn
import torchvision
from mmseg.registry import MODELS

import mmdepthpretrain.models  # noqa: F401
from mmdepthpretrain.models import DepthResNet, DisparityHead, PoseDecoder

from .utils import TINY_CHANNELS


def test_depth_resnet_levels_and_torchvision_keys():
    model = DepthResNet(depth=18).eval()
    tv = torchvision.models.resnet18(weights=None).eval()
    tv_state = {k: v for k, v in tv.state_dict().items() if not k.startswith('fc.')}
    assert set(model.state_dict()) == set(tv_state)
    model.load_state_dict(tv_state)
    x = torch.rand(1, 3, 64, 96)
    feats = model(x)
    assert [f.shape[1] for f in feats] == model.out_channels == [64, 64, 128, 256, 512]
    assert [f.shape[-1] for f in feats] == [48, 24, 12, 6, 3]
    with torch.no_grad():
        stem = tv.relu(tv.bn1(tv.conv1(x)))
        last = tv.layer4(tv.layer3(tv.layer2(tv.layer1(tv.maxpool(stem)))))
    assert torch.allclose(feats[0], stem, atol=1e-5)
    assert torch.allclose(feats[4], last, atol=1e-4)
    assert DepthResNet(depth=50).out_channels == [64, 256, 512, 1024, 2048]
    with pytest.raises(ValueError, match='out_indices'):
        DepthResNet(depth=18, out_indices=(0, 1))


def test_two_frame_encoder_loads_imagenet_conv1_split(tmp_path):
    tv = torchvision.models.resnet18(weights=None)
    path = tmp_path / 'r18.pth'
    torch.save(tv.state_dict(), path)
    one = DepthResNet(depth=18, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    two = DepthResNet(
        depth=18, num_input_images=2, init_cfg=dict(type='Pretrained', checkpoint=str(path))
    )
    one.init_weights()
    two.init_weights()
    assert two.conv1.weight.shape == (64, 6, 7, 7)
    assert torch.allclose(two.conv1.weight[:, :3] * 2, tv.conv1.weight)
    assert torch.allclose(two.layer3[0].conv1.weight, tv.layer3[0].conv1.weight)
    x = torch.rand(1, 3, 32, 64)
    one.eval(), two.eval()
    with torch.no_grad():
        assert torch.allclose(two(torch.cat([x, x], 1))[-1], one(x)[-1], atol=1e-4)


def test_disparity_head_scales_names_and_odd_sizes():
    head = DisparityHead(in_channels=TINY_CHANNELS)
    feats = [
        torch.rand(2, c, h, w)
        for c, (h, w) in zip(TINY_CHANNELS, [(20, 36), (10, 18), (5, 9), (3, 5), (2, 3)])
    ]
    disps = head(feats)
    assert [d.shape for d in disps] == [
        (2, 1, 40, 72),
        (2, 1, 20, 36),
        (2, 1, 10, 18),
        (2, 1, 5, 9),
    ]
    assert all(((d >= 0) & (d <= 1)).all() for d in disps)
    keys = set(head.state_dict())
    assert 'convs.4.conv1.weight' in keys and 'convs.0.conv2.weight' in keys
    assert {k for k in keys if k.startswith('disp_convs')} == {
        f'disp_convs.{s}.{p}' for s in range(4) for p in ('weight', 'bias')
    }
    assert head.convs[4].conv1.in_channels == TINY_CHANNELS[4]
    assert head.convs[0].conv2.in_channels == 16  # no skip at level 0
    with pytest.raises(ValueError, match='scales'):
        DisparityHead(scales=(0, 5))


class _SegTwin(DisparityHead):
    """What the segmentation twin does: same decoder, a new output layer."""

    def build_output_layer(self):
        self.conv_seg = nn.Conv2d(self.channels[0], 7, 1)

    def predict_outputs(self, feats):
        return self.conv_seg(feats[0])


def test_decoder_state_transfers_to_a_twin_with_a_new_output_layer():
    depth_head = DisparityHead(in_channels=TINY_CHANNELS)
    twin = _SegTwin(in_channels=TINY_CHANNELS)
    result = twin.load_state_dict(depth_head.state_dict(), strict=False)
    assert set(result.missing_keys) == {'conv_seg.weight', 'conv_seg.bias'}
    assert all(k.startswith('disp_convs.') for k in result.unexpected_keys)
    feats = [torch.rand(1, c, 16 // 2**i, 32 // 2**i) for i, c in enumerate(TINY_CHANNELS)]
    assert all(torch.equal(a, b) for a, b in zip(twin.decode(feats), depth_head.decode(feats)))


def test_pose_decoder_shapes_and_scale():
    dec = PoseDecoder(in_channels=128, num_input_features=2, num_frames=1, channels=32)
    feats = [torch.rand(3, 128, 2, 4), torch.rand(3, 128, 2, 4)]
    axisangle, translation = dec(feats)
    assert axisangle.shape == translation.shape == (3, 1, 3)
    dec.scale = 1.0
    big, big_t = dec(feats)
    assert torch.allclose(big * 0.01, axisangle, atol=1e-7)
    assert torch.allclose(big_t * 0.01, translation, atol=1e-7)
    dec.scale, dec.translation_scale = 0.01, 0.1  # the translation alone grows 10x
    same, bigger_t = dec(feats)
    assert torch.equal(same, axisangle)
    assert torch.allclose(bigger_t, translation * 10, atol=1e-7)
    assert dec.pose_convs[-1].kernel_size == (1, 1)
    with pytest.raises(ValueError, match='2 feature maps'):
        dec(feats[:1])


def test_components_are_registered_in_mmseg():
    for name in [
        'DepthResNet',
        'DisparityHead',
        'PoseDecoder',
        'SelfSupDepthEstimator',
        'MultiFrameDataPreProcessor',
        'PhotometricReprojectionLoss',
        'EdgeAwareSmoothnessLoss',
        'MaskedL1DepthLoss',
    ]:
        assert MODELS.get(name) is not None, name


def test_disparity_head_init_disp_sets_the_starting_disparity():
    head = DisparityHead(in_channels=TINY_CHANNELS, init_disp=0.01)
    feats = [torch.zeros(1, c, 32 // 2**(i + 1), 64 // 2**(i + 1))
             for i, c in enumerate(TINY_CHANNELS)]
    for conv in head.disp_convs.values():  # isolate the bias
        torch.nn.init.zeros_(conv.weight)
    for disp in head(feats):
        torch.testing.assert_close(disp, torch.full_like(disp, 0.01))
    with pytest.raises(ValueError, match='init_disp'):
        DisparityHead(in_channels=TINY_CHANNELS, init_disp=1.5)
