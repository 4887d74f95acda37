"""`make install` refuses the wrong Python at once, before touching anything."""
import os
import os.path as osp
import subprocess

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_make_install_wrong_python(tmp_path):
    fake = tmp_path / 'python3.10'
    fake.write_text('#!/bin/sh\n'
                    'case "$1" in --version) echo "Python 3.10.4";; *) exit 1;; esac\n')
    fake.chmod(0o755)
    venv = tmp_path / 'venv'
    proc = subprocess.run(['make', '-s', 'install', f'PYTHON={fake}', f'VENV={venv}'],
                          cwd=REPO, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, MAKEFLAGS=''))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert 'Python 3.11 is required' in out and 'Python 3.10.4' in out, out
    assert not venv.exists()
