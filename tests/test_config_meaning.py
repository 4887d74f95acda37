"""The segmentation configs mean what their names say.

A name ``{depthseg|deeplabv3}_r{18|50}[-d8]-{init}[-{setup}]_...`` promises an
initialisation and a setup; these tests hold each config to it:

* frozen configs freeze the whole encoder as the runner uses it (no gradient, norm layers
  in eval mode after ``train()``, none of its parameters in the optimiser), and the other
  configs freeze nothing;
* the input normalisation is the one of the weights the config starts from: the
  pre-training config that wrote them (``init_from`` with ``pretrain_to_seg``), ImageNet's
  (torchvision or mmseg ImageNet weights), Monodepth2's (its released weights), or inputs
  in [0, 1] for random initialisation (configs/_base_/normalization/unit.py);
* ``init_from.mode`` transfers what the setup needs: ``full`` the whole depth network,
  ``encoder`` / ``cross`` / Cityscapes (head re-initialised) the encoder, ``frozen`` what
  its unfrozen sibling transfers.

The plain-ViT segmentation configs, ``{upernet|linear|dpt}_vit-{s|b|l}-{init}[-{setup}]_...``
(``init`` one of ``da``, ``dinov2``, ``dinov3``, ``midas``, ``random``), are held to the same
promises in PlainViT's terms: the arch of the name's family and size, inputs padded to the
patch, the normalisation of the weights (ImageNet for Depth Anything, DINOv2 and DINOv3,
MiDaS' own, [0, 1] for random), linear probes frozen, the file of the name's initialisation
(``init_cfg``, or ``load_from`` with ``init_from`` of vit_to_mmdp in the setup's mode).
"""
import glob
import os.path as osp
import re
from functools import cache

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))
BY_NAME = {osp.splitext(osp.basename(p))[0]: p for p in CONFIGS}
NAME = re.compile(r'^(?:depthseg|deeplabv3)_r(?P<depth>18|50)(?:-d8)?-(?P<init>[a-z0-9]+)'
                  r'(?:-(?P<setup>full|encoder|frozen|cross))?_')
# names given by request rather than by the pattern
SPECIAL = {'deeplabv3_r50_depthinit': dict(depth='50', init='depth', setup='cross')}
# a frozen config whose unfrozen sibling has a requested name
UNFROZEN = {'deeplabv3_r50-d8-depth-frozen_8xb2-20k_kitti-640x192': 'deeplabv3_r50_depthinit'}
SEG = sorted(n for n in BY_NAME if n in SPECIAL or NAME.match(n))
VIT_NAME = re.compile(r'^(?P<head>upernet|linear|dpt)_vit-(?P<size>[sbl])-(?P<init>da|dinov2|'
                      r'dinov3|midas|random)(?:-(?P<setup>full|encoder))?_')
VIT_SEG = sorted(n for n in BY_NAME if VIT_NAME.match(n))
FROZEN = [n for n in SEG if (SPECIAL.get(n) or NAME.match(n).groupdict())['setup'] == 'frozen']

UNIT = dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])  # random init: unit.py's choice
# what each converter's --mode calls a transfer of the whole network / of the encoder only;
# a converter without --mode (None) transfers the encoder
MODES = {
    'pretrain_to_seg': dict(full='full', encoder='encoder'),
    'monodepth2_to_mmdp': dict(full='seg-full', encoder='seg-encoder'),
    'torchvision_resnet': dict(encoder=None),
    'vit_to_mmdp': dict(full='seg-full', encoder='backbone'),
}
# the pre-training model each initialisation name stands for
PRETRAINER = dict(depth='SelfSupDepthEstimator', depthrand='SelfSupDepthEstimator',
                  depthcrop='SelfSupDepthEstimator', flow='FlowSiameseEstimator',
                  recon='MaskedReconstructionEstimator')


def _info(name):
    return dict(SPECIAL.get(name) or NAME.match(name).groupdict())


@cache
def _cfg(name):
    from mmengine.config import Config

    return Config.fromfile(BY_NAME[name])


def _norm(cfg):
    dp = cfg.model.data_preprocessor
    return dict(mean=[float(v) for v in dp.mean], std=[float(v) for v in dp.std])


def _pretrained(node):
    """Checkpoints of the ``init_cfg=dict(type='Pretrained')`` entries below ``node``."""
    if isinstance(node, dict):
        init = node.get('init_cfg')
        for item in init if isinstance(init, (list, tuple)) else [init]:
            if isinstance(item, dict) and item.get('type') == 'Pretrained':
                yield item['checkpoint']
        for key, value in node.items():
            if key != 'init_cfg':
                yield from _pretrained(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _pretrained(value)


def _transfer(name):
    """'full' or 'encoder': what the setup of ``name`` needs from the weights it loads."""
    setup = _info(name)['setup']
    if setup == 'full':
        return 'full'
    if setup != 'frozen':  # encoder, cross, or a Cityscapes leaf (head re-initialised)
        return 'encoder'
    siblings = [name.replace('-frozen_', f'-{s}_') for s in ('full', 'encoder', 'cross')]
    siblings += [UNFROZEN[name]] if name in UNFROZEN else []
    found = [s for s in siblings if s in BY_NAME]
    assert found, f'{name}: no unfrozen sibling among {siblings}'
    return _transfer(found[0])


def test_names_cover_the_segmentation_configs():
    """The name pattern finds exactly the configs whose model is a segmentor."""
    segmentors = {n for n in BY_NAME if _cfg(n).model.type == 'EncoderDecoder'}
    assert segmentors == set(SEG) | set(VIT_SEG)
    assert FROZEN and len(SEG) > len(FROZEN) and VIT_SEG


@pytest.mark.parametrize('name', SEG)
def test_setup_fits_the_model(name):
    cfg, info = _cfg(name), _info(name)
    assert cfg.model.backbone.depth == int(info['depth']), 'backbone depth differs from the name'
    frozen = cfg.model.backbone.get('frozen_stages', -1)
    if info['setup'] == 'frozen':
        assert frozen == cfg.model.backbone.get('num_stages', 4), 'frozen: freeze every stage'
    else:
        assert frozen == -1, 'only frozen configs freeze backbone stages'
    if info['setup'] == 'full':  # the whole depth network: its decoder carries the classifier
        assert cfg.model.decode_head.type == 'DepthSegHead'


def _frozen_check(name):
    import torch
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmdepthpretrain  # noqa: F401

    cfg = _cfg(name)
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()  # as the runner does before training, then train mode
    model.train()
    backbone = model.backbone
    stem = [backbone.stem] if backbone.deep_stem else [backbone.conv1, backbone.norm1]
    frozen_modules = stem + [getattr(backbone, n) for n in
                             backbone.res_layers[:backbone.frozen_stages]]
    frozen = {id(p) for m in frozen_modules for p in m.parameters()}
    assert frozen and frozen == {id(p) for p in backbone.parameters()}, \
        'the frozen stages must cover the whole encoder'
    assert all(not p.requires_grad for p in backbone.parameters()), 'frozen weights get gradients'
    norms = [m for mod in frozen_modules for m in mod.modules()
             if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert norms and all(not m.training for m in norms), 'frozen norm layers in train mode'
    head = [m for m in model.decode_head.modules()
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert all(m.training for m in head), 'decoder norm layers must train'
    optim = build_optim_wrapper(model, cfg.optim_wrapper).optimizer
    in_optim = {id(p) for group in optim.param_groups for p in group['params']}
    assert not in_optim & frozen, 'frozen parameters are in the optimizer'
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    assert trainable and in_optim == trainable, 'the optimizer must hold every trained parameter'


@pytest.mark.parametrize('name', FROZEN)
def test_frozen_configs_freeze_the_encoder(name):
    _frozen_check(name)


@pytest.mark.parametrize('name', SEG)
def test_normalisation_matches_the_initialisation(name):
    from mmdepthpretrain.converters import IMAGENET_NORMALISATION, MONODEPTH2_NORMALISATION

    cfg, info = _cfg(name), _info(name)
    init, pretrained = cfg.get('init_from'), list(_pretrained(cfg.model))
    norm = _norm(cfg)
    if info['init'] == 'random':
        assert init is None and not cfg.get('load_from') and not pretrained
        assert not cfg.model.get('pretrained'), 'random initialisation loads no weights'
        assert norm == UNIT, 'random initialisation: inputs in [0, 1] (normalization/unit.py)'
        return
    if init is None:  # ImageNet weights through the backbone's init_cfg
        assert info['init'] == 'imagenet' and pretrained, 'no initialisation given'
        assert norm == IMAGENET_NORMALISATION
        return
    assert not pretrained, 'both load_from and an init_cfg checkpoint'
    converter, source = init['converter'], init['source']
    if info['init'] == 'imagenet':
        assert converter == 'torchvision_resnet'
        assert osp.basename(source).startswith(f'resnet{info["depth"]}-')
        assert norm == IMAGENET_NORMALISATION
    elif info['init'] == 'monodepth2':
        assert converter == 'monodepth2_to_mmdp'
        assert ('resnet50' in source) == (info['depth'] == '50')
        assert norm == MONODEPTH2_NORMALISATION
    else:
        assert converter == 'pretrain_to_seg'
        match = re.fullmatch(r'work_dirs/([^/]+)/iter_(\d+)\.pth', source)
        assert match and match.group(1) in BY_NAME, \
            f'init_from.source must be work_dirs/<a config in configs/>/iter_N.pth: {source}'
        pre = _cfg(match.group(1))
        assert norm == _norm(pre), f'normalisation differs from {match.group(1)}'
        assert int(match.group(2)) == pre.train_cfg.max_iters, 'not its last checkpoint'
        assert pre.model.type == PRETRAINER[info['init']]
        assert pre.model.backbone.depth == int(info['depth'])
        if info['init'] == 'depthrand':
            assert not list(_pretrained(pre.model)), 'Depth-Rand starts from random weights'


@pytest.mark.parametrize('name', [n for n in SEG if _info(n)['init'] != 'random'])
def test_converter_mode_matches_the_setup(name):
    cfg = _cfg(name)
    init = cfg.get('init_from')
    if init is None:  # weights through init_cfg reach the encoder only
        assert _transfer(name) == 'encoder'
        return
    transfer, modes = _transfer(name), MODES[init['converter']]
    assert transfer in modes, f'{init["converter"]} cannot give the {transfer} network'
    assert init.get('mode') == modes[transfer], \
        f'the setup needs the {transfer} network: init_from.mode={modes[transfer]!r}'
    stem = osp.splitext(osp.basename(cfg.load_from))[0]
    for kind in ('full', 'encoder'):
        if stem.endswith(f'_{kind}'):
            assert kind == transfer, f'load_from {cfg.load_from} names the {kind} network'


@pytest.mark.parametrize('name', sorted(BY_NAME))
def test_checkpoints_are_written_atomically(name):
    """Every training config saves through the atomic backend (no partial iter_N.pth)."""
    hooks = _cfg(name).get('default_hooks') or {}
    if 'checkpoint' not in hooks:
        pytest.skip('no checkpoint hook')
    assert hooks['checkpoint'].get('backend_args') == dict(backend='atomic_local'), name


# ------------------------------------------------------------------ plain ViTs
VIT_NORM = dict(random=dict(mean=[0.0] * 3, std=[255.0] * 3),
                midas=dict(mean=[127.5] * 3, std=[127.5] * 3))
VIT_DIMS = dict(s=384, b=768, l=1024)
# the converted file of each initialisation (vit_to_mmdp --mode backbone) and its source
VIT_FILES = dict(da='depth-anything-v2_vit-{s}_backbone.pth',
                 dinov2='dinov2_vit-{s}14_backbone.pth', dinov3='dinov3_vit-{s}16_backbone.pth')
VIT_SOURCES = dict(da='depth_anything_v2_vit{s}.pth', midas='dpt_large_384.pt')


@pytest.mark.parametrize('name', VIT_SEG)
def test_vit_configs_mean_their_names(name):
    from mmdepthpretrain.converters import IMAGENET_NORMALISATION
    from mmdepthpretrain.models.backbones.plain_vit import VIT_ARCHS

    cfg, info = _cfg(name), VIT_NAME.match(name).groupdict()
    model, size, init = cfg.model, info['size'], info['init']
    bb = model.backbone
    family = {'dinov3': 'dinov3', 'midas': 'midas'}.get(init, 'dinov2')
    assert bb.type == 'PlainViT' and bb.arch == f'{family}-{size}'
    patch = int(bb.get('patch_size', VIT_ARCHS[bb.arch]['patch_size']))
    dp = model.data_preprocessor
    assert dp.size_divisor == patch and dp.test_cfg == dict(size_divisor=patch), \
        'sizes the patch does not divide are padded by the preprocessor, never resized'
    if model.test_cfg.get('mode') == 'slide':
        assert all(c % patch == 0 for c in model.test_cfg.crop_size)
    assert _norm(cfg) == VIT_NORM.get(init, IMAGENET_NORMALISATION), \
        'the normalisation of the weights the config starts from'
    linear = info['head'] == 'linear'
    assert bool(bb.get('freeze')) == linear and bb.get('frozen_stages', -1) == -1, \
        'linear probes freeze the whole backbone; the others freeze nothing'
    if linear:
        assert model.decode_head.type == 'LinearProbeHead' and bb.out_indices == -1
        assert model.decode_head.in_channels == [VIT_DIMS[size]]
        assert cfg.optim_wrapper.constructor == 'FrozenAwareOptimWrapperConstructor'
    elif info['head'] == 'upernet':
        assert model.decode_head.type == 'UPerHead' and model.neck.type == 'MultiLevelNeck'
        assert cfg.optim_wrapper.constructor == 'LayerDecayOptimWrapperConstructor'
    else:  # the Depth Anything depth network's decoder: setup b keeps it
        assert model.decode_head.type == 'DepthAnythingSegHead'
    init_cfg, load = bb.get('init_cfg'), cfg.get('load_from')
    if init == 'random':
        assert init_cfg is None and not load and not model.get('pretrained')
        return
    if init_cfg is not None:  # the converted backbone, loaded strictly by PlainViT
        assert not load and init_cfg.type == 'Pretrained' and info['setup'] is None
        assert init_cfg.checkpoint == 'pretrain/' + VIT_FILES[init].format(s=size)
        return
    transfer = 'full' if info['setup'] == 'full' else 'encoder'
    mode = MODES['vit_to_mmdp'][transfer]
    assert (cfg.init_from.converter, cfg.init_from.mode) == ('vit_to_mmdp', mode)
    assert load.endswith(f'_{mode}.pth'), f'load_from {load} is not the {mode} file'
    assert cfg.init_from.source == VIT_SOURCES[init].format(s=size)
