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
