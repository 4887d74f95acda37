"""The room scene type: a closed box (walls, floor, ceiling) with furniture boxes along
the walls; labels are NYU-40 ids (:data:`~.labels.NYU_LABELS`).

Room objects are placed directly in the world frame (x right, y down, z forward; floor
y = 0, the room centred on the origin) and never move.
"""

import numpy as np

from .labels import NYU_LABELS
from .scene import BOX, Scene
from .textures import soft

__all__ = ['RoomScene', 'make_room', 'ROOM_PATH', 'FLOOR', 'CEILING', 'WALL']

# Surface codes of the room (hits that are not primitives).
FLOOR, CEILING, WALL = -5, -6, -7
ROOM_PATH = 0.3  # camera path radius as a fraction of the room half extents


class RoomScene(Scene):
    """A room of half width ``a``, height ``h`` and half depth ``b``: walls at
    x = +-a and z = +-b, floor at y = 0, ceiling at y = -h.

    Args:
        extent (tuple): (a, h, b) in metres.
        seed (int): Seed of the scene's own random stream.
        class_overlap (float): Colour overlap between classes.
    """

    def __init__(self, extent, seed: int, class_overlap: float) -> None:
        super().__init__(seed, class_overlap)
        self.extent = tuple(extent)
        self.sun = np.array([0.3, -0.8, 0.5]) / np.linalg.norm([0.3, -0.8, 0.5])

    def place(self, s, lat):
        """Room objects sit at world (x, z) = (s, lat), unrotated."""
        return s, lat, np.zeros_like(s)

    def ground_hits(self, origin, d, max_t):
        """Exit point of every ray from the inside of the box (rays always hit)."""
        a, h, b = self.extent
        with np.errstate(divide='ignore', invalid='ignore'):
            lo = np.array([-a, -h, -b])
            hi = np.array([a, 0.0, b])
            dd = np.where(np.abs(d) < 1e-12, 1e-12, d)
            t1 = (lo - origin) / dd
            t2 = (hi - origin) / dd
            tex = np.maximum(t1, t2)
        axis = tex.argmin(1)
        t = tex.min(1)
        code = np.where(
            axis == 0, WALL, np.where(axis == 2, WALL, np.where(d[:, 1] > 0, FLOOR, CEILING))
        )
        return t, code.astype(np.int32)

    def surface_normals(self, normal, P, hit):
        up = np.array([0.0, -1.0, 0.0])
        normal[hit == FLOOR] = up
        normal[hit == CEILING] = -up
        wall = np.nonzero(hit == WALL)[0]
        if len(wall):
            rel = P[wall] / np.array([self.extent[0], 1.0, self.extent[2]])
            rel[:, 1] = 0
            ax = np.abs(rel).argmax(1)
            nw = np.zeros_like(rel)
            nw[np.arange(len(wall)), ax] = -np.sign(rel[np.arange(len(wall)), ax])
            normal[wall] = nw

    def surface_labels(self, lab, P, hit):
        lab[hit == FLOOR] = NYU_LABELS['floor']
        lab[hit == WALL] = NYU_LABELS['wall']
        lab[hit == CEILING] = NYU_LABELS['ceiling']

    def surface_albedo(self, P, hit, noise, fp=None):
        """Plain walls and ceiling, floor boards 0.2 m wide."""
        sf = self.surface
        col = np.zeros((len(hit), 3), np.float32)
        for code, name in ((FLOOR, 'floor'), (WALL, 'wall'), (CEILING, 'ceiling')):
            m = hit == code
            col[m] = sf[name] * (1 + sf['amp_' + name] * (noise[m, None] - 0.5) * 2)
        f = np.nonzero(hit == FLOOR)[0]
        if len(f):
            x = P[f, 0] % 0.2
            gap = soft(
                0.01 - np.minimum(x, 0.2 - x), self.footprint_of(fp, f, np.array([1.0, 0, 0]))
            )
            col[f] *= (1 - 0.3 * gap)[:, None]
        return col


def make_room(seed, class_overlap=0.3) -> RoomScene:
    """Build a random room (walls, floor, ceiling) with furniture boxes.

    Args:
        seed (int): Seed of this scene.
        class_overlap (float): Colour overlap between classes. Defaults to 0.3.

    Returns:
        RoomScene: The un-finalised scene; ``scene.extent`` = (half width, height,
        half depth).
    """
    rng = np.random.default_rng(seed)
    a, hgt, b = rng.uniform(2.0, 3.5), rng.uniform(2.5, 3.0), rng.uniform(2.5, 4.5)
    scene = RoomScene((a, hgt, b), seed, class_overlap)
    pal = scene.palette
    scene.surface = dict(
        wall=pal('wall'),
        floor=pal('floor'),
        ceiling=pal('ceiling', False),
        amp_wall=0.08,
        amp_floor=0.25,
        amp_ceiling=0.03,
    )
    kinds = [
        ('bed', (1.0, 0.3, 1.0)),
        ('table', (0.6, 0.38, 0.45)),
        ('cabinet', (0.4, 0.9, 0.25)),
        ('sofa', (1.0, 0.4, 0.45)),
        ('bookshelf', (0.5, 1.0, 0.2)),
        ('chair', (0.25, 0.45, 0.25)),
    ]
    for _ in range(rng.integers(4, 8)):
        name, (hx, hy, hz) = kinds[rng.integers(len(kinds))]
        hx, hy, hz = np.array([hx, hy, hz]) * rng.uniform(0.8, 1.2, 3)
        wall = rng.integers(4)
        along = rng.uniform(-1, 1)
        # keep the middle of the room (where the camera moves) free
        hz = min(hz, ((a if wall < 2 else b) * (1 - ROOM_PATH) - 0.6) / 2)
        hx = min(hx, (b if wall < 2 else a) - 0.2)
        if wall < 2:  # against a side wall (x = +-a)
            x, z, yaw = (a - hz - 0.05) * (1 if wall else -1), along * (b - hx - 0.1), np.pi / 2
        else:
            x, z, yaw = along * (a - hx - 0.1), (b - hz - 0.05) * (1 if wall == 3 else -1), 0.0
        o = scene.add_object(x, z, 0.0, yaw)
        scene.add_prim(
            o,
            BOX,
            (0, -hy, 0),
            (hx, hy, hz),
            NYU_LABELS[name],
            pal('furniture'),
            rng.uniform(1.0, 4.0),
            0.2,
        )
    return scene
