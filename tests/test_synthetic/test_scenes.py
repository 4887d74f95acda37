"""The street and room scene types: their surfaces, classes and placement."""

import numpy as np
import pytest

from mmdepthpretrain.datasets.synthetic import (
    LABELS,
    NYU_LABELS,
    RoomScene,
    Scene,
    StreetScene,
    make_room,
    make_street,
    render_frame,
    scaled_K,
)
from mmdepthpretrain.datasets.synthetic.road import Road
from mmdepthpretrain.datasets.synthetic.room import CEILING, FLOOR, WALL
from mmdepthpretrain.datasets.synthetic.scene import SKY
from mmdepthpretrain.datasets.synthetic.street import CURB, RAISED, ROAD
from mmdepthpretrain.datasets.synthetic.trajectory import room_sequence, street_sequence


def _unit(*v):
    v = np.asarray(v, np.float64)
    return v / np.linalg.norm(v)


def test_street_surfaces():
    scene = StreetScene(Road(None, (-50.0, 50.0), 5.0), seed=0, class_overlap=0.0)
    origin = np.array([0.0, -1.5, 0.0])
    d = np.stack([_unit(0, 1, 0), _unit(0, -1, 0), _unit(0, 1, 0.01)])
    t, code = scene.ground_hits(origin, d, 200.0)
    assert code.dtype == np.int32 and code.tolist() == [ROAD, SKY, ROAD]
    assert t[0] == pytest.approx(1.5) and np.isinf(t[1])
    # beyond the carriageway edge (half width 5 m) the ground is the raised kerb top
    t, code = scene.ground_hits(np.array([6.0, -1.5, 0.0]), d[:1], 200.0)
    assert code.tolist() == [RAISED] and t[0] == pytest.approx(1.5 - scene.curb_height)
    # a ray that passes the kerb top inside the edge and the road outside it hits the face
    origin = np.array([4.0, -1.5, 0.0])
    d = _unit(0.7, 1.0, 0.0)[None]
    t, code = scene.ground_hits(origin, d, 200.0)
    P = origin + t[:, None] * d
    assert code.tolist() == [CURB]
    assert P[0, 0] == pytest.approx(5.0) and -scene.curb_height < P[0, 1] < 0
    normal = np.zeros((1, 3))
    scene.surface_normals(normal, P, code)
    np.testing.assert_allclose(normal, [[-1.0, 0.0, 0.0]], atol=1e-12)  # faces the road
    normal = np.zeros((2, 3))
    scene.surface_normals(normal, np.zeros((2, 3)), np.array([ROAD, RAISED]))
    np.testing.assert_array_equal(normal, [[0, -1, 0], [0, -1, 0]])  # up is -y


def test_room_surfaces():
    scene = RoomScene((2.0, 2.5, 3.0), seed=0, class_overlap=0.0)
    origin = np.array([0.5, -1.0, 0.0])
    d = np.eye(3)[[0, 0, 2, 1, 1]] * np.array([[1], [-1], [1], [1], [-1]])
    t, code = scene.ground_hits(origin, d, 10.0)
    assert code.tolist() == [WALL, WALL, WALL, FLOOR, CEILING]
    np.testing.assert_allclose(t, [1.5, 2.5, 3.0, 1.0, 1.5])
    P = origin + t[:, None] * d
    normal = np.zeros((5, 3))
    scene.surface_normals(normal, P, code)
    # every normal points back into the room
    np.testing.assert_array_equal(normal, -d)
    lab = np.zeros(5, np.uint8)
    scene.surface_labels(lab, P, code)
    assert lab.tolist() == [NYU_LABELS['wall']] * 3 + [NYU_LABELS['floor'], NYU_LABELS['ceiling']]
    # room objects sit at world (x, z) = (s, lat), unrotated
    x, z, th = scene.place(np.array([1.25, -0.5]), np.array([-2.0, 0.75]))
    np.testing.assert_array_equal(np.stack([x, z, th]), [[1.25, -0.5], [-2.0, 0.75], [0, 0]])


def test_street_scene_gives_street_classes():
    scene, T = street_sequence(3, 2, True, 0.3, 'kitti')
    assert isinstance(scene, StreetScene) and T.shape == (2, 4, 4)
    size = (128, 40)
    fr = render_frame(scene, 0, T[0], scaled_K('kitti', size), size)
    seen = set(np.unique(fr['label']).tolist())
    assert seen <= set(LABELS.values())
    assert {LABELS['road'], LABELS['sky'], LABELS['building']} <= seen
    np.testing.assert_array_equal(~np.isfinite(fr['depth']), fr['label'] == LABELS['sky'])
    assert fr['rgb'].shape == (40, 128, 3) and fr['rgb'].dtype == np.uint8


def test_room_scene_gives_room_classes():
    scene, T = room_sequence(3, 2, 0.3)
    assert isinstance(scene, RoomScene) and not scene.moving.any()
    size = (64, 48)
    fr = render_frame(scene, 0, T[0], scaled_K('nyu', size), size, max_depth=10.0)
    seen = set(np.unique(fr['label']).tolist())
    assert seen <= set(NYU_LABELS.values())  # never 0: every ray hits the room
    assert {NYU_LABELS['wall'], NYU_LABELS['floor']} <= seen
    a, h, b = scene.extent
    assert np.isfinite(fr['depth']).all() and (fr['depth'] > 0).all()
    assert fr['depth'].max() < np.sqrt((2 * a) ** 2 + h**2 + (2 * b) ** 2)
    # furniture stands still: the motion between frames is the identity
    np.testing.assert_allclose(
        scene.object_motion(0, 1), np.tile(np.eye(4), (len(scene.moving), 1, 1))
    )


def test_scene_builders_are_deterministic_and_typed():
    a, b = make_room(5).finalize(), make_room(5).finalize()
    assert isinstance(a, RoomScene)
    np.testing.assert_array_equal(a.prim_color, b.prim_color)
    np.testing.assert_array_equal(a.prim_offset, b.prim_offset)
    assert set(a.prim_label.tolist()) <= set(NYU_LABELS.values())
    street, info = make_street(5, (0.0, 20.0))
    street.finalize()
    assert isinstance(street, StreetScene) and set(info) == {'half_width', 'lane'}
    assert set(street.prim_label.tolist()) <= set(LABELS.values()) - {LABELS['sky']}
    assert street.moving.any()  # moving traffic by default


def test_base_scene_has_no_surfaces():
    scene = Scene(0, 0.3)
    with pytest.raises(NotImplementedError):
        scene.place(np.zeros(1), np.zeros(1))
    with pytest.raises(NotImplementedError):
        scene.ground_hits(np.zeros(3), np.ones((1, 3)), 10.0)
