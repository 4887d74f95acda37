"""Atomic checkpoint writes: a kill or a failure mid-write never leaves a partial file."""
import hashlib
import os
import subprocess
import sys
import time

import pytest
from mmengine.fileio import get_file_backend

from mmdepthpretrain.engine import AtomicLocalBackend, atomic_write_bytes

WRITER = r'''
import hashlib, sys
from mmengine.fileio import get_file_backend
import mmdepthpretrain.engine  # noqa: F401  (registers the backend)
dst = sys.argv[1]
backend = get_file_backend(dst, backend_args=dict(backend='atomic_local'))
for version in range(1000):
    payload = bytes([version % 251]) * (48 << 20)
    backend.put(payload, dst)
    print(version, hashlib.sha256(payload).hexdigest(), flush=True)
'''


def test_selected_by_backend_args_and_writes_text_and_bytes(tmp_path):
    backend = get_file_backend(str(tmp_path), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    backend.put(b'abc', tmp_path / 'sub' / 'x.pth')
    backend.put_text('iter_3.pth', tmp_path / 'last_checkpoint')
    assert (tmp_path / 'sub' / 'x.pth').read_bytes() == b'abc'
    assert (tmp_path / 'last_checkpoint').read_text() == 'iter_3.pth'
    assert sorted(os.listdir(tmp_path)) == ['last_checkpoint', 'sub']


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    dst = tmp_path / 'iter_10.pth'
    atomic_write_bytes(b'old complete file', dst)

    def broken_fsync(fd):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', broken_fsync)
    with pytest.raises(OSError, match='No space'):
        atomic_write_bytes(b'new' * 1000, dst)
    assert dst.read_bytes() == b'old complete file'
    assert os.listdir(tmp_path) == ['iter_10.pth']  # no temporary file left


def test_kill_during_writes_leaves_a_complete_file(tmp_path):
    dst = tmp_path / 'iter_N.pth'
    proc = subprocess.Popen([sys.executable, '-c', WRITER, str(dst)], stdout=subprocess.PIPE,
                            text=True)
    done = {}
    try:
        for line in proc.stdout:  # let a few versions complete, then kill mid-write
            version, digest = line.split()
            done[int(version)] = digest
            if len(done) == 3:
                time.sleep(0.05)
                break
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert len(done) == 3
    digest = hashlib.sha256(dst.read_bytes()).hexdigest()
    # whatever the moment of the kill: the file is one complete version, never a part
    complete = {hashlib.sha256(bytes([v % 251]) * (48 << 20)).hexdigest()
                for v in range(max(done) + 2)}
    assert digest in complete
    assert dst.stat().st_size == 48 << 20
