"""ResNet encoder giving five feature levels for dense depth prediction."""

from typing import Tuple

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader
from mmseg.models.backbones import ResNet
from mmseg.registry import MODELS
from torch import Tensor

__all__ = ['DepthResNet']


@MODELS.register_module()
class DepthResNet(ResNet):
    """mmseg ResNet returning the stem and all four stages (strides 2, 4, 8, 16, 32).

    The five levels are what a U-Net-like depth decoder with skip connections needs
    (Godard et al., ICCV 2019, Sec. 4): level 0 is the stem after its ReLU (before the max
    pool), levels 1-4 are ``layer1`` to ``layer4``. Parameter names are mmseg's, which equal
    torchvision's (``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer1.0.downsample.0`` ...), so
    torchvision or Monodepth2 ImageNet weights load by name.

    With ``num_input_images > 1`` the first convolution takes the channel-concatenated
    frames (e.g. 6 channels for a 2-frame pose encoder); pretrained ``conv1`` weights are
    repeated over the frames and divided by their number (Godard et al., ICCV 2019,
    supplementary Sec. B), so the response to identical frames equals the 1-frame one.

    Normalisation of the input is the data preprocessor's job, never the backbone's.

    Args:
        depth (int): ResNet depth (18, 34, 50, 101, 152).
        num_input_images (int): Frames concatenated along channels. Defaults to 1.
        zero_init_residual (bool): Zero-initialise the last norm of each block (mmseg's
            default is True; torchvision's and Monodepth2's random init is False).
            Defaults to False.
        **kwargs: Other arguments of :class:`mmseg.models.backbones.ResNet`
            (``norm_cfg``, ``frozen_stages``, ``norm_eval``, ``init_cfg`` ...).
            ``in_channels`` defaults to ``3 * num_input_images``; ``out_indices`` is fixed.
    """

    def __init__(
        self, depth: int, num_input_images: int = 1, zero_init_residual: bool = False, **kwargs
    ):
        if 'out_indices' in kwargs:
            raise ValueError(
                'DepthResNet always returns the stem and the four stages; '
                'remove out_indices from its config'
            )
        if num_input_images < 1:
            raise ValueError(f'num_input_images must be >= 1, got {num_input_images}')
        kwargs.setdefault('in_channels', 3 * num_input_images)
        super().__init__(depth=depth, zero_init_residual=zero_init_residual, **kwargs)
        self.num_input_images = num_input_images
        expansion = self.block.expansion
        self.out_channels = [self.stem_channels if not self.deep_stem else self.stem_channels] + [
            self.base_channels * 2**i * expansion for i in range(4)
        ]

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Encode an image (or channel-stacked frames).

        Args:
            x (Tensor): ``(B, 3 * num_input_images, H, W)``.

        Returns:
            tuple[Tensor]: five feature maps, strides 2, 4, 8, 16, 32.
        """
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        outs = [x]
        x = self.maxpool(x)
        for layer_name in self.res_layers:
            x = getattr(self, layer_name)(x)
            outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True) -> 'DepthResNet':
        """Set the training mode (keeping mmseg's frozen stages and norm_eval); returns self."""
        super().train(mode)
        return self

    def init_weights(self) -> None:
        """Initialise, expanding a pretrained 3-channel ``conv1`` to all input frames."""
        cfg = self.init_cfg
        if not (
            isinstance(cfg, dict)
            and cfg.get('type') == 'Pretrained'
            and self.conv1.in_channels != 3
            and not self.deep_stem
        ):
            super().init_weights()
            return
        ckpt = CheckpointLoader.load_checkpoint(cfg['checkpoint'], map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        prefix = cfg.get('prefix')
        if prefix:
            prefix = prefix if prefix.endswith('.') else prefix + '.'
            state = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        if 'conv1.weight' not in state:
            raise KeyError(
                f'DepthResNet: checkpoint {cfg["checkpoint"]} has no '
                "'conv1.weight'; give init_cfg.prefix if the encoder keys are "
                "nested (e.g. prefix='backbone')"
            )
        weight = state['conv1.weight']
        n = self.conv1.in_channels // weight.shape[1]
        state = dict(state)
        state['conv1.weight'] = torch.cat([weight] * n, dim=1) / n
        result = self.load_state_dict(state, strict=False)
        print_log(
            f'DepthResNet: loaded {cfg["checkpoint"]} with conv1 repeated over {n} '
            f'frames; missing keys: {result.missing_keys}, unexpected keys: '
            f'{result.unexpected_keys}',
            logger='current',
        )
        self._is_init = True
