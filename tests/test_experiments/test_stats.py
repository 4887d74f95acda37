"""Paired statistics against hand-computed values."""
import math

import pytest

from mmdepthpretrain.experiments import (
    format_paired,
    paired_difference,
    paired_rows,
    reference_row,
    t_interval,
)


def test_t_interval_by_hand():
    # values 1, 2, 6: mean 3, sample var ((4 + 1 + 9) / 2) = 7, sd sqrt(7)
    # t(0.975, 2) = 4.302652729911275; half = 4.302652729911275 * sqrt(7) / sqrt(3)
    out = t_interval([1.0, 2.0, 6.0])
    half = 4.302652729911275 * math.sqrt(7.0) / math.sqrt(3.0)
    assert out['n'] == 3 and out['mean'] == pytest.approx(3.0)
    assert out['std'] == pytest.approx(math.sqrt(7.0))
    assert out['half_width'] == pytest.approx(half, rel=1e-9)
    assert (out['low'], out['high']) == (pytest.approx(3.0 - half), pytest.approx(3.0 + half))
    # two values 0, 2: t(0.975, 1) = 12.706204736174698, sd sqrt(2), half 12.7062 * 1
    two = t_interval([0.0, 2.0])
    assert two['half_width'] == pytest.approx(12.706204736174698, rel=1e-9)
    one = t_interval([5.0])
    assert one['mean'] == 5.0 and math.isnan(one['low']) and math.isnan(one['half_width'])
    assert t_interval([])['n'] == 0 and math.isnan(t_interval([])['mean'])
    # 90 %: t(0.95, 2) = 2.919985580355516
    assert t_interval([1.0, 2.0, 6.0], 0.9)['half_width'] == \
        pytest.approx(2.919985580355516 * math.sqrt(7.0 / 3.0), rel=1e-9)


def test_paired_difference_uses_the_same_seeds_only():
    init = {0: 50.0, 1: 47.0, 2: 52.0, 3: 99.0}  # seed 3 has no random partner
    random = {0: 48.0, 1: 46.0, 2: 47.0, 4: 0.0}
    out = paired_difference(init, random)
    assert out['seeds'] == [0, 1, 2]
    assert out['per_seed'] == {0: 2.0, 1: 1.0, 2: 5.0}
    # diffs 2, 1, 5: mean 8/3, sd sqrt(((2/3)^2 + (5/3)^2 + (7/3)^2) / 2) = sqrt(13/3)
    assert out['mean'] == pytest.approx(8.0 / 3.0)
    assert out['std'] == pytest.approx(math.sqrt(13.0 / 3.0))
    half = 4.302652729911275 * math.sqrt(13.0 / 3.0) / math.sqrt(3.0)
    assert out['low'] == pytest.approx(8.0 / 3.0 - half)
    assert format_paired({'m': out}, 'm') == f'+2.67 [{8 / 3 - half:+.2f}, {8 / 3 + half:+.2f}]'
    # pairing removes the shared seed noise: unpaired stds are larger than the paired one
    assert out['std'] < math.sqrt(((50 - 49.67) ** 2 + (47 - 49.67) ** 2
                                   + (52 - 49.67) ** 2) / 2)


def _row(init, setup='full', budget=16, dataset='synthetic'):
    return dict(dataset=dataset, init=init, setup=setup, budget=budget)


def test_reference_row_same_setup_else_full():
    rows = [_row('random'), _row('random', 'frozen'), _row('depth'), _row('depth', 'frozen'),
            _row('flow', 'encoder'), _row('depth', budget=32)]
    assert reference_row(rows[3], rows) is rows[1]  # frozen against frozen
    assert reference_row(rows[2], rows) is rows[0]
    assert reference_row(rows[4], rows) is rows[0]  # encoder: random full
    assert reference_row(rows[5], rows) is None  # no random at 32 labels
    assert reference_row(rows[0], rows) is None


def test_paired_rows_in_place():
    rows = [_row('random'), _row('depth')]
    recs = [dict(_row(i), seed=s, status='done', metrics=dict(m=v))
            for i, s, v in (('random', 0, 10.0), ('random', 1, 12.0), ('depth', 0, 13.0),
                            ('depth', 1, 14.0))]
    recs.append(dict(_row('depth'), seed=2, status='failed'))
    paired_rows(rows, recs, ['m'])
    assert rows[0]['paired'] is None and rows[0]['per_seed'] == {'m': {0: 10.0, 1: 12.0}}
    assert rows[1]['paired']['reference'] == 'random-full'
    assert rows[1]['paired']['m']['per_seed'] == {0: 3.0, 1: 2.0}
    assert rows[1]['paired']['m']['mean'] == pytest.approx(2.5)
    # diffs 3, 2: sd sqrt(0.5), half = 12.7062 * sqrt(0.5) / sqrt(2) = 12.7062 / 2
    assert rows[1]['paired']['m']['half_width'] == pytest.approx(12.706204736174698 / 2)
    assert format_paired(None, 'm') == '-'
