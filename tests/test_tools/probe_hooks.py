"""Hooks that let tests look into a training process (test helpers, not part of the package).

Imported through a test config's ``custom_imports`` (``tests.test_tools.probe_hooks``).
"""
import os
import os.path as osp
import time

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class SlowSaveHook(Hook):
    """Make the checkpoint of iteration ``at`` slow to reach the disk: its temporary file is
    complete but ``fsync`` sleeps ``delay`` seconds before the rename. Prints ``SAVING``
    first, so a test can kill the process in the middle of the save.

    Args:
        at (int): The iteration whose checkpoint is slow. Defaults to 0 (none).
        delay (float): Seconds. Defaults to 120.
    """

    def __init__(self, at: int = 0, delay: float = 120.0):
        self.at, self.delay = at, delay

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        if runner.iter + 1 != self.at:
            return
        real = os.fsync

        def slow_fsync(fd):
            print(f'SAVING iteration {self.at}', flush=True)
            time.sleep(self.delay)
            real(fd)

        os.fsync = slow_fsync


@HOOKS.register_module()
class RankParamsHook(Hook):
    """Each rank writes its parameters and the images of each iteration to
    ``work_dir/rank<r>.pth`` at the end of training, and logs that it did.
    """

    def __init__(self):
        self.images = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        samples = (data_batch or {}).get('data_samples', [])
        self.images.append([osp.basename(s.img_path) for s in samples])

    def after_train(self, runner) -> None:
        from mmengine.dist import get_rank
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        params = {k: v.detach().cpu().clone() for k, v in model.named_parameters()}
        rank = get_rank()
        torch.save(dict(params=params, images=self.images),
                   osp.join(runner.work_dir, f'rank{rank}.pth'))
        runner.logger.info(f'rank {rank}: trained {len(self.images)} iterations, saved '
                           f'{len(params)} parameters')
