"""benchmarks/gpu_suite.sh cannot rot: its dry run (CPU, tiny sizes, 1 iteration) covers
each kind of measurement, and every measurement's arguments parse on the GPU and here."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'benchmarks'))

import finetune_step  # noqa: E402
import gpu_suite  # noqa: E402
import train_end_to_end  # noqa: E402
import train_throughput  # noqa: E402
import vit_backbone  # noqa: E402

PARSERS = dict(step=train_throughput.parse_args, e2e=train_end_to_end.parse_args,
               finetune=finetune_step.parse_args, vit=vit_backbone.parse_args)
# one of each kind: an eager-compatible step path compiled (CUDA-graph variant), the end to
# end run on a generated world, the fine-tuning pair whose ratio the table reports, and the
# ViT backbone against Hugging Face's
SUBSET = ['step_r18_m_bf16_cl_cudagraphs', 'finetune_pair',
          'e2e_r18_m_bf16_cl', 'vit_l_bf16']  # in the suite's order


@pytest.mark.parametrize('dry', [False, True], ids=['gpu', 'dry'])
def test_every_measurement_has_valid_arguments(dry, tmp_path):
    names = [s[0] for s in gpu_suite.SUITE]
    assert len(set(names)) == len(names)
    for name, kind, extra, _ in gpu_suite.SUITE:
        argv = gpu_suite.arguments(kind, extra, dry, str(tmp_path / f'{name}.json'))
        args = PARSERS[kind](argv)
        assert args.device == ('cpu' if dry else 'cuda'), name
        if kind == 'step' and not dry:  # the settings
            assert (args.batch, args.amp) == (12, 'bf16' if 'bf16' in name else 'none')
            assert (args.width, args.height) == ((1024, 320) if '1024' in name else (640, 192))
            assert args.cuda_graphs == ('cudagraphs' in name) and args.depth == (
                50 if 'r50' in name else 18)
        if kind == 'e2e' and not dry:
            assert (args.workers, args.ext) == (16, 'jpg')
        if kind == 'vit' and not dry:  # the settings
            assert (args.arch, args.sizes, args.batch, args.dtype) == (
                'large', [518, 896], 2, 'bf16')


def test_dry_run_writes_one_json_per_measurement_and_the_table(tmp_path):
    out = tmp_path / 'suite'
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='2')
    proc = subprocess.run(
        ['bash', 'benchmarks/gpu_suite.sh', '--dry-run', '--out', str(out), '--only', *SUBSET],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads((out / 'suite.json').read_text())
    assert [r['name'] for r in results] == SUBSET
    assert all(r['status'] == 'ok' for r in results), [r['status'] for r in results]
    for name in SUBSET:
        record = json.loads((out / f'{name}.json').read_text())
        assert record['samples_per_s'] > 0 and record['device'] == 'cpu', name
        assert record['date'] and record['machine'] and record['argv']
    step = json.loads((out / 'step_r18_m_bf16_cl_cudagraphs.json').read_text())
    assert step['compile'] == {'backend': 'eager'} and step['channels_last']
    pair = json.loads((out / 'finetune_pair.json').read_text())
    assert [e['name'] for e in pair['entries']] == ['ours', 'mmseg-same-net']
    assert pair['ours_over_mmseg_same_net'] == pytest.approx(
        pair['entries'][0]['samples_per_s'] / pair['entries'][1]['samples_per_s'])
    e2e = json.loads((out / 'e2e_r18_m_bf16_cl.json').read_text())
    assert e2e['loader_samples_per_s'] > 0 and e2e['bound'] in ('loader', 'step')
    vit = json.loads((out / 'vit_l_bf16.json').read_text())
    assert {(e['impl'], e['mode']) for e in vit['entries']} == {
        (i, m) for i in ('ours', 'hf-eager') for m in ('fwd', 'fwd+bwd')}
    assert all(r['speed'] > 0 for r in vit['ratios'])
    table = (out / 'table.txt').read_text()
    assert all(name in table for name in SUBSET) and 'x mmseg on the same network' in table
    assert 'x speed' in table and 'of hf-eager' in table
    assert table in proc.stdout


def test_fine_tuning_steps_are_timed_interleaved(monkeypatch):
    """Blocks alternate A B, B A, ... so that drift during the run favours neither."""
    import torch

    calls = []

    class Model:
        def __init__(self, name):
            self.name = name

        def train_step(self, batch, optim_wrapper):
            calls.append(self.name)
            return dict(loss=torch.tensor(1.0))

    cfg = type('Cfg', (), {'model': type('M', (), {'backbone': type('B', (), {'type': 'X'})})})
    monkeypatch.setattr(finetune_step, 'build', lambda args, name: (Model(name), None, {}, cfg))
    args = finetune_step.parse_args(['--device', 'cpu', '--warmup', '1', '--iters', '2',
                                     '--repeats', '3', '--batch', '2'])
    records = finetune_step.measure(args, ['ours', 'mmseg-same-net'])
    a, b = 'ours', 'mmseg-same-net'
    assert calls == [a, b] + [a, a, b, b] + [b, b, a, a] + [a, a, b, b]
    assert [len(r['blocks']) for r in records.values()] == [3, 3]
    assert records[a]['interleaved_with'] == [b]


def test_measurements_that_do_not_fit_are_listed_as_skipped(tmp_path):
    results = gpu_suite.main(['--out', str(tmp_path), '--deadline', str(0)])
    assert [r['name'] for r in results] == [s[0] for s in gpu_suite.SUITE]
    assert all(r['status'].startswith('skipped') for r in results)
    table = (tmp_path / 'table.txt').read_text()
    assert table.count('skipped') == len(gpu_suite.SUITE)
    assert not list(tmp_path.glob('step_*.json'))  # nothing ran


# A stand-in for the device's install_on_device.sh (sourced by gpu_suite.sh): it logs each
# call; given a prebuilt mmcv wheel it installs an mmcv into $DEVICE_SITE whose compiled ops
# fail to load (as a wheel built for another torch would) and fails the stack's import
# check; ``BROKEN`` fails that check for another reason (the installed mmcv loads); else it
# succeeds, leaving the environment's own mmcv (as if built from the sdist).
FAKE_INSTALL = r'''
echo call >> "$1/calls.log"
export PYTHONPATH=$DEVICE_SITE${PYTHONPATH:+:$PYTHONPATH}
if [ -f "$1/BROKEN" ]; then
  mkdir -p "$DEVICE_SITE/mmcv" && : > "$DEVICE_SITE/mmcv/__init__.py"
  : > "$DEVICE_SITE/mmcv/_ext.py"
  echo "stack import failed"; return 1
fi
if ls "$1"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
  mkdir -p "$DEVICE_SITE/mmcv" && : > "$DEVICE_SITE/mmcv/__init__.py"
  echo 'raise ImportError("_ext.so: undefined symbol: _ZN3c10fake")' > "$DEVICE_SITE/mmcv/_ext.py"
  echo "stack import failed"; return 1
fi
'''


def _suite_with_fake_install(tmp_path, prebuilt=True, broken=False):
    wheels, site = tmp_path / 'wheels', tmp_path / 'site'
    wheels.mkdir()
    (wheels / 'install_on_device.sh').write_text(FAKE_INSTALL)
    if prebuilt:
        (wheels / 'mmcv-2.1.0-cp312-cp312-linux_x86_64.whl').write_bytes(b'')
    if broken:
        (wheels / 'BROKEN').write_text('')
    env = dict(os.environ, PYTHON=sys.executable, DEVICE_WHEELS=str(wheels),
               DEVICE_SITE=str(site))
    env.pop('OUT', None)
    # --only with an unknown name: the suite stops right after the install
    proc = subprocess.run(['bash', 'benchmarks/gpu_suite.sh', '--out', str(tmp_path / 'out'),
                           '--only', 'nothing'], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    calls = (wheels / 'calls.log').read_text().count('call')
    return proc, calls, wheels


def test_a_prebuilt_mmcv_that_does_not_load_is_set_aside_and_built_from_source(tmp_path):
    proc, calls, wheels = _suite_with_fake_install(tmp_path)
    out = proc.stdout + proc.stderr
    assert calls == 2, out
    assert 'does not load here' in out and 'undefined symbol: _ZN3c10fake' in out, out
    assert 'building mmcv from the sdist instead' in out
    assert not list(wheels.glob('mmcv-*.whl'))  # the second install builds from the sdist
    assert not (tmp_path / 'site' / 'mmcv').exists()  # the unloadable one is gone
    assert 'stack installed' in out and "unknown measurement(s) ['nothing']" in out


@pytest.mark.parametrize('prebuilt', [False, True], ids=['no-wheel', 'wheel-loads'])
def test_a_failed_install_not_caused_by_the_mmcv_wheel_stops_the_suite(prebuilt, tmp_path):
    # with a wheel whose ops load, rebuilding mmcv would not help either
    proc, calls, wheels = _suite_with_fake_install(tmp_path, prebuilt=prebuilt, broken=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and calls == 1, out
    assert 'gpu_suite: stack install failed' in out and 'sdist' not in out


def test_device_stack_names_a_missing_python(tmp_path):
    wheels = tmp_path / 'wheels'
    wheels.mkdir()
    (wheels / 'install_on_device.sh').write_text('')
    (wheels / 'pycocotools-2.0.11-cp399-abi3-linux_x86_64.whl').write_bytes(b'')
    env = dict(os.environ, DEVICE_PYTHON='3.99', PATH='/usr/bin:/bin')
    proc = subprocess.run(['bash', 'benchmarks/device_stack.sh', str(wheels)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout.strip() == ('device_stack: no Python 3.99 here (put python3.99 on PATH '
                                   'or set DEVICE_PYTHON_BIN)')
    proc = subprocess.run(['bash', 'benchmarks/device_stack.sh', '--chek'], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout.strip()) == (2, 'device_stack: unknown option --chek')


def _fails_on_large_graphs(gm, example_inputs):
    """A backend that compiles the runner's tiny probe but not the depth model's graphs."""
    if len(gm.graph.nodes) > 60:
        raise RuntimeError('graph too large for this backend')
    return gm.forward


def _fails_always(gm, example_inputs):
    raise RuntimeError('no compiler')


@pytest.mark.parametrize('backend,status', [
    ('mmdp_test_fails_on_large_graphs', 'eager: compile failed'),
    ('mmdp_test_fails_always', 'eager: compile unavailable'),
    ('eager', 'compiled')])
def test_a_step_that_did_not_run_compiled_says_so(backend, status, tmp_path, monkeypatch):
    """A compiled variant whose compiler failed must not pass for a compiled figure."""
    import torch

    from mmdepthpretrain.compat import compiler

    for name, fn in [('mmdp_test_fails_on_large_graphs', _fails_on_large_graphs),
                     ('mmdp_test_fails_always', _fails_always)]:
        if name not in torch._dynamo.list_backends(exclude_tags=()):
            torch._dynamo.register_backend(fn, name=name)
    monkeypatch.setattr(compiler, '_PROBES', {})
    monkeypatch.setattr(compiler, '_WARNED', set())
    torch._dynamo.reset()
    path = tmp_path / 'step.json'
    train_throughput.main(['--device', 'cpu', '--height', '32', '--width', '64', '--batch',
                           '2', '--warmup', '1', '--iters', '1', '--repeats', '1',
                           '--compile', '--compile-backend', backend, '--json', str(path)])
    record = json.loads(path.read_text())
    assert record['compile_status'] == status
    assert record['compile_requested'] == {'backend': backend}
    row = gpu_suite.table([dict(name='step_r18_m_fp32_compiled', kind='step', status='ok',
                                record=record)])
    assert ('NOT COMPILED (' + status + ')' in row) == status.startswith('eager:')


def test_cuda_graph_skips_are_counted_per_measurement(tmp_path, monkeypatch):
    """inductor's counter is per process, and the suite runs every measurement in one."""
    from torch._dynamo.utils import counters

    monkeypatch.setitem(counters['inductor'], 'cudagraph_skips', 5)  # an earlier one's
    path = tmp_path / 'step.json'
    train_throughput.main(['--device', 'cpu', '--height', '32', '--width', '64', '--batch',
                           '2', '--warmup', '1', '--iters', '1', '--repeats', '1', '--json',
                           str(path)])
    assert json.loads(path.read_text())['cudagraph_skips'] == 0
