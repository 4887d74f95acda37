"""Procedural scenes: a street (road, kerbs, sidewalks, terrain, buildings, cars, poles,
signs, trees, pedestrians) or a room with furniture, plus the camera trajectory.

Everything is placed in road coordinates (arc length ``s`` along the centre line,
lateral offset ``lat``, positive to the right of the driving direction) and converted to
the world frame (x right, y down, z forward; road surface y = 0) by :class:`Road`.
Objects are rigid groups of primitives; moving objects advance along the road.
"""

from typing import Tuple

import numpy as np

from .render import (
    BOX,
    CEILING,
    CURB,
    CYLINDER,
    ELLIPSOID,
    FLOOR,
    RAISED,
    ROAD,
    WALL,
    fade,
    hash01,
    soft,
    value_noise,
    yaw_matrix,
)

__all__ = ['LABELS', 'NYU_LABELS', 'Road', 'Scene', 'make_street', 'make_room']

LABELS = dict(
    road=7,
    sidewalk=8,
    building=11,
    pole=17,
    traffic_sign=20,
    vegetation=21,
    terrain=22,
    sky=23,
    person=24,
    car=26,
)
NYU_LABELS = dict(
    wall=1, floor=2, cabinet=3, bed=4, chair=5, sofa=6, table=7, bookshelf=10, ceiling=22
)
PLAIN, WINDOWS, BORDER = 0, 1, 2
ROOM_PATH = 0.3  # camera path radius as a fraction of the room half extents

# Class palettes: (mean RGB, jitter). With probability ``class_overlap`` a colour is
# drawn from the shared distribution instead, so colour alone does not give the class.
_PALETTE = dict(
    road=[((0.34, 0.34, 0.35), 0.06), ((0.30, 0.28, 0.26), 0.05)],
    sidewalk=[((0.58, 0.56, 0.52), 0.08), ((0.62, 0.50, 0.45), 0.06)],
    curb=[((0.70, 0.70, 0.68), 0.05)],
    terrain=[((0.36, 0.45, 0.20), 0.07), ((0.45, 0.40, 0.26), 0.06)],
    building=[
        ((0.75, 0.68, 0.55), 0.10),
        ((0.60, 0.30, 0.22), 0.08),
        ((0.80, 0.80, 0.78), 0.08),
        ((0.45, 0.45, 0.48), 0.08),
    ],
    window=[((0.18, 0.22, 0.28), 0.05)],
    car=[
        ((0.10, 0.10, 0.12), 0.05),
        ((0.75, 0.75, 0.78), 0.08),
        ((0.55, 0.10, 0.10), 0.08),
        ((0.15, 0.22, 0.45), 0.08),
        ((0.55, 0.55, 0.57), 0.06),
    ],
    glass=[((0.12, 0.14, 0.17), 0.03)],
    tyre=[((0.07, 0.07, 0.07), 0.02)],
    vegetation=[((0.20, 0.38, 0.14), 0.06), ((0.28, 0.42, 0.12), 0.06)],
    bark=[((0.30, 0.22, 0.15), 0.05)],
    pole=[((0.45, 0.46, 0.47), 0.08)],
    sign=[((0.75, 0.12, 0.10), 0.06), ((0.10, 0.25, 0.65), 0.06), ((0.90, 0.75, 0.10), 0.06)],
    person=[((0.25, 0.25, 0.30), 0.15), ((0.55, 0.35, 0.25), 0.15)],
    skin=[((0.75, 0.58, 0.46), 0.10)],
    wall=[((0.80, 0.78, 0.72), 0.08), ((0.65, 0.70, 0.75), 0.08)],
    floor=[((0.55, 0.40, 0.25), 0.08), ((0.60, 0.60, 0.58), 0.08)],
    ceiling=[((0.90, 0.90, 0.88), 0.03)],
    furniture=[((0.45, 0.30, 0.18), 0.10), ((0.70, 0.70, 0.68), 0.10), ((0.30, 0.35, 0.50), 0.10)],
)


class Palette:
    """Draws colours per class with a tunable overlap between classes.

    Args:
        rng (np.random.Generator): Random source.
        class_overlap (float): Probability of drawing from the shared distribution.
    """

    def __init__(self, rng, class_overlap):
        self.rng = rng
        self.overlap = class_overlap

    def __call__(self, name, shared=True):
        rng = self.rng
        if shared and rng.random() < self.overlap:
            return rng.uniform(0.12, 0.85, 3)
        opts = _PALETTE[name]
        mean, jit = opts[rng.integers(len(opts))]
        return np.clip(np.asarray(mean) + rng.normal(0, jit, 3), 0.02, 0.98)


class Road:
    """A smooth road centre line parametrised by arc length.

    The heading (angle from +z towards +x) is a sum of slow sinusoids bounded by
    ``max_heading``, so z grows monotonically along the road and a point's road
    coordinates follow from interpolation at its z (exact on straight parts, within
    millimetres on the gentle curves used here).

    Args:
        rng (np.random.Generator | None): Random source (None: straight road).
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


class Scene:
    """A static or animated set of objects built from primitives, plus surfaces.

    Objects advance along the road: at frame k an object's arc length is
    ``s0 + speed * k`` (or the camera's arc length plus a gap for followers).
    """

    def __init__(self, kind, road, seed, class_overlap):
        self.kind = kind
        self.road = road
        self.seed = int(seed)
        self.rng = np.random.default_rng([self.seed, 1])  # a stream apart from the layout's
        self.palette = Palette(self.rng, class_overlap)
        self.curb_height = 0.12
        self.sky_label = LABELS['sky'] if kind == 'street' else 0
        self.room = None
        sun = np.array([self.rng.uniform(-0.6, 0.6), -1.0, self.rng.uniform(-0.5, 0.8)])
        self.sun = sun / np.linalg.norm(sun)
        self.ambient = np.float32(self.rng.uniform(0.45, 0.6))
        self.diffuse = np.float32(self.rng.uniform(0.5, 0.7))
        self.sky_horizon = np.clip(np.array([0.78, 0.84, 0.90]) + self.rng.normal(0, 0.04, 3), 0, 1)
        self.sky_zenith = np.clip(np.array([0.35, 0.52, 0.80]) + self.rng.normal(0, 0.05, 3), 0, 1)
        self.cam_s = np.zeros(1)
        self._obj = {k: [] for k in ('s0', 'lat', 'y', 'speed', 'follow', 'yaw', 'instance')}
        self._prim = {
            k: []
            for k in (
                'object',
                'kind',
                'offset',
                'size',
                'label',
                'pattern',
                'color',
                'color2',
                'freq',
                'amp',
                'param',
            )
        }
        self._cache = {}
        self._counts = {}
        self.surface = {}

    # -- construction -------------------------------------------------------------
    def add_object(
        self, s0, lat, y=0.0, yaw=0.0, speed=0.0, follow=False, label=None, instance=False
    ):
        inst = 0
        if instance:
            inst = self._counts[label] = self._counts.get(label, 0) + 1
        for k, v in zip(self._obj, (s0, lat, y, speed, follow, yaw, inst)):
            self._obj[k].append(v)
        return len(self._obj['s0']) - 1

    def add_prim(
        self,
        obj,
        kind,
        offset,
        size,
        label,
        color,
        freq=1.0,
        amp=0.2,
        pattern=PLAIN,
        color2=None,
        param=(1.0, 1.0),
    ):
        vals = (
            obj,
            kind,
            offset,
            size,
            label,
            pattern,
            color,
            color if color2 is None else color2,
            freq,
            amp,
            param,
        )
        for k, v in zip(self._prim, vals):
            self._prim[k].append(v)

    def finalize(self, cam_s):
        """Freeze the object lists into arrays (call once, after construction)."""
        self.cam_s = np.asarray(cam_s, np.float64)
        o, p = self._obj, self._prim
        self.obj_s0 = np.array(o['s0'], np.float64)
        self.obj_l = np.array(o['lat'], np.float64)
        self.obj_y = np.array(o['y'], np.float64)
        self.obj_speed = np.array(o['speed'], np.float64)
        self.obj_follow = np.array(o['follow'], bool)
        self.obj_yaw = np.array(o['yaw'], np.float64)
        self.obj_instance = np.array(o['instance'], np.uint16)
        self.prim_object = np.array(p['object'], np.int64)
        self.prim_kind = np.array(p['kind'], np.int64)
        self.prim_offset = np.array(p['offset'], np.float64).reshape(-1, 3)
        self.prim_size = np.array(p['size'], np.float64).reshape(-1, 3)
        self.prim_label = np.array(p['label'], np.uint8)
        self.prim_pattern = np.array(p['pattern'], np.int64)
        self.prim_color = np.array(p['color'], np.float32).reshape(-1, 3)
        self.prim_color2 = np.array(p['color2'], np.float32).reshape(-1, 3)
        self.prim_freq = np.array(p['freq'], np.float64)
        self.prim_amp = np.array(p['amp'], np.float32)
        self.prim_param = np.array(p['param'], np.float64).reshape(-1, 2)
        self.prim_tex_offset = self.rng.uniform(0, 1000, (len(self.prim_kind), 3))
        self.moving = (self.obj_speed != 0) | self.obj_follow
        return self

    # -- animation ----------------------------------------------------------------
    def object_poses(self, frame):
        """(O, 3) positions and (O, 3, 3) rotations of all objects at a frame."""
        key = ('obj', frame)
        if key not in self._cache:
            s = self.obj_s0 + self.obj_speed * frame
            if self.obj_follow.any():
                f = min(frame, len(self.cam_s) - 1)
                s = s + self.obj_follow * (self.cam_s[f] - self.cam_s[0])
            x, z, th = self.road.point(s, self.obj_l)
            pos = np.stack([x, self.obj_y, z], 1)
            self._cache[key] = (pos, yaw_matrix(th + self.obj_yaw))
        return self._cache[key]

    def primitive_poses(self, frame):
        """(P, 3) centres and (P, 3, 3) rotations of all primitives at a frame."""
        key = ('prim', frame)
        if key not in self._cache:
            pos, rot = self.object_poses(frame)
            o = self.prim_object
            centers = pos[o] + np.einsum('pij,pj->pi', rot[o], self.prim_offset)
            self._cache[key] = (centers, rot[o])
        return self._cache[key]

    def object_motion(self, frame_a, frame_b):
        """(O, 4, 4) transforms moving world points on each object from a to b."""
        pa, ra = self.object_poses(frame_a)
        pb, rb = self.object_poses(frame_b)
        T = np.tile(np.eye(4), (len(pa), 1, 1))
        T[:, :3, :3] = rb @ ra.transpose(0, 2, 1)
        T[:, :3, 3] = pb - np.einsum('oij,oj->oi', T[:, :3, :3], pa)
        return T

    # -- appearance ---------------------------------------------------------------
    def sky_color(self, d):
        dn = d / np.linalg.norm(d, axis=1, keepdims=True)
        e = np.clip(-dn[:, 1], 0, 1)[:, None] ** 0.6
        col = self.sky_horizon * (1 - e) + self.sky_zenith * e
        cloud = value_noise(dn * 3.0, 1.0, self.seed + 11, octaves=3)
        c = np.clip((cloud - 0.5) * 3.0, 0, 1)[:, None] * np.clip(e * 3, 0, 1)
        return (col * (1 - 0.6 * c) + 0.95 * 0.6 * c).astype(np.float32)

    def labels_of(self, P, hit):
        """Semantic label ids and instance numbers of hit points."""
        lab = np.zeros(len(hit), np.uint8)
        inst = np.zeros(len(hit), np.uint16)
        m = hit >= 0
        lab[m] = self.prim_label[hit[m]]
        inst[m] = self.obj_instance[self.prim_object[hit[m]]]
        if self.kind == 'room':
            lab[hit == FLOOR] = NYU_LABELS['floor']
            lab[hit == WALL] = NYU_LABELS['wall']
            lab[hit == CEILING] = NYU_LABELS['ceiling']
            return lab, inst
        lab[hit == ROAD] = LABELS['road']
        lab[hit == CURB] = LABELS['sidewalk']
        r = np.nonzero(hit == RAISED)[0]
        if len(r):
            lab[r] = np.where(self._is_sidewalk(P[r]), LABELS['sidewalk'], LABELS['terrain'])
        return lab, inst

    def _is_sidewalk(self, P, sl=None):
        s, lat = self.road.to_road(P[:, 0], P[:, 2]) if sl is None else sl
        seg = np.clip(
            ((s - self.surface['s0']) // self.surface['seg']).astype(np.int64),
            0,
            self.surface['sidewalk_width'].shape[1] - 1,
        )
        width = self.surface['sidewalk_width'][(lat > 0).astype(np.int64), seg]
        return np.abs(lat) - self.road.half_width < width

    def albedo(self, P, tex, hit, normal, footprint=None):
        """Albedo (N, 3), label ids and instance numbers of finite hits.

        ``footprint`` (:class:`render.Footprint`) gives the pixel size on the surface;
        patterns are box-filtered with it (see :func:`render.soft`) so they do not alias.
        """
        lab, inst = self.labels_of(P, hit)
        col = np.zeros((len(hit), 3), np.float32)

        def fp(idx, kind='iso'):
            return None if footprint is None else getattr(footprint[idx], kind)()

        m = np.nonzero(hit >= 0)[0]
        if len(m):
            p = hit[m]
            q = tex[m]
            nz = value_noise(
                q + self.prim_tex_offset[p], self.prim_freq[p], self.seed, footprint=fp(m)
            )
            mix = np.zeros(len(m), np.float32)
            pat = self.prim_pattern[p]
            w = np.nonzero(pat == WINDOWS)[0]
            if len(w):
                par = self.prim_param[p[w]]
                u = (q[w, 0] + q[w, 2]) % par[:, 0] - 0.5 * par[:, 0]
                h = -q[w, 1] + self.prim_size[p[w], 1]
                hv = h % par[:, 1] - 0.55 * par[:, 1]
                fh, fv = fp(m[w], 'horizontal'), fp(m[w], 'vertical')
                win = (
                    soft(0.22 * par[:, 0] - np.abs(u), fh)
                    * soft(0.25 * par[:, 1] - np.abs(hv), fv)
                    * soft(h - 0.8 * par[:, 1], fv)
                )
                mix[w] = win * (np.abs(normal[m[w], 1]) < 0.5)
            b = np.nonzero(pat == BORDER)[0]
            if len(b):
                d = np.abs(q[b, :2]) - 0.78 * self.prim_size[p[b], :2]
                mix[b] = np.maximum(
                    soft(d[:, 0], fp(m[b], 'horizontal')), soft(d[:, 1], fp(m[b], 'vertical'))
                )
            base = self.prim_color[p] * (1 - mix[:, None]) + self.prim_color2[p] * mix[:, None]
            col[m] = base * (1 + self.prim_amp[p] * (nz - 0.5) * 2)[:, None]
        g = np.nonzero(hit < 0)[0]
        if len(g):
            col[g] = self._ground_albedo(P[g], hit[g], None if footprint is None else footprint[g])
        return np.clip(col, 0, 1), lab, inst

    def _ground_albedo(self, P, hit, fp=None):
        sf = self.surface
        col = np.zeros((len(hit), 3), np.float32)
        iso = None if fp is None else fp.iso()
        nz = value_noise(P, 0.5, self.seed + 1, octaves=3, footprint=iso)

        def sub(m, e=None):  # footprint along e (None: isotropic)
            if fp is None:
                return None
            return fp[m].iso() if e is None else fp[m].along(e)

        if self.kind == 'room':
            for code, name in ((FLOOR, 'floor'), (WALL, 'wall'), (CEILING, 'ceiling')):
                m = hit == code
                col[m] = sf[name] * (1 + sf['amp_' + name] * (nz[m, None] - 0.5) * 2)
            f = np.nonzero(hit == FLOOR)[0]
            if len(f):
                x = P[f, 0] % 0.2
                gap = soft(0.01 - np.minimum(x, 0.2 - x), sub(f, np.array([1.0, 0, 0])))
                col[f] *= (1 - 0.3 * gap)[:, None]
            return col
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

    def lidar_reflectance(self, P, hit):
        lab, _ = self.labels_of(P, hit)
        base = np.full(len(hit), 0.25, np.float32)
        for name, val in (
            ('road', 0.18),
            ('sidewalk', 0.3),
            ('terrain', 0.35),
            ('building', 0.28),
            ('car', 0.45),
            ('vegetation', 0.4),
            ('traffic_sign', 0.9),
        ):
            base[lab == LABELS[name]] = val
        jit = hash01(
            np.floor(P[:, 0] * 4), np.floor(P[:, 1] * 4), np.floor(P[:, 2] * 4), seed=self.seed
        )
        return np.clip(base + 0.1 * (jit - 0.5), 0, 1).astype(np.float32)


# ------------------------------------------------------------------------- street
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
) -> Tuple[Scene, dict]:
    """Build a random street around the arc-length range the camera drives through.

    Args:
        seed (int): Seed of this scene.
        cam_s_range (tuple): (first, last) camera arc length.
        moving_objects (bool): Add cars and pedestrians that move. Defaults to True.
        class_overlap (float): Colour overlap between classes. Defaults to 0.3.
        ego_speed (float): Mean camera speed in metres per frame. Defaults to 1.0.
        lookahead (float): Street length generated beyond the last camera position.

    Returns:
        tuple: The un-finalised :class:`Scene` and a dict with ``half_width`` and
        ``lane`` (lateral offset of the ego lane).
    """
    rng = np.random.default_rng(seed)
    s_lo, s_hi = cam_s_range[0] - 40.0, cam_s_range[1] + lookahead
    wh = rng.uniform(4.5, 5.8)
    road = Road(rng, (s_lo - 400, s_hi + 400), wh)
    scene = Scene('street', road, seed, class_overlap)
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


# ------------------------------------------------------------------------- room
def make_room(seed, class_overlap=0.3) -> Scene:
    """Build a random room (walls, floor, ceiling) with furniture boxes.

    Args:
        seed (int): Seed of this scene.
        class_overlap (float): Colour overlap between classes. Defaults to 0.3.

    Returns:
        Scene: The un-finalised scene; ``scene.room`` = (half width, height, half depth).
    """
    rng = np.random.default_rng(seed)
    scene = Scene('room', Road(None, (-50, 50), 1.0), seed, class_overlap)
    pal = scene.palette
    a, hgt, b = rng.uniform(2.0, 3.5), rng.uniform(2.5, 3.0), rng.uniform(2.5, 4.5)
    scene.room = (a, hgt, b)
    scene.surface = dict(
        wall=pal('wall'),
        floor=pal('floor'),
        ceiling=pal('ceiling', False),
        amp_wall=0.08,
        amp_floor=0.25,
        amp_ceiling=0.03,
    )
    scene.sun = np.array([0.3, -0.8, 0.5]) / np.linalg.norm([0.3, -0.8, 0.5])
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
        o = scene.add_object(z, x, 0.0, yaw)
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
