"""Ray bundles of the synthetic world's sensors: a pinhole camera and a spinning lidar.

A view is a bundle of rays from one origin arranged on a 2D grid; ``bbox`` maps the
corners of a primitive to the grid rectangle its rays can hit, so the ray caster
(:mod:`.render`) tests each primitive only against the rays inside that rectangle.
The ray of pixel (u, v) (integer = pixel centre) is K^-1 [u, v, 1]^T rotated into the
world, so for a pinhole view the ray parameter t equals the camera depth z.
"""

import numpy as np

__all__ = ['PinholeView', 'LidarView', 'NEAR']

NEAR = 0.05  # hits closer than this ray parameter are ignored


class PinholeView:
    """A pinhole camera: rays through pixel centres, t = depth.

    Args:
        K (np.ndarray): 3x3 (or 4x4) intrinsics.
        T_world_cam (np.ndarray): 4x4 pose of the camera (OpenCV axes) in the world.
        size (tuple): (width, height).
        max_depth (float): Hits beyond this depth are ignored. Defaults to 200.
    """

    def __init__(self, K, T_world_cam, size, max_depth=200.0):
        self.K = np.asarray(K, np.float64)[:3, :3]
        self.T = np.asarray(T_world_cam, np.float64)
        self.width, self.height = size
        self.max_t = max_depth
        self.origin = self.T[:3, 3].copy()
        u, v = np.meshgrid(np.arange(self.width), np.arange(self.height))
        rays = np.stack([u, v, np.ones_like(u)], -1).astype(np.float64) @ np.linalg.inv(self.K).T
        self.dirs = rays @ self.T[:3, :3].T  # (H, W, 3), z_cam = 1
        self.pixel_angle = 1.0 / np.sqrt(self.K[0, 0] * self.K[1, 1])

    @property
    def shape(self):
        return self.height, self.width

    def bbox(self, corners: np.ndarray):
        """Grid rectangles (r0, r1, c0, c1) covering the (P, 8, 3) world corners."""
        pc = (corners - self.origin) @ self.T[:3, :3]
        z = pc[..., 2]
        front = z > NEAR
        zs = np.where(front, z, 1.0)
        u = self.K[0, 0] * pc[..., 0] / zs + self.K[0, 2]
        v = self.K[1, 1] * pc[..., 1] / zs + self.K[1, 2]
        full = ~front.all(1)
        c0 = np.where(full, 0, np.floor(u.min(1)))
        c1 = np.where(full, self.width, np.floor(u.max(1)) + 2)
        r0 = np.where(full, 0, np.floor(v.min(1)))
        r1 = np.where(full, self.height, np.floor(v.max(1)) + 2)
        valid = front.any(1) & (z.min(1) < self.max_t)
        return _clip_rect(r0, r1, c0, c1, valid, self.height, self.width)


class LidarView:
    """A spinning multi-beam lidar: rows are beams, columns azimuth bins; t = range.

    Args:
        T_world_velo (np.ndarray): 4x4 pose of the sensor (x forward, y left, z up).
        elevations (np.ndarray): Beam elevations in radians (top first).
        columns (int): Azimuth bins over 360 degrees.
        max_range (float): Maximum range in metres. Defaults to 120.
    """

    def __init__(self, T_world_velo, elevations, columns, max_range=120.0):
        self.T = np.asarray(T_world_velo, np.float64)
        self.origin = self.T[:3, 3].copy()
        self.max_t = max_range
        self.height, self.width = len(elevations), columns
        az = np.pi - (np.arange(columns) + 0.5) * (2 * np.pi / columns)
        el, az = np.meshgrid(np.asarray(elevations, np.float64), az, indexing='ij')
        self.local_dirs = np.stack(
            [np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], -1
        )
        self.dirs = self.local_dirs @ self.T[:3, :3].T
        self.pixel_angle = 2 * np.pi / columns

    @property
    def shape(self):
        return self.height, self.width

    def bbox(self, corners: np.ndarray):
        pl = (corners - self.origin) @ self.T[:3, :3]
        az = np.arctan2(pl[..., 1], pl[..., 0])
        col = (np.pi - az) / (2 * np.pi) * self.width - 0.5
        wrap = (az.max(1) - az.min(1)) > np.pi
        c0 = np.where(wrap, 0, np.floor(col.min(1)))
        c1 = np.where(wrap, self.width, np.floor(col.max(1)) + 2)
        r0 = np.zeros(len(corners))
        r1 = np.full(len(corners), self.height)
        dist = np.linalg.norm(pl, axis=-1).min(1)
        return _clip_rect(r0, r1, c0, c1, dist < self.max_t, self.height, self.width)


def _clip_rect(r0, r1, c0, c1, valid, height, width):
    r0 = np.clip(r0, 0, height).astype(np.int64)
    r1 = np.clip(r1, 0, height).astype(np.int64)
    c0 = np.clip(c0, 0, width).astype(np.int64)
    c1 = np.clip(c1, 0, width).astype(np.int64)
    valid = valid & (r1 > r0) & (c1 > c0)
    return r0, r1, c0, c1, valid
