"""Loading classifies a damaged file (not a checkpoint / truncated / corrupt) apart from an
intact one that asks for objects outside the allow-list, at every entry point."""
import os
import os.path as osp
import subprocess
import sys
import zipfile

import pytest
import torch

from mmdepthpretrain.compat import (
    CheckpointError,
    CorruptCheckpointError,
    UnsafeCheckpointError,
    enable_safe_loading,
    safe_load,
    verify_checkpoint,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


class _Evil:
    def __reduce__(self):
        return (os.system, ('echo owned',))


def _good(path, legacy=False):
    torch.save({'state_dict': {'w': torch.arange(4096.0).reshape(64, 64)}, 'meta': {'seed': 3}},
               path, _use_new_zipfile_serialization=not legacy)
    return path


def _cut(path, keep):
    data = path.read_bytes()
    path.write_bytes(data[:keep(len(data))])
    return path


def _flip(path, member):
    """Flip one byte inside a zip member's data (the archive's structure stays intact)."""
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(member))
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _make(tmp_path, case):
    p = tmp_path / f'{case}.pth'
    if case == 'empty':
        p.write_bytes(b'')
    elif case == 'random':
        p.write_bytes(os.urandom(20000))
    elif case == 'random_pickle_head':  # random bytes that start like a pickle
        p.write_bytes(b'\x80\x02' + os.urandom(20000))
    elif case == 'html':
        p.write_bytes(b'<!DOCTYPE html><html><body>404 Not Found</body></html>\n')
    elif case == 'lfs':
        p.write_bytes(b'version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 9\n')
    elif case == 'plain_zip':
        with zipfile.ZipFile(p, 'w') as archive:
            archive.writestr('readme.txt', 'hello')
    elif case == 'truncated_half':
        _cut(_good(p), lambda n: n // 2)
    elif case == 'truncated_tail':
        _cut(_good(p), lambda n: n - 10)
    elif case == 'truncated_head':
        _cut(_good(p), lambda n: 100)
    elif case == 'flip_tensor':
        _flip(_good(p), 'data/0')
    elif case == 'flip_pickle':
        _flip(_good(p), 'data.pkl')
    elif case == 'legacy_truncated_object':
        _cut(_good(p, legacy=True), lambda n: 150)
    elif case == 'legacy_truncated_data':
        _cut(_good(p, legacy=True), lambda n: n - 100)
    return p


EXPECTED = {
    'empty': ('truncated', 'empty file'),
    'random': ('not a checkpoint', 'unrecognised content'),
    'random_pickle_head': ('not a checkpoint', "not torch.save's"),
    'html': ('not a checkpoint', 'HTML'),
    'lfs': ('not a checkpoint', 'git lfs pull'),
    'plain_zip': ('not a checkpoint', 'without the data.pkl'),
    'truncated_half': ('truncated', 'without the central directory'),
    'truncated_tail': ('truncated', 'without the central directory'),
    'truncated_head': ('truncated', 'without the central directory'),
    'flip_tensor': ('corrupt', 'data/0 fails its CRC-32 check'),
    'flip_pickle': ('corrupt', 'data.pkl fails its CRC-32 check'),
    'legacy_truncated_object': ('truncated', 'ends inside its object'),
    'legacy_truncated_data': ('truncated', 'tensor data ends early'),
}


@pytest.mark.parametrize('case', sorted(EXPECTED))
def test_damaged_file_is_named_as_such(tmp_path, case):
    path = _make(tmp_path, case)
    kind, detail = EXPECTED[case]
    with pytest.raises(CorruptCheckpointError) as err:
        safe_load(str(path))
    msg = str(err.value)
    assert err.value.kind == kind and err.value.path == str(path)
    assert msg.startswith(f'{path}: {kind}') and detail in msg, msg
    assert 'delete' in msg or 'download' in msg
    assert 'allow-list' not in msg and 'TRUSTED' not in msg  # never invites trusting it
    assert '\n' not in msg


def test_random_bytes_never_reported_as_unsafe(tmp_path):
    for i in range(64):
        path = tmp_path / f'r{i}.pth'
        path.write_bytes(bytes([0x80, 2 + i % 4]) + os.urandom(2000) if i % 2 else
                         os.urandom(2000))
        with pytest.raises(CorruptCheckpointError):
            safe_load(str(path))


@pytest.mark.parametrize('legacy', [False, True])
def test_intact_files_load_and_unsafe_ones_are_refused(tmp_path, legacy):
    good = _good(tmp_path / 'good.pth', legacy)
    assert safe_load(str(good))['meta']['seed'] == 3
    verify_checkpoint(str(good))
    evil = tmp_path / 'evil.pth'
    torch.save({'x': _Evil()}, evil, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(UnsafeCheckpointError) as err:
        safe_load(str(evil))
    assert 'outside the weights-only allow-list (posix.system)' in str(err.value)
    assert isinstance(err.value, CheckpointError)


def test_mmap_and_verification_cache(tmp_path):
    path = _good(tmp_path / 'good.pth')
    assert torch.equal(safe_load(str(path), mmap=True)['state_dict']['w'],
                       torch.arange(4096.0).reshape(64, 64))
    _cut(path, lambda n: n // 2)  # a new size: checked again
    with pytest.raises(CorruptCheckpointError, match='truncated'):
        safe_load(str(path))


def test_safetensors_truncated(tmp_path):
    from safetensors.torch import save_file
    path = tmp_path / 'w.safetensors'
    save_file({'a': torch.ones(1000)}, str(path))
    assert safe_load(str(path))['a'].shape == (1000,)
    _cut(path, lambda n: n - 400)
    with pytest.raises(CorruptCheckpointError, match='truncated'):
        safe_load(str(path))


def test_mmengine_entry_points(tmp_path, checkpoint_schemes):
    """load_from and resume (CheckpointLoader) and init_cfg Pretrained (PretrainedInit)."""
    from mmengine.model import BaseModule
    from mmengine.runner import CheckpointLoader
    enable_safe_loading()
    bad = _make(tmp_path, 'truncated_half')
    with pytest.raises(CorruptCheckpointError, match='truncated'):
        CheckpointLoader.load_checkpoint(str(bad), map_location='cpu')

    class Net(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type='Pretrained', checkpoint=str(bad)))
            self.w = torch.nn.Linear(2, 2)

    with pytest.raises(CorruptCheckpointError, match=f'{bad}: truncated checkpoint'):
        Net().init_weights()


def _tool(*args, cwd=REPO):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    env.pop('MMDEPTHPRETRAIN_DEBUG', None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize('converter', ['pretrain_to_seg', 'torchvision_resnet',
                                       'monodepth2_to_mmdp', 'depth_to_semantic_to_mmdp'])
def test_each_converter_names_a_truncated_source(tmp_path, converter):
    bad = _make(tmp_path, 'truncated_half')
    if converter == 'monodepth2_to_mmdp':
        os.makedirs(tmp_path / 'md2')
        os.replace(bad, tmp_path / 'md2' / 'encoder.pth')
        bad = tmp_path / 'md2' / 'encoder.pth'
        args = [str(bad.parent), str(tmp_path / 'out.pth'), '--mode', 'seg-encoder']
    elif converter == 'depth_to_semantic_to_mmdp':
        os.makedirs(tmp_path / 'd2s')
        os.replace(bad, tmp_path / 'd2s' / 'encoder-10.pth')
        bad = tmp_path / 'd2s' / 'encoder-10.pth'
        args = [str(bad.parent), str(tmp_path / 'out.pth'), '--mode', 'seg-encoder']
    else:
        args = [str(bad), str(tmp_path / 'out.pth')]
    proc = _tool(f'tools/model_converters/{converter}.py', *args)
    err = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert len(err) == 1 and f'{bad}: truncated checkpoint' in err[0], proc.stderr[-3000:]
    assert not osp.exists(tmp_path / 'out.pth')
