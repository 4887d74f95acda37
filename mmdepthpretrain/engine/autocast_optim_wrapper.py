"""Mixed precision without an accelerator: autocast on the CPU."""

from contextlib import contextmanager
from typing import Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPERS

__all__ = ['AutocastOptimWrapper']


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under ``torch.autocast``, without loss scaling.

    mmengine's ``AmpOptimWrapper`` refuses to run without a GPU (or NPU/MLU/MUSA); this
    wrapper gives ``tools/train.py --amp`` a CPU path: bfloat16 autocast, which needs no
    loss scaling because bfloat16 has float32's exponent range. The package's geometry
    and losses run in float32 inside autocast (``models.utils.full_precision``).

    Args:
        dtype (str | torch.dtype): Autocast dtype. Defaults to 'bfloat16'.
        device_type (str): Autocast device type. Defaults to 'cpu'.
        **kwargs: ``OptimWrapper`` arguments (``optimizer``, ``clip_grad``, ...).
    """

    def __init__(
        self, dtype: Union[str, torch.dtype] = 'bfloat16', device_type: str = 'cpu', **kwargs
    ):
        super().__init__(**kwargs)
        if isinstance(dtype, str):
            if not isinstance(getattr(torch, dtype, None), torch.dtype):
                raise ValueError(f'AutocastOptimWrapper: unknown dtype {dtype!r}')
            dtype = getattr(torch, dtype)
        self.cast_dtype = dtype
        self.device_type = device_type

    @contextmanager
    def optim_context(self, model: nn.Module):
        """The parent's context (gradient accumulation) with autocast around the forward."""
        with super().optim_context(model):
            with torch.autocast(device_type=self.device_type, dtype=self.cast_dtype):
                yield
