"""Grad-CAM of a shallow encoder layer of a segmentation checkpoint (paper Fig. 6).

The score is the sum over pixels of each pixel's predicted-label logit; the map shows
where the layer's features support the predicted segmentation.

Examples:
    python tools/misc/gradcam.py work_dirs/demo/cells/synthetic/depth-full/b16/seed0/train/\\
depthseg_r18-depth-full_1xb4-300_synthetic-320x96.py \\
        work_dirs/demo/cells/synthetic/depth-full/b16/seed0/train/iter_150.pth \\
        data/synthetic/data_semantics/training/image_2/000040_10.png --out gradcam.png
    python tools/misc/gradcam.py CONFIG CKPT IMAGE --out out.png --layer backbone.layer2
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

PROG = 'gradcam.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n')[0])
    parser.add_argument('config', help='segmentation config')
    parser.add_argument('checkpoint', help='segmentation checkpoint')
    parser.add_argument('image', help='input image')
    parser.add_argument('--out', required=True, help='output PNG (overlay)')
    parser.add_argument('--layer', default='backbone.layer1',
                        help='module whose activations are explained (default: backbone.layer1)')
    parser.add_argument('--alpha', type=float, default=0.5, help='heat-map opacity')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def run(config: str, checkpoint: str, image: str, out: str, layer: str = 'backbone.layer1',
        alpha: float = 0.5, device: str = 'cpu'):
    """Compute the Grad-CAM overlay and write it atomically; returns the (H, W) map."""
    import cv2
    import numpy as np
    from mmengine.dataset import Compose
    from mmengine.model.utils import revert_sync_batchnorm
    from mmseg.apis import init_model

    import mmdepthpretrain  # noqa: F401
    from mmdepthpretrain.experiments.gradcam import grad_cam, overlay_heatmap

    for path, what in ((config, 'config'), (checkpoint, 'checkpoint'), (image, 'image')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} not found: {path}')
    bgr = cv2.imread(image, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f'cannot read image {image} (not an image file?)')
    model = revert_sync_batchnorm(init_model(config, checkpoint, device=device))
    pipeline = [t for t in model.cfg.test_pipeline if t['type'] != 'LoadAnnotations']
    pipeline[0] = dict(type='LoadImageFromNDArray')
    data = Compose(pipeline)(dict(img=bgr))
    data = model.data_preprocessor(dict(inputs=[data['inputs']],
                                        data_samples=[data['data_samples']]), False)
    metas = [s.metainfo for s in data['data_samples']]
    cam, _ = grad_cam(model, data['inputs'], metas, layer)
    h, w = metas[0].get('img_shape', cam.shape[-2:])[:2]
    cam = cam[0, :h, :w]  # drop the preprocessor's padding
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    cam = cv2.resize(cam, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
    overlay = overlay_heatmap(rgb, cam, alpha)
    os.makedirs(osp.dirname(osp.abspath(out)) or '.', exist_ok=True)
    ok, buf = cv2.imencode('.png', cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError(f'cannot encode {out}')
    tmp = out + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(buf.tobytes())
    os.replace(tmp, out)
    return np.asarray(cam)


def main(argv=None):
    args = parse_args(argv)
    try:
        run(args.config, args.checkpoint, args.image, args.out, args.layer, args.alpha,
            args.device)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return 2
    print(f'{PROG}: wrote {args.out} (layer {args.layer})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
