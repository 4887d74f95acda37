"""The documented one-liner adds FinetuneDiagnosticsHook to a tools/train.py run, and the
report compares runs: a frozen stage shows no gradient and no weight change."""
import json
import sys

from .test_train_tools import _run, _train

HOOK = ['default_hooks.diagnostics.type=FinetuneDiagnosticsHook',
        'default_hooks.diagnostics.interval=2']


def test_train_with_the_hook_and_compare_runs(tmp_path, tiny_seg_root):
    full, frozen = tmp_path / 'full', tmp_path / 'frozen'
    _train(full, tiny_seg_root, 'train_cfg.max_iters=3', *HOOK)
    _train(frozen, tiny_seg_root, 'train_cfg.max_iters=3', 'model.backbone.frozen_stages=2',
           *HOOK)
    a = json.loads((full / 'finetune_diagnostics.json').read_text())
    b = json.loads((frozen / 'finetune_diagnostics.json').read_text())
    assert [r['iter'] for r in a['records']] == [1, 2, 3] and len(a['losses']) == 3
    for name in ('backbone.stem', 'backbone.layer1', 'backbone.layer2'):
        assert a['records'][-1]['groups'][name]['grad_norm'] > 0
        assert a['records'][-1]['groups'][name]['rel_change'] > 0
        assert b['records'][-1]['groups'][name] == {
            'grad_norm': 0.0, 'rel_change': 0.0, 'trained': False}
    assert b['records'][-1]['groups']['backbone.layer3']['rel_change'] > 0
    assert b['records'][0]['classifier_input_channels'] == 16  # FCNHead's channels
    out = tmp_path / 'diag.md'
    proc = _run([sys.executable, 'tools/experiments/finetune_diagnostics.py',
                 f'full={full}', f'frozen={frozen}', '--out', str(out)])
    assert proc.stdout == out.read_text()
    assert '| frozen | backbone.layer1 | no | 0 | 0 | 0 |' in proc.stdout
    assert '| full | backbone.layer1 | yes |' in proc.stdout
    missing = _run([sys.executable, 'tools/experiments/finetune_diagnostics.py',
                    f'x={tmp_path}'], check=False)
    assert missing.returncode != 0 and 'finetune_diagnostics.json not found' in missing.stderr
