"""Every class the package registers, in which host registry, and where users import it.

The list below is explicit on purpose: a registration that disappears, is misspelt or
lands in another registry fails here; a new one must be added to the list.
"""
import sys

import mmengine.registry
import pytest
from mmengine.registry import Registry

import mmdepthpretrain

# (scope of the host registry, registry name): registered class names
EXPECTED = {
    ('mmengine', 'hook'): ['FiniteLossHook', 'PortableCheckpointHook', 'RandomStateHook'],
    ('mmengine', 'model_wrapper'): ['CPUDistributedDataParallel'],
    ('mmengine', 'runner'): ['CompatRunner'],
    ('mmseg', 'dataset'): [
        'CityscapesDepthDataset', 'CityscapesLabelIdsDataset', 'KittiRawDepthDataset',
        'KittiSemanticDataset', 'NYUDepthDataset', 'NYUSegDataset'],
    ('mmseg', 'hook'): [
        'DepthVisualizationHook', 'FinetuneDiagnosticsHook', 'FlowVisualizationHook',
        'ReconstructionVisualizationHook'],
    ('mmseg', 'metric'): [
        'FlowEPEMetric', 'KittiSegMetric', 'MonoDepthMetric', 'ReconstructionMetric'],
    ('mmseg', 'model'): [
        'AffineInvariantDepthLoss', 'DepthAnythingHead', 'DepthAnythingSegHead',
        'LinearProbeHead', 'PlainViT', 'DepthResNet', 'DepthSegHead', 'DisparityHead',
        'EdgeAwareSmoothnessLoss', 'FlowHead',
        'FlowPhotometricLoss', 'FlowSiameseEstimator', 'FlowSmoothnessLoss',
        'MaskedL1DepthLoss', 'MaskedReconstructionEstimator', 'MaskedReconstructionLoss',
        'LN2d', 'MultiFrameDataPreProcessor', 'PhotometricReprojectionLoss', 'PoseDecoder',
        'RGBHead', 'SelfSupDepthEstimator'],
    ('mmseg', 'optim_wrapper'): ['AutocastOptimWrapper'],
    ('mmseg', 'optimizer wrapper constructor'): [
        'FrozenAwareOptimWrapperConstructor', 'LayerDecayOptimWrapperConstructor'],
    ('mmdet', 'dataset'): ['StrictCocoDataset'],
    ('mmdet', 'model'): ['LN2d', 'PlainViT', 'SimpleFPN'],
    ('mmdet', 'optimizer constructor'): ['LayerDecayOptimWrapperConstructor'],
    ('mmseg', 'transform'): [
        'LoadDepthFromLidar', 'LoadDepthMap', 'LoadFlowAnnotation', 'LoadMultiFrameImages',
        'MultiFrameRandomCrop', 'MultiFrameRandomFlip',
        'MultiFrameResize', 'PackMultiFrameFlowInputs', 'PackMultiFrameInputs'],
}

# Every registered class is importable from its area and listed in its ``__all__``;
# entries here would be expected failures (none today).
NOT_IN_ALL: dict = {}
NOT_IMPORTABLE: set = set()


def _walk(registry):
    yield registry
    for child in registry.children.values():
        yield from _walk(child)


def _host_registries():
    roots = [v for v in vars(mmengine.registry).values() if isinstance(v, Registry)]
    seen = {}
    for root in roots:
        for registry in _walk(root):
            seen[id(registry)] = registry
    return list(seen.values())


def registered():
    """{(scope, registry name): {entry name: class}} of entries defined in mmdepthpretrain."""
    found = {}
    for registry in _host_registries():
        for name, cls in registry.module_dict.items():
            if getattr(cls, '__module__', '').split('.')[0] == 'mmdepthpretrain':
                found.setdefault((registry.scope, registry.name), {})[name] = cls
    return found


def test_registrations_are_the_expected_ones():
    found = {key: sorted(entries) for key, entries in registered().items()}
    expected = {key: sorted(names) for key, names in EXPECTED.items()}
    assert found == expected


def test_registered_names_are_class_names():
    for entries in registered().values():
        for name, cls in entries.items():
            assert cls.__name__ == name, (name, cls)


def test_no_registry_of_our_own():
    """Components go into the host registries (STYLE 1): no Registry is created here."""
    ours = [(mod_name, attr) for mod_name, mod in list(sys.modules.items())
            if mod_name.split('.')[0] == 'mmdepthpretrain'
            for attr, value in vars(mod).items()
            if isinstance(value, Registry) and value.scope not in ('mmengine', 'mmseg', 'mmdet')]
    assert ours == []


def _cases(failing):
    cases = []
    for (scope, reg), names in sorted(EXPECTED.items()):
        for name in names:
            marks = [pytest.mark.xfail(strict=True, reason=NOT_IN_ALL[name])] \
                if name in failing else []
            cases.append(pytest.param(scope, reg, name, id=f'{scope}.{reg}.{name}', marks=marks))
    return cases


def _area(cls):
    """The public area a class belongs to: ``mmdepthpretrain.<area>.<module>``."""
    area = cls.__module__.split('.')[1]
    assert area in mmdepthpretrain.__all__, f'{cls.__module__} is not in a public area'
    return getattr(mmdepthpretrain, area)


@pytest.mark.parametrize('scope, reg, name', _cases(NOT_IMPORTABLE))
def test_registered_class_is_importable_from_its_area(scope, reg, name):
    cls = registered()[(scope, reg)][name]
    assert getattr(_area(cls), name) is cls  # from mmdepthpretrain.<area> import <name>


@pytest.mark.parametrize('scope, reg, name', _cases(set(NOT_IN_ALL)))
def test_registered_class_is_in_its_area_all(scope, reg, name):
    cls = registered()[(scope, reg)][name]
    area = _area(cls)
    assert name in area.__all__, f'{name} is not in {area.__name__}.__all__'
