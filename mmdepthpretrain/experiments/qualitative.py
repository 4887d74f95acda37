"""Qualitative figure of a grid: input, ground truth, prediction per initialisation.

Like the paper's Fig. 13: a few test images as rows; columns are the input, the ground
truth and the prediction of each initialisation's final checkpoint, coloured with the
dataset's palette (Cityscapes for KITTI semantics; ignored pixels black).
"""
from __future__ import annotations

import glob
import os
import os.path as osp
from collections import OrderedDict
from typing import List, Optional

import numpy as np

from ..visualization import colorize_labels

__all__ = ['dumped_config', 'qualitative_figure']


def dumped_config(train_dir: str) -> Optional[str]:
    """The config mmengine dumped into a work dir (with every --cfg-options applied)."""
    found = sorted(p for p in glob.glob(osp.join(train_dir, '*.py')))
    return found[0] if found else None


def qualitative_figure(records: List[dict], out_file: str, num_images: int = 3,
                       device: str = 'cpu') -> Optional[str]:
    """Write the qualitative figure for the first dataset x budget of ``records``.

    Args:
        records (list): From :func:`mmdepthpretrain.experiments.report.collect_results`;
            the finished cell with the lowest seed of every init x setup is shown.
        out_file (str): PNG path (written atomically).
        num_images (int): Test images (rows), evenly spaced over the test split.
            Defaults to 3.
        device (str): Inference device. Defaults to 'cpu'.

    Returns:
        str or None: The path, or None when no cell finished.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import mmcv
    from mmengine.config import Config
    from mmengine.model.utils import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmseg.apis import inference_model, init_model
    from mmseg.registry import DATASETS

    import mmdepthpretrain  # noqa: F401  (registers the plugin)

    done = [r for r in records if r['status'] == 'done' and r.get('checkpoint')]
    if not done:
        return None
    first = (done[0]['dataset'], done[0]['budget'])
    models = OrderedDict()
    for rec in sorted(done, key=lambda r: r['seed']):
        if (rec['dataset'], rec['budget']) != first:
            continue
        name = f'{rec["init"]}-{rec["setup"]}'
        cfg_file = dumped_config(osp.join(rec['work_dir'], 'train'))
        if name not in models and cfg_file and osp.isfile(rec['checkpoint']):
            models[name] = (cfg_file, rec['checkpoint'], rec['seed'])
    if not models:
        return None

    init_default_scope('mmseg')
    cfg = Config.fromfile(next(iter(models.values()))[0])
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    palette = dataset.metainfo['palette']
    n = len(dataset)
    picks = sorted({int(round(i)) for i in np.linspace(0, n - 1, min(num_images, n))})
    items = [dataset.get_data_info(i) for i in picks]

    preds = OrderedDict()
    for name, (cfg_file, ckpt, _) in models.items():
        model = revert_sync_batchnorm(init_model(cfg_file, ckpt, device=device))
        preds[name] = [inference_model(model, it['img_path']).pred_sem_seg.data[0].cpu().numpy()
                       for it in items]
        del model

    ncols = 2 + len(preds)
    fig, axes = plt.subplots(len(items), ncols, figsize=(2.6 * ncols, 1.1 * len(items) + 0.6),
                             squeeze=False)
    for r, it in enumerate(items):
        img = mmcv.imread(it['img_path'], channel_order='rgb')
        gt = mmcv.imread(it['seg_map_path'], flag='unchanged')
        label_map = it.get('label_map')
        if label_map:
            lut = np.full(256, 255, np.uint8)
            for src, dst in label_map.items():
                lut[src] = dst
            gt = lut[gt]
        panels = [('input', img), ('ground truth', colorize_labels(gt, palette))]
        panels += [(f'{name} (seed {models[name][2]})', colorize_labels(p[r], palette))
                   for name, p in preds.items()]
        for c, (title, im) in enumerate(panels):
            ax = axes[r][c]
            ax.imshow(im)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title, fontsize=8)
        axes[r][0].set_ylabel(osp.basename(it['img_path']), fontsize=7)
    fig.tight_layout()
    tmp = out_file[:-4] + '.tmp.png'
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, out_file)
    return out_file
