"""The street scene type: a curving road with lane markings, kerbs, sidewalks, terrain,
building facades with windows, parked and moving cars, poles with traffic signs, trees
and pedestrians; labels are Cityscapes label ids (:data:`~.labels.LABELS`).

Objects are placed in road coordinates (see :class:`~.road.Road`); moving objects
advance along the road, and one car may follow the camera at a fixed gap.
"""

from typing import Tuple

import numpy as np

from .labels import LABELS
from .road import Road
from .scene import BORDER, BOX, CYLINDER, ELLIPSOID, SKY, WINDOWS, Scene
from .textures import fade, hash01, soft, value_noise

__all__ = ['StreetScene', 'make_street', 'ROAD', 'RAISED', 'CURB']

# Surface codes of the street (hits that are not primitives).
ROAD, RAISED, CURB = -2, -3, -4  # carriageway, kerb-top level (sidewalk / terrain), kerb face


class StreetScene(Scene):
    """A street along a :class:`~.road.Road`: carriageway at y = 0, sidewalks and
    terrain ``curb_height`` above it, and the objects of :func:`make_street`.

    Args:
        road (Road): The centre line.
        seed (int): Seed of the scene's own random stream.
        class_overlap (float): Colour overlap between classes.
    """

    SKY_LABEL = LABELS['sky']
    REFLECTANCE = {
        LABELS['road']: 0.18,
        LABELS['sidewalk']: 0.3,
        LABELS['terrain']: 0.35,
        LABELS['building']: 0.28,
        LABELS['car']: 0.45,
        LABELS['vegetation']: 0.4,
        LABELS['traffic_sign']: 0.9,
    }

    def __init__(self, road: Road, seed: int, class_overlap: float) -> None:
        self.road = road
        self.curb_height = 0.12
        super().__init__(seed, class_overlap)

    def place(self, s, lat):
        """World x, z and heading of road coordinates (s, lat)."""
        return self.road.point(s, lat)

    def ground_hits(self, origin, d, max_t):
        """The carriageway (y = 0), the kerb-top level (y = -curb_height) beyond the
        carriageway edge and the vertical kerb face between them."""
        n = len(d)
        t = np.full(n, np.inf)
        code = np.full(n, SKY, np.int32)
        dy = d[:, 1]
        down = dy > 1e-9
        hc = self.curb_height
        with np.errstate(divide='ignore'):
            t_road = np.where(down, -origin[1] / dy, np.inf)
            t_top = np.where(down, (-hc - origin[1]) / dy, np.inf)
        idx = np.nonzero(down & (t_top < max_t))[0]
        if len(idx) == 0:
            return t, code
        tr, tt, dd = t_road[idx], t_top[idx], d[idx]
        road = self.road
        _, l_top = road.to_road(origin[0] + tt * dd[:, 0], origin[2] + tt * dd[:, 2])
        _, l_rd = road.to_road(origin[0] + tr * dd[:, 0], origin[2] + tr * dd[:, 2])
        wh = road.half_width
        on_top = np.abs(l_top) >= wh
        on_road = ~on_top & (np.abs(l_rd) < wh)
        side = np.sign(l_rd)
        with np.errstate(divide='ignore', invalid='ignore'):
            frac = np.clip((side * wh - l_top) / (l_rd - l_top), 0.0, 1.0)
        t_sel = np.where(on_top, tt, np.where(on_road, tr, tt + frac * (tr - tt)))
        c_sel = np.where(on_top, RAISED, np.where(on_road, ROAD, CURB))
        keep = t_sel < max_t
        t[idx[keep]] = t_sel[keep]
        code[idx[keep]] = c_sel[keep]
        return t, code

    def surface_normals(self, normal, P, hit):
        normal[(hit == ROAD) | (hit == RAISED)] = np.array([0.0, -1.0, 0.0])
        curb = np.nonzero(hit == CURB)[0]
        if len(curb):
            _, lat, th = self.road.to_road(P[curb, 0], P[curb, 2], with_heading=True)
            s = -np.sign(lat)
            normal[curb] = np.stack([s * np.cos(th), np.zeros_like(th), -s * np.sin(th)], 1)

    def surface_labels(self, lab, P, hit):
        lab[hit == ROAD] = LABELS['road']
        lab[hit == CURB] = LABELS['sidewalk']
        r = np.nonzero(hit == RAISED)[0]
        if len(r):
            lab[r] = np.where(self._is_sidewalk(P[r]), LABELS['sidewalk'], LABELS['terrain'])

    def _is_sidewalk(self, P, sl=None):
        s, lat = self.road.to_road(P[:, 0], P[:, 2]) if sl is None else sl
        seg = np.clip(
            ((s - self.surface['s0']) // self.surface['seg']).astype(np.int64),
            0,
            self.surface['sidewalk_width'].shape[1] - 1,
        )
        width = self.surface['sidewalk_width'][(lat > 0).astype(np.int64), seg]
        return np.abs(lat) - self.road.half_width < width

    def surface_albedo(self, P, hit, noise, fp=None):
        """Asphalt with dashed centre and lane markings, kerb stone, paving tiles with
        grout on sidewalks and noisy terrain."""
        sf = self.surface
        col = np.zeros((len(hit), 3), np.float32)
        nz = noise
        iso = None if fp is None else fp.iso()

        def sub(m, e=None):
            return self.footprint_of(fp, m, e)

        s, lat, th = self.road.to_road(P[:, 0], P[:, 2], with_heading=True)
        e_s = np.stack([np.sin(th), np.zeros_like(th), np.cos(th)], 1)  # along the road
        e_l = np.stack([np.cos(th), np.zeros_like(th), -np.sin(th)], 1)  # across
        fine = value_noise(P, 4.0, self.seed + 2, octaves=1, footprint=iso)
        r = np.nonzero(hit == ROAD)[0]
        col[r] = sf['road'] * (1 + 0.35 * (nz[r, None] - 0.5) + 0.25 * (fine[r, None] - 0.5))
        wh = self.road.half_width
        sr, lr, fs, fl = s[r], np.abs(lat[r]), sub(r, e_s[r]), sub(r, e_l[r])
        dash = 1.5 - np.abs(sr % 6.0 - 1.5)  # 3 m dashes every 6 m
        edge = 1.05 - np.abs(sr % 3.0 - 1.05)  # 2.1 m dashes every 3 m
        mark = np.maximum(
            soft(0.07 - lr, fl) * soft(dash, fs),
            soft(0.07 - np.abs(lr - (wh - 2.0)), fl) * soft(edge, fs),
        )
        col[r] += (sf['marking'] - col[r]) * mark[:, None]
        c = hit == CURB
        col[c] = sf['curb'] * (1 + 0.2 * (nz[c, None] - 0.5))
        raised = np.nonzero(hit == RAISED)[0]
        if len(raised):
            side = self._is_sidewalk(P[raised], (s[raised], lat[raised]))
            sw, tr = raised[side], raised[~side]
            a = np.abs(lat[sw]) - wh
            fs, fl = sub(sw, e_s[sw]), sub(sw, e_l[sw])
            tile = hash01(np.floor(s[sw] / 0.5), np.floor(a / 0.5), seed=self.seed)
            tile = 0.92 + 0.16 * tile * fade(fs, 0.5) * fade(fl, 0.5)
            ds, da = s[sw] % 0.5, a % 0.5
            grout = np.maximum(
                soft(0.015 - np.minimum(ds, 0.5 - ds), fs) * fade(fs, 0.25),
                soft(0.015 - np.minimum(da, 0.5 - da), fl) * fade(fl, 0.25),
            )
            col[sw] = sf['sidewalk'] * (tile - 0.25 * grout)[:, None]
            col[sw] *= 1 + 0.25 * (nz[sw, None] - 0.5)
            col[tr] = sf['terrain'] * (
                1 + 0.6 * (nz[tr, None] - 0.5) + 0.35 * (fine[tr, None] - 0.5)
            )
        return col


# ------------------------------------------------------------------------- building
def _add_car(scene, s0, lat, y, yaw, speed=0.0, follow=False):
    rng, pal = scene.rng, scene.palette
    L, Wd = rng.uniform(3.8, 4.8), rng.uniform(1.6, 1.9)
    o = scene.add_object(s0, lat, y, yaw, speed, follow, LABELS['car'], instance=True)
    body, car = pal('car'), LABELS['car']
    scene.add_prim(o, BOX, (0, -0.65, 0), (Wd / 2, 0.35, L / 2), car, body, 1.5, 0.06)
    cab_len = L * rng.uniform(0.25, 0.32)
    scene.add_prim(
        o,
        BOX,
        (0, -1.22, -0.08 * L),
        (Wd / 2 - 0.1, 0.22, cab_len),
        car,
        pal('glass', False),
        2.0,
        0.05,
    )
    for z in (L / 2 - 0.75, -L / 2 + 0.75):
        scene.add_prim(
            o, BOX, (0, -0.32, z), (Wd / 2 - 0.05, 0.31, 0.31), car, pal('tyre', False), 3.0, 0.1
        )


def _add_person(scene, s0, lat, y, yaw, speed):
    pal = scene.palette
    o = scene.add_object(s0, lat, y, yaw, speed, False, LABELS['person'], instance=True)
    p = LABELS['person']
    scene.add_prim(o, BOX, (0, -0.42, 0), (0.15, 0.42, 0.10), p, pal('person'), 2.0, 0.15)
    scene.add_prim(o, BOX, (0, -1.14, 0), (0.21, 0.30, 0.12), p, pal('person'), 2.0, 0.15)
    scene.add_prim(o, ELLIPSOID, (0, -1.58, 0), (0.11, 0.13, 0.11), p, pal('skin', False), 2, 0.1)


def make_street(
    seed, cam_s_range, moving_objects=True, class_overlap=0.3, ego_speed=1.0, lookahead=230.0
) -> Tuple[StreetScene, dict]:
    """Build a random street around the arc-length range the camera drives through.

    Args:
        seed (int): Seed of this scene.
        cam_s_range (tuple): (first, last) camera arc length.
        moving_objects (bool): Add cars and pedestrians that move. Defaults to True.
        class_overlap (float): Colour overlap between classes. Defaults to 0.3.
        ego_speed (float): Mean camera speed in metres per frame. Defaults to 1.0.
        lookahead (float): Street length generated beyond the last camera position.
            Defaults to 230.

    Returns:
        tuple: The un-finalised :class:`StreetScene` and a dict with ``half_width`` and
        ``lane`` (lateral offset of the ego lane).
    """
    rng = np.random.default_rng(seed)
    s_lo, s_hi = cam_s_range[0] - 40.0, cam_s_range[1] + lookahead
    wh = rng.uniform(4.5, 5.8)
    road = Road(rng, (s_lo - 400, s_hi + 400), wh)
    scene = StreetScene(road, seed, class_overlap)
    pal, hc = scene.palette, scene.curb_height
    seg = 30.0
    nseg = int(np.ceil((s_hi - s_lo) / seg)) + 1
    sidewalk = np.where(rng.random((2, nseg)) < 0.15, 0.0, rng.uniform(1.6, 3.5, (2, nseg)))
    terrain = np.where(rng.random((2, nseg)) < 0.4, 0.0, rng.uniform(1.0, 7.0, (2, nseg)))
    scene.surface = dict(
        s0=s_lo,
        seg=seg,
        sidewalk_width=sidewalk,
        road=pal('road'),
        sidewalk=pal('sidewalk'),
        curb=pal('curb', False),
        terrain=pal('terrain'),
        marking=np.clip(0.85 + rng.normal(0, 0.04, 3), 0, 1),
    )
    lanes = (wh - 2.0) / 2.0
    for side_i, side in enumerate((-1.0, 1.0)):
        for k in range(nseg):
            s_a = s_lo + k * seg
            sw, tw = sidewalk[side_i, k], terrain[side_i, k]
            setback = wh + sw + tw
            # buildings (one or two per segment) or open ground with trees
            if rng.random() < 0.8:
                cuts = np.sort(rng.uniform(0, seg, rng.integers(0, 2)))
                edges = np.concatenate([[0.0], cuts, [seg]])
                for a, b in zip(edges[:-1], edges[1:]):
                    a2, b2 = a + rng.uniform(0, 1.5), b - rng.uniform(0, 1.5)
                    if b2 - a2 < 4:
                        continue
                    depth, height = rng.uniform(8, 16), rng.uniform(6, 22)
                    o = scene.add_object(s_a + (a2 + b2) / 2, side * (setback + depth / 2), -hc)
                    wall = pal('building')
                    scene.add_prim(
                        o,
                        BOX,
                        (0, -height / 2, 0),
                        (depth / 2, height / 2, (b2 - a2) / 2),
                        LABELS['building'],
                        wall,
                        rng.uniform(0.5, 2.0),
                        rng.uniform(0.08, 0.25),
                        WINDOWS,
                        pal('window', False),
                        (rng.uniform(2.4, 3.6), rng.uniform(2.8, 3.4)),
                    )
            elif tw < 1.0:
                terrain[side_i, k] = tw = rng.uniform(3.0, 8.0)
            # trees in the terrain band
            if tw > 1.5:
                s_t = s_a + rng.uniform(0, 6)
                while s_t < s_a + seg:
                    if rng.random() < 0.7:
                        _add_tree(
                            scene, s_t, side * (wh + sw + tw / 2), -hc, min(tw / 2 + 1.0, 3.0)
                        )
                    s_t += rng.uniform(6, 12)
            # poles (some carrying a sign) near the kerb
            if rng.random() < 0.6:
                _add_pole(scene, s_a + rng.uniform(0, seg), side * (wh + 0.45), -hc)
            # parked cars
            s_c = s_a + rng.uniform(0, 4)
            while s_c < s_a + seg - 3:
                if rng.random() < 0.35:
                    _add_car(scene, s_c + 2.5, side * (wh - 1.05), 0.0, rng.choice([0.0, np.pi]))
                s_c += rng.uniform(5.5, 9.0)
            # pedestrians on the sidewalk
            if sw > 1.2 and rng.random() < 0.35:
                v = rng.uniform(0.08, 0.16) * rng.choice([-1, 1]) if moving_objects else 0.0
                _add_person(
                    scene,
                    s_a + rng.uniform(0, seg),
                    side * (wh + rng.uniform(0.6, sw - 0.4)),
                    -hc,
                    0.0 if v >= 0 else np.pi,
                    v,
                )
    if moving_objects:
        if rng.random() < 0.8:  # a car ahead moving exactly with the camera
            _add_car(scene, cam_s_range[0] + rng.uniform(9, 20), lanes, 0.0, 0.0, follow=True)
        for _ in range(rng.integers(2, 5)):  # oncoming traffic
            _add_car(
                scene,
                rng.uniform(cam_s_range[0], s_hi),
                -lanes,
                0.0,
                np.pi,
                speed=-rng.uniform(0.6, 1.4),
            )
        if rng.random() < 0.6:  # a faster car pulling away
            _add_car(
                scene,
                cam_s_range[0] + rng.uniform(25, 40),
                lanes,
                0.0,
                0.0,
                speed=ego_speed + rng.uniform(0.2, 0.5),
            )
    return scene, dict(half_width=wh, lane=lanes)


def _add_tree(scene, s, lat, y, max_r):
    rng, pal = scene.rng, scene.palette
    o = scene.add_object(s, lat, y, rng.uniform(0, 6.3))
    trunk_h = rng.uniform(1.8, 3.2)
    r = rng.uniform(0.12, 0.25)
    veg = LABELS['vegetation']
    scene.add_prim(
        o, CYLINDER, (0, -trunk_h / 2, 0), (r, trunk_h / 2, r), veg, pal('bark'), 3.0, 0.25
    )
    rx = rng.uniform(1.2, max(1.3, max_r))
    ry = rng.uniform(1.2, 2.5)
    scene.add_prim(
        o,
        ELLIPSOID,
        (0, -trunk_h - 0.7 * ry, 0),
        (rx, ry, rx * rng.uniform(0.8, 1.2)),
        veg,
        pal('vegetation'),
        rng.uniform(1.5, 3.0),
        0.45,
    )


def _add_pole(scene, s, lat, y):
    rng, pal = scene.rng, scene.palette
    o = scene.add_object(s, lat, y)
    with_sign = rng.random() < 0.5
    h = rng.uniform(2.8, 3.4) if with_sign else rng.uniform(5.0, 8.0)
    r = rng.uniform(0.05, 0.09)
    scene.add_prim(
        o, CYLINDER, (0, -h / 2, 0), (r, h / 2, r), LABELS['pole'], pal('pole'), 2.0, 0.1
    )
    if with_sign:
        a = rng.uniform(0.28, 0.4)
        scene.add_prim(
            o,
            BOX,
            (0, -h + 0.45, -r - 0.03),
            (a, a, 0.025),
            LABELS['traffic_sign'],
            pal('sign'),
            1.0,
            0.05,
            BORDER,
            np.array([0.92, 0.92, 0.92]),
        )
