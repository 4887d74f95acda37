"""A hook that stops training after a given iteration, as a crash would (test helper).

Imported through a test config's ``custom_imports``; it is not part of the package.
"""
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


class TrainingInterrupted(SystemExit):
    """Raised to end the process after the checkpoint of the stop iteration is written."""


@HOOKS.register_module()
class InterruptTrainingHook(Hook):
    """Exit with status 3 after iteration ``stop_at`` (1-based); 0 never stops.

    Its LOWEST priority runs it after the CheckpointHook of the same iteration.

    Args:
        stop_at (int): The last iteration to run. Defaults to 0.
    """

    priority = 'LOWEST'

    def __init__(self, stop_at: int = 0):
        self.stop_at = stop_at

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self.stop_at and runner.iter + 1 == self.stop_at:
            raise TrainingInterrupted(3)
