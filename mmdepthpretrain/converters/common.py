"""Shared pieces of the checkpoint converters: report, checks against a model, key helpers.

Every converter is a pure function ``state_dict -> (state_dict, ConversionReport)``. The
report records, for every output key, the source key it came from, every source key that
was left out with the reason, and (when a target model is given) the model's keys that the
output does not provide, i.e. the parameters that start from the model's own
initialisation ("fresh").
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from torch import Tensor, nn

__all__ = [
    'ConversionError', 'ConversionReport', 'ModelCheck', 'check_against_model',
    'apply_model_check', 'unwrap_state_dict', 'summarize_keys', 'resnet_info',
    'is_resnet_key', 'decoder_fit_problems', 'MONODEPTH2_NORMALISATION',
    'IMAGENET_NORMALISATION'
]

# (x - 0.45) / 0.225 for x in [0, 1], written in mmseg's 0-255 units.
MONODEPTH2_NORMALISATION = dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375])
IMAGENET_NORMALISATION = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])

_RESNET_KEY = re.compile(
    r'^(conv1|bn1|layer[1-4]\.\d+\.(conv[1-3]|bn[1-3]|downsample\.[01]))\.'
    r'(weight|bias|running_mean|running_var|num_batches_tracked)$')


class ConversionError(ValueError):
    """A checkpoint that does not fit the converter or the target model.

    Args:
        message (str): What went wrong and what to do.
        problems (Sequence[str]): One line per key that did not match. Defaults to ().
        limit (int): Lines listed in the message. Defaults to 25.
    """

    def __init__(self, message: str, problems: Sequence[str] = (), limit: int = 25):
        self.problems = list(problems)
        lines = [message]
        lines += [f'  - {p}' for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f'  ... and {len(self.problems) - limit} more')
        super().__init__('\n'.join(lines))


def summarize_keys(keys: Iterable[str], depth: int = 2) -> List[str]:
    """Group keys by their first ``depth`` dotted components, with counts.

    Args:
        keys (Iterable[str]): State-dict keys.
        depth (int): Components kept. Defaults to 2.

    Returns:
        list[str]: lines like ``'backbone.layer1.* (30 keys)'`` in first-seen order; a
        ``file:`` prefix (keys of one source file) is kept.
    """
    groups: Dict[str, int] = OrderedDict()
    for key in keys:
        source, sep, key = key.rpartition(':')  # 'file:key' names a key of one source file
        parts = key.split('.')
        name = source + sep + '.'.join(parts[:depth]) + ('.*' if len(parts) > depth else '')
        groups[name] = groups.get(name, 0) + 1
    return [f'{k} ({n} key{"s" if n > 1 else ""})' for k, n in groups.items()]


@dataclass
class ConversionReport:
    """What a conversion did.

    Attributes:
        converter (str): Converter name.
        mode (str): Conversion mode ('full', 'encoder', 'depth', ...).
        sources (list[str]): Files read (empty for in-memory conversions).
        converted (dict[str, str]): Output key -> source key, in output order.
        dropped (dict[str, str]): Source key -> reason it is not in the output.
        fresh (list[str] | None): Target-model keys the output does not provide (only when
            a target model was given); these keep the model's own initialisation.
        fresh_hint (str): What starts fresh when no target model was given.
        info (dict): Facts about the source (input size, ResNet depth, ...).
        notes (list[str]): Advice printed with the report (e.g. normalisation).
    """

    converter: str
    mode: str = ''
    sources: List[str] = field(default_factory=list)
    converted: Dict[str, str] = field(default_factory=OrderedDict)
    dropped: Dict[str, str] = field(default_factory=OrderedDict)
    fresh: Optional[List[str]] = None
    fresh_hint: str = ''
    info: Dict[str, Any] = field(default_factory=OrderedDict)
    notes: List[str] = field(default_factory=list)

    @property
    def loaded(self) -> List[str]:
        """Source keys that made it into the output."""
        return list(self.converted.values())

    def then(self, later: ConversionReport) -> ConversionReport:
        """Chain a second conversion applied to this one's output.

        Output keys of ``later`` are traced back to this report's source keys, and keys
        ``later`` dropped are reported under their original names. A normalisation note of
        ``later`` gives way to this report's normalisation, which describes the source.

        Args:
            later (ConversionReport): Report of the conversion applied to our output.

        Returns:
            ConversionReport: the combined report (``later``'s converter and mode).
        """
        converted = OrderedDict(
            (k, self.converted.get(v, v)) for k, v in later.converted.items())
        dropped = OrderedDict(self.dropped)
        dropped.update((self.converted.get(k, k), r) for k, r in later.dropped.items())
        info = OrderedDict(self.info)
        info.update(later.info)
        return ConversionReport(
            converter=later.converter, mode=later.mode,
            sources=self.sources + [s for s in later.sources if s not in self.sources],
            converted=converted, dropped=dropped, fresh=later.fresh,
            fresh_hint=later.fresh_hint or self.fresh_hint, info=info,
            notes=self.notes + [n for n in later.notes if n not in self.notes
                                and not ('normalis' in n and 'normalisation' in self.info)])

    def format(self, verbose: bool = False) -> str:
        """Human-readable report.

        Args:
            verbose (bool): List every key instead of grouping by module. Defaults to False.

        Returns:
            str: multi-line text.
        """
        def keys(ks):
            return list(ks) if verbose else summarize_keys(ks)

        lines = [f'converter: {self.converter}' + (f' (mode {self.mode})' if self.mode else '')]
        for src in self.sources:
            lines.append(f'source: {src}')
        for k, v in self.info.items():
            lines.append(f'{k}: {v}')
        lines.append(f'loaded: {len(self.converted)} keys')
        if verbose:
            lines += [f'  {k} <- {v}' for k, v in self.converted.items()]
        else:
            lines += [f'  {k}' for k in keys(self.converted)]
        lines.append(f'dropped: {len(self.dropped)} keys')
        by_reason: Dict[str, List[str]] = OrderedDict()
        for k, reason in self.dropped.items():
            by_reason.setdefault(reason, []).append(k)
        for reason, ks in by_reason.items():
            lines.append(f'  [{reason}]')
            lines += [f'    {k}' for k in keys(ks)]
        if self.fresh is not None:
            lines.append(f'fresh (target model keys not in the checkpoint, keep their own '
                         f'initialisation): {len(self.fresh)} keys')
            lines += [f'  {k}' for k in keys(self.fresh)]
        elif self.fresh_hint:
            lines.append(f'fresh: {self.fresh_hint} (give --config to list them exactly)')
        for note in self.notes:
            lines.append(f'NOTE: {note}')
        return '\n'.join(lines)

    def meta(self) -> Dict[str, Any]:
        """Checkpoint ``meta`` entry: plain str/int/bool/float values only."""
        info = {str(k): _plain(v) for k, v in self.info.items()}
        return dict(converter=self.converter, mode=self.mode,
                    source=list(self.sources), info=info, notes=list(self.notes),
                    num_converted=len(self.converted), num_dropped=len(self.dropped))


def _plain(value: Any) -> Any:
    """Make a value safe for ``torch.load(weights_only=True)`` (str for anything exotic)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def unwrap_state_dict(obj: Any, name: str = 'checkpoint'
                      ) -> Tuple[OrderedDict[str, Tensor], Dict[str, Any]]:
    """Find the tensors of a checkpoint.

    Accepts a bare state dict, an mmengine checkpoint (``state_dict``), a DepthToSemantic
    file (``model_state_dict``) or a ``{'model': ...}`` dict. A ``module.`` prefix on every
    key (DataParallel) is removed.

    Args:
        obj: The loaded object.
        name (str): Name used in error messages (usually the file). Defaults to 'checkpoint'.

    Returns:
        tuple: ``(state_dict, extras)``, the tensors and the other top-level entries.
    """
    if not isinstance(obj, Mapping):
        raise ConversionError(f'{name}: expected a dict of tensors, got {type(obj).__name__}')
    extras: Dict[str, Any] = {}
    for wrapper in ('state_dict', 'model_state_dict', 'model'):
        inner = obj.get(wrapper)
        if isinstance(inner, Mapping) and any(isinstance(v, Tensor) for v in inner.values()):
            extras = {k: v for k, v in obj.items() if k != wrapper}
            obj = inner
            break
    state = OrderedDict()
    for k, v in obj.items():
        if isinstance(v, Tensor):
            state[str(k)] = v
        else:
            extras[str(k)] = v
    if not state:
        raise ConversionError(f'{name}: no tensors found (top-level keys: '
                              f'{sorted(map(str, obj))[:20]})')
    if all(k.startswith('module.') for k in state):
        state = OrderedDict((k[len('module.'):], v) for k, v in state.items())
    return state, extras


def is_resnet_key(key: str) -> bool:
    """Whether ``key`` is a torchvision/mmseg ResNet parameter or buffer name."""
    return bool(_RESNET_KEY.match(key))


_BASIC = {(2, 2, 2, 2): 18, (3, 4, 6, 3): 34}
_BOTTLENECK = {(3, 4, 6, 3): 50, (3, 4, 23, 3): 101, (3, 8, 36, 3): 152}


def resnet_info(state: Mapping[str, Tensor], prefix: str = '') -> Optional[Dict[str, Any]]:
    """Describe a ResNet encoder from its keys.

    Args:
        state (Mapping[str, Tensor]): State dict.
        prefix (str): Prefix of the encoder keys (e.g. ``'backbone.'``). Defaults to ''.

    Returns:
        dict | None: ``depth`` (int or None when unknown), ``blocks``, ``bottleneck``,
        ``in_channels``, ``level_channels`` (the five levels' channels) and ``name``;
        None if ``state`` has no ResNet ``conv1`` under ``prefix``.
    """
    conv1 = state.get(prefix + 'conv1.weight')
    if conv1 is None or conv1.dim() != 4:
        return None
    blocks, last_out = [], [int(conv1.shape[0])]
    bottleneck = any(k.startswith(prefix + 'layer1.0.conv3.') for k in state)
    for layer in range(1, 5):
        pat = re.compile(re.escape(f'{prefix}layer{layer}.') + r'(\d+)\.')
        idx = {int(m.group(1)) for k in state for m in [pat.match(k)] if m}
        blocks.append(len(idx))
        if idx:
            conv = 'conv3' if bottleneck else 'conv2'
            w = state.get(f'{prefix}layer{layer}.{max(idx)}.{conv}.weight')
            last_out.append(int(w.shape[0]) if w is not None else -1)
        else:
            last_out.append(-1)
    depth = (_BOTTLENECK if bottleneck else _BASIC).get(tuple(blocks))
    name = f'ResNet-{depth}' if depth else (
        f'ResNet with {"bottleneck" if bottleneck else "basic"} blocks {blocks}')
    return dict(depth=depth, blocks=blocks, bottleneck=bottleneck,
                in_channels=int(conv1.shape[1]), level_channels=last_out,
                name=f'{name}, {int(conv1.shape[1])} input channels, level channels '
                     f'{last_out}')


def decoder_fit_problems(state: Mapping[str, Tensor], encoder_prefix: str = 'backbone.',
                         decoder_prefix: str = 'decode_head.convs.',
                         feature_multiplier: int = 1) -> List[str]:
    """Check that a :class:`DisparityHead`-layout decoder takes the encoder's channels.

    Level 4's first conv must take the encoder's last level, and each level ``i > 0`` with
    skips must take its own upsampled features plus encoder level ``i - 1``.

    Args:
        state (Mapping[str, Tensor]): Converted state dict.
        encoder_prefix (str): Defaults to 'backbone.'.
        decoder_prefix (str): Defaults to 'decode_head.convs.'.
        feature_multiplier (int): Encoder features per decoder input (2 for a siamese flow
            decoder fed with both frames' features). Defaults to 1.

    Returns:
        list[str]: one line per mismatch (empty if it fits or cannot be checked).
    """
    info = resnet_info(state, encoder_prefix)
    if info is None or -1 in info['level_channels']:
        return []
    enc = [c * feature_multiplier for c in info['level_channels']]
    problems = []
    top = state.get(f'{decoder_prefix}4.conv1.weight')
    if top is not None and top.shape[1] != enc[4]:
        problems.append(f'{decoder_prefix}4.conv1.weight takes {top.shape[1]} channels but '
                        f'encoder level 4 ({info["name"].split(",")[0]}) gives {enc[4]}')
    for i in range(1, 5):
        conv1 = state.get(f'{decoder_prefix}{i}.conv1.weight')
        conv2 = state.get(f'{decoder_prefix}{i}.conv2.weight')
        if conv1 is None or conv2 is None:
            continue
        own, taken = int(conv1.shape[0]), int(conv2.shape[1])
        if taken != own and taken != own + enc[i - 1]:
            problems.append(f'{decoder_prefix}{i}.conv2.weight takes {taken} channels but '
                            f'{own} decoder + {enc[i - 1]} skip channels from encoder level '
                            f'{i - 1} make {own + enc[i - 1]}')
    return problems


@dataclass
class ModelCheck:
    """Result of :func:`check_against_model`.

    Attributes:
        loaded (list[str]): Keys present in both with equal shapes.
        fresh (list[str]): Model keys the state dict does not provide.
        unexpected (list[str]): State-dict keys the model does not have.
        shape_mismatch (list[tuple]): ``(key, checkpoint_shape, model_shape)``.
    """

    loaded: List[str]
    fresh: List[str]
    unexpected: List[str]
    shape_mismatch: List[Tuple[str, Tuple[int, ...], Tuple[int, ...]]]

    @property
    def ok(self) -> bool:
        """True when every state-dict key loads into the model."""
        return not self.unexpected and not self.shape_mismatch

    def problems(self) -> List[str]:
        """One line per key that does not load."""
        lines = [f'{k}: checkpoint shape {list(a)} vs model shape {list(b)}'
                 for k, a, b in self.shape_mismatch]
        lines += [f'{k}: not in the model' for k in self.unexpected]
        return lines


def check_against_model(state_dict: Mapping[str, Tensor], model: nn.Module) -> ModelCheck:
    """Compare a state dict with a model's own state dict (keys and shapes).

    Args:
        state_dict (Mapping[str, Tensor]): Converted weights.
        model (nn.Module): Target model.

    Returns:
        ModelCheck: loaded, fresh, unexpected and shape-mismatched keys.
    """
    target = model.state_dict()
    loaded, unexpected, mismatch = [], [], []
    for k, v in state_dict.items():
        if k not in target:
            unexpected.append(k)
        elif tuple(v.shape) != tuple(target[k].shape):
            mismatch.append((k, tuple(v.shape), tuple(target[k].shape)))
        else:
            loaded.append(k)
    fresh = [k for k in target if k not in state_dict]
    return ModelCheck(loaded, fresh, unexpected, mismatch)


def apply_model_check(state_dict: Mapping[str, Tensor], report: ConversionReport,
                      model: Optional[nn.Module]) -> None:
    """Fill ``report.fresh`` from ``model``, or raise if the weights do not fit it.

    Args:
        state_dict (Mapping[str, Tensor]): Converted weights.
        report (ConversionReport): Updated in place.
        model (nn.Module, optional): Target model; nothing is checked when None.

    Raises:
        ConversionError: Some keys are not in the model or have other shapes (all listed).
    """
    if model is None:
        return
    check = check_against_model(state_dict, model)
    source = f' (source encoder: {report.info["encoder"]})' if 'encoder' in report.info else ''
    if not check.loaded:
        raise ConversionError(
            f'{report.converter}: none of the {len(state_dict)} converted keys is in the '
            f'target model; is the config for another architecture?{source}',
            check.problems())
    if not check.ok:
        hint = ''
        if check.unexpected and all(k.startswith('decode_head.')
                                    for k in check.unexpected):
            hint = (' The target model has another decode head: use the encoder mode to '
                    'transfer the encoder only.')
        raise ConversionError(
            f'{report.converter}: {len(check.shape_mismatch) + len(check.unexpected)} '
            'converted keys do not fit the target model (checkpoint of another '
            f'architecture, or a config with other widths/depth?){source}.{hint}',
            check.problems())
    report.fresh = check.fresh


def clone_tensor(t: Tensor) -> Tensor:
    """A contiguous copy that owns its memory (safetensors refuses shared storage)."""
    return t.detach().clone().contiguous()


def first_keys(state: Mapping[str, Any], n: int = 12) -> str:
    """A short description of what a dict holds, for error messages."""
    groups = summarize_keys(state.keys(), depth=1)
    text = ', '.join(groups[:n])
    return text + (f', ... ({len(groups)} groups)' if len(groups) > n else '')


