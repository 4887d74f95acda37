"""Label ids the synthetic world writes: Cityscapes label ids for streets, NYU-40 ids
for rooms, and the Cityscapes colours of the street classes (``semantic_rgb`` and
``gtFine_color`` files)."""

__all__ = ['LABELS', 'NYU_LABELS', 'CITYSCAPES_PALETTE']

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
# Cityscapes colours (label id -> RGB) of the classes in LABELS.
CITYSCAPES_PALETTE = {
    7: (128, 64, 128),
    8: (244, 35, 232),
    11: (70, 70, 70),
    17: (153, 153, 153),
    20: (220, 220, 0),
    21: (107, 142, 35),
    22: (152, 251, 152),
    23: (70, 130, 180),
    24: (220, 20, 60),
    26: (0, 0, 142),
}
