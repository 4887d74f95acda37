"""tools/_cli.py: the init_from field and the checks of input files (in-process)."""
import os.path as osp
import sys

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools'))
from _cli import CLIError, check_input_files, converter_names, init_from_command  # noqa: E402

SOURCE = 'work_dirs/monodepth2-m_r18_1xb12-66k_kitti-640x192/iter_66360.pth'


def _cfg(**fields):
    fields.setdefault('model', dict(type='X'))
    return Config(fields)


def test_command_with_mode():
    cfg = _cfg(load_from='pretrain/depth-m_r18_kitti_full.pth',
               init_from=dict(converter='pretrain_to_seg', source=SOURCE, mode='full'))
    assert init_from_command(cfg) == (
        f'python tools/model_converters/pretrain_to_seg.py {SOURCE} '
        'pretrain/depth-m_r18_kitti_full.pth --mode full')


def test_command_without_mode_and_quoting():
    cfg = _cfg(load_from='pretrain/my init.pth',
               init_from=dict(converter='torchvision_resnet', source='pretrain/r18.pth'))
    assert init_from_command(cfg) == ("python tools/model_converters/torchvision_resnet.py "
                                      "pretrain/r18.pth 'pretrain/my init.pth'")
    assert init_from_command(_cfg(load_from='x.pth')) is None


def test_missing_load_from_names_the_command(tmp_path):
    dst = tmp_path / 'seg_init.pth'
    cfg = _cfg(load_from=str(dst),
               init_from=dict(converter='pretrain_to_seg', source=SOURCE, mode='encoder'))
    with pytest.raises(CLIError) as err:
        check_input_files(cfg)
    assert str(err.value) == (
        f'load_from: initialisation file not found: {dst} (make it with: python '
        f'tools/model_converters/pretrain_to_seg.py {SOURCE} {dst} --mode encoder)')
    dst.write_bytes(b'')  # present: nothing to say
    check_input_files(cfg)


def test_resume_skips_load_from_checks(tmp_path):
    cfg = _cfg(load_from=str(tmp_path / 'missing.pth'), resume=True,
               init_from=dict(converter='nope', source=SOURCE))
    check_input_files(cfg)


def test_free_text_hint_is_not_read(tmp_path):
    cfg = _cfg(load_from=str(tmp_path / 'a.pth'), load_from_hint='python make_a.py a.pth')
    with pytest.raises(CLIError) as err:
        check_input_files(cfg)
    assert str(err.value) == f'load_from: initialisation file not found: {tmp_path / "a.pth"}'


@pytest.mark.parametrize('init_from, needle', [
    ('python tools/model_converters/pretrain_to_seg.py a b', 'init_from: expected init_from = '),
    (dict(converter='pretrain_to_seg'), 'init_from.source: expected a non-empty string'),
    (dict(converter='pretrain_to_seg', source='a.pth', mode=3),
     'init_from.mode: expected a non-empty string, got 3'),
    (dict(converter='pretrain_to_seg', source='a.pth', modes='full'),
     'init_from: unknown key(s) modes'),
    (dict(converter='nope', source='a.pth'),
     'init_from.converter: no converter tools/model_converters/nope.py (available: '),
])
def test_malformed_init_from_is_one_clear_error(tmp_path, init_from, needle):
    cfg = _cfg(load_from=str(tmp_path / 'a.pth'), init_from=init_from)
    with pytest.raises(CLIError) as err:
        check_input_files(cfg)
    assert needle in str(err.value)
    assert '\n' not in str(err.value)


def test_init_from_needs_load_from():
    with pytest.raises(CLIError, match='init_from: needs load_from'):
        init_from_command(_cfg(init_from=dict(converter='pretrain_to_seg', source='a.pth')))


def test_converter_names_are_the_tools():
    names = converter_names()
    assert 'pretrain_to_seg' in names and 'torchvision_resnet' in names
    assert all(osp.isfile(osp.join(REPO, 'tools', 'model_converters', f'{n}.py')) for n in names)


def test_pretrained_init_cfg_missing(tmp_path):
    path = tmp_path / 'backbone.pth'
    cfg = _cfg(model=dict(type='X', backbone=dict(
        type='Y', init_cfg=dict(type='Pretrained', checkpoint=str(path)))))
    with pytest.raises(CLIError) as err:
        check_input_files(cfg)
    assert str(err.value) == ('model.backbone.init_cfg.checkpoint: initialisation file not '
                              f'found: {path}')


# --cfg-options keys (tools/_cfg_options.py): unknown ones fail with the nearest known keys
SEG_CONFIG = osp.join(REPO, 'tests', 'data', 'tiny_seg.py')


@pytest.fixture(scope='module')
def seg_cfg():
    import mmdepthpretrain  # noqa: F401  (registers the plugin's types)
    return Config.fromfile(SEG_CONFIG)


@pytest.mark.parametrize('key, needle', [
    ('nonexistent_key', "--cfg-options nonexistent_key: unknown key 'nonexistent_key' in the "
                        'config; known keys there: '),
    ('resum', "unknown key 'resum' in the config; nearest: resume"),
    ('train_cfg.max_iter', "unknown key 'max_iter' in train_cfg (IterBasedTrainLoop); "
                           'nearest: max_iters'),
    ('model.backbon.depth', "unknown key 'backbon' in model (EncoderDecoder); nearest: "
                            'backbone'),
    ('model.backbone.dept', "unknown key 'dept' in model.backbone (ResNetV1c); nearest: depth"),
    ('randomness.sed', "unknown key 'sed' in randomness; nearest: seed"),
    ('train_dataloader.batchsize', "unknown key 'batchsize' in train_dataloader; nearest: "
                                   'batch_size'),
    ('default_hooks.checkpoint.intervall', "in default_hooks.checkpoint (CheckpointHook); "
                                           'nearest: interval'),
    ('train_dataloader.dataset.pipeline.2.probb', 'in train_dataloader.dataset.pipeline.2 '
                                                  '(RandomFlip); nearest: prob'),
    ('train_dataloader.dataset.pipeline.9.prob', 'is a list of 4; give an index 0..3'),
    ('model.backbone.depth.x', 'model.backbone.depth is not a mapping but int 18'),
])
def test_unknown_option_keys_name_the_nearest(seg_cfg, key, needle):
    from _cfg_options import check_cfg_options
    msg = check_cfg_options(seg_cfg, {key: 1})
    assert msg is not None and needle in msg, msg
    assert '\n' not in msg


@pytest.mark.parametrize('key', [
    'resume', 'runner_type', 'launcher', 'init_from', 'randomness.deterministic',
    'train_cfg.max_iters', 'model.backbone.frozen_stages', 'model.backbone.init_cfg.type',
    'model.decode_head.norm_cfg.momentum', 'default_hooks.checkpoint.backend_args.backend',
    'default_hooks.my_hook', 'env_cfg.cudnn_benchmark', 'env_cfg.new_setting',
    'optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult', 'optim_wrapper.clip_grad',
    'train_dataloader.persistent_workers', 'train_dataloader.dataset.data_root',
    'val_evaluator.anything_iou_metric_ignores', 'custom_hooks', 'model._delete_',
])
def test_known_and_readable_new_keys_pass(seg_cfg, key):
    from _cfg_options import check_cfg_options
    assert check_cfg_options(seg_cfg, {key: 1}) is None


def test_load_config_refuses_unknown_keys_before_merging():
    from _cli import load_config
    with pytest.raises(CLIError, match="unknown key 'max_iter' in train_cfg"):
        load_config(SEG_CONFIG, {'train_cfg.max_iter': 3})
    cfg = load_config(SEG_CONFIG, {'train_cfg.max_iters': 3, 'resume': True})
    assert cfg.train_cfg.max_iters == 3 and cfg.resume is True


def test_every_key_of_the_synthetic_configs_passes_the_rule():
    """The rule accepts, as if they were new, the keys our configs set on components."""
    from _cfg_options import _known_here

    import mmdepthpretrain  # noqa: F401
    refused = []

    def walk(node, path, scope):
        if isinstance(node, dict):
            known = _known_here(node, path, scope) if path else None
            refused.extend(f'{".".join(path)}.{k}' for k in node
                           if known is not None and k not in known)
            for key, value in node.items():
                walk(value, path + [key], scope)
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                walk(value, path + [str(i)], scope)

    for name in ('monodepth2-m_r18_1xb4-400_synthetic-320x96.py',
                 'depthseg_r18-depth-full_1xb4-300_synthetic-320x96.py',
                 'flow_r18_1xb4-400_synthetic-320x96.py'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'synthetic', name))
        walk(cfg._cfg_dict.to_dict(), [], cfg.get('default_scope'))
    assert refused == []
