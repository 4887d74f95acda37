"""Colour distributions of the synthetic classes and the class-overlap sampler.

Each class has a few (mean RGB, jitter) modes. With probability ``class_overlap`` a
colour is drawn from a distribution shared by all classes instead, so colour alone does
not give the class.
"""

import numpy as np

__all__ = ['Palette']

# Class colours: (mean RGB, jitter) modes per material.
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
