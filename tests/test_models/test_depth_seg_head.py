"""The segmentation twin of the depth decoder, and frozen-encoder fine-tuning."""
import copy

import torch
from mmengine.config import ConfigDict
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.structures import SegDataSample

import mmdepthpretrain  # noqa: F401
from mmdepthpretrain.models.decode_heads.depth_seg_head import DepthSegHead
from mmdepthpretrain.models.decode_heads.disparity_head import DisparityHead

CH = (16, 16, 32, 64, 128)  # DepthResNet-18 with 16 base channels


def _seg_model(frozen=False, num_classes=3):
    init_default_scope('mmseg')
    backbone = dict(type='DepthResNet', depth=18, base_channels=16, stem_channels=16,
                    norm_cfg=dict(type='BN', requires_grad=True))
    if frozen:
        backbone['frozen_stages'] = 4
    return MODELS.build(ConfigDict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[0.0] * 3, std=[255.0] * 3,
                               bgr_to_rgb=True, size_divisor=32),
        backbone=backbone,
        decode_head=dict(type='DepthSegHead', in_channels=CH, num_classes=num_classes,
                         loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        train_cfg=dict(), test_cfg=dict(mode='whole')))


def _batch(n=2, h=64, w=64, num_classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8))
        s = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, h, w), generator=g))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_shares_decoder_names_with_disparity_head():
    depth_head = DisparityHead(in_channels=CH)
    seg_head = DepthSegHead(in_channels=CH, num_classes=5)
    depth_dec = {k for k in depth_head.state_dict() if k.startswith('convs.')}
    seg_keys = set(seg_head.state_dict())
    assert depth_dec and depth_dec <= seg_keys
    # a plain load of the depth decoder leaves exactly the classifier fresh
    missing, unexpected = seg_head.load_state_dict(
        {k: v for k, v in depth_head.state_dict().items() if k.startswith('convs.')},
        strict=False)
    assert sorted(missing) == ['conv_seg.bias', 'conv_seg.weight'] and not unexpected
    feats = [torch.randn(1, c, 64 // 2**(i + 1), 64 // 2**(i + 1)) for i, c in enumerate(CH)]
    seg_head.eval(), depth_head.eval()
    with torch.no_grad():
        expected = depth_head.decode(feats)[0]
        logits = seg_head(feats)
    assert logits.shape == (1, 5, 64, 64)
    want = seg_head.conv_seg(expected)
    torch.testing.assert_close(logits, want)


def test_seg_model_modes():
    model = _seg_model()
    data = model.data_preprocessor(_batch(), True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['decode.loss_ce'])
    out = model(**model.data_preprocessor(_batch(), False), mode='predict')
    assert out[0].pred_sem_seg.data.shape == (1, 64, 64)
    logits = model(data['inputs'], mode='tensor')
    assert logits.shape == (2, 3, 64, 64)


def test_frozen_encoder_is_bit_identical_and_not_optimised():
    model = _seg_model(frozen=True)
    optim = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='FrozenAwareOptimWrapperConstructor',
        optim_wrapper_cfg=dict(type='OptimWrapper',
                               optimizer=dict(type='Adam', lr=1e-2, weight_decay=1e-2))))(model)
    assert isinstance(optim, OptimWrapper)
    in_optim = {id(p) for g in optim.optimizer.param_groups for p in g['params']}
    backbone = dict(model.backbone.named_parameters())
    assert backbone and not any(id(p) in in_optim for p in backbone.values())
    assert all(not p.requires_grad for p in backbone.values())
    head = list(model.decode_head.parameters())
    assert all(id(p) in in_optim for p in head)

    before = copy.deepcopy(model.backbone.state_dict())  # parameters and BN buffers
    head_before = copy.deepcopy(model.decode_head.state_dict())
    model.train()
    for step in range(3):
        model.train_step(_batch(seed=step), optim)
    norms = [m for m in model.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert norms and all(not m.training for m in norms)
    after = model.backbone.state_dict()
    for k, v in before.items():
        assert torch.equal(v, after[k]), f'{k} changed'
    # the decoder did train
    assert any(not torch.equal(v, model.decode_head.state_dict()[k])
               for k, v in head_before.items())


def test_constructor_with_paramwise_cfg_still_drops_frozen():
    model = _seg_model(frozen=True)
    optim = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='FrozenAwareOptimWrapperConstructor',
        optim_wrapper_cfg=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
        paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)})))(model)
    groups = optim.optimizer.param_groups
    n_trainable = sum(1 for p in model.parameters() if p.requires_grad)
    assert len(groups) == n_trainable
    assert all(g['lr'] == 1.0 for g in groups)  # every trainable param is in decode_head
