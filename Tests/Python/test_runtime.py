"""Unit tests of the Python runtime that compiled modules are made of.

The end-to-end tests (Tests/RampTests/PythonTests.swift) check whole
modules against Ramp bit for bit; these check the runtime's parts on their
own, with values worked out by hand.
"""

import math
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "Sources" / "Ramp" / "Emit" / "Python"))

import checks  # noqa: E402
import runtime as rt  # noqa: E402
import sequence  # noqa: E402
import shapes  # noqa: E402
from nodes import _Plain  # noqa: E402


def test_pow_follows_c_where_python_raises():
    assert rt._pow(2.0, 10.0) == 1024.0
    assert rt._pow(10.0, 400.0) == math.inf
    assert rt._pow(-10.0, 401.0) == -math.inf
    assert math.isnan(rt._pow(-8.0, 1.0 / 3.0))
    assert rt._pow(0.0, -1.0) == math.inf


def test_division_and_modulo_are_ieee():
    assert rt._div(1.0, 0.0) == math.inf
    assert rt._div(-1.0, 0.0) == -math.inf
    assert math.isnan(rt._div(0.0, 0.0))
    assert rt._mod(-1.0, 3.0) == 2.0
    assert rt._mod(1.0, -3.0) == -2.0
    assert math.isnan(rt._mod(1.0, 0.0))


def test_min_and_max_keep_ramps_order_on_ties_and_nan():
    assert rt._min(1.0, 2.0) == 1.0
    assert math.isnan(rt._min(math.nan, 1.0))
    assert rt._min(1.0, math.nan) == 1.0
    assert rt._max(1.0, 1.0) == 1.0


def test_float32_rounding():
    assert rt._f32(0.1) == 0.10000000149011612
    assert rt._f32(1e39) == math.inf


def test_functions_give_nan_or_inf_where_math_raises():
    assert math.isnan(rt._FUNCTIONS["cos"](math.inf))
    assert rt._FUNCTIONS["exp"](1000.0) == math.inf
    assert rt._FUNCTIONS["log"](0.0) == -math.inf
    assert math.isnan(rt._FUNCTIONS["sqrt"](-1.0))
    assert rt._floor(-0.5) == -1.0 and math.copysign(1.0, rt._ceil(-0.5)) == -1.0


def test_arith_reads_its_function_and_rounds_inside_float32():
    a = rt.Arith(lambda t: 1.0 - t / 10.0)
    assert [a.value(float(t), []) for t in range(3)] == [1.0, 0.9, 0.8]
    # Without a single-precision function, the double value is rounded once.
    assert a.single(1.0, []) == rt._f32(0.9)
    b = rt.Arith(lambda t: 0.1 * t, lambda t: rt._f32(rt._f32(0.1) * t))
    assert b.single(3.0, []) == rt._f32(rt._f32(0.1) * 3.0)
    assert rt.Float32(rt.Arith(lambda t: t / 3.0)).value(1.0, []) == rt._f32(1.0 / 3.0)


def test_plateau_counts_patience_as_torch_does():
    spec = rt.PlateauSpec(patience=2)
    tr = rt._tracker(math.inf)
    fired = [spec.fires(tr, m) for m in [1.0, 1.0, 1.0, 1.0, 0.5, 0.5]]
    assert fired == [False, False, False, True, False, False]
    # NaN never improves.
    tr = rt._tracker(math.inf)
    assert not spec.better(math.nan, tr["best"])


def test_a_plateau_records_a_metric_without_touching_its_tracker():
    # Metrics averaged two at a time, patience 0: (4 + 2) / 2 = 3 improves on inf; 3 then does not.
    spec = shapes.PlateauSpec(patience=0, accumulate=2)
    tr = rt._tracker(math.inf)
    fired, half = spec.record(tr, 4.0, _Plain)
    assert (fired, half) == (False, {"best": math.inf, "bad": 0, "cooldownLeft": 0, "pending": 1, "average": 4.0})
    assert tr == rt._tracker(math.inf)
    fired, whole = spec.record(half, 2.0, _Plain)
    assert (fired, whole) == (False, {"best": 3.0, "bad": 0, "cooldownLeft": 0, "pending": 0, "average": 0.0})
    fired, again = spec.record(spec.record(whole, 3.0, _Plain)[1], 3.0, _Plain)
    assert (fired, again) == (True, {"best": 3.0, "bad": 0, "cooldownLeft": 0, "pending": 0, "average": 0.0})


def test_reduce_on_plateau_halves_the_rate_when_the_plateau_fires():
    spec = shapes.PlateauSpec(patience=0)
    st = rt._reduce_state(0.1, rt._tracker(math.inf))
    first = shapes._reduce_end(spec, 0.5, 0.01, 1e-8, st, 1.0, _Plain)
    assert (first["value"], first["reductions"], first["tracker"]["best"]) == (0.1, 0, 1.0)
    second = shapes._reduce_end(spec, 0.5, 0.01, 1e-8, first, 1.0, _Plain)
    assert (second["value"], second["reductions"]) == (0.05, 1)
    assert st == rt._reduce_state(0.1, rt._tracker(math.inf))
    # Not below the minimum, and no cut once the change is within eps.
    low = dict(second, value=0.012)
    assert shapes._reduce_end(spec, 0.5, 0.01, 1e-8, low, 1.0, _Plain)["value"] == 0.01
    floor = dict(second, value=0.01)
    assert shapes._reduce_end(spec, 0.5, 0.01, 1e-8, floor, 1.0, _Plain)["reductions"] == 1


def test_the_locator_finds_the_phase_in_force_and_holds_its_last_step():
    # Phases of 10 and 3 steps, then one that does not end: they start at 0, 10 and 13.
    table = ([0, 10, 13], [9.0, 2.0, math.inf])
    steps = [0.0, 9.0, 10.0, 11.5, 12.0, 12.5, 13.0, 40.0]
    assert [sequence._locate(table, t, _Plain) for t in steps] == [
        (0, 0.0), (0, 9.0), (1, 0.0), (1, 1.5), (1, 2.0), (1, 2.0), (2, 0.0), (2, 27.0)]
    bodies = (lambda u: u, lambda u: 10 * u, lambda u: -u)
    assert [sequence._located(table, bodies, t, _Plain) for t in (3.0, 11.0, 20.0)] == [3.0, 10.0, -7.0]
    # Phases that end on conditions: the steps since the phase began, or the step held after the last.
    assert sequence._held_local(False, None, 5, 8, _Plain) == 3
    assert sequence._held_local(True, 4.0, 5, 80, _Plain) == 4.0


def test_a_rising_warmup_rises_to_the_next_phases_first_value():
    # warmup 4 from 0, rising to where the phase after it begins: 2 - u there, 2 at its first step.
    def warmup(to):
        return lambda t: to * (t / 4.0) if t < 4.0 else to
    after = rt.Arith(lambda u: 2.0 - u)
    rising = rt.Rising(warmup, after)
    assert [rising.value(float(t), []) for t in range(6)] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]
    # The phase after it keeps no state, so its function of the step is found once, for the fast paths.
    assert rising.f(3.0) == 1.5
    # The same rule over functions of the step, as the JAX and Keras modules locate them.
    table = ([0, 4], [3.0, math.inf])
    bodies = (sequence._rising(warmup, after.f, 0.0), after.f)
    assert [sequence._located(table, bodies, t, _Plain) for t in (0.0, 2.0, 4.0, 5.0)] == [0.0, 1.0, 2.0, 1.0]
    # A phase after it with state: read at the first state given, the schedule's start, where that
    # reduce-on-plateau begins at 1 (0.5 at step 2); the target is then kept.
    reduce = rt.ReduceOnPlateau(rt.PlateauSpec(patience=0), factor=0.5, min=0.0, eps=0.0, from_=1.0, slot=0)
    held = rt.Rising(warmup, reduce)
    assert held.f is None
    assert held.value(2.0, [rt._reduce_state(1.0, rt._tracker(math.inf))]) == 0.5
    assert held.f(4.0) == 1.0


def test_a_phase_built_at_entry_is_built_held_and_given_its_length_by_one_rule():
    values = {"elapsed": 4, "current": {"lr": 0.5}}
    got = []

    def make(e, target=None):
        got.append(target)
        return rt.Const(e["current"]["lr"]), 3

    def first_of(body):
        return sequence._start_of(lambda u: body.value(u, []), 0.0)

    def every(built):
        return True

    # A phase of its own: built from its values, with no target.
    made, target, held = sequence._build_at_entry("own", make, None, values, first_of, every, _Plain)
    assert (made[1], target, held, got) == (3, None, False, [None])
    # A warmup rises to the first value of the phase after it (2 - u there: 2).
    after = lambda e, target=None: (rt.Arith(lambda u: 2.0 - u), 5)  # noqa: E731
    made, target, held = sequence._build_at_entry("warmup", make, after, values, first_of, every, _Plain)
    assert (target, held, got[-1]) == (2.0, False, 2.0)
    # It holds when the phase after it cannot be built, or starts at a number that is not finite.
    assert sequence._build_at_entry("warmup", make, lambda e, target=None: None, values, first_of, every,
                                    _Plain) == (None, None, True)
    nan = lambda e, target=None: (rt.Const(math.nan), 5)  # noqa: E731
    assert sequence._build_at_entry("warmup", make, nan, values, first_of, every, _Plain)[2] is True
    # Or when a number it fixed is not finite, as the array modules say with a flag.
    flagged = lambda e, target=None: (rt.Const(1.0), 3, False)  # noqa: E731
    assert sequence._build_at_entry("own", flagged, None, values, first_of, lambda b: b[2], _Plain)[2] is True
    # After a warmup, the values it fixed; otherwise those fixed now.
    def now():
        return {"elapsed": 9}
    assert sequence._fixed("after_warmup", now, values) is values
    assert sequence._fixed("own", now, values) == {"elapsed": 9}
    assert sequence._fixed("after_warmup", now, None) == {"elapsed": 9}
    # A length written with the values (to whole steps), a fixed one, else the natural one, inf when held.
    assert sequence._entry_length(lambda e: 0.5 * e["elapsed"] + 0.4, None, 3, False, values, _Plain) == 2
    assert sequence._entry_length(None, 7, 3, True, values, _Plain) == 7
    assert sequence._entry_length(None, None, 3, False, values, _Plain) == 3
    assert sequence._entry_length(None, None, None, True, values, _Plain) == math.inf


def test_restarts_take_their_peak_from_the_body():
    body = rt.Arith(lambda t: 0.5 + (0.0 - 0.5) * (rt._min(t, 10.0) / 10.0))
    r = rt.Restarts(body, period=10, mult=1.0, decay=0.5, floor=0.0, limit=None, decay_mode="peak")
    assert r.peak == 0.5
    assert r.value(10.0, []) == 0.25


def test_chained_members_step_one_rate_in_turn():
    # torch's ChainedScheduler([CosineAnnealingLR(T_max=2, eta_min=0.5), ExponentialLR(gamma=0.5)]) at lr 1,
    # worked by hand from torch's recursive forms: the cosine moves the rate around 0.5.
    cosine = rt.Arith(lambda t: 0.5 + 0.5 * (0.5 * (1 + math.cos(math.pi * t / 2))))
    halving = rt.Arith(lambda t: 0.5 ** t)
    c = rt.Chained([cosine, halving], [0.5, 0.0], [None, None], [None, None], start=1.0)
    assert c.value(0.0, []) == 1.0
    assert c.value(1.0, []) == (0.5 + 0.5 * 0.5) * 0.5  # cosine halfway, then halved
    # At the bottom the cosine's ratio is 0: the rate is its floor, then halved.
    assert c.value(2.0, []) == 0.25
    # A member without a floor sets the rate; a running product steps by its factor.
    setter = rt.Chained([halving, rt.Arith(lambda t: 3.0)], [None, 0.0], [None, None], [None, rt.Arith(lambda t: 0.5)], start=3.0)
    assert [setter.value(float(t), []) for t in range(3)] == [1.0, 0.25, 0.125]


def test_running_values_go_on_from_the_last_step_and_start_again_for_an_earlier_one():
    # running_product(0.5) is 0.5^t exactly; asked in any order it gives what it gives from step 0.
    halves = rt.RunningProduct(rt.Const(0.5))
    order = [0.0, 1.0, 2.0, 3.0, 3.0, 7.5, 2.0, 0.0, 10.0, -1.0, math.nan, 4.0]
    assert [halves.value(t, []) for t in order] == [0.5 ** max(0, math.floor(t)) if t == t else 1.0 for t in order]
    # A chain stepped in any order agrees, bit for bit, with a new chain asked once for that step.
    def chain():
        cosine = rt.Arith(lambda t: 0.1 + 0.9 * (0.5 * (1 + math.cos(math.pi * t / 7))))
        decay = rt.Arith(lambda t: 0.97 ** t)
        return rt.Chained([cosine, decay], [0.1, 0.0], [None, None], [None, None], start=1.0)
    stepped = chain()
    for t in [0.0, 1.0, 2.0, 3.0, 5.0, 5.0, 4.0, 12.0, 1.0, 13.0, -2.0, 6.0]:
        assert stepped.value(t, []) == chain().value(t, [])


def test_static_sequence_holds_a_finished_phase():
    seq = rt.Sequence([rt.Phase(rt.Arith(lambda t: 1.0 - 0.5 * t), length=2),
                       rt.Phase(rt.Const(0.25), length=3)], starts=[0, 2])
    assert [seq.value(float(t), []) for t in range(7)] == [1.0, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25]
    assert seq.finished_at(5, []) and not seq.finished_at(4, [])


class _Card(rt._Schedule):
    """warmup 2 then a constant at the base until a plateau: a hand-written module."""

    BASE = 0.1
    KINDS = ("sequence", "plateau")

    @staticmethod
    def program(base):
        checks._require_base(base <= 1.0, "t.ramp:1:1", lambda: "the comparison is true at the program's base but false at base " + rt._fmt(base))
        w = rt.Arith(lambda t: base * (t / 2.0) if t < 2.0 else base)
        lr = rt.Sequence([rt.Phase(w, length=2),
                          rt.Phase(rt.Arith(lambda t: base), until=rt.Plateau(rt.PlateauSpec(patience=0), slot=1), slots=(1, 2))],
                         slot=0)
        return lr, None, None, [rt._sequence_state(), rt._tracker(math.inf)], []


class _Reduce(rt._Schedule):
    """reduce_on_plateau(factor=0.5, patience=0, eps=0) for 3 steps from 1, then held: a hand-written module."""

    BASE = 1.0
    KINDS = ("reduce",)

    @staticmethod
    def program(base):
        body = rt.ReduceOnPlateau(rt.PlateauSpec(patience=0), factor=0.5, min=0.0, eps=0.0, from_=base, slot=0)
        lr = rt.Sequence([rt.Phase(body, length=3, slots=(0, 1))], starts=[0])
        return lr, None, None, [rt._reduce_state(base, rt._tracker(math.inf))], []


def test_fixed_phases_with_state_step_on_the_short_path_and_hold_their_last_reduction():
    s = _Reduce()
    assert s.step == s._step_static
    # 1 improves on inf; 2 and 3 are worse, so each halves the rate; the phase
    # observes its last step (2), and past it the rate holds what that step gave.
    lrs = [s.lr] + [s.step(m) for m in [1.0, 2.0, 3.0, 4.0, 5.0]]
    assert lrs == [1.0, 1.0, 0.5, 0.25, 0.25, 0.25]
    assert s.state_dict()["slots"] == [{"reduce": {"_0": {"value": 0.25, "reductions": 2, "tracker": {
        "best": 1.0, "bad": 0, "cooldownLeft": 0, "pending": 0, "average": 0.0}}}}]
    r = _Reduce()
    r.load_state_dict(s.state_dict())
    assert (r.t, r.lr, r.step(0.5)) == (5, 0.25, 0.25)


def _reduce_alone(factor=0.5, minimum=0.0, eps=0.0, **spec):
    """A hand-written module whose rate is reduce_on_plateau(factor, min, eps) from 1 alone, with its
    plateau counted by `spec`."""

    class ReduceAlone(rt._Schedule):
        BASE = 1.0
        USES_METRIC = True
        KINDS = ("reduce",)

        @staticmethod
        def program(base):
            body = rt.ReduceOnPlateau(rt.PlateauSpec(**spec), factor=factor, min=minimum, eps=eps, from_=base, slot=0)
            lr = rt.Sequence([rt.Phase(body, slots=(0, 1))], starts=[0])
            best = math.inf if spec.get("mode", "min") == "min" else -math.inf
            return lr, None, None, [rt._reduce_state(base, rt._tracker(best))], []

    return ReduceAlone


# reduce_on_plateau(factor=0.5, patience=0, eps=0) from 1, the whole rate.
_ReduceAlone = _reduce_alone(patience=0)


def test_a_rate_that_is_one_reduce_on_plateau_steps_on_its_own_short_path():
    s = _ReduceAlone()
    assert s.step == s._step_reduce
    # 1 improves on inf; 2 and 3 are worse, each halving the rate; no metric
    # leaves it; 4 halves it again; 0.5 improves on 1 and leaves it.
    lrs = [s.lr] + [s.step(m) for m in [1.0, 2.0, 3.0, None, 4.0, 0.5]]
    assert lrs == [1.0, 1.0, 0.5, 0.25, 0.25, 0.125, 0.125]
    assert s.state_dict()["log"] == {"metrics": [1.0, 2.0, 3.0, 4.0, 0.5], "at": [[0, 1, 3], [4, 1, 2]], "signals": []}
    # The general path (Sequence.observe and value on the phase in force) gives the same.
    g = _ReduceAlone()
    g.step = g._step_static
    assert [g.lr] + [g.step(m) for m in [1.0, 2.0, 3.0, None, 4.0, 0.5]] == lrs
    assert g.state_dict() == s.state_dict()
    r = _ReduceAlone()
    r.load_state_dict(s.state_dict())
    assert (r.t, r.lr, r.step(5.0)) == (6, 0.125, 0.0625)


@pytest.mark.parametrize("spec", [
    {"patience": 0},
    {"patience": 2, "cooldown": 3},
    {"patience": 1, "threshold": 0.05, "threshold_mode": "abs"},
    {"patience": 1, "mode": "max"},
    {"patience": 3, "mode": "max", "threshold_mode": "abs", "threshold": 0.01, "cooldown": 1},
    {"patience": 1, "atol": 0.02},
    {"patience": 1, "accumulate": 3},
])
def test_the_short_path_of_reduce_on_plateau_steps_as_the_general_path(spec):
    """Metrics that improve, stall, repeat, come as ints, as NaN and inf, or not at all; a state saved and
    loaded mid-run: the short path gives the general path's rate and state at every step."""
    module = _reduce_alone(minimum=0.01, eps=1e-3, **spec)
    fast, general = module(), module()
    general.step = general._step_static
    assert fast.step == fast._step_reduce
    metrics = [3.0, 2.5, 2.5, 2.6, 2, 2.4, None, 2.45, math.nan, 1.0, 1.0, 0.999, None, None, 1.2, math.inf,
               0.5, 0.5, -0.25, 0.5, 0.7, 0.9, 1.1, 1.3, None, 1.5, 1.4, 1.6, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2]
    for k, m in enumerate(metrics * 4):
        assert fast.step(m) == general.step(m), k
        assert fast.state_dict() == general.state_dict(), k
        if k == 50:
            restored = module()
            restored.load_state_dict(fast.state_dict())
            fast = restored
    assert fast.state_dict()["slots"] == general.state_dict()["slots"]
    assert fast.state_dict()["slots"][0]["reduce"]["_0"]["reductions"] > 0


def test_schedule_steps_saves_and_restores():
    s = _Card()
    lrs = [s.lr] + [s.step(m) for m in [1.0, 1.0, 1.0, 1.0]]
    assert lrs == [0.0, 0.05, 0.1, 0.1, 0.1]
    assert s.finished
    saved = s.state_dict()
    r = _Card()
    r.load_state_dict(saved)
    assert r.t == s.t and r.lr == s.lr and r.finished
    with pytest.raises(ValueError, match="does not belong"):
        r.load_state_dict({"step": 0, "slots": []})


def test_schedule_takes_another_base_or_refuses_it():
    assert _Card(base=0.3).step(1.0) == 0.15
    with pytest.raises(ValueError, match=r"^t\.ramp:1:1: error\[R0509\]: the comparison is true at the program's base but false at base 2$"):
        _Card(base=2.0)
    with pytest.raises(ValueError, match="above 0"):
        _Card(base=-1.0)


def test_numbers_are_written_as_ramp_writes_them():
    assert [rt._fmt(x) for x in [2.0, -0.0, 0.1, 1e-05, 1e16, math.inf, -math.inf, math.nan]] == \
        ["2", "0", "0.1", "1e-05", "1e+16", "inf", "-inf", "nan"]


def test_rates_are_checked_as_ramp_check_checks_them():
    seq = rt.Sequence([rt.Phase(rt.Arith(lambda t: 0.1), length=300, at="t.ramp:1:1"),
                       rt.Phase(rt.Arith(lambda t: 0.1 - 0.001 * t), at="t.ramp:1:20")], starts=[0, 300])
    # The samples thin out past step 256; the first bad step is still found.
    with pytest.raises(ValueError, match=r"^t\.ramp:1:20: error\[R0508\]: at base 0\.5, the rate is negative \(-0\.0010000000000000009\) at step 401$"):
        rt._check_rates(seq, "rate", 0, None, [], 0.5)
    # Within the run's length it is fine.
    rt._check_rates(seq, "rate", 0, 350, [], 0.5)


def test_pinned_numbers_refuse_another_base():
    assert checks._pinned(0.5, 0.1, 0.1) == 0.5
    with pytest.raises(ValueError, match="too many operations"):
        checks._pinned(0.5, 0.1, 0.2)


def test_state_encoding_spells_out_non_finite_numbers():
    assert rt._encode({"best": math.inf, "held": None, "x": [math.nan]}) == {"best": "inf", "x": ["nan"]}
    assert rt._decode_float("-inf") == -math.inf
    with pytest.raises(ValueError):
        rt._decode_int(True)


def test_output_ranges_are_ramps():
    # The messages Ramp's OutputRange gives, word for word.
    assert rt._violation("nonNegative", -0.5) == "negative (-0.5)"
    assert rt._violation("nonNegative", 3.0) is None
    assert rt._violation("unit", 1.5) == "above 1 (1.5)"
    assert rt._violation("unit", 1.0) is None
    assert rt._violation("positiveInteger", 8.5) == "not a whole number (8.5)"
    assert rt._violation("positiveInteger", 0.0) == "below 1 (0)"
    assert rt._violation("positiveInteger", 32.0) is None
    assert rt._violation("finite", -1e9) is None
    assert rt._violation("finite", math.nan) == "not a number"
    assert rt._violation("unit", math.inf) == "infinite"


class _Cooldown(rt._Schedule):
    """1 until signal("cooldown") then 0.5 for 2 steps: a hand-written module."""

    SIGNALS = ("cooldown",)
    FINGERPRINT = "cooldown-1"
    KINDS = ("sequence",)
    LATER = 0.5

    @classmethod
    def program(cls, base):
        later = cls.LATER
        lr = rt.Sequence([rt.Phase(rt.Const(1.0), until=rt.Signal("cooldown")),
                          rt.Phase(rt.Arith(lambda t: later), length=2)], slot=0)
        return lr, None, None, [rt._sequence_state()], []


class _LongerCooldown(_Cooldown):
    """The same program edited: the cooldown goes to 0.25."""

    FINGERPRINT = "cooldown-2"
    LATER = 0.25


def test_record_keeps_evenly_spaced_steps_as_runs():
    log = {"metrics": [], "at": [], "signals": []}
    for t in [4, 9, 14, 19, 20, 30]:
        rt._record(log, float(t), t)
    assert log["at"] == [[4, 5, 4], [20, 10, 2]]
    decoded, steps = rt._decode_log(log)
    assert steps == [4, 9, 14, 19, 20, 30] and decoded["metrics"] == [4.0, 9.0, 14.0, 19.0, 20.0, 30.0]
    with pytest.raises(ValueError):
        rt._decode_log({"metrics": [1.0], "at": [[0, 1, 2]], "signals": []})


def test_a_signal_ends_its_phase_when_the_step_ends_and_is_logged():
    s = _Cooldown()
    assert s.step() == 1.0
    with pytest.raises(ValueError, match=r"^unknown signal 'stop': its signals are 'cooldown'$"):
        s.signal("stop")
    s.signal("cooldown")
    # The step left open sees the signal too, and looking ahead changes nothing.
    assert not s._ends_without_metric() and s._raised == () and s._pending == ["cooldown"]
    assert s.state_dict()["signals"] == ["cooldown"]
    assert s.step(0.3) == 0.5
    assert s.step() == 0.5 and not s.finished and s._ends_without_metric()
    s.step()
    assert s.finished
    state = s.state_dict()
    assert state["log"] == {"metrics": [0.3], "at": [[1, 1, 1]], "signals": [{"step": 1, "name": "cooldown"}]}
    assert state["fingerprint"] == "cooldown-1" and "signals" not in state


def test_an_edited_program_takes_a_state_by_replaying_its_log():
    s = _Cooldown()
    s.step()
    s.signal("cooldown")
    s.step()
    saved = s.state_dict()
    edited = _LongerCooldown()
    with pytest.raises(ValueError, match="belongs to another program"):
        edited.load_state_dict(saved)
    line = edited.load_state_dict(saved, replay=True)
    assert line == "lr at step 2: 0.5 before, 0.25 now (the log of 2 steps was replayed into this program)"
    assert edited.t == 2 and edited.lr == 0.25
    del saved["log"]
    with pytest.raises(ValueError, match="has no log"):
        _LongerCooldown().load_state_dict(saved, replay=True)


def test_steps_fixed_at_entry_round_to_the_nearest_and_are_at_least_one():
    assert [rt._steps(x) for x in (0.2, 1.0, 1.5, 2.5, 2.49, 1e300)] == [1, 1, 2, 3, 2, 10**15]
    assert rt._steps(math.nan) == 1 and rt._steps(-math.inf) == 1
    assert rt._finite(1.0, 2.0) and not rt._finite(1.0, math.nan)


class _Decay(rt._Schedule):
    """1 until signal("cooldown") then linear(T=0.5 * elapsed, from=current * k, to=0),
    a hand-written module: k = inf makes the number fixed at entry infinite."""

    SIGNALS = ("cooldown",)
    KINDS = ("sequence",)
    K = 1.0

    @classmethod
    def program(cls, base):
        k = cls.K

        def phase(e, target=None):
            if not rt._finite(e["current"]["lr"] * k, 0.5 * e["elapsed"]):
                return None
            T = float(rt._steps(0.5 * e["elapsed"]))
            frm = e["current"]["lr"] * k
            return rt.Arith(lambda t: frm + (0.0 - frm) * (min(t, T) / T)), rt._steps(0.5 * e["elapsed"])

        lr = rt.Sequence([rt.Phase(rt.Const(1.0), until=rt.Signal("cooldown")),
                          rt.Phase(None, entry=rt.Entry("lr", "own", phase))], slot=0)
        return lr, None, None, [rt._sequence_state()], []


def test_a_phase_is_built_from_the_values_fixed_when_it_starts():
    s = _Decay()
    for _ in range(3):
        s.step()
    s.signal("cooldown")
    s.step()
    # Started at step 4 from 1.0, over 2 steps; the entry is saved, the body is not.
    assert [s.lr, s.step(), s.step()] == [1.0, 0.5, 0.5] and s.finished
    state = s.state_dict()
    assert state["slots"][0]["sequence"]["_0"]["entry"] == {"values": {"elapsed": 4, "current": {"lr": 1.0}}, "held": False, "length": 2}
    again = _Decay()
    again.load_state_dict(state)
    assert again.lr == 0.5 and again.finished


def test_a_phase_whose_number_fixed_at_entry_is_not_finite_holds_where_it_started():
    class _Inf(_Decay):
        K = math.inf

    s = _Inf()
    s.signal("cooldown")
    s.step()
    assert s.lr == 1.0 and [s.step() for _ in range(3)] == [1.0, 1.0, 1.0] and not s.finished
    assert s.state_dict()["slots"][0]["sequence"]["_0"]["entry"] == {"values": {"elapsed": 1, "current": {"lr": 1.0}}, "held": True}


class _Long(rt._Schedule):
    """warmup 5 then a 50-step decay until plateau(patience 3): the card example's shape, hand-written."""

    BASE = 0.1
    KINDS = ("sequence", "plateau")

    @staticmethod
    def program(base):
        lr = rt.Sequence([rt.Phase(rt.Arith(lambda t: base * (t / 5.0)), length=5),
                          rt.Phase(rt.Arith(lambda t: base * (1.0 - t / 50.0)), length=50,
                                   until=rt.Plateau(rt.PlateauSpec(patience=3), slot=1), slots=(1, 2))],
                         slot=0)
        return lr, None, None, [rt._sequence_state(), rt._tracker(math.inf)], []


def _long_at_12():
    """Phase 1 began at step 5; from there the metric improves to 0.3 (step 8) and then stalls 3 times."""
    s = _Long()
    for m in [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.4, 0.3, 0.3, 0.3, 0.3]:
        s.step(m)
    return s.state_dict()


def _sequence_at(state):
    return state["slots"][0]["sequence"]["_0"]


_DAMAGED = [
    (lambda s: _sequence_at(s).update(phase=7),
     "slots.0.sequence._0.phase is 7, but the sequence has 2 phases (0 to 1)"),
    (lambda s: s.update(step=-7), "step is -7; a step is a whole number from 0 to 1000000000000000"),
    (lambda s: s.update(step=10**9), "step is 1000000000, but phase 1, begun at step 5, ends after 50 steps"),
    (lambda s: s["log"].update(at=[[0, 1, 11], [20, 1, 1]]),
     "log.at.1 is at step 20, but the state is at step 12: its log holds only the steps before it"),
    (lambda s: _sequence_at(s).update(start=40), "slots.0.sequence._0.start is 40, past the state's step 12"),
    (lambda s: _sequence_at(s).update(start=3),
     "slots.0.sequence._0.start is 3, but its phase began at step 5, where the one before ended"),
    (lambda s: _sequence_at(s)["transitions"][0].update(phase=1),
     "slots.0.sequence._0.transitions.0.phase is 1 where phase 0 ended next: a phase is skipped"),
    (lambda s: _sequence_at(s).update(transitions=[]),
     "slots.0.sequence._0.transitions lists 0 phase changes where 1 phases have ended"),
    (lambda s: s["slots"][1]["plateau"]["_0"].update(bad=9), "slots.1.plateau._0.bad is 9; it must be from 0 to 3"),
    (lambda s: s["log"].update(signals=[{"step": 3, "name": "cooldown"}]),
     "log.signals.0.name is 'cooldown', which this program does not wait for "
     "(unknown signal 'cooldown': it waits for no signal)"),
]


@pytest.mark.parametrize("edit, why", _DAMAGED)
def test_a_damaged_state_is_refused_by_its_field_and_the_schedule_is_left_as_it_was(edit, why):
    saved = _long_at_12()
    edit(saved)
    s = _Long()
    s.step(1.0)
    before = s.state_dict()
    with pytest.raises(ValueError) as refused:
        s.load_state_dict(saved)
    assert str(refused.value) == "error[R0802]: the saved state's " + why
    assert s.state_dict() == before
    # It goes on as if nothing had been sent: the warmup's second step.
    assert s.step(1.0) == 0.1 * (2 / 5.0)


def test_a_replay_stops_at_the_programs_end():
    saved = _long_at_12()
    saved.update(step=10**9, fingerprint="another")
    s = _Long()
    line = s.load_state_dict(saved, replay=True)
    # The plateau never fires (3 stalls, patience 3); the decay ends after its 50 steps and holds its last (49).
    held = 0.1 * (1.0 - 49 / 50.0)
    assert line == (f"lr at step 1000000000: {rt._fmt(0.1 * (1.0 - 7 / 50.0))} before, {rt._fmt(held)} now "
                    "(the log of 1000000000 steps was replayed into this program)")
    assert (s.t, s.lr, s.finished) == (10**9, held, True)
    assert _sequence_at(s.state_dict())["transitions"] == [
        {"step": 5, "phase": 0, "reason": "length"}, {"step": 55, "phase": 1, "reason": "length"}]


class _Nested(rt._Schedule):
    """warmup 5 then (a 100000-step phase until a plateau then 0.1): an inner phase that ends by counting."""

    BASE = 1.0
    KINDS = ("sequence", "plateau")

    @staticmethod
    def program(base):
        inner = rt.Sequence([rt.Phase(rt.Arith(lambda t: base), length=100000,
                                      until=rt.Plateau(rt.PlateauSpec(patience=10), slot=1), slots=(1, 2)),
                             rt.Phase(rt.Const(0.1))], slot=0)
        lr = rt.Sequence([rt.Phase(rt.Arith(lambda t: base * (t / 5.0)), length=5), rt.Phase(inner, slots=(0, 2))],
                         starts=[0, 5])
        return lr, None, None, [rt._sequence_state(), rt._tracker(math.inf)], []


def test_a_replay_over_the_limit_is_refused_and_changes_nothing():
    saved = {"step": 50000, "slots": [{"sequence": {"_0": rt._encode(rt._sequence_state())}},
                                      {"plateau": {"_0": rt._encode(rt._tracker(math.inf))}}],
             "log": {"metrics": [], "at": [], "signals": []}, "fingerprint": "another"}
    s = _Nested()
    s.step()
    with pytest.raises(ValueError) as refused:
        s._replay(saved, limit=1000)
    assert str(refused.value) == ("error[R0803]: replaying the saved state's log up to its step 50000 would run more "
                                  "than 1000 steps one at a time, the most a replay runs")
    assert (s.t, s.lr) == (1, 0.2)
    assert s._replay(saved, limit=50000).startswith("lr at step 50000: unknown before, 1 now")
