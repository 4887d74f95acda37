"""Vectorised NumPy ray casting and shading of the synthetic world.

Every primitive (oriented box, vertical cylinder, ellipsoid) is projected to the ray
grid of a view (:mod:`.views`) first and tested only against the rays inside its
bounding rectangle, so a frame costs about one ray-surface test per ray (the scene
type's :meth:`~.scene.Scene.ground_hits`) plus a few ray-primitive tests per pixel.
Shading is Lambertian (view independent) with procedural albedo from the scene.
"""

from typing import Dict, Tuple

import numpy as np

from .scene import BOX, CYLINDER
from .textures import Footprint
from .views import NEAR

__all__ = ['cast_rays', 'shade', 'BLUR']

# Width of the texture prefilter in pixels (a mild optical blur; patterns and noise
# finer than this fade out instead of aliasing).
BLUR = 1.5
_CORNER_SIGNS = np.array(
    [[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64
)


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
        hit = (tmax >= tmin) & (tmin > NEAR)
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
        hit = (disc >= 0) & (a > 1e-12) & (np.abs(y) <= hh) & (t > NEAR)
        return np.where(hit, t, np.inf)
    # ellipsoid
    os_ = o / size
    ds = dl / size
    a = (ds * ds).sum(1)
    b = ds @ os_
    c = os_ @ os_ - 1.0
    disc = b * b - a * c
    t = (-b - np.sqrt(np.maximum(disc, 0))) / a
    return np.where((disc >= 0) & (t > NEAR), t, np.inf)


def cast_rays(scene, frame: int, view) -> Tuple[np.ndarray, np.ndarray]:
    """Cast all rays of a view into the scene at a frame.

    Args:
        scene (Scene): A finalised scene (see :mod:`.scene`).
        frame (int): Frame index (sets the poses of moving objects).
        view (PinholeView | LidarView): The rays.

    Returns:
        tuple: ``t`` (H, W) float64 ray parameters (inf for sky / beyond range) and
        ``hit`` (H, W) int32 primitive index (>= 0) or surface code (< 0).
    """
    H, W = view.shape
    d = view.dirs.reshape(-1, 3)
    t, hit = scene.ground_hits(view.origin, d, view.max_t)
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


def _surface_info(scene, frame, origin, d, t, hit):
    """Hit points, normals and texture points of finite hits (flattened arrays)."""
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
    scene.surface_normals(normal, P, hit)
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
    label = np.full(H * W, scene.SKY_LABEL, np.uint8)
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
