"""The package's one rule for combining the scales of a multi-scale loss."""

from typing import List, Sequence

from torch import Tensor

__all__ = ['reduce_scales', 'halving_weights']


def reduce_scales(terms: Sequence[Tensor], weights: Sequence[float]) -> Tensor:
    """Combine per-scale loss terms: ``L = sum_r w_r L_r``.

    This is the rule every multi-scale loss of the package follows (depth, flow and
    reconstruction): a weighted **sum** of the per-scale terms ``L_r``, with one explicit
    weight ``w_r`` per term, applied as given (never renormalised here). A loss states its
    weights as a list; the weighting each one uses, for ``N`` terms at decoder scales
    ``r`` (0 = input resolution), is:

    ==============================  ====================================  =================
    loss                            ``w_r``                               source
    ==============================  ====================================  =================
    PhotometricReprojectionLoss     ``1 / N`` (mean over scales)          Monodepth2
    MaskedL1DepthLoss               ``1 / N`` (mean over scales)          Monodepth2
    EdgeAwareSmoothnessLoss         ``2^-r / N``                          Monodepth2
    FlowPhotometricLoss             ``2^-r``                              Lao et al., B.3
    FlowSmoothnessLoss              ``2^-r``                              Lao et al., B.3
    MaskedReconstructionLoss        ``2^-r / sum_s 2^-s``                 (weights sum to 1)
    ==============================  ====================================  =================

    ``2^-r`` comes from :func:`halving_weights`. The terms are added in the order given,
    starting with the first.

    Args:
        terms (Sequence[Tensor]): Scalar loss of each scale.
        weights (Sequence[float]): Weight of each term, same length.

    Returns:
        Tensor: the weighted sum.
    """
    terms, weights = list(terms), [float(w) for w in weights]
    if not terms or len(terms) != len(weights):
        raise ValueError(
            f'reduce_scales: need one weight per scale term, got {len(terms)} terms '
            f'and weights {weights}'
        )
    total = weights[0] * terms[0]
    for w, term in zip(weights[1:], terms[1:]):
        total = total + w * term
    return total


def halving_weights(scales: Sequence[int]) -> List[float]:
    """``2^-r`` for every decoder scale ``r`` (each scale counts half the finer one).

    Args:
        scales (Sequence[int]): Decoder scales (0 = input resolution, r = 1/2^r of it).

    Returns:
        list[float]: one weight per scale.
    """
    return [2.0 ** -int(s) for s in scales]
