"""The Python range test's suggestions against fastai's own, recorded on the
same points by record_fastai_suggestions.py (fastai 2.8.12)."""

import json
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "python"))

from ramp import _range_test  # noqa: E402

CASES = json.load(open(os.path.join(HERE, "fastai_suggestions.json")))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_suggestions_equal_fastais(case):
    losses = [math.nan if x is None else x for x in case["losses"]]
    found = _range_test.suggestions(case["lrs"], losses, case["num_iter"])
    assert (found["valley"], found["steep"], found["minimum"]) == (case["valley"], case["steep"], case["minimum"])
    assert case["lrs"][found["valley_index"]] == case["valley"]


def test_valley_by_hand():
    # Falling runs end at 1 (length 2), 3 (3), 5 (4): start 5 - 4 = 1, index 1 + int(4/3) + int(4/6) = 2.
    assert _range_test.valley([3, 1, 2, 0.5, 4, 0.25]) == 2
    assert _range_test.valley([1, 2, 3]) == 0
    assert _range_test.valley([2, 2, 1]) == 0


def test_too_few_points_give_no_suggestion():
    assert _range_test.suggestions([1.0] * 7, [5.0, 4, 3, 2, 1, 0.5, 0.25], 20) is None


def test_the_program_is_the_cli_rise():
    assert _range_test.program(1e-7, 10, 100) == (
        'base 1\nsignals ["diverged"]\n1e-07 * (10.0 / 1e-07) ^ (t / 100) for 100 steps until signal("diverged")\n')
