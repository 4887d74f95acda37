"""Monodepth2, DepthToSemantic and torchvision sources: converted weights compute the same."""
import os
import os.path as osp

import pytest
import torch
import torchvision

from mmdepthpretrain.converters import (
    MONODEPTH2_NORMALISATION,
    ConversionError,
    depth_to_semantic_to_ours,
    find_depth_to_semantic_files,
    load_converted,
    load_source,
    monodepth2_to_ours,
    pretrain_to_seg,
    torchvision_resnet_to_encoder,
)
from mmdepthpretrain.models import DepthResNet, DisparityHead, PoseDecoder

from .cli_utils import run_main
from .reference_nets import RefDepthDecoder, RefEncoder, RefPoseDecoder, randomize_

ATOL = 1e-5


def sub(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def ours_input(x):
    """Our preprocessor's normalisation of a [0, 1] image with the Monodepth2 constants."""
    mean = torch.tensor(MONODEPTH2_NORMALISATION['mean']).view(1, -1, 1, 1)
    std = torch.tensor(MONODEPTH2_NORMALISATION['std']).view(1, -1, 1, 1)
    return (x * 255 - mean.repeat(1, x.shape[1] // 3, 1, 1)) / std.repeat(
        1, x.shape[1] // 3, 1, 1)


def assert_close(x, y):
    """Equal up to 1e-5 of the tensor's scale (1e-5 absolute for values within [-1, 1])."""
    assert x.shape == y.shape
    assert x.std() > 1e-4  # not a degenerate constant output
    torch.testing.assert_close(x, y, atol=ATOL * max(1.0, float(y.abs().max())), rtol=0)


def assert_close_list(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert_close(x, y)


@pytest.fixture(scope='module')
def images():
    g = torch.Generator().manual_seed(1)
    return torch.rand(2, 3, 64, 64, generator=g), torch.rand(2, 3, 64, 64, generator=g)


def calibration(channels=3, seed=100):
    return torch.rand(4, channels, 64, 64, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope='module')
def monodepth2_folder(tmp_path_factory):
    """A Monodepth2-style weights folder with random weights, and its reference networks."""
    folder = tmp_path_factory.mktemp('mono_640x192')
    enc = randomize_(RefEncoder(18), 1, calibration())
    dec = randomize_(RefDepthDecoder(enc.channels), 2)
    pose_enc = randomize_(RefEncoder(18, num_input_images=2), 3, calibration(6))
    pose_dec = randomize_(RefPoseDecoder(512, num_input_features=1, num_frames=2), 4)
    torch.save(dict(enc.state_dict(), height=192, width=640, use_stereo=False),
               folder / 'encoder.pth')
    torch.save(dec.state_dict(), folder / 'depth.pth')
    torch.save(pose_enc.state_dict(), folder / 'pose_encoder.pth')
    torch.save(pose_dec.state_dict(), folder / 'pose.pth')
    return str(folder), (enc, dec, pose_enc, pose_dec)


MONO_CONFIG = """
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
model = dict(
    type='SelfSupDepthEstimator', supervision='M', frame_ids=[0, -1, 1],
    backbone=dict(type='DepthResNet', depth=18),
    decode_head=dict(type='DisparityHead'),
    pose_encoder=dict(type='DepthResNet', depth=18, num_input_images=2),
    pose_decoder=dict(type='PoseDecoder', in_channels=512))
"""


def test_monodepth2_folder_depth_and_pose_match(monodepth2_folder, images, tmp_path, capsys):
    folder, (enc, dec, pose_enc, pose_dec) = monodepth2_folder
    cfg = tmp_path / 'mono_cfg.py'
    cfg.write_text(MONO_CONFIG)
    dst = tmp_path / 'out' / 'monodepth2.pth'
    assert run_main('monodepth2_to_mmdp', [folder, str(dst), '--config', str(cfg)]) == 0
    printed = capsys.readouterr().out
    assert 'height: 192' in printed and 'width: 640' in printed
    assert 'use_stereo: False' in printed
    assert '114.75' in printed and '57.375' in printed
    assert 'fresh (target model keys not in the checkpoint' in printed
    assert 'encoder.pth:encoder.fc.* (2 keys)' in printed  # dropped, with its reason
    assert 'ImageNet classifier' in printed
    # plain tensors and primitives only: loads without any allow-list
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    assert ckpt['meta']['converter'] == 'monodepth2' and ckpt['meta']['mode'] == 'depth'
    state = ckpt['state_dict']
    assert state['pose_decoder.pose_convs.4.weight'].shape[0] == 6

    from mmdepthpretrain.converters.cli import build_model_from_config
    model = build_model_from_config(str(cfg)).eval()
    model.load_state_dict(state, strict=True)  # every key, nothing missing or extra

    x, y = images
    with torch.no_grad():
        assert_close_list(model.predict_disparities(ours_input(x)), dec(enc(x)))
        pair = torch.cat([x, y], dim=1)
        aa, tr = model.pose_decoder([model.pose_encoder(ours_input(pair))[-1]])
        ref_aa, ref_tr = pose_dec([pose_enc(pair)[-1]])
    assert_close_list([100 * aa[:, 0], 100 * tr[:, 0]],
                      [100 * ref_aa[:, 0, 0], 100 * ref_tr[:, 0, 0]])


def test_monodepth2_seg_modes(monodepth2_folder, images, tmp_path, capsys):
    folder, (enc, dec, _, _) = monodepth2_folder
    full = tmp_path / 'seg_full.safetensors'
    assert run_main('monodepth2_to_mmdp', [folder, str(full), '--mode', 'seg-full']) == 0
    printed = capsys.readouterr().out
    # dropped output layer reported under its Monodepth2 name, with the reason
    assert '[output layer of the pre-training task' in printed
    assert 'depth.pth:decoder.13.* (2 keys)' in printed
    assert printed.count('NOTE:') == 1 and '114.75' in printed
    out = load_converted(str(full))
    assert out['meta']['mode'] == 'seg-full'
    state = out['state_dict']
    assert {k.split('.')[0] for k in state} == {'backbone', 'decode_head'}
    assert not [k for k in state if k.startswith('decode_head.')
                and not k.startswith('decode_head.convs.')]
    assert len([k for k in state if k.startswith('decode_head.convs.')]) == 20  # 10 convs

    backbone, head = DepthResNet(18).eval(), DisparityHead().eval()
    backbone.load_state_dict(sub(state, 'backbone.'))
    missing = head.load_state_dict(sub(state, 'decode_head.'), strict=False).missing_keys
    assert sorted({k.split('.')[0] for k in missing}) == ['disp_convs']  # classifier only
    x = images[0]
    with torch.no_grad():
        ours = head.decode(backbone(ours_input(x)))
        feats = enc(x)
        # reference decoder features of level 0 = the input of its scale-0 output conv
        ref0 = []
        dec.decoder[dec.index[('out', 0)]].register_forward_hook(
            lambda m, i, o: ref0.append(i[0]))
        dec(feats)
    assert_close(ours[0], ref0[0])

    enc_only = tmp_path / 'seg_encoder.pth'
    assert run_main('monodepth2_to_mmdp', [folder, str(enc_only), '--mode', 'seg-encoder']) == 0
    keys = load_converted(str(enc_only))['state_dict'].keys()
    assert keys and all(k.startswith('backbone.') for k in keys)
    assert 'backbone.fc.weight' not in keys


def test_monodepth2_decoder_of_another_encoder_is_refused(tmp_path):
    enc = RefEncoder(18)
    dec50 = RefDepthDecoder([64, 256, 512, 1024, 2048])
    with pytest.raises(ConversionError) as err:
        monodepth2_to_ours(enc.state_dict(), dec50.state_dict())
    msg = str(err.value)
    assert 'decode_head.convs.4.conv1.weight takes 2048 channels' in msg
    assert 'decode_head.convs.4.conv2.weight takes 1280 channels' in msg
    assert 'decode_head.convs.1.conv2' not in msg  # level 0 (64 channels) fits both


def _save_d2s(folder, step, enc, dec, pose, flow=False):
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-4)
    torch.save({'train_step': step, 'optimizer_state_dict': opt.state_dict(),
                'model_state_dict': enc.state_dict()}, osp.join(folder, f'encoder-{step}.pth'))
    name = 'decoder_flow' if flow else 'decoder_depth'
    torch.save({'train_step': step, 'model_state_dict': dec.state_dict()},
               osp.join(folder, f'{name}-{step}.pth'))
    if pose is not None:
        torch.save({'train_step': step, 'model_state_dict': pose.state_dict()},
                   osp.join(folder, f'decoder_pose-{step}.pth'))


def test_depth_to_semantic_files_match(images, tmp_path):
    folder = str(tmp_path / 'd2s')
    os.makedirs(folder)
    nets = {}
    for step, seed in ((1000, 10), (2000, 20)):
        enc = randomize_(RefEncoder(18), seed, calibration(seed=seed))
        dec = randomize_(RefDepthDecoder(enc.channels), seed + 1)
        pose = randomize_(RefPoseDecoder(512, num_input_features=2, num_frames=2), seed + 2)
        _save_d2s(folder, step, enc, dec, pose)
        nets[step] = enc, dec, pose

    step, files = find_depth_to_semantic_files(folder)
    assert step == 2000 and set(files) == {'encoder', 'decoder_depth', 'decoder_pose'}
    assert find_depth_to_semantic_files(folder, 1000)[0] == 1000
    with pytest.raises(FileNotFoundError, match=r'steps present: \[1000, 2000\]'):
        find_depth_to_semantic_files(folder, 5)

    loaded = {r: load_source(p) for r, p in files.items()}  # weights_only, optimizer inside
    state, report = depth_to_semantic_to_ours(
        loaded['encoder'], loaded['decoder_depth'], loaded['decoder_pose'])
    assert report.info['train_step'] == 2000
    assert 'num_input_features=2' in report.info['pose']

    backbone, head = DepthResNet(18).eval(), DisparityHead().eval()
    pose_dec = PoseDecoder(512, num_input_features=2).eval()
    backbone.load_state_dict(sub(state, 'backbone.'))
    head.load_state_dict(sub(state, 'decode_head.'))
    pose_dec.load_state_dict(sub(state, 'pose_decoder.'))
    enc, dec, pose = nets[2000]
    x, y = images
    with torch.no_grad():
        assert_close_list(head(backbone(ours_input(x))), dec(enc(x)))
        aa, tr = pose_dec([backbone(ours_input(x))[-1], backbone(ours_input(y))[-1]])
        ref_aa, ref_tr = pose([enc(x)[-1], enc(y)[-1]])
    assert_close_list([100 * aa[:, 0], 100 * tr[:, 0]],
                      [100 * ref_aa[:, 0, 0], 100 * ref_tr[:, 0, 0]])

    # the CLI with --step picks the older files
    dst = tmp_path / 'd2s_1000_seg.pth'
    assert run_main('depth_to_semantic_to_mmdp',
                    [folder, str(dst), '--step', '1000', '--mode', 'seg-full']) == 0
    out = load_converted(str(dst))['state_dict']
    torch.testing.assert_close(out['backbone.conv1.weight'],
                               nets[1000][0].encoder.conv1.weight)
    assert not any(k.startswith('pose_decoder.') for k in out)


def test_depth_to_semantic_flow_transfers_encoder_only(tmp_path):
    folder = str(tmp_path / 'flow')
    os.makedirs(folder)
    enc = randomize_(RefEncoder(18), 5)
    _save_d2s(folder, 10, enc, RefDepthDecoder(enc.channels, out_channels=2,
                                               feature_multiplier=2), None, flow=True)
    _, files = find_depth_to_semantic_files(folder)
    state, report = depth_to_semantic_to_ours(load_source(files['encoder']),
                                              decoder_flow=load_source(files['decoder_flow']))
    assert report.mode == 'flow'
    assert state['decode_head.flow_convs.0.weight'].shape[0] == 2
    with pytest.raises(ConversionError, match='use mode encoder'):
        pretrain_to_seg(state, 'full')
    seg, seg_report = pretrain_to_seg(state, 'encoder')
    assert seg and all(k.startswith('backbone.') for k in seg)
    assert 'decode_head.flow_convs.0.weight' in seg_report.dropped
    assert run_main('depth_to_semantic_to_mmdp',
                    [folder, str(tmp_path / 'x.pth'), '--mode', 'seg-full']) == 2


def test_torchvision_resnet_features_match(images):
    tv = randomize_(torchvision.models.resnet18(), 7, calibration())
    state, report = torchvision_resnet_to_encoder(tv.state_dict())
    assert 'fc.weight' in report.dropped and 'fc.bias' in report.dropped
    assert all(k.startswith('backbone.') for k in state)
    ours = DepthResNet(18).eval()
    ours.load_state_dict(sub(state, 'backbone.'), strict=True)
    x = images[0]
    with torch.no_grad():
        ref = [tv.relu(tv.bn1(tv.conv1(x)))]
        h = tv.maxpool(ref[0])
        for layer in (tv.layer1, tv.layer2, tv.layer3, tv.layer4):
            h = layer(h)
            ref.append(h)
        assert_close_list(list(ours(x)), ref)

        # pose encoder: conv1 repeated / 2, identical frames give the 1-frame features
        state2, _ = torchvision_resnet_to_encoder(tv.state_dict(), num_input_images=2)
        pose = DepthResNet(18, num_input_images=2).eval()
        pose.load_state_dict(sub(state2, 'backbone.'), strict=True)
        assert_close_list(list(pose(torch.cat([x, x], dim=1))), ref)
