"""Procedural textures of the synthetic world: integer hashes, 3D value noise and the
pixel-footprint prefilter that fades patterns before they alias.

Every function is evaluated at a 3D point (or integer cell), never at a pixel, so a
surface looks the same from every frame and camera.
"""

from typing import Optional

import numpy as np

__all__ = ['value_noise', 'hash01', 'soft', 'fade', 'Footprint']


def _mix(h: np.ndarray) -> np.ndarray:
    """Integer avalanche hash on uint32 (a 'lowbias32'-style finaliser)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x7FEB352D)
    h = h ^ (h >> np.uint32(15))
    h = h * np.uint32(0x846CA68B)
    return h ^ (h >> np.uint32(16))


def fade(footprint, period):
    """Weight in [0, 1] of a pattern of the given period (metres) seen with a pixel
    footprint (metres): 1 while well resolved, 0 once it would alias."""
    if footprint is None:
        return np.float32(1.0)
    return np.clip(2.0 - 4.0 * footprint / period, 0.0, 1.0).astype(np.float32)


class Footprint:
    """Size on the surface of the pixel behind each hit, for prefiltering patterns.

    A surface step of length L along a tangent e spans the angle
    L * sqrt(1 - (e . d)^2) / distance, so along e one pixel covers
    ``distance * pixel_angle / sqrt(1 - (e . d)^2)`` metres.

    Args:
        base (np.ndarray): (N,) distance * pixel angle.
        view_dir (np.ndarray): (N, 3) unit view directions.
        normal (np.ndarray): (N, 3) unit surface normals.
    """

    def __init__(self, base, view_dir, normal):
        self.base, self.view_dir = base, view_dir
        self._iso = base / np.sqrt(np.maximum(np.abs((view_dir * normal).sum(-1)), 0.05))
        self._vertical = self._along(base, view_dir, np.array([0.0, 1.0, 0.0]))
        e = np.cross(normal, np.array([0.0, 1.0, 0.0]))
        e /= np.linalg.norm(e, axis=-1, keepdims=True) + 1e-9
        self._horizontal = self._along(base, view_dir, e)

    @staticmethod
    def _along(base, view_dir, e):
        c = (view_dir * e).sum(-1)
        return base / np.sqrt(np.maximum(1.0 - c * c, 0.0025))

    def __getitem__(self, idx):
        sub = object.__new__(Footprint)
        sub.base, sub.view_dir = self.base[idx], self.view_dir[idx]
        sub._iso, sub._vertical = self._iso[idx], self._vertical[idx]
        sub._horizontal = self._horizontal[idx]
        return sub

    def along(self, e):
        """Footprint along unit tangent(s) e (3,) or (N, 3)."""
        return self._along(self.base, self.view_dir, e)

    def iso(self):
        """A single isotropic size (geometric mean of the principal footprints)."""
        return self._iso

    def vertical(self):
        """Footprint along the vertical."""
        return self._vertical

    def horizontal(self):
        """Footprint along the horizontal tangent of vertical faces (n x up)."""
        return self._horizontal


def soft(dist, footprint):
    """Box-filtered step: coverage of 'inside' (signed distance ``dist`` > 0, metres)
    over a pixel footprint, so pattern edges are prefiltered instead of aliased."""
    if footprint is None:
        return (dist > 0).astype(np.float32)
    return np.clip(0.5 + dist / np.maximum(footprint, 1e-6), 0.0, 1.0).astype(np.float32)


def value_noise(
    p: np.ndarray,
    freq: np.ndarray,
    seed: int = 0,
    octaves: int = 2,
    footprint: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Smooth 3D value noise (fractal sum of octaves) in [0, 1].

    Lattice values come from an integer hash of the cell corner, interpolated with the
    smoothstep weights, so the value at a 3D point never depends on the viewpoint.

    Args:
        p (np.ndarray): (N, 3) points.
        freq (np.ndarray): Scalar or (N,) base frequency (cells per unit).
        seed (int): Hash seed. Defaults to 0.
        octaves (int): Number of octaves (each doubles the frequency, halves the
            amplitude). Defaults to 2.
        footprint (np.ndarray, optional): (N,) pixel footprint in the units of ``p``;
            octaves too fine for it fade to their mean (prefiltering). Defaults to None.

    Returns:
        np.ndarray: (N,) float32 values.
    """
    freq = np.asarray(freq, dtype=np.float64)
    if freq.ndim:
        freq = freq[:, None]
    total = np.zeros(len(p), np.float32)
    norm = 0.0
    amp = 1.0
    k = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D], dtype=np.uint32)
    with np.errstate(over='ignore'):
        for octave in range(octaves):
            q = p * freq * (2.0**octave)
            qi = np.floor(q)
            f = (q - qi).astype(np.float32)
            f = f * f * (3.0 - 2.0 * f)
            qi = qi.astype(np.int64).astype(np.uint32)
            base = (
                qi[:, 0] * k[0]
                + qi[:, 1] * k[1]
                + qi[:, 2] * k[2]
                + np.uint32((seed * 0x27D4EB2F + octave * 0x165667B1) & 0xFFFFFFFF)
            )
            acc = np.zeros(len(p), np.float32)
            for cx in (0, 1):
                wx = f[:, 0] if cx else 1.0 - f[:, 0]
                for cy in (0, 1):
                    wy = f[:, 1] if cy else 1.0 - f[:, 1]
                    for cz in (0, 1):
                        wz = f[:, 2] if cz else 1.0 - f[:, 2]
                        ofs = np.uint32(
                            (cx * int(k[0]) + cy * int(k[1]) + cz * int(k[2])) & 0xFFFFFFFF
                        )
                        h = _mix(base + ofs).astype(np.float32) * np.float32(2.0**-32)
                        acc += wx * wy * wz * h
            if footprint is not None:
                acc = 0.5 + fade(footprint, 1.0 / (freq.reshape(-1) * 2.0**octave)) * (acc - 0.5)
            total += amp * acc
            norm += amp
            amp *= 0.5
    return total / norm


def hash01(*ints, seed: int = 0) -> np.ndarray:
    """Uniform [0, 1) hash of integer arrays (per-cell random values)."""
    with np.errstate(over='ignore'):
        h = np.uint32(seed * 0x27D4EB2F & 0xFFFFFFFF)
        for i, v in enumerate(ints):
            h = _mix(
                h
                + np.asarray(v).astype(np.int64).astype(np.uint32)
                * np.uint32([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D][i % 3])
            )
    return h.astype(np.float32) * np.float32(2.0**-32)
