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
SUBSET = ['step_r18_m_bf16_cl_cudagraphs', 'finetune_ours', 'finetune_mmseg-same-net',
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


def test_measurements_that_do_not_fit_are_listed_as_skipped(tmp_path):
    results = gpu_suite.main(['--out', str(tmp_path), '--deadline', str(0)])
    assert [r['name'] for r in results] == [s[0] for s in gpu_suite.SUITE]
    assert all(r['status'].startswith('skipped') for r in results)
    table = (tmp_path / 'table.txt').read_text()
    assert table.count('skipped') == len(gpu_suite.SUITE)
    assert not list(tmp_path.glob('step_*.json'))  # nothing ran
