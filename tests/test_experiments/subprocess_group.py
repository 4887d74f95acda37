"""Run a tool of the checkout in its own process group, killed whole on a timeout."""
import os
import signal
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_tool(args, timeout, what):
    """Run ``python ARGS...`` from the repository root; return its output, or fail with its
    tail when it exits non-zero or is still running after ``timeout`` seconds."""
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='2')
    proc = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise AssertionError(f'{what} still running after {timeout} s:\n{out[-4000:]}') from None
    assert proc.returncode == 0, out[-4000:]
    return out
