"""Converter command lines: safe outputs, refusals with one clear message."""
import os

import torch
import torchvision

from mmdepthpretrain.converters import load_converted

from .cli_utils import run_main, run_subprocess

R18_CONFIG = """
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
model = dict(type='SelfSupDepthEstimator', supervision='L', frame_ids=[0],
             backbone=dict(type='DepthResNet', depth=18),
             decode_head=dict(type='DisparityHead'))
"""


def _tv_state(depth=18):
    torch.manual_seed(0)
    return getattr(torchvision.models, f'resnet{depth}')().state_dict()


def test_torchvision_cli_safetensors_roundtrip(tmp_path, capsys):
    from safetensors.torch import save_file
    src = tmp_path / 'resnet18.safetensors'
    state = _tv_state()
    save_file(state, str(src))
    dst = tmp_path / 'out' / 'r18_pose.safetensors'
    assert run_main('torchvision_resnet', [str(src), str(dst), '--num-input-images', '2',
                                           '--prefix', 'pose_encoder.']) == 0
    assert 'ImageNet normalisation' in capsys.readouterr().out
    out = load_converted(str(dst))
    assert out['meta']['converter'] == 'torchvision_resnet'
    assert out['meta']['info']['num_input_images'] == 2
    conv1 = out['state_dict']['pose_encoder.conv1.weight']
    assert torch.equal(conv1, torch.cat([state['conv1.weight']] * 2, dim=1) / 2)
    assert 'pose_encoder.fc.weight' not in out['state_dict']
    assert not [f for f in os.listdir(dst.parent) if f.endswith('.tmp')]  # no leftovers


def test_resnet50_into_resnet18_config_lists_mismatches(tmp_path, capsys):
    src = tmp_path / 'resnet50.pth'
    torch.save(_tv_state(50), src)
    cfg = tmp_path / 'r18.py'
    cfg.write_text(R18_CONFIG)
    dst = tmp_path / 'r50.pth'
    assert run_main('torchvision_resnet', [str(src), str(dst), '--config', str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.startswith('torchvision_resnet.py: error: ')
    assert 'do not fit the target model' in err
    assert 'backbone.layer1.0.conv3.weight: not in the model' in err
    assert 'backbone.layer1.0.conv1.weight: checkpoint shape [64, 64, 1, 1] vs model shape ' \
           '[64, 64, 3, 3]' in err
    assert 'Traceback' not in err and not dst.exists()


def test_random_dict_and_outputs_that_would_overwrite_inputs(tmp_path, capsys):
    junk = tmp_path / 'junk.pth'
    torch.save({'weights': {'a.b': torch.ones(2)}, 'step': 3}, junk)
    assert run_main('pretrain_to_seg', [str(junk), str(tmp_path / 'o.pth')]) == 2
    assert "no tensors found (top-level keys: ['step', 'weights'])" in capsys.readouterr().err
    torch.save({'head.fc.weight': torch.ones(2)}, junk)
    assert run_main('pretrain_to_seg', [str(junk), str(tmp_path / 'o.pth')]) == 2
    err = capsys.readouterr().err
    assert 'encoder matched nothing: no backbone.* keys' in err and 'head' in err

    src = tmp_path / 'resnet18.pth'
    torch.save(_tv_state(), src)
    before = src.read_bytes()
    assert run_main('torchvision_resnet', [str(src), str(src), '--overwrite']) == 2
    assert 'is an input file' in capsys.readouterr().err
    assert src.read_bytes() == before

    dst = tmp_path / 'enc.pth'
    assert run_main('torchvision_resnet', [str(src), str(dst)]) == 0
    assert run_main('torchvision_resnet', [str(src), str(dst)]) == 2
    assert 'exists; pass --overwrite' in capsys.readouterr().err
    assert run_main('torchvision_resnet', [str(src), str(dst), '--overwrite']) == 0

    # a Monodepth2 folder: no file of the format may be replaced, even one not read
    folder = tmp_path / 'mono'
    folder.mkdir()
    torch.save({f'encoder.{k}': v for k, v in _tv_state().items()}, folder / 'encoder.pth')
    torch.save({'decoder.0.conv.conv.weight': torch.zeros(1)}, folder / 'depth.pth')
    assert run_main('monodepth2_to_mmdp', [str(folder), str(folder / 'depth.pth'), '--mode',
                                           'seg-encoder', '--overwrite']) == 2
    assert 'is an input file' in capsys.readouterr().err
    assert run_main('monodepth2_to_mmdp', [str(folder), str(folder / 'seg.pth'), '--mode',
                                           'seg-encoder']) == 0


def test_missing_input_is_one_line_without_traceback(tmp_path):
    proc = run_subprocess('pretrain_to_seg', [str(tmp_path / 'nope.pth'), str(tmp_path / 'o.pth')])
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines == [f'pretrain_to_seg.py: error: source checkpoint not found: '
                     f'{tmp_path / "nope.pth"}']


def test_destination_problems_are_found_before_loading(tmp_path, capsys):
    # the source is not even a checkpoint: a destination problem must be reported first
    src = tmp_path / 'not_a_checkpoint.pth'
    src.write_bytes(b'\x00' * 64)
    taken = tmp_path / 'taken.pth'
    taken.write_bytes(b'keep')
    assert run_main('pretrain_to_seg', [str(src), str(taken)]) == 2
    err = capsys.readouterr().err
    assert f'destination {taken} exists' in err and taken.read_bytes() == b'keep'
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    dst = blocker / 'sub' / 'out.pth'
    assert run_main('pretrain_to_seg', [str(src), str(dst)]) == 2
    err = capsys.readouterr().err
    assert f'cannot write {dst}' in err and f'{blocker} is a file' in err
    assert 'Traceback' not in err and '.tmp' not in err
    missing_cfg = tmp_path / 'nope.py'
    assert run_main('pretrain_to_seg', [str(src), str(tmp_path / 'x.pth'), '--config',
                                        str(missing_cfg)]) == 2
    assert f'config file not found: {missing_cfg}' in capsys.readouterr().err


def test_written_checkpoint_follows_the_umask(tmp_path):
    from mmdepthpretrain.converters.io import OutputError, save_converted
    old = os.umask(0o027)
    try:
        save_converted({'w': torch.ones(1)}, str(tmp_path / 'a.pth'))
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / 'a.pth').st_mode & 0o777) == 0o640
    blocker = tmp_path / 'file'
    blocker.write_text('')
    try:
        save_converted({'w': torch.ones(1)}, str(blocker / 'b.pth'))
    except OutputError as exc:
        assert str(exc).startswith(f'cannot write {blocker / "b.pth"}')
    else:
        raise AssertionError('writing below a file must fail')
    assert sorted(os.listdir(tmp_path)) == ['a.pth', 'file']
