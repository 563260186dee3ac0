"""The verdict rule of an experiment's claim, on hand-made seed tables (sim.analysis.claims)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import stdtrit

from sim.analysis.claims import Claim, claim_values, judge, judge_points

NAN = float("nan")


def claim(op=">=", threshold=2.0, undefined="fail", arms=None, metric="growth_ratio"):
    return Claim(metric=metric, op=op, threshold=threshold, undefined=undefined,
                 arms=arms or {"contest": 1})


def table(values, arm="contest", metric="growth_ratio", point=0):
    return pd.DataFrame({"point": point, "arm": arm, "seed": range(len(values)),
                         metric: values})


def half_width(x):
    x = np.asarray(x, float)
    return stdtrit(x.size - 1, 0.975) * x.std(ddof=1) / np.sqrt(x.size)


def test_holds_when_the_lower_bound_clears_the_threshold():
    x = [2.5, 2.6, 2.4, 2.55, 2.45]
    v = judge(claim_values(table(x), claim()), claim())
    assert v.verdict == "holds" and v.n == 5 and v.n_undefined == 0
    assert v.estimate == pytest.approx(2.5)
    assert v.ci_low == pytest.approx(2.5 - half_width(x)) and v.ci_low > 2


def test_fails_when_the_upper_bound_misses_it():
    v = judge(np.array([1.5, 1.6, 1.4, 1.55, 1.45]), claim())
    assert v.verdict == "fails" and v.ci_high < 2


def test_inconclusive_when_the_interval_straddles_it():
    v = judge(np.array([1.0, 3.0, 1.5, 2.5, 2.0]), claim())
    assert v.verdict == "inconclusive" and v.ci_low < 2 < v.ci_high


def test_fewer_than_five_seeds_is_inconclusive_however_clear():
    v = judge(np.array([9.0, 9.1, 9.2, 9.05]), claim())
    assert v.verdict == "inconclusive" and "at least 5" in v.reason


def test_upper_claims_use_the_other_bound():
    low = np.array([-1.0, -1.2, -0.8, -1.1, -0.9])
    assert judge(low, claim("<=", 0.0)).verdict == "holds"
    assert judge(-low, claim("<=", 0.0)).verdict == "fails"
    assert judge(low, claim("<", -1.0)).verdict == "inconclusive"


def test_strict_and_weak_operators_differ_at_the_threshold():
    # a zero-variance table: both bounds equal the threshold
    x = np.full(5, 2.0)
    assert judge(x, claim(">=")).verdict == "holds"
    assert judge(x, claim(">")).verdict == "fails"


def test_undefined_under_fail_forbids_holds_and_fails_past_half():
    clear = [2.5, 2.6, 2.4, 2.55, 2.45, 2.5]
    one = judge(np.array([*clear, NAN]), claim(undefined="fail"))
    assert one.verdict == "inconclusive" and one.n == 7 and one.n_undefined == 1
    assert "counted as failures" in one.reason
    many = judge(np.array([2.5, 2.6, NAN, NAN, NAN]), claim(undefined="fail"))
    assert many.verdict == "fails" and "more than half" in many.reason


def test_undefined_under_drop_is_left_out():
    x = np.array([2.5, 2.6, 2.4, 2.55, 2.45, NAN, NAN])
    v = judge(x, claim(undefined="drop"))
    assert v.verdict == "holds" and v.n == 5 and v.n_undefined == 2
    few = judge(np.array([2.5, 2.6, 2.4, NAN, NAN, NAN]), claim(undefined="drop"))
    assert few.verdict == "inconclusive" and few.n == 3


def test_a_paired_contrast_is_taken_seed_by_seed():
    runs = pd.concat([table([10, 20, 30, 40, 50], arm="pivot"),
                      table([9, 19, 29, 39, 49.5], arm="stay")])
    c = claim(">", 0.0, arms={"pivot": 1, "stay": -1})
    values = claim_values(runs, c)
    np.testing.assert_allclose(values.to_numpy(), [1, 1, 1, 1, 0.5])
    assert judge(values, c).verdict == "holds"  # unpaired, the arms' CIs would overlap
    assert "pivot − stay" in c.text()


def test_undefined_in_one_arm_makes_the_contrast_undefined_and_missing_seeds_drop():
    runs = pd.concat([table([1.0, NAN, 3.0], arm="a"), table([1.0, 1.0], arm="b")])
    values = claim_values(runs, claim(arms={"a": 1, "b": -1}))
    assert list(values.index) == [0, 1] and values.iloc[0] == 0 and np.isnan(values.iloc[1])


def test_a_missing_metric_is_undefined_everywhere():
    values = claim_values(table([1.0, 2.0]), claim(metric="share_gain_points"))
    assert values.isna().all() and len(values) == 2


def test_judge_points_gives_one_row_per_point():
    runs = pd.concat([table([2.5, 2.6, 2.4, 2.55, 2.45], point=0),
                      table([1.5, 1.6, 1.4, 1.55, 1.45], point=1)])
    out = judge_points(runs, claim())
    assert list(out["point"]) == [0, 1] and list(out["verdict"]) == ["holds", "fails"]


@pytest.mark.parametrize("kwargs, message", [
    ({"op": "=>"}, "claim.op"), ({"undefined": "ignore"}, "claim.undefined"),
    ({"threshold": NAN}, "claim.threshold"), ({"arms": {"a": 0}}, "claim.arms"),
])
def test_bad_claims_are_refused(kwargs, message):
    args = {"metric": "m", "op": ">=", "threshold": 1.0, "undefined": "fail", "arms": {"a": 1},
            **kwargs}
    with pytest.raises(ValueError, match=message):
        Claim(**args)
