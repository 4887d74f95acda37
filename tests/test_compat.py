"""Checkpoint loading stays weights_only=True and still loads mmengine's own files."""
import os
import pickle

import numpy as np
import pytest
import torch

import mmdepthpretrain  # noqa: F401  (installs the compat layer)
from mmdepthpretrain.compat import (
    TRUST_ENV,
    UnsafeCheckpointError,
    safe_load,
    setup_cpu_distributed,
)


def _history_buffer():
    from mmengine.logging import HistoryBuffer
    buf = HistoryBuffer(max_length=5)
    for i, v in enumerate([0.5, 0.25, 0.125, 3.0, 4.0, 5.0]):
        buf.update(v, count=i + 1)
    return buf


def test_history_buffer_round_trip_weights_only(tmp_path):
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('compat_test')
    for v in [1.0, 2.0, 3.0]:
        hub.update_scalar('train/loss', v)
    ckpt = dict(state_dict={'w': torch.arange(3.)}, message_hub=hub.state_dict(),
                meta=dict(iter=3, epoch=0, seed=0))
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    # plain torch.load refuses the file: our rebuild function is not in its allow-list
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    loaded = safe_load(str(path))
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    np.testing.assert_array_equal(buf.data[0], [1.0, 2.0, 3.0])
    assert buf.current() == 3.0 and buf.mean() == 2.0
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.))


def test_history_buffer_keeps_window():
    buf = _history_buffer()
    from mmdepthpretrain.compat import _reduce_history_buffer
    fn, args = _reduce_history_buffer(buf)
    copy = fn(*args)
    np.testing.assert_array_equal(copy.data[0], buf.data[0])
    np.testing.assert_array_equal(copy.data[1], buf.data[1])
    assert copy.max_length == 5


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


def test_mmengine_loaders_use_safe_path(tmp_path):
    """load_from / init_cfg Pretrained / resume all go through CheckpointLoader."""
    from mmengine.runner import CheckpointLoader, load_checkpoint
    path = tmp_path / 'm.pth'
    torch.save({'state_dict': {'weight': torch.ones(2, 2), 'bias': torch.zeros(2)},
                'message_hub': {'log_scalars': {'x': _history_buffer()}}}, path)
    out = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert 'message_hub' in out
    lin = torch.nn.Linear(2, 2)
    load_checkpoint(lin, str(path), map_location='cpu')
    assert torch.equal(lin.weight, torch.ones(2, 2))


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
