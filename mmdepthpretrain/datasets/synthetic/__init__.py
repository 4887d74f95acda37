"""A procedural driving world (and a simple indoor one) written in real dataset layouts.

The world is ray cast with NumPy (the generator needs numpy and OpenCV only). A street
(:mod:`.street`) has a curving road with lane markings, kerbs, sidewalks, terrain,
building facades with windows, parked and moving cars (one may move exactly with the
camera), poles with traffic signs, trees and pedestrians; labels are Cityscapes label
ids (road 7, sidewalk 8, building 11, pole 17, traffic sign 20, vegetation 21, terrain
22, sky 23, person 24, car 26). A room (:mod:`.room`) has walls, floor, ceiling and
furniture with NYU-40 ids. Textures are functions of the point on the surface in the
frame of the object that owns it, shading is Lambertian (view independent), so a
surface looks the same from every frame and camera. ``class_overlap`` is the
probability that an object's colour comes from a distribution shared by all classes.
The same seed writes byte-identical files; each sequence is written under
``<out>/.partial/`` and moved into place when complete.

Cameras follow the OpenCV convention (x right, y down, z forward); integer pixel
coordinates are pixel centres (ray = K^-1 [u, v, 1]^T). Intrinsics are the real
camera's scaled to the requested size (c' = s (c + 0.5) - 0.5).

Layouts (``<out>`` = output root)::

    kitti:  <out>/2011_01_01/calib_cam_to_cam.txt, calib_velo_to_cam.txt, calib_imu_to_velo.txt
            <out>/2011_01_01/2011_01_01_drive_%04d_sync/
                image_02/data/%010d.png   image_03/data/%010d.png   (+ timestamps.txt)
                velodyne_points/data/%010d.bin  float32 N x 4 (x fwd, y left, z up, reflectance)
                (+ timestamps.txt, timestamps_start.txt, timestamps_end.txt)
            <out>/data_semantics/training/{image_2,semantic,instance,semantic_rgb}/%06d_10.png
                semantic: uint8 label ids; instance: uint16 label_id * 256 + instance
                (each image from its own street)
    cityscapes: <out>/leftImg8bit_sequence/<split>/<city>/<city>_%06d_%06d_leftImg8bit.png
            (sequence, frame; 'train' city synthtown, 'val' city synthstadt; frames 0..M-1
            and the annotated frame is min(19, M - 2), as frame 19 of a 30-frame snippet)
            <out>/{leftImg8bit,rightImg8bit}/<split>/<city>/<stem>_{left,right}Img8bit.png
            <out>/disparity/<split>/<city>/<stem>_disparity.png  uint16 d * 256 + 1, 0 = invalid
            <out>/camera/<split>/<city>/<stem>_camera.json  (extrinsic baseline/pitch/roll/
                yaw/x/y/z, intrinsic fx/fy/u0/v0)
            <out>/gtFine/<split>/<city>/<stem>_gtFine_{labelIds,instanceIds,color}.png
                (instanceIds: id * 1000 + k for person/car instances, else the label id)
    nyu:    <out>/sync/synthroom_%04d/rgb_%05d.jpg, sync_depth_%05d.png (uint16 millimetres)
            <out>/nyudepthv2_{train,test}_files_with_gt.txt
                ("/<scene>/rgb_%05d.jpg /<scene>/sync_depth_%05d.png <fx>")
            <out>/images/{train,test}/<scene>_%05d.jpg, annotations/{train,test}/<scene>_%05d.png
                (the same pairs in mmseg's NYU layout); labels are NYU-40 ids.
    all:    <out>/world.json (parameters; ``complete`` is true once everything is written)
            <out>/contact_sheet.png (RGB | depth | labels | lidar overlay or flow)

Ground truth the real datasets lack lives in ``<out>/ground_truth/``, one folder per
sequence mirroring its path: ``ground_truth/2011_01_01/<drive>/``,
``ground_truth/leftImg8bit_sequence/<split>/<city>/<city>_%06d/``,
``ground_truth/sync/<scene>/`` and ``ground_truth/data_semantics/training/depth/``.
A sequence folder holds, with ``<f>`` the frame number formatted like the images
(``%010d`` KITTI, ``%06d`` Cityscapes, ``%05d`` NYU)::

    camera.json     K (3x3, left camera = image_02), width, height, baseline (metres,
                    right camera at +baseline along x), image_files (frame -> RGB path
                    relative to <out>), depth_scale 256
    poses.txt       per frame one line: row-major top 3x4 of T_world_cam (left camera;
                    world: x right, y down, z forward at the start; p_world = T @ p_cam)
    depth/<f>.png   uint16 depth (z, metres) * 256 of the left camera; 0 = sky (infinite)
    depth_right/<f>.png   same for the right camera (stereo layouts)
    semantic/<f>.png      uint8 label ids of every frame (sky = 23; NYU: 0 never occurs)
    instance/<f>.png      uint16 label_id * 256 + instance
    flow/<f>.png    optical flow frame f -> f + 1 of the left camera in the KITTI flow PNG
                    format (R = u * 64 + 2^15, G = v * 64 + 2^15, B = valid), computed from
                    depth, poses and object motion; occluded pixels included; sky pixels
                    carry the rotation-only flow

KITTI geometry: camera 2 = left, camera 3 at +0.54 m along x; the velodyne is mounted
0.27 m behind and 0.08 m above camera 0 with KITTI's axis permutation. A velodyne point
X lands at P_rect_02 @ R_rect_00 @ [R|T]_velo_to_cam @ X (the written files are exactly
what the renderer used: it reads its geometry back from the text through the package's
one calibration reader, :mod:`mmdepthpretrain.datasets.kitti_utils`).

Modules, by role::

    world.py        generate_world: arguments, the units of a layout, world.json, contact sheet
    staging.py      units written under <out>/.partial/ and moved into place
    writers/        one writer per layout (kitti_raw, kitti_semantics, cityscapes, nyu) and
                    the shared ground_truth/ writer
    rig.py          cameras, baselines and lidar per layout; KITTI calibration files
    trajectory.py   camera paths; the scene + poses of one sequence
    frames.py       one rendered frame (stereo, lidar) and the flow between frames
    scene.py        base scene type: objects, primitives, animation, primitive appearance
    street.py, road.py, room.py   the street and room scene types
    render.py, views.py, textures.py   ray casting and shading, sensor rays, textures
    labels.py, palette.py, geometry.py, io.py, preview.py   label ids, class colours,
                    rotations, file formats, contact-sheet rows
"""

from ..kitti_utils import read_calib_file as read_kitti_calib
from .frames import compute_flow, render_frame
from .io import (
    DEPTH_SCALE,
    decode_flow,
    encode_flow,
    load_flow,
    load_gt_camera,
    load_gt_depth,
    load_poses,
)
from .labels import CITYSCAPES_PALETTE, LABELS, NYU_LABELS
from .rig import kitti_calibration, scaled_K
from .room import RoomScene, make_room
from .scene import Scene
from .street import StreetScene, make_street
from .trajectory import room_trajectory, street_trajectory
from .world import generate_world
from .writers import KITTI_DATE

__all__ = [
    'generate_world',
    'load_gt_depth',
    'load_poses',
    'load_flow',
    'load_gt_camera',
    'read_kitti_calib',
    'decode_flow',
    'encode_flow',
    'scaled_K',
    'kitti_calibration',
    'render_frame',
    'compute_flow',
    'street_trajectory',
    'room_trajectory',
    'Scene',
    'StreetScene',
    'RoomScene',
    'make_street',
    'make_room',
    'LABELS',
    'NYU_LABELS',
    'CITYSCAPES_PALETTE',
    'KITTI_DATE',
    'DEPTH_SCALE',
]
