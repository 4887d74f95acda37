"""Which ``--cfg-options`` keys our tools accept, and the error for the others.

mmengine merges any key into the config: a misspelt key is added next to the right one and
silently ignored (``nonexistent_key=1``, ``train_cfg.max_iter=10``) or fails much later
inside a constructor with a traceback (``model.backbon.depth=50``). The rule here:

1. every part of the key but the last must exist in the loaded config (list elements by
   index: ``custom_hooks.0.stop_at``);
2. the last part may be new only where something reads it:

   * at the top level: a name mmengine's Runner (or our tools: ``init_from``) reads,
     e.g. ``resume``, ``runner_type``, ``randomness``;
   * in a component (a mapping with ``type``): a parameter of the registered class's
     constructor, e.g. ``model.backbone.frozen_stages``; a constructor that takes
     arbitrary ``**kwargs`` accepts any key;
   * in the few mappings without ``type`` whose reader is known (the data loaders, the
     training and validation loops, ``randomness``, ``log_processor``, ``optim_wrapper``):
     a parameter of that reader;
   * any other mapping without ``type`` is open (``default_hooks`` takes a new hook,
     ``env_cfg``, ``paramwise_cfg.custom_keys``, a model's ``train_cfg``, the ``*_cfg``
     mappings of layers such as ``norm_cfg``), as is everything below a new key.

A key that breaks the rule fails with one line naming it and the nearest known keys
(:mod:`difflib`).
"""
from __future__ import annotations

import ast
import difflib
import inspect
import textwrap
from typing import Iterable, Optional

__all__ = ['check_cfg_options', 'RUNNER_KEYS']

_EXTRA_TOP = {'runner_type', 'model_wrapper_cfg', 'find_unused_parameters', 'compile',
              'sync_bn', 'activation_checkpointing', 'efficient_conv_bn_eval',
              'custom_imports', 'init_from', 'work_dir', 'launcher', 'gpu_ids'}
_LOADER_EXTRA = {'sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn', 'dataset',
                 'num_batch_per_epoch', 'disable_subprocess_warning'}
# Registry of the components below a key (the nearest named key of the path decides).
_REGISTRY_OF = {
    'model': 'MODELS', 'data_preprocessor': 'MODELS', 'init_cfg': 'WEIGHT_INITIALIZERS',
    'dataset': 'DATASETS', 'datasets': 'DATASETS', 'pipeline': 'TRANSFORMS',
    'transforms': 'TRANSFORMS', 'sampler': 'DATA_SAMPLERS', 'batch_sampler': 'DATA_SAMPLERS',
    'collate_fn': 'FUNCTIONS', 'custom_hooks': 'HOOKS', 'default_hooks': 'HOOKS',
    'optim_wrapper': 'OPTIM_WRAPPERS', 'optimizer': 'OPTIMIZERS',
    'param_scheduler': 'PARAM_SCHEDULERS', 'val_evaluator': 'METRICS',
    'test_evaluator': 'METRICS', 'visualizer': 'VISUALIZERS', 'vis_backends': 'VISBACKENDS',
    'train_cfg': 'LOOPS', 'val_cfg': 'LOOPS', 'test_cfg': 'LOOPS',
    'model_wrapper_cfg': 'MODEL_WRAPPERS', 'log_processor': 'LOG_PROCESSORS',
}
_TERMINAL = {'object', 'Module'}  # bases whose __init__ takes nothing a config gives


def _runner_keys() -> set:
    from mmengine.runner import Runner
    return set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'} | _EXTRA_TOP


RUNNER_KEYS = None  # filled on first use (mmengine imports are slow)


def _forwards(init, kwargs_name: str) -> bool:
    """Whether ``init`` passes its ``**kwargs`` on to a base class's ``__init__``
    (``super().__init__(..., **kwargs)`` or ``Base.__init__(self, ..., **kwargs)``)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    except (OSError, TypeError, SyntaxError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == '__init__':
            if any(kw.arg is None and isinstance(kw.value, ast.Name)
                   and kw.value.id == kwargs_name for kw in node.keywords):
                return True
    return False


def accepted_params(obj) -> Optional[set]:
    """Keyword parameters a class's constructor (through its bases) or a function takes.

    Args:
        obj: A class or a function.

    Returns:
        set | None: The names, or None when any keyword is accepted.
    """
    if not inspect.isclass(obj):
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            return None
        if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
            return None
        return set(sig.parameters)
    names: set = set()
    for klass in obj.__mro__:
        if klass.__name__ in _TERMINAL:
            return names
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters
        except (TypeError, ValueError):
            return None
        names |= {n for n, p in params.items()
                  if n != 'self' and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        var_kw = [n for n, p in params.items() if p.kind is p.VAR_KEYWORD]
        if not var_kw:
            return names
        if not _forwards(init, var_kw[0]):
            return None  # keeps its **kwargs itself (e.g. CheckpointHook): anything goes
    return names


def _kwargs_target(obj) -> Optional[set]:
    """Where a class known to keep its ``**kwargs`` passes them (their parameters)."""
    from mmengine.hooks import CheckpointHook
    from mmengine.runner import Runner
    if inspect.isclass(obj) and issubclass(obj, CheckpointHook):
        return set(inspect.signature(Runner.save_checkpoint).parameters) - {'self'}
    return None


def _registry_for(path: list) -> Optional[str]:
    for part in reversed(path):
        if part in _REGISTRY_OF:
            return _REGISTRY_OF[part]
    return None


def _resolve(type_name, path: list, scope: Optional[str]) -> list:
    """The registered objects ``type_name`` may name (the path's registry first)."""
    if not isinstance(type_name, str):
        return [type_name]
    import mmengine.registry as registries
    first = _registry_for(path)
    roots = [getattr(registries, first)] if first else []
    roots += [v for v in vars(registries).values()
              if isinstance(v, registries.Registry) and v not in roots]
    found = []
    for root in roots:
        registry = root.children.get(scope, root) if scope else root
        try:
            obj = registry.get(type_name)
        except Exception:  # noqa: BLE001 - a registry that cannot resolve it
            obj = None
        if obj is not None and obj not in found:
            found.append(obj)
        if found and root is roots[0] and first:
            break
    return found


def _typeless_reader(path: list) -> Optional[set]:
    """Parameters of the known reader of a mapping without ``type`` (None: open)."""
    if len(path) == 1:
        top = path[0]
        if top.endswith('_dataloader'):
            from torch.utils.data import DataLoader
            return accepted_params(DataLoader) | _LOADER_EXTRA
        if top == 'randomness':
            from mmengine.runner import set_random_seed
            return accepted_params(set_random_seed)
        if top == 'log_processor':
            from mmengine.runner import LogProcessor
            return accepted_params(LogProcessor)
        if top == 'optim_wrapper':
            from mmengine.optim import OptimWrapper
            return accepted_params(OptimWrapper) | {'constructor', 'paramwise_cfg', 'type'}
        if top == 'train_cfg':
            from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
            return (accepted_params(IterBasedTrainLoop) | accepted_params(EpochBasedTrainLoop)
                    | {'by_epoch'}) - {'runner', 'dataloader'}
        if top in ('val_cfg', 'test_cfg'):
            from mmengine.runner import TestLoop, ValLoop
            return (accepted_params(ValLoop if top == 'val_cfg' else TestLoop)
                    - {'runner', 'dataloader', 'evaluator'})
    return None


def _known_here(node: dict, path: list, scope: Optional[str]) -> Optional[set]:
    """Keys a mapping may gain (None: any)."""
    if not path:
        global RUNNER_KEYS
        RUNNER_KEYS = RUNNER_KEYS or _runner_keys()
        return RUNNER_KEYS
    if path[-1].endswith('_cfg') and path[-1] != 'init_cfg' and not (
            len(path) == 1 and path[0] in _REGISTRY_OF):
        return None  # norm_cfg, act_cfg, a model's train_cfg: read by builders, open
    if 'type' not in node:
        return _typeless_reader(path)
    known: set = {'type', '_scope_'}
    resolved = _resolve(node['type'], path, node.get('_scope_', scope))
    if not resolved:
        return None  # a type no registry knows: its builder will say so
    for obj in resolved:
        params = accepted_params(obj)
        if params is None and _kwargs_target(obj) is not None:
            own = inspect.signature(obj.__init__).parameters
            params = {n for n, p in own.items() if n != 'self' and p.kind is not p.VAR_KEYWORD}
            params |= _kwargs_target(obj)
        if params is None:
            return None
        known |= params
    if path[0] == 'optim_wrapper' and len(path) == 1:
        known |= {'constructor', 'paramwise_cfg'}
    return known


def _where(path: list, node: dict) -> str:
    if not path:
        return 'the config'
    name = '.'.join(path)
    return f"{name} ({node['type']})" if isinstance(node.get('type'), str) else name


def _unknown(key: str, part: str, path: list, node: dict, candidates: Iterable[str]) -> str:
    candidates = sorted({str(c) for c in candidates})
    close = difflib.get_close_matches(part, candidates, n=3, cutoff=0.6)
    if close:
        hint = f'nearest: {", ".join(close)}'
    else:
        shown = ', '.join(candidates[:12]) + (', ...' if len(candidates) > 12 else '')
        hint = f'known keys there: {shown}'
    return f'--cfg-options {key}: unknown key {part!r} in {_where(path, node)}; {hint}'


def check_cfg_options(cfg, options: dict) -> Optional[str]:
    """The error for the first ``--cfg-options`` key that breaks the rule, if any.

    Args:
        cfg (mmengine.Config): The loaded config, before the options are merged.
        options (dict): ``key=value`` pairs as parsed by ``DictAction``.

    Returns:
        str | None: A one-line message, or None when every key is accepted.
    """
    scope = cfg.get('default_scope')
    for key in options:
        node, path = cfg._cfg_dict if hasattr(cfg, '_cfg_dict') else cfg, []
        parts = str(key).split('.')
        for part in parts:
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    return (f'--cfg-options {key}: {".".join(path)} is a list of {len(node)}; '
                            f'give an index 0..{len(node) - 1} instead of {part!r}')
                node, path = node[int(part)], path + [part]
                continue
            if not isinstance(node, dict):
                return (f'--cfg-options {key}: {".".join(path)} is not a mapping but '
                        f'{type(node).__name__} {node!r}; set {".".join(path)} itself')
            if part in node:
                node, path = node[part], path + [part]
                continue
            if part == '_delete_':
                break
            known = _known_here(node, path, scope)
            if known is not None and part not in known:
                return _unknown(key, part, path, node, set(node) | known)
            break  # a new key where one is read: what lies below it is new too
    return None
