"""Rotations and poses of the synthetic world (world frame: x right, y down, z forward)."""

import numpy as np

__all__ = ['yaw_matrix', 'rot_x', 'rot_z', 'poses_from_angles']


def yaw_matrix(yaw) -> np.ndarray:
    """Rotation(s) about the y (down) axis mapping local +z to (sin yaw, 0, cos yaw).

    Args:
        yaw (float | np.ndarray): Angle(s) in radians.

    Returns:
        np.ndarray: (3, 3) or (..., 3, 3) rotation matrices.
    """
    yaw = np.asarray(yaw, dtype=np.float64)
    c, s = np.cos(yaw), np.sin(yaw)
    z, o = np.zeros_like(yaw), np.ones_like(yaw)
    return np.stack(
        [np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2
    )


def rot_x(a: float) -> np.ndarray:
    """3x3 rotation by ``a`` radians about the x axis."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_z(a: float) -> np.ndarray:
    """3x3 rotation by ``a`` radians about the z axis."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def poses_from_angles(pos: np.ndarray, yaw, pitch, roll) -> np.ndarray:
    """(N, 4, 4) camera poses ``T_world_cam`` from positions and yaw/pitch/roll angles.

    Args:
        pos (np.ndarray): (N, 3) camera centres in the world.
        yaw (np.ndarray): (N,) headings (see :func:`yaw_matrix`).
        pitch (np.ndarray): (N,) rotations about the camera x axis.
        roll (np.ndarray): (N,) rotations about the camera z axis.

    Returns:
        np.ndarray: (N, 4, 4) poses, ``R = yaw_matrix(yaw) @ rot_x(pitch) @ rot_z(roll)``.
    """
    T = np.tile(np.eye(4), (len(pos), 1, 1))
    R = yaw_matrix(yaw)
    for i in range(len(pos)):
        R[i] = R[i] @ rot_x(pitch[i]) @ rot_z(roll[i])
    T[:, :3, :3] = R
    T[:, :3, 3] = pos
    return T
