"""The road of a street scene: a smooth centre line parametrised by arc length.

Street objects are placed in road coordinates (arc length ``s`` along the centre line,
lateral offset ``lat``, positive to the right of the driving direction); :class:`Road`
converts them to the world frame (x right, y down, z forward; road surface y = 0) and
back.
"""

import numpy as np

__all__ = ['Road']


class Road:
    """A smooth road centre line parametrised by arc length.

    The heading (angle from +z towards +x) is a sum of slow sinusoids bounded by
    ``max_heading``, so z grows monotonically along the road and a point's road
    coordinates follow from interpolation at its z (exact on straight parts, within
    millimetres on the gentle curves used here).

    Args:
        rng (np.random.Generator | None): Random source (None: a straight road).
        s_range (tuple): Range of arc length to tabulate.
        half_width (float): Half width of the carriageway in metres.
        max_heading (float): Bound of the heading in radians. Defaults to 0.35.
    """

    def __init__(self, rng, s_range, half_width, max_heading=0.35):
        step = 0.25
        self.half_width = half_width
        s = np.arange(s_range[0], s_range[1] + step, step)
        th = np.zeros_like(s)
        if rng is not None:
            for _ in range(3):
                period = rng.uniform(120, 400)
                th += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * s / period + rng.uniform(0, 6.3))
            th *= max_heading / max(np.abs(th).max(), 1e-6) * rng.uniform(0.3, 1.0)
        dx, dz = np.sin(th), np.cos(th)
        x = np.concatenate([[0], np.cumsum((dx[1:] + dx[:-1]) * 0.5 * step)])
        z = np.concatenate([[0], np.cumsum((dz[1:] + dz[:-1]) * 0.5 * step)])
        i0 = np.searchsorted(s, 0.0)
        self.s, self.th, self.x, self.z = s, th, x - x[i0], z - z[i0]

    def point(self, s, lat=0.0):
        """World (x, z) and heading at road coordinates (s, lat)."""
        th = np.interp(s, self.s, self.th)
        x = np.interp(s, self.s, self.x) + lat * np.cos(th)
        z = np.interp(s, self.s, self.z) - lat * np.sin(th)
        return x, z, th

    def to_road(self, x, z, with_heading=False):
        """Road coordinates (s, lat) (and heading) of world points (x, z)."""
        s0 = np.interp(z, self.z, self.s)
        th = np.interp(z, self.z, self.th)
        dx = x - np.interp(z, self.z, self.x)
        s = s0 + dx * np.sin(th)
        lat = dx * np.cos(th)
        return (s, lat, th) if with_heading else (s, lat)
