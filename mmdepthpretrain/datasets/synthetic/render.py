"""Vectorised NumPy ray casting for the synthetic world.

A view (pinhole camera or spinning lidar) is a bundle of rays from one origin arranged
on a 2D grid. Every primitive (oriented box, vertical cylinder, ellipsoid) is projected
to the grid first and tested only against the rays inside its bounding rectangle, so a
frame costs about one ray-plane test per ray plus a few ray-primitive tests per pixel.

World frame: x right, y down (gravity), z forward at the start of the road; the road
surface is the plane y = 0. Rotations of objects are yaws about the y axis.
The ray of pixel (u, v) (integer = pixel centre) is K^-1 [u, v, 1]^T rotated into the
world, so for a pinhole view the ray parameter t equals the camera depth z.
"""

from typing import Dict, Optional, Tuple

import numpy as np

__all__ = [
    'PinholeView',
    'LidarView',
    'cast_rays',
    'shade',
    'value_noise',
    'soft',
    'fade',
    'hash01',
    'Footprint',
    'yaw_matrix',
    'SKY',
    'ROAD',
    'RAISED',
    'CURB',
    'FLOOR',
    'CEILING',
    'WALL',
]

# Surface codes of hits that are not primitives (primitive hits are >= 0).
SKY, ROAD, RAISED, CURB, FLOOR, CEILING, WALL = -1, -2, -3, -4, -5, -6, -7
BOX, CYLINDER, ELLIPSOID = 0, 1, 2
_NEAR = 0.05
# Width of the texture prefilter in pixels (a mild optical blur; patterns and noise
# finer than this fade out instead of aliasing).
BLUR = 1.5
_CORNER_SIGNS = np.array(
    [[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64
)


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


# ----------------------------------------------------------------------------- noise
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


# ----------------------------------------------------------------------------- views
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
        front = z > _NEAR
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


# ----------------------------------------------------------------------------- casting
def _intersect(kind, center, rot, size, origin, d):
    """Nearest positive ray parameter (inf = miss) of rays d (M, 3) from origin."""
    rot = rot.astype(np.float32)
    o = ((origin - center) @ rot).astype(np.float32)  # local (rot maps local to world)
    size = size.astype(np.float32)
    dl = d @ rot
    if kind == BOX:
        dl = np.where(np.abs(dl) < 1e-12, 1e-12, dl)
        inv = 1.0 / dl
        t1 = (-size - o) * inv
        t2 = (size - o) * inv
        lo, hi = np.minimum(t1, t2), np.maximum(t1, t2)
        # column-wise max / min (much faster than a reduction over a length-3 axis)
        tmin = np.maximum(np.maximum(lo[:, 0], lo[:, 1]), lo[:, 2])
        tmax = np.minimum(np.minimum(hi[:, 0], hi[:, 1]), hi[:, 2])
        hit = (tmax >= tmin) & (tmin > _NEAR)
        return np.where(hit, tmin, np.inf)
    if kind == CYLINDER:
        r, hh = size[0], size[1]
        a = dl[:, 0] ** 2 + dl[:, 2] ** 2
        b = o[0] * dl[:, 0] + o[2] * dl[:, 2]
        c = o[0] ** 2 + o[2] ** 2 - r * r
        disc = b * b - a * c
        with np.errstate(invalid='ignore', divide='ignore'):
            t = (-b - np.sqrt(np.maximum(disc, 0))) / a
        y = o[1] + t * dl[:, 1]
        hit = (disc >= 0) & (a > 1e-12) & (np.abs(y) <= hh) & (t > _NEAR)
        return np.where(hit, t, np.inf)
    # ellipsoid
    os_ = o / size
    ds = dl / size
    a = (ds * ds).sum(1)
    b = ds @ os_
    c = os_ @ os_ - 1.0
    disc = b * b - a * c
    t = (-b - np.sqrt(np.maximum(disc, 0))) / a
    return np.where((disc >= 0) & (t > _NEAR), t, np.inf)


def _ground(scene, origin, d, max_t):
    """Ray parameters and surface codes of the street surfaces or the room."""
    n = len(d)
    t = np.full(n, np.inf)
    code = np.full(n, SKY, np.int32)
    dy = d[:, 1]
    if scene.kind == 'room':
        with np.errstate(divide='ignore', invalid='ignore'):
            lo = np.array([-scene.room[0], -scene.room[1], -scene.room[2]])
            hi = np.array([scene.room[0], 0.0, scene.room[2]])
            dd = np.where(np.abs(d) < 1e-12, 1e-12, d)
            t1 = (lo - origin) / dd
            t2 = (hi - origin) / dd
            tex = np.maximum(t1, t2)
        axis = tex.argmin(1)
        t = tex.min(1)
        code = np.where(
            axis == 0, WALL, np.where(axis == 2, WALL, np.where(dy > 0, FLOOR, CEILING))
        )
        return t, code.astype(np.int32)
    down = dy > 1e-9
    hc = scene.curb_height
    with np.errstate(divide='ignore'):
        t_road = np.where(down, -origin[1] / dy, np.inf)
        t_top = np.where(down, (-hc - origin[1]) / dy, np.inf)
    idx = np.nonzero(down & (t_top < max_t))[0]
    if len(idx) == 0:
        return t, code
    tr, tt, dd = t_road[idx], t_top[idx], d[idx]
    road = scene.road
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


def cast_rays(scene, frame: int, view) -> Tuple[np.ndarray, np.ndarray]:
    """Cast all rays of a view into the scene at a frame.

    Args:
        scene (Scene): The world (see ``scene.py``).
        frame (int): Frame index (sets the poses of moving objects).
        view (PinholeView | LidarView): The rays.

    Returns:
        tuple: ``t`` (H, W) float64 ray parameters (inf for sky / beyond range) and
        ``hit`` (H, W) int32 primitive index (>= 0) or surface code (< 0).
    """
    H, W = view.shape
    d = view.dirs.reshape(-1, 3)
    t, hit = _ground(scene, view.origin, d, view.max_t)
    t = t.reshape(H, W)
    hit = hit.reshape(H, W)
    centers, rots = scene.primitive_poses(frame)
    if len(centers):
        # Cylinder sizes are stored as (r, half height, r): the same corners fit all kinds.
        local = _CORNER_SIGNS * scene.prim_size[:, None]
        corners = centers[:, None] + np.einsum('pij,pkj->pki', rots, local)
        r0, r1, c0, c1, valid = view.bbox(corners)
        dirs = view.dirs.astype(np.float32)  # float32 is ample for t < 1 km (~0.1 mm)
        for p in np.nonzero(valid)[0]:
            sub = dirs[r0[p] : r1[p], c0[p] : c1[p]]
            tp = _intersect(
                scene.prim_kind[p],
                centers[p],
                rots[p],
                scene.prim_size[p],
                view.origin,
                sub.reshape(-1, 3),
            ).reshape(sub.shape[:2])
            tb = t[r0[p] : r1[p], c0[p] : c1[p]]
            closer = tp < np.minimum(tb, view.max_t)
            if closer.any():
                tb[closer] = tp[closer]
                hit[r0[p] : r1[p], c0[p] : c1[p]][closer] = p
    return t, hit


# ----------------------------------------------------------------------------- shading
def _surface_info(scene, frame, origin, d, t, hit):
    """Normals, texture points and labels for finite hits (flattened arrays)."""
    n = len(t)
    P = origin + t[:, None] * d
    normal = np.zeros((n, 3))
    tex = P.copy()  # texture coordinates (primitive frame for primitives, world otherwise)
    centers, rots = scene.primitive_poses(frame)
    prim = np.nonzero(hit >= 0)[0]
    if len(prim):
        order = prim[np.argsort(hit[prim], kind='stable')]
        ids, starts = np.unique(hit[order], return_index=True)
        for p, sel in zip(ids, np.split(order, starts[1:])):
            pl = (P[sel] - centers[p]) @ rots[p]
            size = scene.prim_size[p]
            kind = scene.prim_kind[p]
            if kind == BOX:
                q = np.abs(pl) / size
                ax = q.argmax(1)
                nl = np.zeros_like(pl)
                nl[np.arange(len(sel)), ax] = np.sign(pl[np.arange(len(sel)), ax])
            elif kind == CYLINDER:
                nl = pl * np.array([1.0, 0.0, 1.0])
            else:
                nl = pl / size**2
            nl /= np.linalg.norm(nl, axis=1, keepdims=True) + 1e-12
            normal[sel] = nl @ rots[p].T
            tex[sel] = pl
    up = np.array([0.0, -1.0, 0.0])
    normal[(hit == ROAD) | (hit == RAISED) | (hit == FLOOR)] = up
    normal[hit == CEILING] = -up
    curb = np.nonzero(hit == CURB)[0]
    if len(curb):
        _, lat, th = scene.road.to_road(P[curb, 0], P[curb, 2], with_heading=True)
        s = -np.sign(lat)
        normal[curb] = np.stack([s * np.cos(th), np.zeros_like(th), -s * np.sin(th)], 1)
    wall = np.nonzero(hit == WALL)[0]
    if len(wall):
        rel = P[wall] / np.array([scene.room[0], 1.0, scene.room[2]])
        rel[:, 1] = 0
        ax = np.abs(rel).argmax(1)
        nw = np.zeros_like(rel)
        nw[np.arange(len(wall)), ax] = -np.sign(rel[np.arange(len(wall)), ax])
        normal[wall] = nw
    return P, normal, tex


def shade(scene, frame: int, view, t: np.ndarray, hit: np.ndarray) -> Dict[str, np.ndarray]:
    """Colour, semantic label id and instance id of every ray.

    Colours are Lambertian (view independent) with procedural albedo evaluated at the
    hit point in the frame of the object it belongs to, so a surface looks the same from
    every frame and camera.

    Returns:
        dict: ``rgb`` (H, W, 3) uint8, ``label`` (H, W) uint8, ``instance`` (H, W) uint16
        (instance number within the class, 0 for stuff).
    """
    H, W = t.shape
    d = view.dirs.reshape(-1, 3)
    tf, hf = t.reshape(-1), hit.reshape(-1)
    rgb = np.zeros((H * W, 3), np.float32)
    label = np.full(H * W, scene.sky_label, np.uint8)
    inst = np.zeros(H * W, np.uint16)
    fin = np.nonzero(np.isfinite(tf))[0]
    sky = np.nonzero(~np.isfinite(tf))[0]
    if len(sky):
        rgb[sky] = scene.sky_color(d[sky])
    if len(fin):
        h = hf[fin]
        P, normal, tex = _surface_info(scene, frame, view.origin, d[fin], tf[fin], h)
        norm = np.linalg.norm(d[fin], axis=1)
        view_dir = d[fin] / norm[:, None]
        footprint = Footprint(tf[fin] * norm * view.pixel_angle * BLUR, view_dir, normal)
        albedo, lab, ins = scene.albedo(P, tex, h, normal, footprint)
        lam = np.clip(normal @ scene.sun, 0.0, None).astype(np.float32)
        light = scene.ambient + scene.diffuse * lam
        rgb[fin] = albedo * light[:, None]
        label[fin] = lab
        inst[fin] = ins
    rgb = np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return dict(rgb=rgb.reshape(H, W, 3), label=label.reshape(H, W), instance=inst.reshape(H, W))
