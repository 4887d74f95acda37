"""Depth Anything DPT heads and the linear-probe head on a tiny PlainViT."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmdepthpretrain.models.decode_heads.depth_anything_head import fit_prediction

ARCH = dict(embed_dims=32, num_layers=4, num_heads=4, ffn_channels=64)
BACKBONE = dict(type='PlainViT', arch=ARCH, img_size=28, out_indices=[0, 1, 2, 3])
WHOLE = ConfigDict(mode='whole')
HEAD = dict(embed_dims=32, post_process_channels=[4, 8, 16, 16], features=8, head_channels=4)


def _depth_model(**head):
    return MODELS.build(dict(type='DepthEstimator', backbone=BACKBONE, test_cfg=WHOLE,
                             decode_head=dict(type='DepthAnythingHead', **HEAD, **head)))


def _samples(h, w, pad_shape=None, depth=False):
    samples = []
    for _ in range(2):
        s = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                        pad_shape=pad_shape or (h, w)))
        if depth:
            s.gt_depth_map = PixelData(data=torch.rand(1, h, w) + 0.5)
        else:
            s.gt_sem_seg = PixelData(data=torch.randint(0, 5, (1, h, w)))
        samples.append(s)
    return samples


def test_depth_head_output_predict_and_loss():
    model = _depth_model().eval()
    x = torch.randn(2, 3, 42, 56)
    with torch.no_grad():
        depth = model(x, mode='tensor')
        preds = model.predict(x, _samples(42, 56))
    assert depth.shape == (2, 1, 42, 56) and depth.min() >= 0
    assert preds[0].pred_depth_map.data.shape == (1, 42, 56)
    torch.testing.assert_close(preds[0].pred_depth_map.data, depth[0])
    with pytest.raises(RuntimeError, match='no loss_decode configured'):
        model.loss(x, _samples(42, 56, depth=True))
    trained = _depth_model(loss_decode=dict(type='SiLogLoss')).train()
    losses = trained.loss(x, _samples(42, 56, depth=True))
    assert torch.isfinite(losses['decode.loss_silog'])
    metric = _depth_model(max_depth=20.0).eval()
    with torch.no_grad():
        out = metric(x, mode='tensor')
    assert 0 <= out.min() and out.max() <= 20.0


def test_padded_backbone_output_is_cropped_not_resized():
    model = MODELS.build(dict(type='DepthEstimator', backbone=dict(BACKBONE, pad_input=True),
                              test_cfg=WHOLE,
                              decode_head=dict(type='DepthAnythingHead', **HEAD))).eval()
    x = torch.randn(2, 3, 40, 50)
    with torch.no_grad():
        full = model(x, mode='tensor')  # covers the padded 42x56 image
        pred = model.predict(x, _samples(40, 50))[0].pred_depth_map.data
    assert full.shape[-2:] == (42, 56)
    assert torch.equal(pred, full[0, :, :40, :50])
    big = torch.randn(1, 1, 42, 56)
    assert fit_prediction(big, (21, 28), 14).shape[-2:] == (21, 28)  # not padding: resized


def test_seg_head_shares_the_decoder():
    depth = MODELS.build(dict(type='DepthAnythingHead', **HEAD))
    seg = MODELS.build(dict(type='DepthAnythingSegHead', **HEAD, num_classes=5))
    d, s = set(depth.state_dict()), set(seg.state_dict())
    assert d - s == {'conv_depth.weight', 'conv_depth.bias'}
    assert s - d == {'conv_seg.weight', 'conv_seg.bias'}
    seg.load_state_dict({k: v for k, v in depth.state_dict().items() if 'conv_depth' not in k},
                        strict=False)
    model = MODELS.build(dict(type='EncoderDecoder', backbone=BACKBONE, test_cfg=WHOLE,
                              decode_head=dict(type='DepthAnythingSegHead', **HEAD,
                                               num_classes=5)))
    x = torch.randn(2, 3, 28, 42)
    losses = model.loss(x, _samples(28, 42))
    assert torch.isfinite(losses['decode.loss_ce'])
    model.eval()
    with torch.no_grad():
        out = model.predict(x, _samples(28, 42))
    assert out[0].pred_sem_seg.data.shape == (1, 28, 42)


def test_readout_project_needs_the_cls_token():
    head = MODELS.build(dict(type='DepthAnythingHead', **HEAD, readout_type='project'))
    backbone = MODELS.build(dict(BACKBONE, readout='cls_token'))
    x = torch.randn(1, 3, 28, 28)
    assert head(backbone(x)).shape == (1, 1, 28, 28)
    backbone.readout = 'ignore'
    with pytest.raises(ValueError, match="build the backbone with readout='cls_token'"):
        head(backbone(x))
    with pytest.raises(ValueError, match='4 levels but got 2'):
        head(backbone(x)[:2])


@pytest.mark.parametrize('levels,cls', [(1, False), (4, False), (4, True)])
def test_linear_probe(levels, cls):
    backbone = dict(BACKBONE, out_indices=list(range(4 - levels, 4)), freeze=True,
                    readout='cls_token' if cls else 'ignore')
    head = dict(type='LinearProbeHead', in_channels=[32] * levels, use_cls_token=cls,
                num_classes=5)
    model = MODELS.build(dict(type='EncoderDecoder', backbone=backbone, decode_head=head))
    assert model.decode_head.bn.num_features == 32 * levels * (2 if cls else 1)
    x = torch.randn(2, 3, 28, 42)
    logits = model(x, mode='tensor')
    assert logits.shape == (2, 5, 2, 3)  # at the patch grid, upsampled by mmseg
    losses = model.loss(x, _samples(28, 42))
    losses['decode.loss_ce'].backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert model.decode_head.conv_seg.weight.grad is not None
