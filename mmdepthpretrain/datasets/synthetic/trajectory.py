"""Camera trajectories of the synthetic world, and the scene plus trajectory of one
sequence (a street drive or a walk through a room).

Poses are ``T_world_cam`` (4x4, OpenCV camera axes; world x right, y down, z forward;
``p_world = T @ p_cam``).
"""

from typing import Tuple

import numpy as np

from .geometry import poses_from_angles
from .rig import RIGS
from .road import Road
from .room import ROOM_PATH, RoomScene, make_room
from .street import StreetScene, make_street

__all__ = ['street_trajectory', 'room_trajectory', 'street_sequence', 'room_sequence']


def _smooth(rng, n, amp, periods=(40, 120)):
    """A smooth random signal of ``n`` frames: two sinusoids of random period in
    ``periods`` (frames) and phase, peak amplitude about ``amp``."""
    k = np.arange(n)
    out = np.zeros(n)
    for _ in range(2):
        out += np.sin(2 * np.pi * k / rng.uniform(*periods) + rng.uniform(0, 6.3))
    return amp * out / 2


def street_trajectory(
    rng: np.random.Generator, road: Road, frames: int, lane: float, height: float, speed: float
) -> Tuple[np.ndarray, np.ndarray]:
    """Camera arc lengths and (M, 4, 4) ``T_world_cam`` along a road: about ``speed``
    metres per frame in the ego lane (lateral offset ``lane``) at ``height`` above the
    road, with small smooth yaw/pitch/roll jitter."""
    v = speed * (1 + 0.12 * _smooth(rng, frames, 1.0))
    s = np.concatenate([[0.0], np.cumsum(v[:-1])])
    lat = lane + _smooth(rng, frames, 0.15)
    x, z, th = road.point(s, lat)
    y = -height + _smooth(rng, frames, 0.01, (8, 20))
    T = poses_from_angles(
        np.stack([x, y, z], 1),
        th + _smooth(rng, frames, 0.012, (15, 60)),
        _smooth(rng, frames, 0.006, (10, 40)),
        _smooth(rng, frames, 0.003, (10, 40)),
    )
    return s, T


def room_trajectory(
    rng: np.random.Generator, extent: Tuple[float, float, float], frames: int, height: float
) -> np.ndarray:
    """A slow loop (about 5 cm per frame) through the middle of a room of ``extent``
    (half width, height, half depth), looking ahead and slightly inwards, with a
    downward tilt; returns (M, 4, 4) ``T_world_cam``."""
    a, _, b = extent
    phase = rng.uniform(0, 2 * np.pi) + np.arange(frames) * 0.05 / (ROOM_PATH * min(a, b))
    x, z = ROOM_PATH * a * np.cos(phase), ROOM_PATH * b * np.sin(phase)
    yaw = np.arctan2(-a * np.sin(phase), b * np.cos(phase)) + rng.uniform(-0.6, 0.6)
    y = -height + _smooth(rng, frames, 0.05)
    pitch = -0.15 + _smooth(rng, frames, 0.05)
    return poses_from_angles(np.stack([x, y, z], 1), yaw, pitch, _smooth(rng, frames, 0.01))


def street_sequence(
    seed: int, frames: int, moving: bool, overlap: float, layout: str
) -> Tuple[StreetScene, np.ndarray]:
    """The finalised street and camera poses of one drive.

    Args:
        seed (int): Seed of the sequence.
        frames (int): Number of frames.
        moving (bool): Add moving cars and pedestrians.
        overlap (float): Colour overlap between classes.
        layout (str): Layout whose rig (camera height) drives the street.

    Returns:
        tuple: (:class:`~.street.StreetScene`, (frames, 4, 4) ``T_world_cam``).
    """
    rng = np.random.default_rng(seed)
    speed = rng.uniform(0.8, 1.2)
    scene, info = make_street(
        int(rng.integers(2**31)), (0.0, speed * frames * 1.25 + 1), moving, overlap, speed
    )
    cam_s, T = street_trajectory(
        rng, scene.road, frames, info['lane'], RIGS[layout]['height'], speed
    )
    return scene.finalize(cam_s), T


def room_sequence(seed: int, frames: int, overlap: float) -> Tuple[RoomScene, np.ndarray]:
    """The finalised room and camera poses of one NYU-style scene (see
    :func:`street_sequence` for the arguments)."""
    rng = np.random.default_rng(seed)
    scene = make_room(int(rng.integers(2**31)), overlap)
    T = room_trajectory(rng, scene.extent, frames, RIGS['nyu']['height'] + rng.uniform(-0.2, 0.2))
    return scene.finalize(), T
