"""tools/misc/fault_report.py runs faults and prints the README's Markdown table."""
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _report(*args):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, 'tools/misc/fault_report.py', *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600)


def test_lists_every_fault():
    proc = _report('--list')
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert len(names) >= 17 and 'kill-during-save' in names and 'two-processes' in names


def test_table_of_a_few_faults(tmp_path):
    proc = _report('--only', 'unknown-key', 'misspelt-key', 'invalid-min-depth', '--keep',
                   str(tmp_path / 'faults'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = proc.stdout.strip().splitlines()
    assert rows[:2] == ['| fault | what the user sees | data lost |', '|---|---|---|']
    assert len(rows) == 5 and all(row.endswith('| no |') for row in rows[2:])
    assert "nearest: backbone" in rows[3] and 'one line, exit 2' in rows[3]
    assert 'need 0 < min_depth < max_depth' in rows[4]
