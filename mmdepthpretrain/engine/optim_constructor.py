"""Optimizer construction that leaves frozen parameters out of the optimizer."""
from typing import List

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ['FrozenAwareOptimWrapperConstructor']


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class FrozenAwareOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, minus parameters with ``requires_grad=False``.

    mmengine's default puts every parameter into a param group, frozen or not; frozen ones
    then merely receive no gradient. For the frozen-encoder setup (paper Fig. 1 (d), Tab. 3)
    "frozen" must mean frozen: no gradient, not in the optimizer (so no weight decay or
    momentum can touch it), norm layers in eval mode (the backbone's ``frozen_stages``).
    Use it with ``optim_wrapper=dict(constructor='FrozenAwareOptimWrapperConstructor', ...)``;
    ``paramwise_cfg`` works as usual.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict = None):
        # An empty paramwise_cfg makes the parent pass ``model.parameters()`` wholesale;
        # a neutral one routes every parameter through ``add_params`` below.
        super().__init__(optim_wrapper_cfg, paramwise_cfg or dict(custom_keys={}))

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '',
                   is_dcn_module=None) -> None:
        super().add_params(params, module, prefix=prefix, is_dcn_module=is_dcn_module)
        if prefix == '':  # the outermost call: drop frozen parameters once, at the end
            params[:] = [g for g in params if g['params'][0].requires_grad]
