"""The runtime of the Python modules that `ramp compile --to python` writes.

This file is shipped with Ramp as it is. The compiler copies into each module
the sections its schedule uses (each starts with a `# ramp-section:` line
naming it and the sections it requires), after the module's own header. The
module writes the arithmetic of its schedule's shapes out itself, as functions
of the step wrapped in `Arith`; what lives here is what keeps state or is not
arithmetic: phase sequencing, plateaus, reduce-on-plateau, restarts, the shapes
that also schedule momentum or look up tables, and the torch adapter. Every
class is a line-for-line transcription of Ramp's Swift evaluation, the same
operations in the same order, so the same doubles come out. The file is also
importable on its own, so its parts are linted and unit-tested directly.
"""


import bisect
import copy
import json
import math
import struct

# The checks every Python-family module carries (a module gets checks.py's
# code before these sections; here it is imported, for this file on its own).
from checks import _INF, _NAN, _fmt


# ramp-section: core

def _pow(a, b):
    """C's pow: an overflow gives inf and a domain error NaN, where Python raises."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return -_INF if a < 0 and _is_odd(b) else _INF
    except ValueError:
        if a == 0 and b < 0:
            return math.copysign(_INF, a) if _is_odd(b) else _INF
        return _NAN


def _is_odd(x):
    return math.isfinite(x) and x == math.floor(x) and math.fmod(x, 2.0) != 0


def _min(a, b):
    """Ramp's min: the first argument unless the second is smaller."""
    return b if b < a else a


def _max(a, b):
    """Ramp's max: the second argument when it is at least the first."""
    return b if b >= a else a


def _steps(x):
    """EntryPlan.steps: a length fixed at entry, the nearest whole step, at least 1, at most 10^15."""
    if not x >= 1:
        return 1
    return int(min(math.floor(x + 0.5), 1e15))


def _finite(*xs):
    """True when every number fixed at a phase's entry is finite (else the phase holds)."""
    return all(math.isfinite(x) for x in xs)


def _integral(f, x):
    """math.floor or math.ceil as a float, keeping infinities, NaN and the sign of zero."""
    if not math.isfinite(x):
        return x
    r = float(f(x))
    return math.copysign(r, x) if r == 0 else r


def _floor(x):
    return _integral(math.floor, x)


def _ceil(x):
    return _integral(math.ceil, x)


def _f32(x):
    """x rounded to single precision."""
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        return math.copysign(_INF, x)


class _Node:
    """A part of the schedule tree. `value` is its rate at local step t;
    stateless parts keep the default `momentum` and `observe`, and those
    with nothing below that could observe set `observes` False."""

    observes = True

    def momentum(self, t, s):
        return None

    def observe(self, t, metric, now, s, initial):
        pass

    def single(self, t, s):
        """The value in single precision (inside float32)."""
        return _f32(self.value(float(t), s))


# ramp-section: functions
def _trig(f):
    return lambda x: f(x) if math.isfinite(x) else _NAN


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _log(x):
    if x > 0:
        return math.log(x)
    return -_INF if x == 0 else _NAN


def _sqrt(x):
    return math.sqrt(x) if x >= 0 else _NAN


_cos, _sin, _tan = _trig(math.cos), _trig(math.sin), _trig(math.tan)

_FUNCTIONS = {
    "cos": _cos, "sin": _sin, "tan": _tan,
    "exp": _exp, "log": _log, "sqrt": _sqrt, "floor": _floor, "ceil": _ceil,
    "abs": abs, "tanh": math.tanh,
}


class Fn(_Node):
    """A pointwise function of a schedule: cos(t / 10)."""

    def __init__(self, name, a):
        self.f = _FUNCTIONS[name]
        self.a = a

    def value(self, t, s):
        return self.f(self.a.value(t, s))

    def momentum(self, t, s):
        return self.a.momentum(t, s)

    def observe(self, t, metric, now, s, initial):
        self.a.observe(t, metric, now, s, initial)

    def single(self, t, s):
        return _f32(self.f(self.a.single(t, s)))


# ramp-section: const
class Const(_Node):
    observes = False

    def __init__(self, c):
        self.c = c

    def value(self, t, s):
        return self.c

    def single(self, t, s):
        return _f32(self.c)


# ramp-section: time
class Time(_Node):
    """t, the step within the current phase."""

    observes = False

    def value(self, t, s):
        return t

    def single(self, t, s):
        return t


# ramp-section: arith
class Arith(_Node):
    """A stateless part of the schedule, written out in the generated module
    as a function of the phase-local step: f(t) is its value; f32(t), given
    where the part is read inside float32(...), its value in single precision."""

    observes = False

    def __init__(self, f, f32=None):
        self.f = f
        self.f32 = f32

    def value(self, t, s):
        return self.f(t)

    def single(self, t, s):
        return self.f32(t) if self.f32 is not None else _f32(self.f(float(t)))


# ramp-section: negate
class Neg(_Node):
    def __init__(self, a):
        self.a = a

    def value(self, t, s):
        return -self.a.value(t, s)

    def momentum(self, t, s):
        return self.a.momentum(t, s)

    def observe(self, t, metric, now, s, initial):
        self.a.observe(t, metric, now, s, initial)

    def single(self, t, s):
        return -self.a.single(t, s)


# ramp-section: combine
def _div(a, b):
    """IEEE division: x / 0 is an infinity (0 / 0 is NaN), where Python raises."""
    if b != 0:
        return a / b
    if a != a or a == 0:
        return _NAN
    return math.copysign(_INF, a) * math.copysign(1.0, b)


def _mod(a, b):
    """Python's float modulo (the result takes the divisor's sign), NaN where C's fmod is."""
    if b == 0 or not math.isfinite(a) or b != b:
        return _NAN
    r = math.fmod(a, b)
    return r + b if r != 0 and (r < 0) != (b < 0) else r


_OPS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": _div, "^": _pow, "min": _min, "max": _max, "mod": _mod,
}


class Op(_Node):
    """Two schedules combined pointwise: warmup * decay, min(a, b), ..."""

    def __init__(self, op, a, b):
        self.f = _OPS[op]
        self.a = a
        self.b = b

    def value(self, t, s):
        return self.f(self.a.value(t, s), self.b.value(t, s))

    def momentum(self, t, s):
        m = self.a.momentum(t, s)
        return m if m is not None else self.b.momentum(t, s)

    def observe(self, t, metric, now, s, initial):
        self.a.observe(t, metric, now, s, initial)
        self.b.observe(t, metric, now, s, initial)

    def single(self, t, s):
        return _f32(self.f(self.a.single(t, s), self.b.single(t, s)))


# ramp-section: at
class At(_Node):
    """at(body, time): the body evaluated at another time."""

    def __init__(self, body, time):
        self.body = body
        self.time = time

    def value(self, t, s):
        return self.body.value(self.time.value(t, s), s)

    def momentum(self, t, s):
        return self.body.momentum(self.time.value(t, s), s)


# ramp-section: running_product
class RunningProduct(_Node):
    """running_product(f): f(1) * f(2) * ... * f(t)."""

    def __init__(self, f):
        self.f = f

    def value(self, t, s):
        p = 1.0
        k = 1.0
        while k <= t:
            p *= self.f.value(k, s)
            k += 1
        return p


# ramp-section: chained
class Chained(_Node):
    """chained([...]): torch's ChainedScheduler. Each step, every member in turn
    updates one running rate that starts at `start`. A member with a floor
    moves it by its own change around the floor (torch's recursive forms),
    or adds the change where its last value is the floor; a member whose
    floor is None sets the rate to its own value. `heights`, where not None,
    give a member's height above its floor without cancellation; `factors`,
    where not None, a running product's factor, its ratio from step 1."""

    observes = False

    def __init__(self, members, floors, heights, factors, start):
        self.members = members
        self.floors = floors
        self.heights = heights
        self.factors = factors
        self.start = start

    def value(self, t, s):
        x = self.start
        previous = [self.start] * len(self.members)
        excess = [self.start - (0.0 if f is None else f) for f in self.floors]
        k = 0.0
        while k <= t:
            for i, member in enumerate(self.members):
                factor = self.factors[i]
                if k > 0 and factor is not None:
                    x *= factor.value(k, s)
                    continue
                v = member.value(k, s)
                floor = self.floors[i]
                if floor is None:
                    x = v
                else:
                    height = self.heights[i]
                    e = v - floor if height is None else height.value(k, s)
                    if excess[i] == 0:
                        x += v - previous[i]
                    else:
                        x = floor + (x - floor) * (e / excess[i])
                    excess[i] = e
                previous[i] = v
            k += 1.0
        return x

    def momentum(self, t, s):
        for member in self.members:
            m = member.momentum(t, s)
            if m is not None:
                return m
        return None


# ramp-section: float32
class Float32(_Node):
    """float32(body): the body's arithmetic done in single precision, as keras does."""

    def __init__(self, body):
        self.body = body

    def value(self, t, s):
        return self.body.single(_f32(t), s)


# ramp-section: restarts
class Restarts(_Node):
    """Warm restarts: the body over `period` steps, again over cycles `mult`
    times longer, its excursion above `floor` scaled by `decay` per cycle."""

    def __init__(self, body, period, mult, decay, floor, limit, decay_mode, peak=None):
        self.body = body
        self.period = period
        self.mult = mult
        self.decay = decay
        self.floor = floor
        self.limit = limit
        self.decay_mode = decay_mode
        # The body's value at the start of a cycle (its initial value: the body keeps no state).
        self.peak = body.value(0.0, []) if peak is None else peak

    def _locate(self, t):
        """Cycle index, time within the cycle, and the cycle's length."""
        period = float(self.period)
        if self.mult == 1:
            k = int(math.floor(t / period))
            if self.limit is not None and k >= self.limit:
                return self.limit - 1, period, period
            return k, t - float(k * self.period), period
        start, length, k = 0.0, period, 0
        while t >= start + length:
            if self.limit is not None and k + 1 >= self.limit:
                return k, length, length
            start += length
            length *= self.mult
            k += 1
        return k, t - start, length

    def _scaled(self, v, k):
        if k == 0 or self.decay == 1:
            return v
        g = _pow(self.decay, float(k))
        if self.decay_mode == "peak" and self.peak != self.floor:
            return self.floor + (v - self.floor) * ((g * self.peak - self.floor) / (self.peak - self.floor))
        return self.floor + g * (v - self.floor)

    def value(self, t, s):
        k, tau, length = self._locate(t)
        return self._scaled(self.body.value(tau * self.period / length, s), k)

    def momentum(self, t, s):
        k, tau, length = self._locate(t)
        return self.body.momentum(tau * self.period / length, s)


# ramp-section: plateau
class PlateauSpec:
    """When a metric has stopped improving, counted as torch's ReduceLROnPlateau
    counts (optax's atol and accumulate added). `--to jax` modules carry this
    section too: better() is plain arithmetic, so it compares jax arrays alike."""

    def __init__(self, patience, threshold=1e-4, threshold_mode="rel", mode="min", cooldown=0, atol=0.0, accumulate=1):
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode = mode
        self.cooldown = cooldown
        self.atol = atol
        self.accumulate = accumulate
        # Which comparison better() makes, and its factor, decided once:
        # it runs at every evaluation.
        self._kind = (0 if threshold_mode == "rel" else 1) if mode == "min" else (2 if threshold_mode == "rel" else 3)
        self._factor = 1 - threshold if mode == "min" else threshold + 1

    def better(self, a, best):
        """True when `a` improves on `best`; NaN never does."""
        kind = self._kind
        if kind == 0:
            return a < best * self._factor - self.atol
        if kind == 1:
            return a < best - self.threshold - self.atol
        if kind == 2:
            return a > best * self._factor + self.atol
        return a > best + self.threshold + self.atol

    def fires(self, tr, metric):
        """Records one metric in the tracker `tr`; True when the plateau fires."""
        value = metric
        if self.accumulate > 1:
            tr["average"] = (tr["pending"] * tr["average"] + metric) / (tr["pending"] + 1)
            tr["pending"] += 1
            if tr["pending"] != self.accumulate:
                return False
            value = tr["average"]
            tr["pending"] = 0
            tr["average"] = 0.0
        if self.better(value, tr["best"]):
            tr["best"] = value
            bad = 0
        else:
            bad = tr["bad"] + 1
        left = tr["cooldownLeft"]
        if left > 0:
            tr["cooldownLeft"] = left - 1
            bad = 0
        if bad <= self.patience:
            tr["bad"] = bad
            return False
        tr["cooldownLeft"] = self.cooldown
        tr["bad"] = 0
        return True


def _tracker(best, cooldown_left=0):
    return {"best": best, "bad": 0, "cooldownLeft": cooldown_left, "pending": 0, "average": 0.0}


# ramp-section: reduce_on_plateau requires: plateau
class ReduceOnPlateau(_Node):
    """Multiplies the rate by `factor` whenever the metric stops improving."""

    def __init__(self, plateau, factor, min, eps, from_, slot):
        self.plateau = plateau
        self.factor = factor
        self.min = min
        self.eps = eps
        self.from_ = from_
        self.slot = slot

    def value(self, t, s):
        return s[self.slot]["value"]

    def observe(self, t, metric, now, s, initial):
        if metric is None:
            return
        st = s[self.slot]
        if self.plateau.fires(st["tracker"], metric):
            reduced = _max(st["value"] * self.factor, self.min)
            if st["value"] - reduced > self.eps:
                st["value"] = reduced
                st["reductions"] += 1


def _reduce_state(value, tracker):
    return {"value": value, "tracker": tracker, "reductions": 0}


# ramp-section: cyclic
class Cyclic(_Node):
    """Cyclical rates between `low` and `high`, momentum cycling the other way."""

    def __init__(self, low, high, up, down, mode, gamma, momentum_low, momentum_high, cycle_momentum):
        self.low, self.high, self.up, self.down, self.mode, self.gamma = low, high, up, down, mode, gamma
        self.momentum_low, self.momentum_high, self.cycle_momentum = momentum_low, momentum_high, cycle_momentum

    def _position(self, t):
        total = float(self.up + self.down)
        ratio = self.up / total
        cycle = _floor(1 + t / total)
        x = 1 + t / total - cycle
        factor = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        if self.mode == "triangular":
            scale = 1.0
        elif self.mode == "triangular2":
            scale = 1 / _pow(2.0, cycle - 1)
        else:
            scale = _pow(self.gamma, t)
        return scale, factor

    def value(self, t, s):
        scale, factor = self._position(t)
        return self.low + (self.high - self.low) * factor * scale

    def momentum(self, t, s):
        if not self.cycle_momentum:
            return None
        scale, factor = self._position(t)
        return self.momentum_high - (self.momentum_high - self.momentum_low) * factor * scale


# ramp-section: onecycle
class OneCycle(_Node):
    """The one-cycle policy, phased as torch's OneCycleLR, momentum moving against the rate."""

    def __init__(self, max, total, pct_start, shape, three_phase, div, final_div,
                 momentum_low, momentum_high, cycle_momentum):
        self.total, self.shape, self.cycle_momentum = total, shape, cycle_momentum
        initial = max / div
        floor = initial / final_div
        p = pct_start * total
        # Legs: (last step, rate from, rate to, momentum from, momentum to).
        if three_phase:
            self.legs = [(p - 1, initial, max, momentum_high, momentum_low),
                         (2 * p - 2, max, initial, momentum_low, momentum_high),
                         (total - 1.0, initial, floor, momentum_high, momentum_high)]
        else:
            self.legs = [(p - 1, initial, max, momentum_high, momentum_low),
                         (total - 1.0, max, floor, momentum_low, momentum_high)]

    def _anneal(self, a, b, pct):
        if self.shape == "cos":
            return b + (a - b) / 2 * (math.cos(math.pi * pct) + 1)
        return (b - a) * pct + a

    def _locate(self, t):
        t = _min(t, self.total - 1.0)
        start = 0.0
        for i, leg in enumerate(self.legs):
            if t <= leg[0] or i == len(self.legs) - 1:
                return leg, (t - start) / (leg[0] - start)
            start = leg[0]

    def value(self, t, s):
        leg, pct = self._locate(t)
        return self._anneal(leg[1], leg[2], pct)

    def momentum(self, t, s):
        if not self.cycle_momentum:
            return None
        leg, pct = self._locate(t)
        return self._anneal(leg[3], leg[4], pct)


# ramp-section: piecewise
class Piecewise(_Node):
    """Constant pieces: values[i] from boundary i-1 (inclusive) to boundary i."""

    def __init__(self, boundaries, values):
        self.boundaries, self.values = boundaries, values

    def value(self, t, s):
        i = 0
        while i < len(self.boundaries) and self.boundaries[i] <= t:
            i += 1
        return self.values[i]


# ramp-section: interpolate
class Interpolate(_Node):
    """Interpolation through (boundaries[i], values[i]), linear or cosine; flat outside."""

    def __init__(self, boundaries, values, shape):
        self.boundaries, self.values, self.shape = boundaries, values, shape

    def value(self, t, s):
        b, v = self.boundaries, self.values
        if t <= b[0]:
            return v[0]
        for i in range(1, len(b)):
            if t < b[i]:
                pct = (t - b[i - 1]) / float(b[i] - b[i - 1])
                if self.shape == "linear":
                    return (v[i] - v[i - 1]) * pct + v[i - 1]
                return v[i] + (v[i - 1] - v[i]) / 2 * (math.cos(math.pi * pct) + 1)
        return v[-1]


# ramp-section: wsd
class WarmupStableDecay(_Node):
    """Warmup-stable-decay: rise to `peak`, hold, then decay to `min`."""

    def __init__(self, warmup, stable, decay, peak, from_, min, shape):
        self.warmup, self.stable, self.decay = warmup, stable, decay
        self.peak, self.from_, self.min, self.shape = peak, from_, min, shape

    def value(self, t, s):
        if t < self.warmup:
            return self.from_ + (self.peak - self.from_) * (t / float(self.warmup))
        if t < self.warmup + self.stable:
            return self.peak
        progress = _min(1.0, (t - float(self.warmup + self.stable)) / float(self.decay))
        if self.shape == "linear":
            f = 1 - progress
        elif self.shape == "cosine":
            f = 0.5 * (1 + math.cos(math.pi * progress))
        else:
            f = 1 - math.sqrt(progress)
        return self.min + (self.peak - self.min) * f


# ramp-section: sequence requires: arith, const
class Phase:
    """One phase: a body, the length that ends it (or None), the condition
    that ends it (or None), and the state slots it resets on entry."""

    def __init__(self, body, length=None, until=None, slots=(0, 0), at="<program>", entry=None):
        self.body = body
        self.length = length
        self.until = until
        self.slots = slots
        self.at = at  # file:line:col of the phase in the Ramp source
        self.entry = entry  # an Entry when the phase is built when it starts


class Entry:
    """How a phase that reads values fixed when it starts (`current`,
    `elapsed`) is built then. `make(e, target)` gives its body and natural
    length from the values `e`, or None when a number fixed then is not
    finite (the phase then holds the value it started from); `length(e)` is
    a length written with them, `explicit` a fixed one. A warmup (role
    "warmup") fixes the values for the phase after it ("after_warmup") and
    rises to where that phase begins (`target`)."""

    def __init__(self, output, role, make, length=None, explicit=None, reads=()):
        self.output = output
        self.role = role
        self.make = make
        self.length = length
        self.explicit = explicit
        self.reads = reads

    def held(self, values):
        """What the phase is when its values cannot build it: the output's value it started from."""
        return Const(values["current"][self.output])


class Sequence(_Node):
    """Phases one after another (`then`). With `starts`, every phase but the
    last has a fixed length and the sequence is a function of the step;
    otherwise state slot `slot` records where it is."""

    def __init__(self, phases, starts=None, slot=-1):
        self.phases = phases
        self.starts = starts
        self.slot = slot
        last = phases[-1].length
        self.duration = starts[-1] + last if starts is not None and last is not None else None
        # The phase last built from entry values: (its entry state, its body).
        self._built = None

    def _phase(self, t):
        return max(0, bisect.bisect_right(self.starts, t) - 1)

    def _position(self, t):
        """The phase in force at step t and the step within it; past the end
        of a fixed-length phase, its last step."""
        i = self._phase(t)
        phase = self.phases[i]
        local = t - self.starts[i]
        if phase.length is not None and local >= phase.length:
            local = float(max(0, phase.length - 1))
        return phase, local

    def _in_force(self, t, s):
        """The body of the phase in force at step t and the step within it."""
        if self.starts is not None:
            phase, local = self._position(t)
            return phase.body, local
        st = s[self.slot]
        local = st["held"] if st["held"] is not None else t - st["start"]
        return self._body(st["phase"], st, s), local

    def value(self, t, s):
        body, local = self._in_force(t, s)
        return body.value(local, s)

    def momentum(self, t, s):
        body, local = self._in_force(t, s)
        return body.momentum(local, s)

    def _body(self, i, st, s):
        """Phase i's body as it runs: built from its entry values when it reads them."""
        phase = self.phases[i]
        e = st.get("entry")
        if phase.entry is None or e is None:
            return phase.body
        built = self._built
        if built is not None and built[0] is e:
            return built[1]
        made = self._make(i, e, s)
        body = made[0] if made is not None else phase.entry.held(e["values"])
        self._built = (e, body)
        return body

    def _make(self, i, e, s):
        """Phase i built from the entry state e: (body, natural length), or None."""
        entry = self.phases[i].entry
        values = e["values"]
        if e["held"]:
            return entry.held(values), None
        target = None
        if entry.role == "warmup":
            after = self.phases[i + 1].entry.make(values)
            if after is None:
                return None
            target = after[0].value(0.0, s)
            if not math.isfinite(target):
                return None
        return entry.make(values, target)

    def _enter(self, i, t, now, previous, s):
        """Fixes phase i's entry values at the end of step t (it starts at t + 1)."""
        entry = self.phases[i].entry
        if entry is None:
            return None
        if entry.role == "after_warmup" and previous is not None:
            values = previous["values"]
        else:
            current = {}
            for name in (entry.output,) + tuple(entry.reads):
                if name not in current:
                    current[name] = float(now.lr if name == "lr" else now.value(name))
            values = {"elapsed": t + 1, "current": current}
        e = {"values": values, "held": False}
        made = self._make(i, e, s)
        if made is None:
            e["held"] = True
            body, natural = entry.held(values), None
        else:
            body, natural = made
        if entry.length is not None:
            length = _steps(entry.length(values))
        elif entry.explicit is not None:
            length = entry.explicit
        else:
            length = None if made is None else natural
        if length is not None:
            e["length"] = length
        self._built = (e, body)
        return e

    def finished_at(self, t, s):
        """Whether the sequence has ended by local step t."""
        if self.duration is not None:
            return t >= self.duration
        return self.starts is None and s[self.slot]["held"] is not None

    def observe(self, t, metric, now, s, initial):
        if self.starts is not None:
            i = self._phase(t)
            local = t - self.starts[i]
            phase = self.phases[i]
            if phase.length is None or local < phase.length:
                phase.body.observe(local, metric, now, s, initial)
            return
        st = s[self.slot]
        if st["held"] is None:
            self._end_of_step(t, st, metric, now, s, initial)

    def _end_of_step(self, t, st, metric, now, s, initial):
        """The end of step t in a condition-driven sequence that has not
        finished: the phase in force observes it, and ends on its length, its
        condition or its own inner sequence's end."""
        phase = self.phases[st["phase"]]
        local = t - st["start"]
        body = self._body(st["phase"], st, s)
        if body.observes:
            body.observe(local, metric, now, s, initial)
        # The condition is always evaluated: a plateau records every metric.
        until = phase.until
        by_condition = until is not None and until.holds(local, metric, now, s)
        length = phase.length if phase.entry is None else st["entry"].get("length")
        if (by_condition or (length is not None and local + 1 >= length)
                or (isinstance(body, Sequence) and body.finished_at(local + 1, s))):
            reason = "condition" if by_condition else "length"
            st["transitions"].append({"step": t + 1, "phase": st["phase"], "reason": reason})
            if st["phase"] + 1 < len(self.phases):
                st["phase"] += 1
                st["start"] = t + 1
                lo, hi = self.phases[st["phase"]].slots
                for k in range(lo, hi):
                    s[k] = copy.deepcopy(initial[k])
                entry = self._enter(st["phase"], t, now, st.get("entry"), s)
                if entry is None:
                    st.pop("entry", None)
                else:
                    st["entry"] = entry
            else:
                st["held"] = float(local)


def _sequence_state():
    return {"phase": 0, "start": 0, "held": None, "transitions": []}


# ramp-section: elapsed
class Elapsed:
    """At least n steps of the phase have run."""

    def __init__(self, n):
        self.n = n

    def holds(self, local, metric, now, s):
        return local + 1 >= self.n


# ramp-section: plateau_condition requires: plateau
class Plateau:
    """plateau(...): the metric has stopped improving."""

    def __init__(self, spec, slot):
        self.spec = spec
        self.slot = slot

    def holds(self, local, metric, now, s):
        if metric is None:
            return False
        return self.spec.fires(s[self.slot], metric)


# ramp-section: signal
class Signal:
    """signal(name): the signal was raised during this step (`now` is the
    schedule, which keeps the step's raised signals while the step ends)."""

    def __init__(self, name):
        self.name = name

    def holds(self, local, metric, now, s):
        return self.name in now._raised


# ramp-section: compare
_COMPARE = {
    "<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y, "==": lambda x, y: x == y, "!=": lambda x, y: x != y,
}


class Compare:
    """metric < 0.1, lr <= 1e-4, ema > 0.999, ...: each side is "metric", "lr",
    ("output", name) or a schedule in t. `now` is the step's values: its `lr`
    and value(name) (the schedule itself)."""

    def __init__(self, a, op, b):
        self.a = a
        self.f = _COMPARE[op]
        self.b = b

    def _operand(self, o, local, metric, now, s):
        if o == "metric":
            return metric
        if o == "lr":
            return now.lr
        if isinstance(o, tuple):
            # ("output", name): another output's value at this step.
            return now.value(o[1])
        return o.value(float(local), s)

    def holds(self, local, metric, now, s):
        x = self._operand(self.a, local, metric, now, s)
        y = self._operand(self.b, local, metric, now, s)
        if x is None or y is None:
            return False
        return self.f(x, y)


# ramp-section: logical
class Logical:
    """a and b, a or b: both sides are always evaluated, so every plateau sees every metric."""

    def __init__(self, op, a, b):
        self.both = op == "and"
        self.a = a
        self.b = b

    def holds(self, local, metric, now, s):
        x = self.a.holds(local, metric, now, s)
        y = self.b.holds(local, metric, now, s)
        return (x and y) if self.both else (x or y)


# ramp-section: not
class Not:
    def __init__(self, a):
        self.a = a

    def holds(self, local, metric, now, s):
        return not self.a.holds(local, metric, now, s)


# ramp-section: schedule requires: arith
def _encode(x):
    """A state value as JSON writes it: infinities and NaN spelled out, as ramp serve does."""
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if x != x else ("inf" if x > 0 else "-inf")
    if isinstance(x, dict):
        return {k: _encode(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [_encode(v) for v in x]
    return x


def _decode_float(x):
    if isinstance(x, str) and x in ("inf", "-inf", "nan"):
        return float(x)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError
    return float(x)


def _decode_int(x):
    if isinstance(x, bool) or not isinstance(x, int):
        raise ValueError
    return x


def _decode_tracker(d):
    return {"best": _decode_float(d["best"]), "bad": _decode_int(d["bad"]),
            "cooldownLeft": _decode_int(d["cooldownLeft"]), "pending": _decode_int(d["pending"]),
            "average": _decode_float(d["average"])}


def _decode_slot(kind, d):
    if kind == "sequence":
        transitions = [{"step": _decode_int(x["step"]), "phase": _decode_int(x["phase"]),
                        "reason": {"length": "length", "condition": "condition"}[x["reason"]]}
                       for x in d["transitions"]]
        held = d.get("held")
        st = {"phase": _decode_int(d["phase"]), "start": _decode_int(d["start"]),
              "held": None if held is None else _decode_float(held), "transitions": transitions}
        if d.get("entry") is not None:
            e = d["entry"]
            values = e["values"]
            if not isinstance(e["held"], bool) or not isinstance(values["current"], dict):
                raise ValueError
            st["entry"] = {"values": {"elapsed": _decode_int(values["elapsed"]),
                                      "current": {str(k): _decode_float(v) for k, v in values["current"].items()}},
                           "held": e["held"]}
            if e.get("length") is not None:
                st["entry"]["length"] = _decode_int(e["length"])
        return st
    if kind == "plateau":
        return _decode_tracker(d)
    return {"value": _decode_float(d["value"]), "tracker": _decode_tracker(d["tracker"]),
            "reductions": _decode_int(d["reductions"])}


def _record(log, metric, t):
    """EventLog.record: the metric fed at the end of step t, its step kept
    in runs [first, every, count] so the log grows by one number per evaluation."""
    log["metrics"].append(metric)
    runs = log["at"]
    if runs:
        run = runs[-1]
        if run[2] == 1 and t > run[0]:
            run[1], run[2] = t - run[0], 2
            return
        if run[2] > 1 and t == run[0] + run[1] * (run[2] - 1) + run[1]:
            run[2] += 1
            return
    runs.append([t, 1, 1])


def _decode_log(d):
    """A state's log, checked: its metrics, their steps (expanded from the runs) and its signals."""
    metrics = [_decode_float(x) for x in d["metrics"]]
    steps = []
    for run in d["at"]:
        first, every, count = (_decode_int(x) for x in run)
        if first < 0 or every < 1 or count < 1 or count > len(metrics) - len(steps):
            raise ValueError
        for k in range(count):
            step = first + every * k
            if steps and step <= steps[-1]:
                raise ValueError
            steps.append(step)
    if len(steps) != len(metrics):
        raise ValueError
    signals = [{"step": _decode_int(e["step"]), "name": e["name"]} for e in d["signals"]]
    if not all(isinstance(e["name"], str) for e in signals):
        raise ValueError
    return {"metrics": metrics, "at": [list(r) for r in d["at"]], "signals": signals}, steps


def _violation(kind, v):
    """Why `v` is out of an output's range ("nonNegative", "unit",
    "positiveInteger", "finite"), or None: Ramp's OutputRange. "any" is an
    output a library's constructor writes, which passes as the library gives it."""
    if kind == "any":
        return None
    if v != v:
        return "not a number"
    if math.isinf(v):
        return "infinite"
    if kind == "finite":
        return None
    if kind == "positiveInteger":
        if v < 1:
            return f"below 1 ({_fmt(v)})"
        return None if v == math.floor(v) else f"not a whole number ({_fmt(v)})"
    if v < 0:
        return f"negative ({_fmt(v)})"
    return f"above 1 ({_fmt(v)})" if kind == "unit" and v > 1 else None


def _check_rates(seq, what, offset, total, slots, base, kind="nonNegative"):
    """What `ramp check` does at each base: sample every phase for a value
    out of the output's range (a rate: negative, infinite or NaN), densely at
    first and then at growing gaps, up to the run's length; raises ValueError
    naming the phase and the step."""
    for i, p in enumerate(seq.phases):
        if p.entry is not None:
            continue  # built when it starts: the module's own base was checked over its inputs' range
        start = None if seq.starts is None or offset is None else offset + seq.starts[i]
        horizon = p.length if p.length is not None else 1_000_000
        if total is not None:
            horizon = min(horizon, max(1, total - (start or 0)))

        def bad(t):
            return _violation(kind, p.body.value(float(t), slots)) is not None

        t, previous = 0, -1
        while t < horizon:
            if bad(t):
                # Samples thin out; find the first bad step since the last good one.
                t = next((u for u in range(previous + 1, t + 1) if bad(u)), t)
                why = _violation(kind, p.body.value(float(t), slots))
                step = f"at step {start + t}" if start is not None else f"at step {t} of this phase"
                raise ValueError(f"{p.at}: error[R0508]: at base {base!r}, the {what} is {why} {step}")
            previous = t
            t = t + 1 if t < 256 else t + t // 2
        if isinstance(p.body, Sequence):
            _check_rates(p.body, what, start, total, slots, base, kind)


class _Schedule:
    """The schedule, stepped as Ramp steps it.

    `lr` (and `momentum`) are the values for the current step; `step(metric)`
    ends the step, feeding it the step's metric (a validation loss, say) when
    the schedule reacts to one, and returns the next step's rate. The rates
    follow `base`: the program's own unless one is passed, exactly as Ramp
    computes them when the program is checked at that base.

    A module's `Schedule` subclass supplies BASE, TOTAL (the run's length,
    or None), KINDS (the kinds of its state slots) and program(base), which
    builds its trees at a base and raises ValueError when the schedule's
    shape would change there. At another base than its own, the rates are
    checked as `ramp check --base` checks them.
    """

    BASE = 1.0
    TOTAL = None
    USES_METRIC = False
    SIGNALS = ()
    FINGERPRINT = None
    RANGES = {"lr": "nonNegative", "momentum": "unit"}
    KINDS = ()

    @staticmethod
    def program(base):
        raise NotImplementedError("a compiled module's Schedule defines program(base)")

    def __init__(self, base=None):
        base = self.BASE if base is None else float(base)
        if not (base > 0 and math.isfinite(base)):
            raise ValueError(f"base must be a finite number above 0, got {base}")
        self.base = base
        self._lr_node, self._momentum_node, self._companion, self._initial, self._outputs = self.program(base)
        if base != self.BASE:
            _check_rates(self._lr_node, "rate", 0, self.TOTAL, self._initial, base, self.RANGES.get("lr", "nonNegative"))
            named = ([("momentum", self._momentum_node)] if self._momentum_node is not None else []) + self._outputs
            for name, node in named:
                _check_rates(node, name, 0, self.TOTAL, self._initial, base, self.RANGES.get(name, "finite"))
        self._names = [name for name, _ in self._outputs]
        self._values = []
        self._slots = copy.deepcopy(self._initial)
        self._t = 0
        self._held_momentum = self._companion
        # Signals raised during the current step, those seen while it ends,
        # and every metric and signal fed (the log a replay reads).
        self._pending = []
        self._raised = ()
        self._log = {"metrics": [], "at": [], "signals": []}
        # A rate that is a function of the step alone (phases of fixed
        # lengths, no state, no momentum) steps on a short path: the phase in
        # force is kept, and its body's function called directly.
        lr = self._lr_node
        self._static = None
        alone = self._momentum_node is None and self._companion is None and not self._outputs
        if alone and not self._initial and isinstance(lr, Sequence) and lr.starts is not None:
            self._static = lr
            self.step = self._step_static
        elif (alone and isinstance(lr, Sequence) and lr.starts is None
                and all(isinstance(p.body, Arith) for p in lr.phases)):
            # Phases ended by conditions, each written out as arithmetic: the
            # state is the sequence's and its conditions', so a step is the
            # sequence's end of step and one call of the phase's function.
            self.step = self._step_phases
        self._refresh()

    @property
    def t(self):
        """The index of the current step: how many times step() has been called."""
        return self._t

    @property
    def finished(self):
        """True once the last phase has ended (the rate then holds)."""
        return self._lr_node.finished_at(self._t, self._slots)

    @property
    def values(self):
        """Every output for the current step, by name: `lr`, `momentum` when
        scheduled, then the program's others (`weight_decay`, `ema`, ...)."""
        out = {"lr": self.lr}
        if self.momentum is not None:
            out["momentum"] = self.momentum
        out.update(zip(self._names, self._values))
        return out

    def value(self, name):
        """One output's value for the current step; KeyError names the outputs there are."""
        values = self.values
        if name not in values:
            raise KeyError(f"this schedule has no output {name!r}; it has {', '.join(values)}")
        return values[name]

    def _ends_without_metric(self):
        """Whether ending the current step finishes the schedule whatever its
        metric: a trainer that learns of an evaluation only later can stop now."""
        if not self._initial:
            return self._lr_node.finished_at(self._t + 1, self._slots)
        slots = copy.deepcopy(self._slots)
        # The signals raised so far in this step are seen, as step() will see them.
        raised, self._raised = self._raised, tuple(self._pending)
        try:
            self._lr_node.observe(self._t, None, self, slots, self._initial)
        finally:
            self._raised = raised
        return self._lr_node.finished_at(self._t + 1, slots)

    def signal(self, name):
        """Raises a signal during the current step: a phase waiting for it
        (`until signal("cooldown")`) ends when the step does. A name the
        schedule does not know raises ValueError, naming those it does."""
        if name not in self.SIGNALS:
            known = ", ".join(f"'{n}'" for n in self.SIGNALS)
            raise ValueError(f"unknown signal {name!r}: " + (f"its signals are {known}" if known else "it waits for no signal"))
        if name not in self._pending:
            self._pending.append(name)

    def _feed(self, t, metric):
        """Logs the end of step t (its metric, its signals) and makes the
        signals the ones this step's conditions see; returns the metric as a float."""
        m = None if metric is None else float(metric)
        if m is not None:
            _record(self._log, m, t)
        if self._pending:
            self._log["signals"] += [{"step": t, "name": n} for n in self._pending]
            self._raised, self._pending = tuple(self._pending), []
        elif self._raised:
            self._raised = ()
        return m

    def step(self, metric=None):
        """Ends the current step, observing `metric`; returns the new rate."""
        t = self._t
        m = self._feed(t, metric)
        if self._initial:
            self._lr_node.observe(t, m, self, self._slots, self._initial)
            if self._momentum_node is not None:
                self._momentum_node.observe(t, m, self, self._slots, self._initial)
            for _, node in self._outputs:
                node.observe(t, m, self, self._slots, self._initial)
        self._t = t + 1
        self._refresh()
        return self.lr

    def _enter(self, t):
        """Keeps the static phase in force at step t: where it starts and
        ends, its last evaluated step, and its body's function."""
        seq = self._static
        i = seq._phase(t)
        phase = seq.phases[i]
        self._start = seq.starts[i]
        self._end = seq.starts[i + 1] if i + 1 < len(seq.starts) else math.inf
        self._last = math.inf if phase.length is None else max(0, phase.length - 1)
        body = phase.body
        self._f = body.f if isinstance(body, Arith) else (lambda x: body.value(x, []))

    def _step_static(self, metric=None):
        """step() for a rate that is a function of the step alone."""
        if metric is not None:
            _record(self._log, float(metric), self._t)
        t = self._t + 1
        self._t = t
        if t >= self._end:
            self._enter(t)
        local = t - self._start
        if local > self._last:
            # Past its last step, the phase holds the value it has.
            return self.lr
        self.lr = lr = self._f(float(local))
        return lr

    def _step_phases(self, metric=None):
        """step() for a top-level condition-driven sequence of arithmetic phases."""
        t = self._t
        seq = self._lr_node
        s = self._slots
        st = s[seq.slot]
        m = self._feed(t, metric)
        self._t = t + 1
        if st["held"] is not None:
            # The last phase has ended: the rate holds.
            return self.lr
        seq._end_of_step(t, st, m, self, s, self._initial)
        held = st["held"]
        self.lr = lr = seq.phases[st["phase"]].body.f(float(t + 1 - st["start"]) if held is None else held)
        return lr

    def _refresh(self):
        if self._static is not None:
            self._enter(self._t)
        t = float(self._t)
        self.lr = self._lr_node.value(t, self._slots)
        if self._momentum_node is not None:
            self.momentum = self._momentum_node.value(t, self._slots)
        elif self._companion is not None:
            m = self._lr_node.momentum(t, self._slots)
            if m is not None:
                self._held_momentum = m
            self.momentum = self._held_momentum
        else:
            self.momentum = None
        if self._outputs:
            self._values = [node.value(t, self._slots) for _, node in self._outputs]

    def state_dict(self):
        """Everything the schedule remembers, as plain JSON-ready data: the same
        document `ramp serve` answers to {"op":"state"} and accepts in "load"."""
        state = {"step": self._t, "slots": [{k: {"_0": _encode(x)}} for k, x in zip(self.KINDS, self._slots)],
                 "log": _encode(self._log), "fingerprint": self.FINGERPRINT, "lr": _encode(self.lr)}
        if self._held_momentum is not None:
            state["heldMomentum"] = _encode(self._held_momentum)
        if self._pending:
            state["signals"] = list(self._pending)
        return state

    def load_state_dict(self, state, replay=False):
        """Restores a state_dict() (or a state from ramp serve); the trace then
        goes on exactly as it would have. A state saved by another program
        (an edited schedule) is refused, unless `replay`: then its log of
        metrics and signals is replayed through this schedule up to the saved
        step, which rebuilds this schedule's own state, and the one line
        returned says how the rate moved ("lr at step 12000: 0.031 before,
        0.0452 now"). A state without a log cannot be replayed, and says so."""
        if isinstance(state, (str, bytes)):
            state = json.loads(state)
        other = state.get("fingerprint") if isinstance(state, dict) else None
        if other is not None and other != self.FINGERPRINT:
            if not replay:
                raise ValueError(f"the saved state belongs to another program (fingerprint {other}; this one's is "
                                 f"{self.FINGERPRINT}); load it with replay=True to rebuild it under this program from its log")
            return self._replay(state)
        try:
            slots = state["slots"]
            if len(slots) != len(self.KINDS):
                raise ValueError
            decoded = []
            for kind, slot in zip(self.KINDS, slots):
                if list(slot) != [kind]:
                    raise ValueError
                decoded.append(_decode_slot(kind, slot[kind]["_0"]))
            t = _decode_int(state["step"])
            held = state.get("heldMomentum")
            held = None if held is None else _decode_float(held)
            log = state.get("log")
            log = {"metrics": [], "at": [], "signals": []} if log is None else _decode_log(log)[0]
            pending = list(state.get("signals", []))
            if t < 0 or not all(n in self.SIGNALS for n in pending):
                raise ValueError
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            if replay and other is None:
                return self._replay(state)
            raise ValueError("the saved state does not belong to this schedule") from None
        self._slots, self._t, self._held_momentum = decoded, t, held
        self._log, self._pending, self._raised = log, pending, ()
        self._refresh()
        return None

    def _replay(self, state):
        """Scheduler.resuming: this schedule fed, from its start, the saved
        log's metrics and signals up to the saved step."""
        if state.get("log") is None:
            raise ValueError("the saved state has no log of the metrics and signals it was fed, "
                             "so it cannot be replayed into another program")
        try:
            log, steps = _decode_log(state["log"])
            end = _decode_int(state["step"])
            before = state.get("lr")
            before = None if before is None else _decode_float(before)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            raise ValueError("the saved state's log is damaged: its metric steps do not match its metrics") from None
        if end < 0:
            raise ValueError("the saved state's step is negative")
        metric_at = {s: m for s, m in zip(steps, log["metrics"]) if s < end}
        signals_at = {}
        for e in log["signals"]:
            if e["step"] < end:
                signals_at.setdefault(e["step"], []).append(e["name"])
        _Schedule.__init__(self, self.base)
        for k in range(end):
            for name in signals_at.get(k, ()):
                if name not in self.SIGNALS:
                    raise ValueError(f"the saved state's log raises the signal '{name}' at step {k}, which this program does not wait for")
                self.signal(name)
            self.step(metric_at.get(k))
        was = "unknown" if before is None else _fmt(before)
        steps = "step" if end == 1 else "steps"
        return f"lr at step {end}: {was} before, {_fmt(self.lr)} now (the log of {end} {steps} was replayed into this program)"

    def __getstate__(self):
        # The trees hold the module's functions; the state is plain data.
        return {"base": self.base, "state": self.state_dict()}

    def __setstate__(self, saved):
        self.__init__(saved["base"])
        self.load_state_dict(saved["state"])

    def __repr__(self):
        return f"<Schedule t={self._t} lr={self.lr!r} momentum={self.momentum!r} finished={self.finished}>"


# ramp-section: torch
def _signal_files(spec, known):
    """The files whose appearance raises a signal, by signal name: from one
    path (named after its file, without the extension) or a map of names to paths."""
    if spec is None:
        return {}
    if isinstance(spec, dict):
        files = {str(k): str(v) for k, v in spec.items()}
    else:
        import os
        path = os.fspath(spec)
        files = {os.path.splitext(os.path.basename(path))[0]: path}
    for name in files:
        if name not in known:
            listed = ", ".join(f"'{n}'" for n in known) or "none"
            raise ValueError(f"signal_file raises {name!r}, which this schedule does not wait for (its signals: {listed})")
    return files


def _raise_from_files(files, signal):
    """Raises the signal of each file in `files` (name -> path) that has
    appeared, once: the file is then forgotten."""
    import os
    for name, path in list(files.items()):
        if os.path.exists(path):
            del files[name]
            signal(name)


class _StepCount:
    """Counts the optimizer's real steps: a step post-hook, which a step that
    GradScaler skips (inf or NaN gradients) never reaches. Picklable, and not
    pickled with the optimizer (torch leaves hooks out of its state)."""

    def __init__(self):
        self.n = 0

    def __call__(self, optimizer, args, kwargs):
        self.n += 1


def _all_reduce(metric, how):
    """The metric agreed on by every rank: their mean, min or max."""
    import torch
    import torch.distributed as dist
    x = torch.tensor([float(metric)], dtype=torch.float64)
    if how == "mean":
        dist.all_reduce(x, op=dist.ReduceOp.SUM)
        return x.item() / dist.get_world_size()
    dist.all_reduce(x, op=dist.ReduceOp.MIN if how == "min" else dist.ReduceOp.MAX)
    return x.item()


def _torch_class(schedule_class, module):
    """The module's TorchScheduler class, made once, when first asked for, so
    that the module imports torch only then. It is the module's attribute
    `TorchScheduler`, so schedulers pickle and torch.save them."""
    cls = schedule_class.__dict__.get("_torch_class")
    if cls is not None:
        return cls
    from torch.optim.lr_scheduler import LRScheduler

    class TorchScheduler(LRScheduler):
        """This schedule as a torch.optim.lr_scheduler.LRScheduler.

        Each parameter group's initial lr is its base. Call step() after
        optimizer.step(), or step(metric) when the schedule reacts to a metric.

        - follow_optimizer=True: the schedule advances only past steps where
          the optimizer really stepped (GradScaler's skipped steps, or
          accumulation micro-batches, do not count); False keeps torch's
          behaviour, where every step() call advances. A metric given on a
          step that does not advance is kept for the next one that does.
        - metric_optional=False: on a metric-driven schedule, step() without a
          metric raises, as ReduceLROnPlateau does; step(without_metric=True)
          declares a step with no evaluation.
        - sync="mean": under torch.distributed, every rank's metric is
          all-reduced ("mean", "min" or "max"; None to opt out) before any
          condition sees it, so all ranks decide alike on the same step.
          Every rank must then pass a metric on the same steps, and the
          process group must exist when the scheduler is made.

        A scheduled momentum is written to each group's `momentum`, or to
        `betas[0]` for Adam and its kin; `beta2` to `betas[1]` and
        `weight_decay` to `weight_decay`. Other outputs (`ema`, `batch_size`,
        any name) are read with value(name). `finished` tells the loop to stop.

        signal(name) raises a signal during the current step. With
        signal_file, a file appearing raises one: a path (the signal is the
        file's name without its extension) or a map from signal names to
        paths, looked for at most once every `signal_every` steps, so a person
        can decide mid-run with `touch`. Each file raises its signal once.
        """

        def __init__(self, optimizer, follow_optimizer=True, metric_optional=False, sync="mean",
                     signal_file=None, signal_every=10):
            if sync not in ("mean", "min", "max", None):
                raise ValueError(f"sync must be 'mean', 'min', 'max' or None, got {sync!r}")
            self._signal_files = _signal_files(signal_file, schedule_class.SIGNALS)
            self.signal_every = max(1, int(signal_every))
            self.follow_optimizer = follow_optimizer
            self.metric_optional = metric_optional
            self.sync = sync
            self.schedules = None
            self._pending = None
            self._counter = _StepCount()
            self._seen = 0
            self._hook = optimizer.register_step_post_hook(self._counter)
            self._ranks = _distributed()
            self._needs_metric = schedule_class.USES_METRIC and not metric_optional
            self._defer = False
            self._deferred = False
            super().__init__(optimizer)

        def _initial_step(self):
            # What LRScheduler's constructor calls: step 0 of a new schedule per group.
            self.schedules = [schedule_class(base=float(b)) for b in self.base_lrs]
            self._check_momentum()
            self._routes = self._group_routes()
            self._step_count = 1
            self.last_epoch += 1
            self._apply()

        def signal(self, name):
            """Raises a signal during the current step, in every parameter group's schedule."""
            for s in self.schedules:
                s.signal(name)

        def step(self, metric=None, *, without_metric=False):
            if self._signal_files and self._step_count % self.signal_every == 0 and not self._deferred:
                _raise_from_files(self._signal_files, self.signal)
            if metric is not None:
                # A plain float (a tensor's value), so the saved state stays plain data.
                metric = _all_reduce(metric, self.sync) if self._ranks and self.sync is not None else float(metric)
            elif self._defer and not without_metric:
                # A trainer that evaluates after stepping (hf_callback): the
                # step ends when its evaluation, or the lack of one, is known.
                self._deferred = True
                return
            n = self._counter.n
            if n == self._seen and self.follow_optimizer:
                # The optimizer did not step: the schedule stays where it is.
                if metric is not None:
                    self._pending = metric
                return
            if metric is None:
                metric = self._pending
                if metric is None and self._needs_metric and not without_metric:
                    raise ValueError("this schedule reacts to a metric: call step(metric), or step(without_metric=True) "
                                     "on a step without an evaluation (or pass metric_optional=True)")
            self._seen = n
            self._pending = None
            schedules = self.schedules
            if len(schedules) == 1 and not self._routes:
                # One group, the common case, without the loops.
                s = schedules[0]
                self.optimizer.param_groups[0]["lr"] = lr = s.step(metric)
                self._last_lr = [lr]
                if s.momentum is not None:
                    self._set_momentum(self.optimizer.param_groups[0], s.momentum)
                if s._names:
                    self._set_outputs(self.optimizer.param_groups[0], s)
            else:
                for s in schedules:
                    s.step(metric)
                self._apply()
            self.last_epoch += 1
            self._step_count += 1

        def end_deferred_step(self, metric=None):
            """Ends a step that step() left open, with its evaluation's metric or none."""
            if self._deferred:
                self._deferred = False
                self.step(metric, without_metric=metric is None)

        def _open_step_finishes(self):
            """True when the step left open finishes the schedule whatever its evaluation gives."""
            return self._deferred and all(s._ends_without_metric() for s in self.schedules)

        def _apply(self):
            groups = self.optimizer.param_groups
            if self._routes:
                self._apply_routes(groups)
                return
            if len(groups) == 1:
                # One group, the common case, without the loop.
                s = self.schedules[0]
                group = groups[0]
                group["lr"] = lr = s.lr
                self._last_lr = [lr]
                if s.momentum is not None:
                    self._set_momentum(group, s.momentum)
                if s._names:
                    self._set_outputs(group, s)
                return
            lrs = []
            for group, s in zip(groups, self.schedules):
                group["lr"] = lr = s.lr
                lrs.append(lr)
                if s.momentum is not None:
                    self._set_momentum(group, s.momentum)
                if s._names:
                    self._set_outputs(group, s)
            self._last_lr = lrs

        @staticmethod
        def _set_momentum(group, m):
            if "betas" in group:
                group["betas"] = (m, *group["betas"][1:])
            else:
                group["momentum"] = m

        @classmethod
        def _set_outputs(cls, group, s):
            # The outputs an optimizer has a field for; the rest are read with value().
            for name, v in zip(s._names, s._values):
                cls._set_field(group, name, v)

        @staticmethod
        def _set_field(group, name, v):
            """Writes output `name` to its field in a parameter group, when it has one."""
            if name == "weight_decay":
                group["weight_decay"] = v
            elif name == "beta2":
                group["betas"] = (group["betas"][0], v, *group["betas"][2:])

        def _group_routes(self):
            """For each parameter group, the outputs it takes from a group of
            the program's own (`lr[backbone]` by its `name`, `lr[0]` by its
            index) instead of the default; refuses a program group the
            optimizer does not have. Empty when the program has no groups."""
            keys = [n for n in self.schedules[0]._names if "[" in n]
            if not keys:
                return []
            groups = self.optimizer.param_groups
            names = [g.get("name") for g in groups]
            wanted = list(dict.fromkeys(key[key.index("[") + 1:-1] for key in keys))
            missing = [g for g in wanted if not g.isdigit() and g not in names]
            if missing:
                named = ", ".join(repr(n) for n in names if n is not None) or "none of them"
                raise ValueError(f"the program schedules parameter group{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(repr(g) for g in missing)}, but the optimizer's {len(groups)} group"
                                 f"{'s are' if len(groups) != 1 else ' is'} named: {named} (name a group with "
                                 f"{{'params': ..., 'name': {missing[0]!r}}})")
            beyond = [g for g in wanted if g.isdigit() and int(g) >= len(groups)]
            if beyond:
                raise ValueError(f"the program schedules parameter group {beyond[0]}, but the optimizer has {len(groups)} "
                                 f"group{'s' if len(groups) != 1 else ''}, numbered from 0")
            routes = []
            for i, g in enumerate(groups):
                route = {}
                for base in ("lr", "momentum", "beta2", "weight_decay"):
                    for key in (f"{base}[{g.get('name')}]", f"{base}[{i}]"):
                        if key in keys:
                            route[base] = key
                            break
                routes.append(route)
            return routes

        def _apply_routes(self, groups):
            lrs = []
            for group, s, route in zip(groups, self.schedules, self._routes):
                values = s.values
                group["lr"] = lr = values[route.get("lr", "lr")]
                lrs.append(lr)
                m = values.get(route.get("momentum", "momentum"))
                if m is not None:
                    self._set_momentum(group, m)
                for base in ("beta2", "weight_decay"):
                    v = values.get(route.get(base, base))
                    if v is not None:
                        self._set_field(group, base, v)
            self._last_lr = lrs

        def value(self, name, group=0):
            """Output `name` (`lr`, `momentum`, `ema`, ...) for the current step, in parameter group `group`."""
            return self.schedules[group].value(name)

        def get_lr(self):
            return list(self._last_lr)

        @property
        def finished(self):
            """True once the schedule has ended: a training loop can stop."""
            return all(s.finished for s in self.schedules)

        def _check_momentum(self):
            names = self.schedules[0]._names
            for group in self.optimizer.param_groups:
                if self.schedules[0].momentum is not None and "momentum" not in group and "betas" not in group:
                    raise ValueError("this schedule sets momentum, "
                                     "but the optimizer has neither `momentum` nor `betas`")
                if "beta2" in names and "betas" not in group:
                    raise ValueError(f"this schedule sets beta2, but {type(self.optimizer).__name__} has no `betas`")
                if "weight_decay" in names and "weight_decay" not in group:
                    raise ValueError(f"this schedule sets weight_decay, but {type(self.optimizer).__name__} has no `weight_decay`")

        def state_dict(self):
            """Plain data only, so torch.load(..., weights_only=True) reads it."""
            skip = ("optimizer", "schedules", "_counter", "_hook", "_ranks", "_needs_metric", "_routes", "_signal_files")
            state = {k: v for k, v in self.__dict__.items() if k not in skip}
            state["schedules"] = [s.state_dict() for s in self.schedules]
            return state

        def load_state_dict(self, state_dict, replay=False):
            """Restores state_dict(); with replay, a state saved under another
            program (an edited schedule) is rebuilt by replaying its log, and
            the line saying how the rate moved is returned."""
            state = dict(state_dict)
            saved = state.pop("schedules")
            self.__dict__.update(state)
            self.schedules = [schedule_class(base=float(b)) for b in self.base_lrs]
            reports = [s.load_state_dict(d, replay=replay) for s, d in zip(self.schedules, saved, strict=True)]
            self._routes = self._group_routes()
            # Steps the optimizer takes from here on are new.
            self._seen = self._counter.n
            self._apply()
            return reports[0]

        def __getstate__(self):
            state = self.state_dict()
            state["optimizer"] = self.optimizer
            return state

        def __setstate__(self, state):
            state = dict(state)
            self._signal_files = {}
            self.optimizer = state.pop("optimizer")
            self._counter = _StepCount()
            self._hook = self.optimizer.register_step_post_hook(self._counter)
            self._ranks = _distributed()
            self._needs_metric = schedule_class.USES_METRIC and not state.get("metric_optional", False)
            self.load_state_dict(state)

    TorchScheduler.__module__ = module
    TorchScheduler.__qualname__ = "TorchScheduler"
    schedule_class._torch_class = TorchScheduler
    return TorchScheduler


def _hf_callback(scheduler, metric=None):
    """A transformers TrainerCallback for a TorchScheduler that the Trainer
    steps (Trainer(optimizers=(optimizer, scheduler), callbacks=[...])).

    The Trainer steps its scheduler before it evaluates, and gives the metric
    only to ReduceLROnPlateau. With this callback the step stays open until
    the evaluation of that step is known, so the schedule sees the metric
    (`metric`, else `metric_for_best_model`, else the eval loss) at the end
    of the step it measured, as `ramp table --metrics` does; training stops
    when the schedule finishes. transformers is imported only here."""
    from transformers import TrainerCallback

    class RampCallback(TrainerCallback):
        def __init__(self):
            self.scheduler = scheduler
            self.metric = metric

        def _key(self, args):
            name = self.metric or args.metric_for_best_model or "loss"
            return name if name.startswith("eval_") else "eval_" + name

        def on_train_begin(self, args, state, control, **kwargs):
            self.scheduler._defer = True

        def on_step_end(self, args, state, control, **kwargs):
            # An evaluation follows when the flow asked for one, or at the end
            # of an epoch under eval_strategy="epoch".
            epoch_eval = str(getattr(args, "eval_strategy", "")).endswith("epoch") and state.epoch == int(state.epoch)
            if not (control.should_evaluate or epoch_eval):
                self._end(None, control)

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            if self.scheduler._deferred:
                value = (metrics or {}).get(self._key(args))
                if value is None:
                    raise KeyError(f"the evaluation gave no {self._key(args)!r} for the schedule; "
                                   f"it gave {sorted(metrics or {})}: pass hf_callback(scheduler, metric=...)")
                self._end(value, control)

        def on_train_end(self, args, state, control, **kwargs):
            self.scheduler.end_deferred_step()
            self.scheduler._defer = False

        def _end(self, value, control):
            self.scheduler.end_deferred_step(value)
            if self.scheduler.finished:
                control.should_training_stop = True

    return RampCallback()


def _lightning(schedule_class, module, optimizer, interval="step", monitor="val_loss", **options):
    """The dict a LightningModule's configure_optimizers returns, with this
    schedule as its scheduler, stepped every `interval` ("step" or "epoch").

    Lightning steps a scheduler before it validates, and gives a monitored
    metric only to plateau schedulers, again at every step whether or not it
    is new. So the scheduler's step stays open until it is known whether a
    validation measured it: a callback that this call puts first among the
    trainer's callbacks ends it with `monitor` when a validation ran (a fresh
    value only), or without a metric when the next batch starts, and stops
    fit when the schedule finishes. lightning is imported only here."""
    import lightning.pytorch as pl
    scheduler = _torch_class(schedule_class, schedule_class.__module__)(optimizer, **options)
    scheduler._defer = True

    class RampLightningCallback(pl.Callback):
        ramp = True

        def _end(self, trainer, metric):
            scheduler.end_deferred_step(metric)
            if scheduler.finished:
                trainer.should_stop = True

        def on_validation_end(self, trainer, pl_module):
            if trainer.sanity_checking or not scheduler._deferred:
                return
            value = trainer.callback_metrics.get(monitor)
            self._end(trainer, None if value is None else float(value))

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            self._end(trainer, None)

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            # A step that ends the schedule by its length stops fit before the
            # next batch trains (the validation, if one is due, still runs).
            if scheduler._open_step_finishes():
                trainer.should_stop = True

        def on_train_end(self, trainer, pl_module):
            scheduler.end_deferred_step()

    trainer = getattr(module, "_trainer", None)
    if trainer is None:
        raise ValueError("lightning_config(self, optimizer) is called from configure_optimizers, once the module has a Trainer")
    # One such callback per trainer: a new configure_optimizers replaces the last one's.
    trainer.callbacks[:] = [c for c in trainer.callbacks if not getattr(c, "ramp", False)]
    trainer.callbacks.insert(0, RampLightningCallback())
    return {"optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": interval, "frequency": 1, "name": "ramp"}}


def _keras_callback(schedule_class, monitor="val_loss", base=None, signal_file=None, signal_every=10):
    """A keras.callbacks.Callback that steps the schedule once per batch in
    model.fit, sets the optimizer's learning rate, feeds `monitor` when an
    evaluation gave it, and stops training when the schedule finishes.
    signal(name) raises a signal during the current batch; signal_file, as
    the torch adapter takes it, raises one when a file appears (looked for
    after every `signal_every` batches).

    Keras evaluates at the end of an epoch, after its last batch; so each
    batch's step stays open until the next batch begins (no metric) or the
    epoch's logs arrive (with `monitor`, when they hold it). Without `base`,
    the optimizer's learning rate when training begins is the base.
    keras is imported only here."""
    import keras

    class RampKerasCallback(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.schedule = None
            self._open = False
            self._signal_files = _signal_files(signal_file, schedule_class.SIGNALS)
            self._batches = 0

        def signal(self, name):
            """Raises a signal during the current batch's step."""
            self.schedule.signal(name)

        def _apply(self):
            self.model.optimizer.learning_rate = self.schedule.lr

        def _end(self, metric):
            if self._open:
                self._open = False
                self.schedule.step(metric)
                self._apply()
                if self.schedule.finished:
                    self.model.stop_training = True

        def on_train_begin(self, logs=None):
            if self.schedule is None:
                b = base if base is not None else float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
                self.schedule = schedule_class(base=b)
                if self.schedule.momentum is not None:
                    # SGD's momentum and Adam's beta_1 are Python numbers, fixed
                    # once the train step is compiled: setting them would not take.
                    raise ValueError("this schedule sets momentum, which Keras' optimizers take as a constant "
                                     "(SGD's momentum, Adam's beta_1); keras_callback schedules the learning rate only")
                if self.schedule._names:
                    raise ValueError(f"this schedule sets {', '.join(self.schedule._names)}, which Keras' optimizers take "
                                     "as constants (weight_decay, beta_2, ...); keras_callback schedules the learning rate only")
            self._apply()

        def on_train_batch_begin(self, batch, logs=None):
            self._end(None)

        def on_train_batch_end(self, batch, logs=None):
            self._open = True
            self._batches += 1
            if self._signal_files and self._batches % max(1, int(signal_every)) == 0:
                _raise_from_files(self._signal_files, self.signal)
            if self.schedule._ends_without_metric():
                # Stop before the next batch trains; the epoch's evaluation still comes.
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(monitor)
            self._end(None if value is None else float(value))

        def on_train_end(self, logs=None):
            self._end(None)

    return RampKerasCallback()


def _distributed():
    import torch.distributed as dist
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1
