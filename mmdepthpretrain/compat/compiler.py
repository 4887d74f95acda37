"""``torch.compile`` of the training step (mmengine's ``compile`` key) with eager fallback.

mmengine's Runner reads ``cfg.compile`` (``True`` or a dict of ``torch.compile`` arguments,
e.g. ``dict(mode='reduce-overhead')``) and replaces ``model.train_step`` by its compiled
version. ``torch.compile`` is lazy, so a torch without a working compiler (no C++
compiler for inductor on the CPU, no Triton on the GPU, an unknown backend) fails only at
the first training step, with a long traceback. Here:

* :func:`resolve_compile` compiles and runs a tiny forward and backward with the requested
  options first; when that fails, the run goes on eagerly with one warning naming the
  reason (``cfg.compile`` is set to False, so any Runner type skips it);
* :func:`compile_step` is the compiled step our runner installs: a compiler error at any
  call also falls back to the eager step for good, with one warning; in CUDA-graph modes
  (``mode='reduce-overhead'``) each call starts a new CUDA-graph step, and graphs that
  inductor could not capture (dynamic shapes, CPU tensors, ...) are named in one warning
  with inductor's reason (they run compiled without a CUDA graph).
"""
from __future__ import annotations

import functools
import logging
from typing import Callable, Optional

import torch
from mmengine.logging import print_log

__all__ = ['compile_options', 'compiler_problem', 'resolve_compile', 'compile_step',
           'uses_cuda_graphs']

_PROBES: dict = {}
_WARNED: set = set()


def compile_options(value) -> Optional[dict]:
    """mmengine's ``cfg.compile`` as ``torch.compile`` keyword arguments.

    Args:
        value: None or False (off), True (defaults) or a dict of arguments.

    Returns:
        dict | None: The arguments, or None when compilation is off.
    """
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if isinstance(value, dict):
        return dict(value)
    raise TypeError(f'compile must be a bool or a dict of torch.compile arguments, got {value!r}')


def uses_cuda_graphs(options: dict) -> bool:
    """Whether ``torch.compile(**options)`` records CUDA graphs (inductor's cudagraph trees)."""
    extra = options.get('options') or {}
    return options.get('mode') in ('reduce-overhead', 'max-autotune') or bool(
        extra.get('triton.cudagraphs'))


def _probe(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return (torch.nn.functional.conv2d(x, w, padding=1).relu() * 0.5).sum()


def _reason(exc: BaseException) -> str:
    """One line: the exception type and first message line (the backend's own error for
    dynamo's ``BackendCompilerFailed``)."""
    inner = getattr(exc, 'inner_exception', None)
    prefix = ''
    if inner is not None:
        prefix = f"backend {getattr(exc, 'backend_name', '?')!r} failed: "
        exc = inner
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f'{prefix}{type(exc).__name__}: {lines[0] if lines else ""}'[:300]


def compiler_problem(options: dict, device: Optional[str] = None) -> Optional[str]:
    """Why ``torch.compile(**options)`` cannot compile a small training step here.

    Compiles a 3x3 convolution with a backward pass on ``device`` (cached per options and
    device; a no-op when it worked before).

    Args:
        options (dict): ``torch.compile`` arguments.
        device (str, optional): Device of the probe. Defaults to CUDA when available.

    Returns:
        str | None: The reason in one line, or None when compilation works.
    """
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    key = (repr(sorted(options.items(), key=lambda kv: kv[0])), device)
    if key not in _PROBES:
        try:
            fn = torch.compile(_probe, **options)
            x = torch.randn(1, 2, 8, 8, device=device)
            w = torch.randn(2, 2, 3, 3, device=device, requires_grad=True)
            fn(x, w).backward()
            if w.grad is None or not torch.isfinite(w.grad).all():
                raise RuntimeError('the compiled probe gave no gradient')
            _PROBES[key] = None
        except Exception as exc:  # noqa: BLE001 - any failure means: do not compile
            _PROBES[key] = _reason(exc)
    return _PROBES[key]


def _warn_once(key, message: str) -> None:
    if key in _WARNED:
        return
    _WARNED.add(key)
    print_log(message, logger='current', level=logging.WARNING)


def resolve_compile(value, device: Optional[str] = None) -> Optional[dict]:
    """``torch.compile`` arguments of ``cfg.compile`` if they work here, else None.

    Args:
        value: ``cfg.compile``: None, a bool or a dict.
        device (str, optional): Device to probe. Defaults to CUDA when available.

    Returns:
        dict | None: The arguments, or None (off, or not working: one warning).
    """
    options = compile_options(value)
    if options is None:
        return None
    problem = compiler_problem(options, device)
    if problem is None:
        return options
    _warn_once(('probe', problem), f'compile={value!r}: torch.compile does not work with '
               f'torch {torch.__version__} here ({problem}); training runs eagerly')
    return None


def _compiler_errors() -> tuple:
    errors = []
    try:
        from torch._dynamo.exc import TorchDynamoException
        errors.append(TorchDynamoException)
    except ImportError:  # pragma: no cover - torch without dynamo
        pass
    return tuple(errors) or (RuntimeError,)


# inductor logs why it records no CUDA graph for a graph on this (artifact) logger, which
# propagates nowhere unless TORCH_LOGS=cudagraphs; a handler on it reads the reasons
_CUDAGRAPH_LOG = 'torch._inductor.cudagraph_utils.__cudagraphs'


class _Reasons(logging.Handler):
    """Collects inductor's reasons for skipping CUDA graphs."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().strip())


def compile_step(fn: Callable, options: dict, name: str = 'train_step',
                 before_retry: Optional[Callable] = None) -> Callable:
    """``torch.compile(fn, **options)`` that falls back to ``fn`` on a compiler error.

    Args:
        fn (Callable): The eager step (e.g. the bound ``model.train_step``).
        options (dict): ``torch.compile`` arguments.
        name (str): Name used in the warnings. Defaults to 'train_step'.
        before_retry (Callable, optional): Called with the step's arguments before the
            eager retry of a failed compiled call (e.g. to zero half-accumulated
            gradients). Defaults to None.

    Returns:
        Callable: The step; ``step.eager`` is ``fn`` and ``step.compiled`` tells whether
        the compiled version is still in use.
    """
    compiled = torch.compile(fn, **options)
    graphs = uses_cuda_graphs(options)
    errors = _compiler_errors()
    reasons = _Reasons()
    if graphs:
        logging.getLogger(_CUDAGRAPH_LOG).addHandler(reasons)

    @functools.wraps(fn)
    def step(*args, **kwargs):
        if not step.compiled:
            return fn(*args, **kwargs)
        if graphs:
            torch.compiler.cudagraph_mark_step_begin()
        try:
            out = compiled(*args, **kwargs)
        except errors as exc:
            step.compiled = False
            _warn_once(('step', name), f'torch.compile of {name} failed ({_reason(exc)}); '
                       'running it eagerly from now on')
            if before_retry is not None:
                before_retry(*args, **kwargs)
            return fn(*args, **kwargs)
        if reasons.messages:
            step.cudagraph_skips.extend(reasons.messages)
            _warn_once(('cudagraphs', name), f'{name}: no CUDA graph for part of the step '
                       f'({"; ".join(sorted(set(reasons.messages)))[:400]}); that part runs '
                       'compiled without one')
            reasons.messages = []
        return out

    step.eager = fn
    step.compiled = True
    step.cudagraph_skips = []
    return step
