"""Full precision for geometry and losses inside mixed-precision training."""

import functools

import torch

__all__ = ['full_precision']

_AUTOCAST_DEVICES = ('cpu', 'cuda')
_LOW_PRECISION = (torch.float16, torch.bfloat16)


def _to_float32(x):
    return x.float() if isinstance(x, torch.Tensor) and x.dtype in _LOW_PRECISION else x


def full_precision(fn):
    """Run ``fn`` in float32 with autocast off, whatever the caller's precision.

    Under ``torch.autocast`` matrix products run in bfloat16/float16, whose 8/11-bit
    mantissas round the pixel coordinates of a 640-pixel-wide image to multiples of 4 (bf16)
    or 0.5 (fp16) pixels, and SSIM's ``E[x^2] - E[x]^2`` cancels catastrophically. Camera
    geometry, warping and the losses therefore take their half-precision tensor arguments
    as float32 (float32 and float64 stay as they are) and run without autocast; the
    networks keep the mixed precision. A no-op for full-precision inputs outside autocast.

    Args:
        fn (callable): Function of tensors (positional or keyword arguments).

    Returns:
        callable: The wrapped function.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args = [_to_float32(a) for a in args]
        kwargs = {k: _to_float32(v) for k, v in kwargs.items()}
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)]
        device = tensors[0].device.type if tensors else 'cpu'
        if device not in _AUTOCAST_DEVICES or not torch.is_autocast_enabled(device):
            return fn(*args, **kwargs)
        with torch.autocast(device_type=device, enabled=False):
            return fn(*args, **kwargs)

    return wrapper
