"""Fake packed batches and tiny model configs for model tests."""

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

TINY_CHANNELS = [16, 16, 32, 64, 128]  # DepthResNet-18 with 16 base channels


def make_K(height, width, focal=None):
    K = np.eye(4, dtype=np.float32)
    K[0, 0] = K[1, 1] = focal or 0.6 * width
    K[0, 2], K[1, 2] = (width - 1) / 2, (height - 1) / 2
    return K


def make_batch(batch_size=2, frame_ids=(0, -1, 1), height=32, width=64, with_depth=True, seed=0):
    """A batch in the format of ``PackMultiFrameInputs`` + default collate."""
    g = torch.Generator().manual_seed(seed)
    stereo_T = np.eye(4, dtype=np.float32)
    stereo_T[0, 3] = -0.54
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(
            torch.randint(
                0, 256, (len(frame_ids), 3, height, width), generator=g, dtype=torch.uint8
            )
        )
        sample = SegDataSample(
            metainfo=dict(
                frame_ids=list(frame_ids),
                cam_K=make_K(height, width),
                stereo_T=stereo_T,
                img_shape=(height, width),
                ori_shape=(height, width),
                flip=False,
            )
        )
        if with_depth:
            depth = torch.rand(1, height, width, generator=g) * 30
            depth[depth < 5] = 0  # sparse: 0 = unknown
            sample.gt_depth_map = PixelData(data=depth)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def tiny_model_cfg(supervision='M', frame_ids=(0, -1, 1), pose='separate', **kwargs):
    """Config of a small SelfSupDepthEstimator (ResNet-18 with 16 base channels)."""
    resnet = dict(type='DepthResNet', depth=18, base_channels=16, stem_channels=16)
    cfg = dict(
        type='SelfSupDepthEstimator',
        supervision=supervision,
        frame_ids=list(frame_ids),
        backbone=resnet,
        decode_head=dict(type='DisparityHead', in_channels=TINY_CHANNELS),
        data_preprocessor=dict(type='MultiFrameDataPreProcessor', color_jitter=None),
    )
    if 'M' in supervision:
        cfg['pose_encoder'] = dict(resnet, num_input_images=2) if pose == 'separate' else None
        cfg['pose_decoder'] = dict(
            type='PoseDecoder',
            in_channels=TINY_CHANNELS[-1],
            num_input_features=1 if pose == 'separate' else 2,
            channels=32,
        )
    cfg.update(kwargs)
    return cfg
