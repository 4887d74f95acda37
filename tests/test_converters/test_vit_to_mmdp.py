"""ViT converters reproduce their sources: tiny random Hugging Face models, no downloads.

Every parameter of the reference models is randomised first (LayerScale, norms, biases,
tokens); each check runs at the native grid and at a non-native input size.
"""
import pytest
import torch
from mmseg.registry import MODELS

from mmdepthpretrain.converters import vit_to_mmdp

from .test_vit_hf_reference import (
    DA_TINY_HF,
    DA_TINY_NECK,
    depth_anything_original,
    dinov2_original,
    dinov3_original,
    hf_depth_anything,
    hf_dinov2,
    hf_dinov3,
    hf_dpt,
    legacy_hf_names,
    midas_original,
)

TOL = dict(rtol=1e-5, atol=1e-5)


def _inputs(*sizes, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(2, 3, h, w, generator=g) for h, w in sizes]


def build_depth_model(report, **overrides):
    """mmseg DepthEstimator from the converter's suggested backbone / head configs."""
    backbone = dict(report.info['backbone config'])
    backbone['arch'] = dict(backbone['arch'], **overrides.pop('arch', {}))
    head = dict(report.info['head config'], **overrides.pop('head', {}))
    return MODELS.build(dict(type='DepthEstimator', backbone=backbone, decode_head=head)).eval()


def build_backbone(report, **arch):
    cfg = dict(report.info['backbone config'])
    cfg['arch'] = dict(cfg['arch'], **arch)
    return MODELS.build(cfg).eval()


def load(model, state, prefix=''):
    state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    model.load_state_dict(state, strict=True)
    return model


def raw_and_normed(model, x):
    """The backbone's outputs without and with the final norm."""
    norm, model.norm = model.norm, None
    try:
        raw = model(x)
    finally:
        model.norm = norm
    return raw, model(x)


def assert_same_state(a, b):
    assert sorted(a) == sorted(b)
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)


# ------------------------------------------------------------------ Depth Anything
@pytest.mark.parametrize('native,other', [((28, 28), (42, 56))])
def test_depth_anything_hf_depth_and_features(native, other):
    hf = hf_depth_anything()
    out, report = vit_to_mmdp(hf.state_dict(), hf_config=hf.config.to_dict())
    assert report.info['backbone config']['arch']['pos_interp'] == 'hf'
    model = load(build_depth_model(report), out)
    for x in _inputs(native, other):
        with torch.no_grad():
            ref = hf(pixel_values=x, output_hidden_states=True)
            ours = model(x, mode='tensor')
            feats = model.backbone(x)
        torch.testing.assert_close(ours[:, 0], ref.predicted_depth, **TOL)
        assert ours.min() >= 0  # relative inverse depth after the final ReLU
        grid = (x.shape[-2] // 14, x.shape[-1] // 14)
        maps = hf.backbone(x).feature_maps  # layernormed hidden states of the taken stages
        for ours_map, ref_seq in zip(feats, maps):
            ref_map = ref_seq[:, 1:].transpose(1, 2).reshape(2, -1, *grid)
            torch.testing.assert_close(ours_map, ref_map, **TOL)


def test_depth_anything_hf_tiny_test_config():
    """HF's own tiny config: patch 16, two stages, no layernorm on the taken stages."""
    hf = hf_depth_anything(DA_TINY_HF, DA_TINY_NECK)
    out, report = vit_to_mmdp(hf.state_dict(), hf_config=hf.config.to_dict())
    assert report.info['backbone config']['arch']['final_norm'] is False
    assert report.dropped['backbone.layernorm.weight'].startswith('final norm, unused')
    model = load(build_depth_model(report), out)
    for x in _inputs((32, 32), (48, 80)):
        with torch.no_grad():
            torch.testing.assert_close(model(x, mode='tensor')[:, 0],
                                       hf(pixel_values=x).predicted_depth, **TOL)


def test_depth_anything_original_converts_to_the_same_model():
    hf = hf_depth_anything()
    from_hf, _ = vit_to_mmdp(hf.state_dict(), hf_config=hf.config.to_dict())
    original = depth_anything_original(hf.state_dict(), levels=4)
    out, report = vit_to_mmdp(original, name='depth_anything_v2_vits.pth')
    assert report.info['format'].startswith('depth_anything')
    assert_same_state(out, from_hf)
    arch = report.info['backbone config']['arch']
    assert arch['pos_interp'] == 'dinov2' and arch['img_size'] == 28
    x_native, x_other = _inputs((28, 28), (42, 56))
    assert report.info['backbone config']['out_indices'] == [0, 1, 2, 3]  # last four
    model = load(build_depth_model(report, arch=dict(num_heads=2)), out)
    with torch.no_grad():
        torch.testing.assert_close(model(x_native, mode='tensor')[:, 0],
                                   hf(pixel_values=x_native).predicted_depth, **TOL)
        # off the native grid the original's +0.1 scale-factor interpolation differs from HF's
        diff = (model(x_other, mode='tensor')[:, 0] - hf(pixel_values=x_other).predicted_depth)
    assert diff.abs().max() > 1e-4


def test_depth_anything_seg_full_keeps_the_decoder(tmp_path):
    hf = hf_depth_anything()
    depth, _ = vit_to_mmdp(hf.state_dict(), hf_config=hf.config.to_dict())
    seg, report = vit_to_mmdp(hf.state_dict(), mode='seg-full', hf_config=hf.config.to_dict())
    assert set(seg) == {k for k in depth if not k.startswith('decode_head.conv_depth.')}
    assert report.dropped['head.conv3.weight'].startswith('depth output conv')
    head = dict(report.info['head config'], num_classes=5)
    assert head.pop('type') == 'DepthAnythingSegHead'
    seg_model = MODELS.build(dict(type='EncoderDecoder',
                                  backbone=report.info['backbone config'],
                                  decode_head=dict(type='DepthAnythingSegHead', **head)))
    missing, unexpected = seg_model.load_state_dict(seg, strict=False)
    assert unexpected == [] and sorted(missing) == ['decode_head.conv_seg.bias',
                                                    'decode_head.conv_seg.weight']


# ------------------------------------------------------------------ DINOv2
@pytest.mark.parametrize('swiglu', [False, True])
def test_dinov2_hf_hidden_states(swiglu):
    hf = hf_dinov2(use_swiglu_ffn=swiglu)
    for state in (hf.state_dict(), legacy_hf_names(hf.state_dict())):
        out, report = vit_to_mmdp(state, hf_config=hf.config.to_dict())
        arch = report.info['backbone config']['arch']
        assert arch['ffn_type'] == ('swiglu' if swiglu else 'mlp')
        model = load(build_backbone(report), out, 'backbone.')
        model.out_indices = [0, 1]
        for x in _inputs((30, 30), (26, 34)):
            grid = (x.shape[-2] // 2, x.shape[-1] // 2)
            with torch.no_grad():
                ref = hf(pixel_values=x, output_hidden_states=True)
                raw, normed = raw_and_normed(model, x)
            for i, ours in enumerate(raw):
                ref_map = ref.hidden_states[i + 1][:, 1:].transpose(1, 2).reshape(2, -1, *grid)
                torch.testing.assert_close(ours, ref_map, **TOL)
            last = ref.last_hidden_state[:, 1:].transpose(1, 2).reshape(2, -1, *grid)
            torch.testing.assert_close(normed[-1], last, **TOL)


def test_dinov2_hub_file_converts_to_the_same_backbone():
    hf = hf_dinov2()
    from_hf, _ = vit_to_mmdp(hf.state_dict(), hf_config=hf.config.to_dict())
    hub = dinov2_original(hf.state_dict())
    out, report = vit_to_mmdp(hub)
    assert report.info['format'].startswith('dinov2') and report.mode == 'backbone'
    assert report.dropped == {'mask_token': 'mask token (masked-image pre-training only)'}
    assert_same_state(out, from_hf)
    chunked = {k.replace('blocks.1.', 'blocks.0.1.').replace('blocks.0.', 'blocks.0.0.', 1)
               if k.startswith('blocks.0.') else k.replace('blocks.1.', 'blocks.0.1.'): v
               for k, v in hub.items()}
    assert_same_state(vit_to_mmdp(chunked)[0], out)  # BlockChunk checkpoints


# ------------------------------------------------------------------ DINOv3
@pytest.mark.parametrize('gated', [False, True])
def test_dinov3_hf_hidden_states_and_original(gated):
    hf = hf_dinov3(use_gated_mlp=gated, hidden_act='silu' if gated else 'gelu')
    out, report = vit_to_mmdp(hf.state_dict(), hf_config=hf.config.to_dict())
    arch = report.info['backbone config']['arch']
    assert arch['pos_embed'] == 'rope' and arch['num_register_tokens'] == 4
    assert arch['k_bias'] is False and arch['norm_eps'] == 1e-5
    model = load(build_backbone(report), out, 'backbone.')
    model.out_indices = [0, 1]
    original = dinov3_original(hf.state_dict())
    out3, report3 = vit_to_mmdp(original)
    assert report3.info['format'].startswith('dinov3')
    assert report3.info['backbone config']['arch']['rope_base'] == pytest.approx(100.0)
    c = arch['embed_dims']
    assert original['blocks.0.attn.qkv.bias'][c:2 * c].abs().min() > 0  # garbage in the slot
    assert torch.all(out3['backbone.blocks.0.attn.qkv.bias'][c:2 * c] == 0)  # masked to 0
    assert_same_state(out3, out)
    for x in _inputs((32, 32), (48, 80)):
        grid = (x.shape[-2] // 16, x.shape[-1] // 16)
        with torch.no_grad():
            ref = hf(pixel_values=x, output_hidden_states=True)
            raw, normed = raw_and_normed(model, x)
        for i, ours in enumerate(raw):
            ref_map = ref.hidden_states[i + 1][:, 5:].transpose(1, 2).reshape(2, -1, *grid)
            torch.testing.assert_close(ours, ref_map, **TOL)
        last = ref.last_hidden_state[:, 5:].transpose(1, 2).reshape(2, -1, *grid)
        torch.testing.assert_close(normed[-1], last, **TOL)


# ------------------------------------------------------------------ MiDaS / DPT
def test_dpt_hf_depth_and_midas_original():
    hf = hf_dpt()
    out, report = vit_to_mmdp(hf.state_dict(), hf_config=hf.config.to_dict())
    assert report.info['head config']['fusion_resize'] == 'scale'
    assert report.info['backbone config']['readout'] == 'cls_token'
    assert report.info['backbone config']['arch']['norm_eps'] == 1e-12
    model = load(build_depth_model(report), out)
    midas = midas_original(hf.state_dict())
    out_m, report_m = vit_to_mmdp(midas)
    assert report_m.info['format'].startswith('midas_dpt')
    assert report_m.dropped['pretrained.model.head.weight'].startswith('ImageNet classifier')
    assert_same_state(out_m, out)
    # MiDaS' own code resizes each fusion to the next level's size ('size'), HF by 2
    assert report_m.info['backbone config']['out_indices'] == [0, 1, 2, 3]
    midas_model = load(build_depth_model(report_m, arch=dict(norm_eps=1e-12, num_heads=4)),
                       out_m)
    for x in _inputs((32, 32), (48, 48)):  # HF's plain DPT reshapes to a square grid
        with torch.no_grad():
            ref = hf(pixel_values=x, output_hidden_states=True)
            torch.testing.assert_close(model(x, mode='tensor')[:, 0], ref.predicted_depth,
                                       **TOL)
            feats = model.backbone(x)
        grid = (x.shape[-2] // 16, x.shape[-1] // 16)
        for i, (fmap, cls) in enumerate(feats):
            seq = ref.hidden_states[i + 1]
            torch.testing.assert_close(fmap, seq[:, 1:].transpose(1, 2).reshape(2, -1, *grid),
                                       **TOL)
            torch.testing.assert_close(cls, seq[:, 0], **TOL)
        if x.shape[-1] == 32:  # even grid: both fusion conventions agree
            with torch.no_grad():
                torch.testing.assert_close(midas_model(x, mode='tensor')[:, 0],
                                           ref.predicted_depth, **TOL)


def test_dinov2_with_registers_hf_and_hub():
    from transformers import Dinov2WithRegistersConfig, Dinov2WithRegistersModel

    from .test_vit_hf_reference import DINOV2, randomize
    hf = randomize(Dinov2WithRegistersModel(Dinov2WithRegistersConfig(**DINOV2,
                                                                      num_register_tokens=4)))
    out, report = vit_to_mmdp(hf.state_dict(), hf_config=hf.config.to_dict())
    assert report.info['backbone config']['arch']['pos_interp'] == 'dinov2_reg'
    model = load(build_backbone(report), out, 'backbone.')
    for x in _inputs((30, 30), (26, 34)):  # 13 x 17 from 15 x 15: antialiasing matters
        grid = (x.shape[-2] // 2, x.shape[-1] // 2)
        with torch.no_grad():
            ref = hf(pixel_values=x).last_hidden_state[:, 5:]
            torch.testing.assert_close(model(x)[-1], ref.transpose(1, 2).reshape(2, -1, *grid),
                                       **TOL)
    hub = dinov2_original({k: v for k, v in hf.state_dict().items()
                           if k != 'embeddings.register_tokens'})
    hub['register_tokens'] = hf.state_dict()['embeddings.register_tokens']
    hub_out, hub_report = vit_to_mmdp(hub)
    assert hub_report.info['backbone config']['arch']['pos_interp'] == 'dinov2_reg'
    assert_same_state(hub_out, out)


def test_dinov3_without_registers():
    hf = hf_dinov3(num_register_tokens=0)
    out, report = vit_to_mmdp(hf.state_dict(), hf_config=hf.config.to_dict())
    assert report.dropped['embeddings.register_tokens'] == 'empty (no register tokens)'
    model = load(build_backbone(report), out, 'backbone.')
    x = _inputs((32, 48))[0]
    with torch.no_grad():
        ref = hf(pixel_values=x).last_hidden_state[:, 1:]
        torch.testing.assert_close(model(x)[-1], ref.transpose(1, 2).reshape(2, -1, 2, 3), **TOL)
