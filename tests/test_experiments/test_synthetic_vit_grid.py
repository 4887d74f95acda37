"""The synthetic ViT-S grid (configs/experiments/synthetic_vit.yaml) end to end: a random
Depth Anything v2 ViT-S file in the release layout, its conversion by vit_to_mmdp
(seg-full and backbone), fine-tuning of the whole DPT network, a linear probe on the frozen
encoder and random initialisation, tests, table.

The committed spec at its own size (a 20-image world, 6 iterations) takes about 6 minutes
here; this test runs its Depth Anything cells on the session's tiny world with 4 labelled
images and 2 iterations per cell (about 2-3 minutes on a quiet 2-core CPU).
"""
import csv
import json
import os.path as osp

import pytest
import torch

from .subprocess_group import run_tool

pytestmark = pytest.mark.heavy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPEC = 'configs/experiments/synthetic_vit.yaml'
# the spec's Depth Anything cells only (its random-init cell runs as every other grid's do)
DA = ('{pretrain: da_v2_s, setups: ['
      '{name: full, config: configs/synthetic/dpt_vit-s-da-full_1xb4-300_synthetic-320x96.py}, '
      '{name: linear, config: configs/synthetic/linear_vit-s-da_1xb4-300_synthetic-320x96.py}]}')


def _grid(work, data, timeout=1200):
    return run_tool(['tools/experiments/run_grid.py', SPEC, '--work-dir', str(work),
                     '--set', f'datasets.synthetic.data_root={data}',
                     'datasets.synthetic.generate=null', 'finetune.budgets=[4]',
                     'finetune.iters=2', 'finetune.val_interval=2',
                     'report.qualitative_images=0', f'finetune.inits={{da: {DA}}}'],
                    timeout, 'grid')


def _state(path):
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    return ckpt.get('state_dict', ckpt)


def test_synthetic_vit_grid_end_to_end(synthetic_kitti, tmp_path):
    work = tmp_path / 'grid'
    out = _grid(work, synthetic_kitti)
    assert '[synthetic-vit 1/7] make da_v2_s ... done in' in out
    commands = (work / 'commands.log').read_text()
    assert 'tools/misc/make_random_vit_checkpoint.py --arch vits --seed 0 --out' in commands
    for mode in ('seg-full', 'backbone'):
        assert 'tools/model_converters/vit_to_mmdp.py' in commands and \
            f'--mode {mode} --overwrite' in commands
    assert commands.count('tools/train.py') == 2 and commands.count('tools/test.py') == 2
    with open(work / 'results.csv') as f:
        rows = list(csv.DictReader(f))
    assert [(r['init'], r['setup']) for r in rows] == [('da', 'full'), ('da', 'linear')]
    for row in rows:
        assert row['status'] == 'ok' and row['seeds'] == '1' and row['budget'] == '4'
        for key in ('mIoU7_dataset_mean', 'mIoU7_per_image_mean', 'aAcc_mean'):
            assert 0.0 <= float(row[key]) <= 100.0
    # what the stand-in is: the release layout, converted as the real file would be
    pre = work / 'pretrain' / 'synthetic'
    source = _state(pre / 'da_v2_s' / 'da_v2_s.pth')
    assert 'pretrained.blocks.11.ls2.gamma' in source and \
        'depth_head.scratch.output_conv2.2.weight' in source
    full, backbone = _state(pre / 'da_v2_s_seg-full.pth'), _state(pre / 'da_v2_s_backbone.pth')
    assert any(k.startswith('decode_head.decoder.') for k in full)
    assert all(k.startswith('backbone.') for k in backbone)
    torch.testing.assert_close(backbone['backbone.blocks.0.attn.qkv.weight'],
                               source['pretrained.blocks.0.attn.qkv.weight'])
    # frozen means frozen: the linear probe's trained backbone is the converted one, bit for bit
    cell = work / 'cells' / 'synthetic' / 'da-linear' / 'b4' / 'seed0'
    trained = _state(json.loads((cell / 'train.done.json').read_text())['checkpoint'])
    for key, value in backbone.items():
        assert torch.equal(trained[key], value), key
    # ... while the whole-network cell started from the converted decoder and trained it
    cell = work / 'cells' / 'synthetic' / 'da-full' / 'b4' / 'seed0'
    trained = _state(json.loads((cell / 'train.done.json').read_text())['checkpoint'])
    key = 'decode_head.decoder.output_conv2.weight'
    assert not torch.equal(trained[key], full[key])
    assert (trained[key] - full[key]).abs().max() < 0.05  # a few small steps from it
