"""``tools/model_converters/vit_to_mmdp.py``: Hugging Face folders, reports, bad input."""
import json

import pytest
import torch

from mmdepthpretrain.converters import ConversionError, load_converted, vit_to_mmdp

from .cli_utils import run_main

TOOL = 'vit_to_mmdp'


def ref():
    """The Hugging Face reference helpers (skips the test without transformers)."""
    pytest.importorskip('transformers')
    from . import test_vit_hf_reference
    return test_vit_hf_reference


def _config(tmp_path, report, name='cfg.py', **arch):
    backbone = dict(report.info['backbone config'])
    backbone['arch'] = dict(backbone['arch'], **arch)
    model = dict(type='DepthEstimator', backbone=backbone, decode_head=report.info['head config'])
    path = tmp_path / name
    path.write_text("custom_imports = dict(imports=['mmdepthpretrain'], "
                    f'allow_failed_imports=False)\nmodel = {model!r}\n')
    return str(path)


@pytest.fixture(scope='module')
def hf_da():
    return ref().hf_depth_anything()


@pytest.mark.parametrize('layout', ['safetensors', 'sharded', 'bin'])
def test_hf_folder_converts_and_reports(hf_da, tmp_path, capsys, layout):
    folder = tmp_path / 'depth-anything-tiny-hf'
    if layout == 'bin':
        folder.mkdir()
        torch.save(hf_da.state_dict(), folder / 'pytorch_model.bin')
        (folder / 'config.json').write_text(json.dumps(hf_da.config.to_dict()))
    else:
        hf_da.save_pretrained(folder, max_shard_size='20KB' if layout == 'sharded' else '5GB')
    if layout == 'sharded':
        assert (folder / 'model.safetensors.index.json').is_file()
    expected, report = vit_to_mmdp(hf_da.state_dict(), hf_config=hf_da.config.to_dict())
    dst = tmp_path / 'da.pth'
    argv = [str(folder), str(dst), '--config', _config(tmp_path, report)]
    assert run_main(TOOL, argv) == 0
    printed = capsys.readouterr().out
    assert 'format: hf_depth_anything' in printed and "'pos_interp': 'hf'" in printed
    assert 'residual unit of the deepest fusion block' in printed  # dropped, with reason
    assert 'fresh (target model keys not in the checkpoint' in printed and ': 0 keys' in printed
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)  # plain tensors and values
    assert ckpt['meta']['converter'] == 'vit_to_mmdp' and ckpt['meta']['mode'] == 'depth'
    assert sorted(ckpt['state_dict']) == sorted(expected)
    for k, v in expected.items():
        assert torch.equal(ckpt['state_dict'][k], v), k


def test_original_file_to_safetensors_and_backbone_mode(hf_da, tmp_path, capsys):
    src = tmp_path / 'depth_anything_v2_vits.pth'
    torch.save(ref().depth_anything_original(hf_da.state_dict(), 4), src)
    dst = tmp_path / 'da_backbone.safetensors'
    assert run_main(TOOL, [str(src), str(dst), '--mode', 'backbone']) == 0
    printed = capsys.readouterr().out
    assert 'depth head, not transferred in backbone mode' in printed
    state = load_converted(str(dst))['state_dict']
    assert state and all(k.startswith('backbone.') for k in state)


def test_wrong_size_names_both_shapes(hf_da, tmp_path, capsys):
    src = tmp_path / 'da.pth'
    torch.save(ref().depth_anything_original(hf_da.state_dict(), 4), src)
    _, report = vit_to_mmdp(hf_da.state_dict(), hf_config=hf_da.config.to_dict())
    big = _config(tmp_path, report, 'big.py', embed_dims=32, num_heads=2)
    assert run_main(TOOL, [str(src), str(tmp_path / 'x.pth'), '--config', big]) == 2
    err = capsys.readouterr().err
    assert 'backbone.cls_token: checkpoint shape [1, 1, 16] vs model shape [1, 1, 32]' in err
    assert not (tmp_path / 'x.pth').exists()


def test_unknown_layout_lists_keys_and_formats(tmp_path, capsys):
    src = tmp_path / 'weird.pth'
    torch.save({'encoder.conv.weight': torch.zeros(2, 3, 1, 1), 'fc.bias': torch.zeros(2)}, src)
    assert run_main(TOOL, [str(src), str(tmp_path / 'out.pth')]) == 2
    err = capsys.readouterr().err
    assert 'unknown key layout' in err and 'encoder.conv.weight [2, 3, 1, 1], fc.bias [2]' in err
    for fmt in ('depth_anything', 'dinov2', 'dinov3', 'midas_dpt', 'hf_depth_anything',
                'hf_dinov2', 'hf_dinov3', 'hf_dpt', 'Depth Anything 3 is not supported'):
        assert fmt in err


def test_inputs_are_never_overwritten_and_modes_checked(hf_da, tmp_path, capsys):
    folder = tmp_path / 'hf'
    hf_da.save_pretrained(folder)
    weights = folder / 'model.safetensors'
    before = weights.read_bytes()
    assert run_main(TOOL, [str(folder), str(weights), '--overwrite']) == 2
    assert 'is an input file' in capsys.readouterr().err and weights.read_bytes() == before
    dst = tmp_path / 'exists.pth'
    dst.write_text('keep')
    assert run_main(TOOL, [str(folder), str(dst)]) == 2
    assert 'pass --overwrite' in capsys.readouterr().err and dst.read_text() == 'keep'
    hub = tmp_path / 'dinov2.pth'
    torch.save({'cls_token': torch.zeros(1, 1, 4), 'pos_embed': torch.zeros(1, 5, 4),
                'blocks.0.norm1.weight': torch.zeros(4)}, hub)
    assert run_main(TOOL, [str(hub), str(tmp_path / 'd.pth'), '--mode', 'depth']) == 2
    assert 'has no depth head; use --mode backbone' in capsys.readouterr().err


def test_unsupported_variants_fail_loudly(hf_da):
    state = dict(ref().depth_anything_original(hf_da.state_dict(), 4))
    state['depth_head.scratch.refinenet1.resConfUnit1.bn1.weight'] = torch.ones(8)
    with pytest.raises(ConversionError, match='batch norm'):
        vit_to_mmdp(state)
    state = dict(ref().depth_anything_original(hf_da.state_dict(), 4))
    state['pretrained.blocks.0.attn.q_norm.weight'] = torch.ones(8)  # e.g. a QK-norm variant
    with pytest.raises(ConversionError, match='unsupported variant') as exc:
        vit_to_mmdp(state)
    assert 'pretrained.blocks.0.attn.q_norm.weight [8]' in str(exc.value)
    with pytest.raises(ConversionError, match='do not look like a dinov3 file'):
        vit_to_mmdp(ref().hf_dinov2().state_dict(), fmt='dinov3')
