"""Checkpoint loading stays weights_only=True; what we save loads without an allow-list."""
import copyreg
import os
import pickle
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch

import mmdepthpretrain  # noqa: F401  (registers components, applies nothing)
from mmdepthpretrain import compat
from mmdepthpretrain.compat import (
    TRUST_ENV,
    UnsafeCheckpointError,
    enable_safe_loading,
    history_to_record,
    message_hub_from_plain,
    message_hub_to_plain,
    record_to_history,
    safe_load,
    safe_loading_enabled,
    setup_cpu_distributed,
)
from mmdepthpretrain.compat.portable import to_plain

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _history_buffer():
    from mmengine.logging import HistoryBuffer
    buf = HistoryBuffer(max_length=5)
    for i, v in enumerate([0.5, 0.25, 0.125, 3.0, 4.0, 5.0]):
        buf.update(v, count=i + 1)
    return buf


def _hub_state():
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('compat_test')
    for v in [1.0, 2.0, 3.0]:
        hub.update_scalar('train/loss', v)
    hub.update_info('eta', np.float64(1.5))
    hub.update_info('iter', 3)
    return hub.state_dict()


def test_message_hub_plain_round_trip_weights_only(tmp_path):
    from mmengine.logging import HistoryBuffer
    ckpt = dict(state_dict={'w': torch.arange(3.)}, message_hub=message_hub_to_plain(_hub_state()),
                meta=dict(iter=3, epoch=0, seed=0))
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    # plain torch.load, nothing allowed: the file is tensors and plain data only
    assert torch.serialization.get_unsafe_globals_in_checkpoint(str(path)) == []
    loaded = torch.load(path, weights_only=True)
    assert isinstance(loaded['message_hub']['runtime_info']['eta'], float)
    hub = message_hub_from_plain(loaded['message_hub'])
    buf = hub['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    np.testing.assert_array_equal(buf.data[0], [1.0, 2.0, 3.0])
    assert buf.current() == 3.0 and buf.mean() == 2.0
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.))
    # the same through safe_load
    assert torch.equal(safe_load(str(path))['state_dict']['w'], torch.arange(3.))


def test_history_record_keeps_window_exactly():
    buf = _history_buffer()
    record = history_to_record(buf)
    assert record['log_history'].dtype == torch.float64 and record['max_length'] == 5
    copy = record_to_history(record)
    np.testing.assert_array_equal(copy.data[0], buf.data[0])
    np.testing.assert_array_equal(copy.data[1], buf.data[1])
    assert copy.data[0].dtype == np.float64
    assert copy.max_length == 5
    copy.update(7.0)  # a rebuilt buffer keeps working
    assert copy.current() == 7.0 and len(copy.data[0]) == 5


def test_malformed_record_is_refused():
    record = history_to_record(_history_buffer())
    record['count_history'] = record['count_history'][:2]
    with pytest.raises(ValueError, match='malformed'):
        record_to_history(record)


def test_to_plain_converts_numpy_only():
    meta = OrderedDict(a=np.float32(0.5), b=(1, np.int64(2)), c=[np.arange(2)], d='x')
    out = to_plain(meta)
    assert out == OrderedDict(a=0.5, b=(1, 2), c=[[0, 1]], d='x')
    assert type(out) is OrderedDict and type(out['b']) is tuple
    assert type(out['a']) is float and type(out['b'][1]) is int
    plain = dict(classes=('a', 'b'), palette=[[0, 0, 0]])
    assert to_plain(plain) is plain  # nothing to convert: the same object


def test_file_of_version_0_1_0_loads(tmp_path, monkeypatch):
    """Files written while HistoryBuffer pickled through mmdepthpretrain's rebuild function."""
    from mmengine.logging import HistoryBuffer

    from mmdepthpretrain.compat.loading import _rebuild_history_buffer

    monkeypatch.setattr(_rebuild_history_buffer, '__module__', 'mmdepthpretrain.compat')

    class LegacyPickler(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, HistoryBuffer):
                return _rebuild_history_buffer, (
                    [float(x) for x in obj._log_history], [float(x) for x in obj._count_history],
                    int(obj.max_length))
            return NotImplemented

    class LegacyPickle:
        Pickler = LegacyPickler

    path = tmp_path / 'legacy.pth'
    torch.save({'message_hub': {'log_scalars': {'x': _history_buffer()},
                                'runtime_info': {'eta': np.float64(2.0)}}},
               path, pickle_module=LegacyPickle)
    monkeypatch.undo()
    torch_allowed = set(map(repr, torch.serialization.get_safe_globals()))
    assert 'mmdepthpretrain.compat._rebuild_history_buffer' in \
        torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    loaded = safe_load(str(path))
    buf = loaded['message_hub']['log_scalars']['x']
    assert isinstance(buf, HistoryBuffer) and buf.max_length == 5
    np.testing.assert_array_equal(buf.data[0], _history_buffer().data[0])
    assert loaded['message_hub']['runtime_info']['eta'] == 2.0
    assert set(map(repr, torch.serialization.get_safe_globals())) == torch_allowed  # per call


def test_numpy_payload_refused_with_clear_message(tmp_path, monkeypatch):
    path = tmp_path / 'unsafe.pth'
    torch.save({'arr': np.ones(3)}, path)
    monkeypatch.delenv(TRUST_ENV, raising=False)
    with pytest.raises(UnsafeCheckpointError) as err:
        safe_load(str(path))
    msg = str(err.value)
    assert str(path) in msg and 'numpy' in msg and TRUST_ENV in msg
    # explicit opt-in for this one file
    monkeypatch.setenv(TRUST_ENV, str(path))
    with pytest.warns(UserWarning, match='trusted'):
        assert safe_load(str(path))['arr'].sum() == 3


def test_malicious_reduce_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ('echo owned',))
    path = tmp_path / 'evil.pth'
    torch.save({'x': Evil()}, path)
    with pytest.raises(UnsafeCheckpointError, match='system'):
        safe_load(str(path))


def test_missing_file_names_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        safe_load(str(tmp_path / 'nope.pth'))


def test_mmengine_loaders_use_safe_path(tmp_path, checkpoint_schemes):
    """load_from / init_cfg Pretrained / resume all go through CheckpointLoader."""
    from mmengine.runner import CheckpointLoader, load_checkpoint
    enable_safe_loading()
    assert safe_loading_enabled()
    path = tmp_path / 'm.pth'
    torch.save({'state_dict': {'weight': torch.ones(2, 2), 'bias': torch.zeros(2)},
                'message_hub': {'runtime_info': {'eta': np.float64(1.0)}}}, path)
    out = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert out['message_hub']['runtime_info']['eta'] == 1.0
    lin = torch.nn.Linear(2, 2)
    load_checkpoint(lin, str(path), map_location='cpu')
    assert torch.equal(lin.weight, torch.ones(2, 2))
    with pytest.raises(FileNotFoundError, match='checkpoint file not found: .*gone.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'gone.pth'))


def test_safetensors(tmp_path):
    from safetensors.torch import save_file
    path = tmp_path / 'w.safetensors'
    save_file({'a': torch.ones(2)}, str(path))
    assert torch.equal(safe_load(str(path))['a'], torch.ones(2))


def test_cpu_distributed_noop_without_launcher():
    from mmengine.config import Config
    cfg = Config(dict(model=dict()))
    assert setup_cpu_distributed(cfg, 'none') is False
    assert 'model_wrapper_cfg' not in cfg


# The host packages the plugin builds on are imported first: mmseg.models itself adds
# copyreg entries (scipy's uarray, regex) and a torch safe global (torch._dynamo).
_SNAPSHOT = r'''
import copyreg, importlib.util, sys
import torch
# the host packages first (so the snapshot holds their own registrations); with a recent
# transformers installed they import only behind the plugin's mmpretrain guard, loaded here
# as a stand-alone file so that the plugin itself is not imported yet
spec = importlib.util.spec_from_file_location(
    '_guard', 'mmdepthpretrain/compat/mmpretrain_imports.py')
guard = importlib.util.module_from_spec(spec)
spec.loader.exec_module(guard)
guard.keep_mmpretrain_importable()
import mmseg.datasets, mmseg.engine, mmseg.evaluation, mmseg.models, mmseg.visualization
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

def snapshot():
    return (dict(copyreg.dispatch_table), dict(CheckpointLoader._schemes),
            set(map(repr, torch.serialization.get_safe_globals())), HistoryBuffer.__reduce_ex__)

before = snapshot()
import mmdepthpretrain
after = snapshot()
names = ('copyreg.dispatch_table', 'CheckpointLoader._schemes', 'torch safe globals',
         'HistoryBuffer.__reduce_ex__')
changed = [n for n, a, b in zip(names, before, after) if a != b]
assert not changed, f'import mmdepthpretrain changed {changed}'
ours = [k for k, v in copyreg.dispatch_table.items()
        if 'mmdepthpretrain' in getattr(v, '__module__', '') + getattr(k, '__module__', '')
        or getattr(k, '__module__', '').startswith('mmengine')]
assert not ours, ours
mmdepthpretrain.compat.enable_safe_loading()  # the explicit call does change the loader
assert CheckpointLoader._schemes[''] is not before[1]['']
assert dict(copyreg.dispatch_table) == before[0]
print('unchanged')
'''


def test_import_changes_no_global_state():
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run([sys.executable, '-c', _SNAPSHOT], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith('unchanged')


def test_this_process_is_clean():
    """The test session itself imported the package: nothing was installed."""
    from mmengine.logging import HistoryBuffer
    from mmengine.runner import CheckpointLoader
    from mmengine.runner.checkpoint import load_from_local
    assert HistoryBuffer not in copyreg.dispatch_table
    assert CheckpointLoader._schemes[''] is load_from_local
    assert not safe_loading_enabled()
    assert compat.safe_load is safe_load
