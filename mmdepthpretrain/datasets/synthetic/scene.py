"""The base of the synthetic scene types: rigid objects built from primitives, their
animation, and the appearance (albedo, labels) of primitives.

A scene type (:class:`~.street.StreetScene`, :class:`~.room.RoomScene`) adds what is not
a primitive (a road surface, the walls of a room): where rays hit it, its normals,
labels and albedo, and how its ground coordinates map to the world frame (x right,
y down, z forward). The ray caster (:mod:`.render`) only talks to this interface::

    place(s, lat)                 ground coordinates -> world x, z and heading
    ground_hits(origin, d, max_t) ray parameters and surface codes (< 0) of non-primitives
    surface_normals / surface_labels / surface_albedo   the same surfaces, shaded

Hit codes: a primitive index (>= 0), :data:`SKY`, or a surface code of the scene type.
"""

from typing import Optional, Tuple

import numpy as np

from .geometry import yaw_matrix
from .palette import Palette
from .textures import Footprint, hash01, soft, value_noise

__all__ = ['Scene', 'SKY', 'BOX', 'CYLINDER', 'ELLIPSOID', 'PLAIN', 'WINDOWS', 'BORDER']

SKY = -1  # hit code of a ray that hits nothing (surface codes of scene types are < -1)
BOX, CYLINDER, ELLIPSOID = 0, 1, 2  # primitive kinds
PLAIN, WINDOWS, BORDER = 0, 1, 2  # primitive patterns


class Scene:
    """Objects built from primitives, plus the surfaces of a scene type.

    An object sits at ground coordinates ``(s, lat)`` of its scene type (see
    :meth:`place`) and, at frame k, at ``s0 + speed * k`` (or the camera's ground
    coordinate plus a gap for followers). A primitive is a box, vertical cylinder or
    ellipsoid in its object's frame.

    Args:
        seed (int): Seed of the scene's own random stream (colours, lighting, texture
            offsets), apart from the one that lays the scene out.
        class_overlap (float): Probability that a colour comes from the shared
            distribution (see :class:`~.palette.Palette`).
    """

    SKY_LABEL = 0  # label id of rays that hit nothing
    REFLECTANCE = {}  # lidar reflectance by label id (others 0.25)

    def __init__(self, seed: int, class_overlap: float) -> None:
        self.seed = int(seed)
        self.rng = np.random.default_rng([self.seed, 1])  # a stream apart from the layout's
        self.palette = Palette(self.rng, class_overlap)
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

    # -- interface of the scene types ----------------------------------------------
    def place(self, s: np.ndarray, lat: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World x, z and heading (yaw) of ground coordinates (s, lat)."""
        raise NotImplementedError

    def ground_hits(self, origin: np.ndarray, d: np.ndarray, max_t: float):
        """Ray parameters (inf = none) and int32 hit codes of the non-primitive
        surfaces for rays ``d`` (N, 3) from ``origin``."""
        raise NotImplementedError

    def surface_labels(self, lab: np.ndarray, P: np.ndarray, hit: np.ndarray) -> None:
        """Write the label ids of non-primitive hits into ``lab`` (in place)."""
        raise NotImplementedError

    def surface_normals(self, normal: np.ndarray, P: np.ndarray, hit: np.ndarray) -> None:
        """Write the unit normals of non-primitive hits into ``normal`` (in place)."""
        raise NotImplementedError

    def surface_albedo(
        self, P: np.ndarray, hit: np.ndarray, noise: np.ndarray, fp: Optional[Footprint]
    ) -> np.ndarray:
        """(N, 3) albedo of non-primitive hits ``P`` with surface codes ``hit``;
        ``noise`` is a smooth value noise of ``P`` (3 octaves at 0.5 cells/m)."""
        raise NotImplementedError

    # -- construction -------------------------------------------------------------
    def add_object(
        self, s0, lat, y=0.0, yaw=0.0, speed=0.0, follow=False, label=None, instance=False
    ):
        """Add an object at ground coordinates (s0, lat) and height ``y``; returns its id.
        ``instance`` gives it the next instance number of ``label``."""
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
        """Add a primitive of ``kind`` at ``offset`` in object ``obj`` (half extents
        ``size``; a cylinder's are (r, half height, r))."""
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

    def finalize(self, cam_s=None):
        """Freeze the object lists into arrays (call once, after construction).

        Args:
            cam_s (np.ndarray, optional): Camera ground coordinate per frame, which
                followers keep their gap to. Defaults to a camera that stays at 0.
        """
        self.cam_s = np.zeros(1) if cam_s is None else np.asarray(cam_s, np.float64)
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
            x, z, th = self.place(s, self.obj_l)
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
        """Float32 RGB of rays ``d`` (N, 3) that hit nothing: a gradient with clouds."""
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
        self.surface_labels(lab, P, hit)
        return lab, inst

    @staticmethod
    def footprint_of(fp, m, e=None):
        """Footprint of hits ``m`` along tangent(s) ``e`` (None: isotropic; no
        footprint: None, i.e. unfiltered)."""
        if fp is None:
            return None
        return fp[m].iso() if e is None else fp[m].along(e)

    def albedo(self, P, tex, hit, normal, footprint=None):
        """Albedo (N, 3), label ids and instance numbers of finite hits.

        ``footprint`` (:class:`~.textures.Footprint`) gives the pixel size on the
        surface; patterns are box-filtered with it (see :func:`~.textures.soft`) so they
        do not alias.
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
            fg = None if footprint is None else footprint[g]
            iso = None if fg is None else fg.iso()
            noise = value_noise(P[g], 0.5, self.seed + 1, octaves=3, footprint=iso)
            col[g] = self.surface_albedo(P[g], hit[g], noise, fg)
        return np.clip(col, 0, 1), lab, inst

    def lidar_reflectance(self, P, hit):
        """Float32 reflectance in [0, 1] of lidar hits: by label, with per-cell jitter."""
        lab, _ = self.labels_of(P, hit)
        base = np.full(len(hit), 0.25, np.float32)
        for label, val in self.REFLECTANCE.items():
            base[lab == label] = val
        jit = hash01(
            np.floor(P[:, 0] * 4), np.floor(P[:, 1] * 4), np.floor(P[:, 2] * 4), seed=self.seed
        )
        return np.clip(base + 0.1 * (jit - 0.5), 0, 1).astype(np.float32)
