"""The ViT configs: Depth Anything depth models, Tab. 6 segmentation (ADE20K, VOC,
Cityscapes; UPerNet fine-tuning and linear probes; Depth Anything v2, DINOv2, DINOv3 at
ViT-S/B/L), KITTI with Depth Anything / MiDaS encoders, the synthetic ViT-S configs.

Each config is read with mmengine and checked against the facts it states; models are built
at a tiny width (``shrink``) for the training steps, so the file runs in a few minutes on a
CPU. The full-size models are built by tests/test_configs.py; what the segmentation configs'
names promise (arch, normalisation, freezing, weights) is checked in
tests/test_config_meaning.py.
"""
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
from functools import cache

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))


def _configs(*patterns):
    return sorted(osp.relpath(p, REPO) for pat in patterns
                  for p in glob.glob(osp.join(REPO, 'configs', pat)))


DEPTH = _configs('depth_anything/*.py')
TAB6 = _configs('ade20k/*_vit-*.py', 'voc/*_vit-*.py', 'cityscapes/*_vit-*.py')
KITTI = _configs('kitti/dpt_vit-*.py')
SYNTHETIC = _configs('synthetic/*_vit-*.py')
SEG = TAB6 + KITTI + SYNTHETIC
NAME = re.compile(r'^(?P<head>upernet|linear|dpt)_vit-(?P<size>[sbl])-(?P<init>da|dinov2|dinov3|'
                  r'midas|random)(?:-(?P<setup>full|encoder))?_')
DEPTH_NAME = re.compile(r'^depth-anything-(?P<version>v[12])_vit-(?P<size>[sbl])_')
IMAGENET = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
# REFERENCE.md Sec. 6: released head widths (features, out_channels) and taken blocks
WIDTHS = dict(s=(64, [48, 96, 192, 384]), b=(128, [96, 192, 384, 768]),
              l=(256, [256, 512, 1024, 1024]))
TAPS = dict(v2=dict(s=[2, 5, 8, 11], b=[2, 5, 8, 11], l=[4, 11, 17, 23]),
            v1=dict(s=[8, 9, 10, 11], b=[8, 9, 10, 11], l=[20, 21, 22, 23]))
DIMS = dict(s=384, b=768, l=1024)


def _stem(path):
    return osp.splitext(osp.basename(path))[0]


@cache
def _cfg(path):
    from mmengine.config import Config
    return Config.fromfile(osp.join(REPO, path))


def _norm(cfg):
    dp = cfg.model.data_preprocessor
    return dict(mean=[float(v) for v in dp.mean], std=[float(v) for v in dp.std])


def _bn(node):
    """SyncBN -> BN everywhere (one CPU process)."""
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        for v in node.values():
            _bn(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            _bn(v)


def shrink(cfg, dims=32):
    """The config's model at a tiny width: ``dims`` channels, one block per output."""
    import copy
    model = copy.deepcopy(cfg.model)
    bb = model.backbone
    outs = bb.out_indices if isinstance(bb.out_indices, (list, tuple)) else [bb.out_indices]
    bb.update(embed_dims=dims, num_layers=max(len(outs), 2), num_heads=2,
              ffn_channels=2 * dims, drop_path_rate=0.0)
    bb.out_indices = list(range(len(outs))) if len(outs) > 1 else -1
    bb.pop('init_cfg', None)  # no file to load: the weights are random here
    head = model.decode_head
    if head.type in ('DepthAnythingHead', 'DepthAnythingSegHead'):
        head.update(embed_dims=dims, features=8, post_process_channels=[4, 8, 16, dims],
                    head_channels=8)
    elif head.type == 'UPerHead':
        head.update(in_channels=[dims] * 4, channels=16)
        model.neck.update(in_channels=[dims] * 4, out_channels=dims)
        model.auxiliary_head.update(in_channels=dims, channels=8)
    elif head.type == 'LinearProbeHead':
        head.in_channels = [dims]
    _bn(model)
    return model


def _build(model_cfg, seed=0):
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmdepthpretrain  # noqa: F401
    init_default_scope('mmseg')
    torch.manual_seed(seed)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def _seg_batch(cfg, h=60, w=74, n=2, classes=19, seed=0):
    """Raw (uint8 BGR) images with labels as the loader gives them; sides not multiples of
    the patch, so the data preprocessor pads."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8))
        s = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w)))
        labels = torch.randint(0, classes, (1, h, w), generator=g)
        labels[:, :4] = 255  # ignored pixels
        s.gt_sem_seg = PixelData(data=labels)
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def _depth_batch(h=28, w=42, n=2, seed=0):
    """Packed multi-frame samples (one frame) with sparse ground-truth depth."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (1, 3, h, w), generator=g, dtype=torch.uint8))
        depth = 1 + 79 * torch.rand(1, h, w, generator=g)
        depth[torch.rand(1, h, w, generator=g) < 0.5] = 0  # lidar-like: half unknown
        s = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), flip=False))
        s.gt_depth_map = PixelData(data=depth)
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


# ------------------------------------------------------------------ the inventory
def test_the_issue_configs_exist():
    names = {_stem(p) for p in DEPTH + SEG}
    for v in ('v1', 'v2'):
        for s in 'sbl':
            assert f'depth-anything-{v}_vit-{s}_8xb2-20k_kitti-1722x518' in names
            assert f'depth-anything-{v}_vit-{s}_8xb2-20k_nyu-700x518' in names
    for folder, pattern in (('ade20k', 'ade20k-512x512'), ('voc', 'voc12aug-512x512'),
                            ('cityscapes', 'cityscapes-896x896')):
        for head in ('upernet', 'linear'):
            found = [p for p in TAB6 if p.startswith(f'configs/{folder}/{head}_')
                     and p.endswith(f'{pattern}.py')]
            assert len(found) == 9, (folder, head, found)  # {da, dinov2, dinov3} x {s, b, l}
    assert {_stem(p).split('_8xb2')[0] for p in KITTI} == {
        'dpt_vit-l-da-encoder', 'dpt_vit-l-da-full', 'dpt_vit-l-midas-encoder'}
    assert len(SYNTHETIC) == 4


# ------------------------------------------------------------------ Depth Anything depth
@pytest.mark.parametrize('path', DEPTH)
def test_depth_anything_configs_state_the_released_model(path):
    cfg, info = _cfg(path), DEPTH_NAME.match(_stem(path)).groupdict()
    v, s = info['version'], info['size']
    model = cfg.model
    assert model.type == 'DepthEstimator' and model.test_cfg.mode == 'whole'
    assert model.backbone.arch == f'dinov2-{s}'
    assert model.backbone.out_indices == TAPS[v][s]
    assert model.backbone.get('readout', 'ignore') == 'ignore'  # the cls token is dropped
    head = model.decode_head
    assert head.type == 'DepthAnythingHead' and head.embed_dims == DIMS[s]
    assert (head.features, head.post_process_channels) == WIDTHS[s]
    assert head.loss_decode.type == 'AffineInvariantDepthLoss'
    assert model.data_preprocessor.single_frame and _norm(cfg) == IMAGENET
    for key in ('val_evaluator', 'test_evaluator'):
        assert cfg[key].type == 'MonoDepthMetric' and cfg[key].pred_type == 'inverse_depth'
        assert cfg[key].scale_mode == 'median'  # relative depth: per-image median scaling
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        sizes = [t.scale for t in cfg[key].dataset.pipeline if t.type == 'MultiFrameResize']
        assert sizes and all(x % 14 == 0 for size in sizes for x in size), sizes
    init = cfg.init_from
    assert (init.converter, init.mode) == ('vit_to_mmdp', 'depth')
    src = f'depth_anything_v2_vit{s}.pth' if v == 'v2' else f'depth_anything_vit{s}14.pth'
    assert init.source == src and cfg.load_from.endswith(f'{v}_vit-{s}_depth.pth')


def test_depth_anything_config_reproduces_the_source_model():
    """The v2 ViT-S depth config at the width of HF's tiny model, loaded with the file the
    converter makes from the original layout, returns the source's depth (tensor mode) and
    fills pred_depth_map with it (predict)."""
    pytest.importorskip('transformers')
    from mmdepthpretrain.converters import vit_to_mmdp
    from tests.test_converters.test_vit_hf_reference import (
        DA_BACKBONE,
        DA_NECK,
        depth_anything_original,
        hf_depth_anything,
    )

    hf = hf_depth_anything()
    original = depth_anything_original(hf.state_dict(), levels=4)
    state, report = vit_to_mmdp(original, name='depth_anything_v2_vits.pth')
    cfg = _cfg('configs/depth_anything/depth-anything-v2_vit-s_1xb4-300_synthetic-322x98.py')
    model_cfg = cfg.model.copy()
    ffn = report.info['backbone config']['arch']['ffn_channels']  # HF's mlp_ratio 4
    model_cfg.backbone.update(embed_dims=DA_BACKBONE['hidden_size'], num_layers=4,
                              num_heads=2, ffn_channels=ffn,
                              img_size=DA_BACKBONE['image_size'], out_indices=[0, 1, 2, 3])
    model_cfg.decode_head.update(embed_dims=DA_BACKBONE['hidden_size'],
                                 features=DA_NECK['fusion_hidden_size'],
                                 post_process_channels=DA_NECK['neck_hidden_sizes'],
                                 head_channels=DA_NECK['head_hidden_size'])
    model = _build(model_cfg).eval()
    model.load_state_dict(state, strict=True)
    assert report.info['backbone config']['arch']['pos_interp'] == \
        model.backbone.pos_interp == 'dinov2'  # the config keeps the original's convention
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 28, 28, generator=g)  # the native 2x2 grid: HF agrees exactly
    with torch.no_grad():
        ours = model(x, mode='tensor')
        ref = hf(pixel_values=x).predicted_depth
    assert ours.shape == (2, 1, 28, 28) and ours.min() >= 0
    torch.testing.assert_close(ours[:, 0], ref, rtol=1e-5, atol=1e-5)
    # through the data path: uint8 frames, ImageNet-normalised by the preprocessor
    batch = _depth_batch(h=42, w=56)
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        expected = model(data['inputs'], mode='tensor')
        samples = model.predict(data['inputs'], data['data_samples'])
    mean = torch.tensor(IMAGENET['mean']).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET['std']).view(1, 3, 1, 1)
    raw = torch.stack([f[0].float() for f in batch['inputs']])
    torch.testing.assert_close(data['inputs'], (raw - mean) / std)
    for i, sample in enumerate(samples):
        torch.testing.assert_close(sample.pred_depth_map.data, expected[i])


def test_depth_anything_fine_tuning_step():
    cfg = _cfg('configs/depth_anything/depth-anything-v2_vit-s_1xb4-300_synthetic-322x98.py')
    model = _build(shrink(cfg)).train()
    with torch.no_grad():  # a positive output, as a trained model's (a fresh one may be all
        model.decode_head.conv_depth.bias.fill_(1.0)  # zero after the ReLU: no gradient)
    from mmengine.optim import build_optim_wrapper
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = {g['lr'] for g in optim.optimizer.param_groups}
    assert lrs == {5e-5, 5e-6}  # decoder at the lr, encoder at 0.1 of it (Depth Anything)
    before = [p.detach().clone() for p in model.parameters()]
    losses = model.train_step(_depth_batch(), optim)
    assert set(losses) == {'loss', 'decode.loss_ssi'} and torch.isfinite(losses['loss'])
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters())
               if b.requires_grad)


def test_tools_test_evaluates_a_converted_depth_anything_file(synthetic_kitti, tmp_path):
    """tools/test.py on the synthetic world with a Depth Anything v2 ViT-S file converted
    from the release layout (a random stand-in): the depth metrics of the inverted,
    median-scaled relative inverse depth."""
    from make_random_vit_checkpoint import random_depth_anything

    from mmdepthpretrain.converters import save_converted, vit_to_mmdp
    source = random_depth_anything('vits', seed=0)
    state, report = vit_to_mmdp(source, name='depth_anything_v2_vits.pth')
    assert report.info['format'].startswith('depth_anything') and report.mode == 'depth'
    ckpt = save_converted(state, str(tmp_path / 'da_v2_s_depth.pth'))
    config = 'configs/depth_anything/depth-anything-v2_vit-s_1xb4-300_synthetic-322x98.py'
    out = tmp_path / 'metrics.json'
    val = '2011_01_01_drive_0002_sync'  # the second of the fixture's two drives
    opts = [f'test_dataloader.dataset.data_root={synthetic_kitti}',
            f'test_dataloader.dataset.split_cfg.include_scenes=[{val}]',
            'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='2')
    proc = subprocess.run([sys.executable, 'tools/test.py', config, ckpt, '--work-dir',
                           str(tmp_path / 'test'), '--out', str(out), '--cfg-options', *opts],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    metrics = json.loads(out.read_text())
    for key in ('abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'a1', 'a2', 'a3'):
        assert np.isfinite(metrics[key]), key
    assert 0 < metrics['abs_rel'] < 10 and 0 <= metrics['a1'] <= 1
    assert metrics['scale_ratio_median'] > 0  # median scaling of the inverted output ran


# ------------------------------------------------------------------ segmentation
def _info(path):
    return NAME.match(_stem(path)).groupdict()


def _flat(node, prefix=''):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            out.update(_flat(v, f'{prefix}{k}.'))
        return out
    return {prefix[:-1]: node}


@pytest.mark.parametrize('path', [p for p in TAB6 if '-da_' not in p])
def test_dinov2_and_dinov3_leaves_differ_from_the_da_leaf_only_in_the_init(path):
    info = _info(path)
    sibling = path.replace(f'-{info["init"]}_', '-da_')
    a, b = _flat(_cfg(path).to_dict()), _flat(_cfg(sibling).to_dict())
    diff = {k for k in set(a) | set(b) if a.get(k) != b.get(k)}
    allowed = {'model.backbone.init_cfg.checkpoint'}
    if info['init'] == 'dinov3':  # patch 16: arch and the padding multiple
        allowed |= {'model.backbone.arch', 'model.data_preprocessor.size_divisor',
                    'model.data_preprocessor.test_cfg.size_divisor'}
    assert diff == allowed, diff


def test_the_sizes_share_everything_but_the_size():
    """ViT-B and ViT-S leaves state only their arch and widths over the ViT-L ones."""
    for path in [p for p in TAB6 if '_vit-l-' in p]:
        large = _flat(_cfg(path).to_dict())
        for s in 'sb':
            other = _flat(_cfg(path.replace('_vit-l-', f'_vit-{s}-')).to_dict())
            diff = {k for k in set(large) | set(other) if large.get(k) != other.get(k)}
            assert all(k.startswith(('model.backbone.', 'model.neck.', 'model.decode_head.in_',
                                     'model.auxiliary_head.in_')) for k in diff), diff


def test_kitti_vit_configs_follow_the_paper_recipe():
    for path in KITTI:
        cfg = _cfg(path)
        opt = cfg.optim_wrapper
        assert opt.optimizer.type == 'Adam' and opt.optimizer.lr == 1e-5
        encoder_lr = opt.optimizer.lr * opt.paramwise_cfg.custom_keys['backbone']['lr_mult']
        assert encoder_lr == pytest.approx(5e-8)  # REFERENCE.md Sec. 5 (ViT: DPT encoder)
        assert cfg.train_cfg.max_iters == 20000
        assert cfg.train_dataloader.dataset.num_labelled == 16
        scale = [t.scale for t in cfg.train_dataloader.dataset.pipeline if t.type == 'Resize']
        assert scale == [(640, 192)]  # the paper's size; padded to the patch in the model


# ------------------------------------------------------------------ training steps
FAMILIES = {  # one config of each family, trained for two steps at a tiny width
    'upernet': 'configs/ade20k/upernet_vit-s-da_8xb2-160k_ade20k-512x512.py',
    'upernet-dinov3': 'configs/cityscapes/upernet_vit-s-dinov3_8xb2-80k_cityscapes-896x896.py',
    'linear': 'configs/voc/linear_vit-s-da_8xb2-40k_voc12aug-512x512.py',
    'kitti-da-full': 'configs/kitti/dpt_vit-l-da-full_8xb2-20k_kitti-640x192.py',
    'kitti-midas': 'configs/kitti/dpt_vit-l-midas-encoder_8xb2-20k_kitti-640x192.py',
    'synthetic-linear': 'configs/synthetic/linear_vit-s-da_1xb4-300_synthetic-320x96.py',
}


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_training_step_of_each_family(family):
    from mmengine.optim import build_optim_wrapper

    cfg = _cfg(FAMILIES[family])
    model = _build(shrink(cfg))
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    in_optim = {id(p) for g in optim.optimizer.param_groups for p in g['params']}
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    assert in_optim == trainable, 'the optimizer holds exactly the trained parameters'
    if cfg.optim_wrapper.get('constructor') == 'LayerDecayOptimWrapperConstructor':
        scale = {g['layer_id']: g['lr_scale'] for g in optim.optimizer.param_groups}
        n = model.backbone.num_layers
        assert scale[n + 1] == 1.0 and scale[0] == pytest.approx(0.9 ** (n + 1))
    backbone = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    head = {k: v.clone() for k, v in model.decode_head.state_dict().items()}
    classes = model.decode_head.num_classes
    for step in range(2):
        losses = model.train_step(_seg_batch(cfg, classes=classes, seed=step), optim)
        assert torch.isfinite(losses['loss']), losses
    assert 'decode.loss_ce' in losses
    moved = [k for k, v in model.backbone.state_dict().items() if not torch.equal(v, backbone[k])]
    if cfg.model.backbone.get('freeze'):
        assert moved == [], 'frozen means frozen: the backbone is bit-identical'
        assert not model.backbone.training and all(not m.training
                                                   for m in model.backbone.modules())
        assert not in_optim & {id(p) for p in model.backbone.parameters()}
        assert model.decode_head.training and model.decode_head.bn.training
    else:
        assert moved and all(m.training for m in model.backbone.modules())
    assert any(not torch.equal(v, head[k]) for k, v in model.decode_head.state_dict().items()
               if v.dtype.is_floating_point)
    with torch.no_grad():  # predictions come back at the unpadded input size
        model.eval()
        batch = model.data_preprocessor(_seg_batch(cfg, h=50, w=66, classes=classes), False)
        out = model.predict(batch['inputs'], batch['data_samples'])
    assert out[0].pred_sem_seg.data.shape[-2:] == (50, 66)


@pytest.mark.parametrize('path', [p for p in TAB6 + SYNTHETIC if '/linear_' in p])
def test_linear_probes_freeze_the_whole_backbone(path):
    from mmengine.optim import build_optim_wrapper

    cfg = _cfg(path)
    model = _build(shrink(cfg))
    model.train()
    params = list(model.backbone.parameters())
    assert params and all(not p.requires_grad for p in params)
    assert all(not m.training for m in model.backbone.modules())
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    in_optim = {id(p) for g in optim.optimizer.param_groups for p in g['params']}
    assert in_optim == {id(p) for p in model.decode_head.parameters()}


def test_the_random_stand_in_converts_into_the_synthetic_configs():
    """The grid's Depth Anything v2 ViT-S stand-in (release layout) converts with
    vit_to_mmdp: seg-full fills the DPT network but the classifier, backbone the encoder."""
    from make_random_vit_checkpoint import random_depth_anything

    from mmdepthpretrain.converters import vit_to_mmdp
    source = random_depth_anything('vits', seed=0)
    assert 'pretrained.mask_token' in source and \
        'depth_head.scratch.refinenet4.resConfUnit1.conv1.weight' in source
    again = random_depth_anything('vits', seed=0)
    assert all(torch.equal(v, again[k]) for k, v in source.items())  # deterministic
    for config, mode in (('dpt_vit-s-da-full', 'seg-full'), ('linear_vit-s-da', 'backbone')):
        path = f'configs/synthetic/{config}_1xb4-300_synthetic-320x96.py'
        cfg = _cfg(path)
        assert cfg.init_from.mode == mode
        model = _build(cfg.model)
        state, report = vit_to_mmdp(source, mode=mode, model=model,
                                    name='depth_anything_v2_vits.pth')
        missing, unexpected = model.load_state_dict(state, strict=False)
        assert unexpected == []
        fresh = {k.rsplit('.', 1)[0] for k in missing}
        if mode == 'seg-full':
            assert fresh == {'decode_head.conv_seg'}
        else:
            assert all(not k.startswith('backbone.') for k in missing)
        torch.testing.assert_close(model.backbone.blocks[3].attn.qkv.weight,
                                   source['pretrained.blocks.3.attn.qkv.weight'])


def test_release_layout_round_trip():
    """Our depth model written in the release layout converts back to the same tensors
    (the release's extra mask token and unused residual unit are dropped again)."""
    from mmdepthpretrain.converters import to_depth_anything_layout, vit_to_mmdp
    cfg = _cfg('configs/depth_anything/depth-anything-v2_vit-s_1xb4-300_synthetic-322x98.py')
    model = _build(shrink(cfg))
    ours = {k: v for k, v in model.state_dict().items() if not k.startswith('data_')}
    original = to_depth_anything_layout(ours, torch.Generator().manual_seed(0))
    assert not any(k.startswith(('backbone.', 'decode_head.')) for k in original)
    back, report = vit_to_mmdp(original, name='depth_anything_v2_vits.pth')
    assert sorted(back) == sorted(ours)
    assert all(torch.equal(back[k], ours[k]) for k in ours)
    assert sorted(report.dropped) == [
        'depth_head.scratch.refinenet4.resConfUnit1.conv1.bias',
        'depth_head.scratch.refinenet4.resConfUnit1.conv1.weight',
        'depth_head.scratch.refinenet4.resConfUnit1.conv2.bias',
        'depth_head.scratch.refinenet4.resConfUnit1.conv2.weight', 'pretrained.mask_token']
