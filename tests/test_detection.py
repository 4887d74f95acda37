"""Mask R-CNN with a plain ViT: patch 14 at detection sizes, the configs, a tiny training on
the synthetic world's COCO instances evaluated by mmdet's CocoMetric, frozen stages, and
bad input (a checkpoint of another ViT size, a COCO file with unknown categories)."""
import copy
import glob
import json
import os.path as osp
import re
import runpy

import pytest
import torch
import torch.nn.functional as F

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
FOLDERS = ('coco', 'cityscapes_instance', 'ade20k_instance', 'synthetic_det')
DET_CONFIGS = sorted(p for f in FOLDERS for p in glob.glob(osp.join(REPO, 'configs', f, '*.py')))
SYNTHETIC = osp.join(REPO, 'configs', 'synthetic_det',
                     'mask-rcnn_vit-s_sfpn_1xb2-200_synthetic-256x128.py')
TOOL = osp.join(REPO, 'tools', 'dataset_converters', 'instances_to_coco.py')
TINY = dict(arch=dict(embed_dims=32, num_layers=2, num_heads=2, ffn_channels=64),
            with_cp=False)
TINY_NECK = dict(backbone_channel=32, in_channels=[8, 16, 32, 32], out_channels=32)


def _rel(p):
    return osp.relpath(p, REPO)


def _cfg(path):
    from mmengine.config import Config
    return Config.fromfile(path)


def _build(model_cfg):
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope

    import mmdepthpretrain  # noqa: F401
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(model_cfg)


def _tiny(cfg):
    """The synthetic config with a 2-block, 32-wide ViT and 32-channel heads."""
    cfg = copy.deepcopy(cfg)
    cfg.model.backbone.update(TINY)
    cfg.model.neck.update(TINY_NECK)
    for key in ('rpn_head', ):
        cfg.model[key].update(in_channels=32, feat_channels=32)
    roi = cfg.model.roi_head
    roi.bbox_roi_extractor.out_channels = roi.mask_roi_extractor.out_channels = 32
    roi.bbox_head.update(in_channels=32, conv_out_channels=32, fc_out_channels=32)
    roi.mask_head.update(in_channels=32, conv_out_channels=32)
    return cfg


# ------------------------------------------------------------------ patch 14 -> 16
def test_patch_embed_resampling_is_exact_on_resized_patches():
    from mmdepthpretrain.models.backbones.plain_vit import resample_patch_embed
    torch.manual_seed(0)
    w14 = torch.randn(5, 3, 14, 14)
    w16 = resample_patch_embed(w14, 16)
    assert w16.shape == (5, 3, 16, 16)
    x14 = torch.randn(4, 3, 14, 14)
    x16 = F.interpolate(x14, size=(16, 16), mode='bilinear', align_corners=False)
    ref = torch.einsum('bchw,dchw->bd', x14, w14)
    out = torch.einsum('bchw,dchw->bd', x16, w16)
    assert torch.allclose(out, ref, atol=1e-4, rtol=1e-4)
    assert resample_patch_embed(w14, 14) is w14


def test_patch14_checkpoint_in_a_detector_backbone_gives_mmdet_strides(tmp_path):
    """A DINOv2-style patch-14 file loads into the patch-16 detector backbone (kernel
    resampled, 37x37 position grid kept) and a 1024 input gives strides 4 ... 64."""
    from mmdepthpretrain.models import PlainViT
    src = PlainViT(**TINY)  # dinov2 family: patch 14, img_size 518 -> 37x37 grid
    assert src.patch_embed.proj.weight.shape[-1] == 14 and src.pos_embed.shape[1] == 1 + 37**2
    ckpt = str(tmp_path / 'dinov2_tiny.pth')
    torch.save({'backbone.' + k: v for k, v in src.state_dict().items()}, ckpt)
    cfg = _tiny(_cfg(SYNTHETIC)).model
    cfg.backbone.update(img_size=592, init_cfg=dict(type='Pretrained', checkpoint=ckpt,
                                                     resample_patch_embed=True))
    det = _build(cfg)
    det.backbone.init_weights()
    assert torch.equal(det.backbone.pos_embed, src.pos_embed)
    assert det.backbone.patch_embed.proj.weight.shape[-1] == 16
    feats = det.extract_feat(torch.zeros(1, 3, 1024, 1024))
    assert [f.shape[-1] for f in feats] == [256, 128, 64, 32, 16]
    assert det.rpn_head.prior_generator.strides == [(s, s) for s in (4, 8, 16, 32, 64)]
    # without resampling, the patch-14 file fails naming both kernel shapes
    cfg.backbone.init_cfg = dict(type='Pretrained', checkpoint=ckpt)
    with pytest.raises(ValueError, match=r'patch_embed\.proj\.weight: checkpoint shape '
                                         r'\[32, 3, 14, 14\] vs model shape \[32, 3, 16, 16\]'):
        _build(cfg).backbone.init_weights()


# ------------------------------------------------------------------ configs
def test_there_are_detection_configs_for_every_dataset_and_init():
    names = [osp.basename(p) for p in DET_CONFIGS]
    for ds in ('coco', 'cityscapes', 'ade20k'):
        for size in ('l', 'b', 's'):
            for init in ('da', 'dinov2', 'dinov3'):
                assert any(n.startswith(f'mask-rcnn_vit-{size}-{init}_') and f'_{ds}-' in n
                           for n in names), (ds, size, init)
        assert any('ctrl-12e' in n and f'_{ds}-' in n for n in names)
        assert any('lsj-100e' in n and f'_{ds}-' in n for n in names)


@pytest.mark.parametrize('path', DET_CONFIGS, ids=[_rel(p) for p in DET_CONFIGS])
def test_detection_config_builds_and_states_the_recipe(path):
    from mmdet.registry import DATASETS
    cfg = _cfg(path)
    name = osp.basename(path)
    assert cfg.default_scope == 'mmdet'
    assert cfg.custom_imports['imports'] == ['mmdepthpretrain']
    assert cfg.default_hooks.checkpoint.backend_args == dict(backend='atomic_local')
    bb = cfg.model.backbone
    size = name.split('_')[1].split('-')[1]
    assert bb.type == 'PlainViT' and bb.patch_size == 16
    assert bb.arch.endswith('-' + size)
    opt = cfg.optim_wrapper
    assert opt.constructor == 'LayerDecayOptimWrapperConstructor'
    assert (opt.optimizer.type, opt.optimizer.lr, opt.optimizer.weight_decay) == \
        ('AdamW', 1e-4, 0.1)
    assert opt.paramwise_cfg.layer_decay_rate == (0.8 if size == 'l' else 0.7)
    if 'synthetic' not in name:
        assert bb.drop_path_rate == (0.4 if size == 'l' else 0.1)
        init = name.split('_')[1].split('-')[2]
        ic = bb.init_cfg
        assert ic.type == 'Pretrained' and ic.checkpoint.startswith('pretrain/')
        assert ic.get('resample_patch_embed', False) == (init != 'dinov3')
        # the initialisation's base states how its checkpoint is made, and its licence
        backbone_base = re.search(r"'(\.\./_base_/det_backbones/[^']+\.py)'",
                                  open(path).read()).group(1)
        text = open(osp.join(osp.dirname(path), backbone_base)).read()
        assert 'vit_to_mmdp.py' in text and ic.checkpoint in text
        assert re.search(r'\((Apache-2\.0|CC-BY-NC-4\.0|DINOv3 License)\)', text)
        assert f'vit-{size}-{init}.py' in backbone_base
        epochs = 100 if 'lsj-100e' in name else 12
        assert cfg.train_cfg.max_epochs == epochs
        jitter = cfg.train_dataloader.dataset.pipeline[3]
        assert jitter.type == 'RandomResize' and tuple(jitter.ratio_range) == (0.1, 2.0)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].dataset.type == 'StrictCocoDataset', key
        assert DATASETS.get('StrictCocoDataset') is not None
    assert set(cfg.val_evaluator.metric) == {'bbox', 'segm'}
    classes = cfg.train_dataloader.dataset.get('metainfo', {}).get('classes')
    num = cfg.model.roi_head.bbox_head.num_classes
    assert num == (len(classes) if classes else 80) == cfg.model.roi_head.mask_head.num_classes
    if size != 'l' or 'synthetic' in name:  # ViT-L detectors take ~10 s each to build here
        model = _build(cfg.model)
        assert model.backbone.embed_dims == cfg.model.neck.backbone_channel
    else:
        small = copy.deepcopy(cfg.model)
        small.backbone.update(TINY)
        small.neck.update(backbone_channel=32, in_channels=[8, 16, 32, 32])
        assert _build(small).neck.backbone_channel == 32


# ------------------------------------------------------------------ bad input
def test_checkpoint_of_another_vit_size_fails_through_a_detection_config(tmp_path):
    from mmdepthpretrain.models import PlainViT
    other = PlainViT(arch=dict(embed_dims=192, num_layers=12, num_heads=3, ffn_channels=768))
    ckpt = str(tmp_path / 'vit-ti.pth')
    torch.save(other.state_dict(), ckpt)
    cfg = _cfg(osp.join(REPO, 'configs', 'coco',
                        'mask-rcnn_vit-s-dinov2_sfpn_8xb2-lsj-ctrl-12e_coco-1024.py'))
    cfg.model.backbone.init_cfg.checkpoint = ckpt
    model = _build(cfg.model)
    with pytest.raises(ValueError) as err:
        model.backbone.init_weights()
    assert 'blocks.0.attn.qkv.weight: checkpoint shape [576, 192] vs model shape ' \
           '[1152, 384]' in str(err.value)
    assert ckpt in str(err.value)


@pytest.fixture(scope='module')
def synthetic_coco(synthetic_cityscapes, tmp_path_factory):
    """COCO JSON of the synthetic Cityscapes-layout world (train and val splits)."""
    out = tmp_path_factory.mktemp('synthetic_coco')
    main = runpy.run_path(TOOL)['main']
    for split in ('train', 'val'):
        assert main([synthetic_cityscapes, str(out / f'instances_{split}.json'), '--layout',
                     'cityscapes', '--split', split]) == 0
    return synthetic_cityscapes, str(out)


def _synthetic_cfg(world, ann_dir, work_dir):
    cfg = _tiny(_cfg(SYNTHETIC))
    for split, key in (('train', 'train_dataloader'), ('val', 'val_dataloader'),
                       ('val', 'test_dataloader')):
        cfg[key].dataset.update(data_root=world,
                                ann_file=osp.join(ann_dir, f'instances_{split}.json'))
    for key in ('val_evaluator', 'test_evaluator'):
        cfg[key].ann_file = osp.join(ann_dir, 'instances_val.json')
    cfg.work_dir = work_dir
    return cfg


def test_coco_file_with_unknown_categories_fails_through_the_config(synthetic_coco, tmp_path):
    from mmdet.registry import DATASETS
    from mmengine.registry import init_default_scope
    world, ann_dir = synthetic_coco
    coco = json.load(open(osp.join(ann_dir, 'instances_train.json')))
    coco['categories'].append(dict(id=99, name='tram'))
    bad = str(tmp_path / 'with_tram.json')
    json.dump(coco, open(bad, 'w'))
    cfg = _synthetic_cfg(world, ann_dir, str(tmp_path))
    cfg.train_dataloader.dataset.ann_file = bad
    init_default_scope('mmdet')
    with pytest.raises(ValueError, match=r"with_tram\.json: categories \['tram'\]"):
        DATASETS.build(cfg.train_dataloader.dataset)


def test_tiny_detector_trains_and_evaluates_with_coco_metric(synthetic_coco, tmp_path,
                                                             checkpoint_schemes):
    """3 iterations on the synthetic instances with the first block frozen, then the test
    loop: CocoMetric's box and mask mAP keys; frozen parameters stay as they were."""
    from mmdepthpretrain.compat.runner import build_runner
    world, ann_dir = synthetic_coco
    cfg = _synthetic_cfg(world, ann_dir, str(tmp_path / 'work'))
    cfg.model.backbone.frozen_stages = 1
    cfg.train_cfg.update(max_iters=3, val_interval=1000)
    cfg.default_hooks.checkpoint.interval = 3
    cfg.default_hooks.logger.interval = 1
    runner = build_runner(cfg)
    model = runner.model
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    runner.train()
    bb = model.backbone
    model.train()  # the final validation left the model in eval mode
    assert not bb.patch_embed.training and not bb.blocks[0].training
    assert bb.blocks[1].training
    assert not any(p.requires_grad for p in bb.blocks[0].parameters())
    assert not bb.patch_embed.proj.weight.requires_grad and not bb.pos_embed.requires_grad
    after = model.state_dict()
    for key in ('backbone.patch_embed.proj.weight', 'backbone.pos_embed',
                'backbone.blocks.0.attn.qkv.weight'):
        assert torch.equal(before[key], after[key]), key
    for key in ('backbone.blocks.1.attn.qkv.weight', 'neck.up2.weight'):
        assert not torch.equal(before[key], after[key]), key
    # the optimizer holds no frozen parameter; its lrs follow the layer decay (0.7, L=2)
    groups = runner.optim_wrapper.optimizer.param_groups
    frozen = {id(p) for p in bb.blocks[0].parameters()}
    assert not frozen & {id(p) for g in groups for p in g['params']}
    block1 = {id(p) for p in bb.blocks[1].parameters()}
    lrs = {g['initial_lr'] if 'initial_lr' in g else g['lr'] for g in groups
           if block1 & {id(p) for p in g['params']}}
    assert len(lrs) == 1 and lrs.pop() == pytest.approx(1e-4 * 0.7 ** (3 - 2))
    assert osp.isfile(osp.join(cfg.work_dir, 'iter_3.pth'))
    metrics = runner.test()
    for kind in ('bbox', 'segm'):
        for key in ('mAP', 'mAP_50', 'mAP_75'):
            value = metrics[f'coco/{kind}_{key}']
            assert 0.0 <= value <= 1.0 or value == -1.0
