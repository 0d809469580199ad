"""The schedule tree's parts that compiled Python modules are made of: the
arithmetic Ramp does as C does it, and the nodes that are not a phase
sequence (functions, constants, the step, arithmetic written out by the
module, warps, running products, chains, single precision, restarts).

Every class is a line-for-line transcription of Ramp's Swift evaluation, the
same operations in the same order, so the same doubles come out. The
compiler copies the sections a module uses (each starts with a
`# ramp-section:` line naming it and the sections it requires); the file is
also importable on its own, so its parts are linted and unit-tested directly.
"""


import bisect
import math
import struct

# The checks every Python-family module carries (a module gets checks.py's
# code before these sections; here it is imported, for this file on its own).
from checks import _INF, _NAN


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


class _Plain:
    """The backend the Python core is written over, in plain Python. Each
    concept the Python and JAX modules share (jax_runtime.py's _Arrays is the
    other backend) decides with where(c, a, b), `a` where `c` holds and `b`
    elsewhere (here a conditional), and select(i, branches, x), branch i
    applied to x (here the one branch called); it locates a step in a table
    with index(starts, t) and at(xs, i). So the same code runs fast here and
    traces under jit there."""

    @staticmethod
    def where(c, a, b):
        return a if c else b

    @staticmethod
    def select(i, branches, x):
        return branches[i](x)

    @staticmethod
    def index(starts, t):
        """The last i with starts[i] <= t (0 before the first)."""
        return max(0, bisect.bisect_right(starts, t) - 1)

    @staticmethod
    def at(xs, i):
        return xs[i]


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
        # The product so far, derived from f alone (f is stateless): (k, p)
        # with p = f(1) * ... * f(k - 1). A step at or after k - 1 goes on from
        # it, so stepping costs one factor; an earlier step starts again from 1.
        self._run = (1.0, 1.0)

    def value(self, t, s):
        k, p = self._run
        if not k - 1 <= t:
            k, p = 1.0, 1.0
        f = self.f
        while k <= t:
            p *= f.value(k, s)
            k += 1
        self._run = (k, p)
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
        # The running rate after steps 0 .. k - 1, derived from the members
        # alone (they are stateless): (k, rate, each member's last value, each
        # member's last height above its floor). A step at or after k - 1 goes
        # on from it, so stepping costs one update per member; an earlier step
        # starts again from step 0, as a rebuilt state does.
        self._run = None

    def value(self, t, s):
        run = self._run
        if run is not None and run[0] - 1 <= t:
            k, x, previous, excess = run
        else:
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
        self._run = (k, x, previous, excess)
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

    def __init__(self, body, period, mult, decay, floor, limit, decay_mode, peak=None, whole=False):
        self.body = body
        self.whole = whole  # each cycle floor(mult * the previous) steps long (Composer)
        self.period = period
        self.mult = mult
        self.decay = decay
        self.floor = floor
        self.limit = limit
        self.decay_mode = decay_mode
        # The body's value at the start of a cycle (its initial value: the body keeps no state).
        self.peak = body.value(0.0, []) if peak is None else peak
        # The start and length of every _STRIDE-th cycle, summed as _locate sums them, so a walk
        # resumed from a mark is bit-for-bit the walk from cycle 0; extended as steps reach further.
        self._marks = [(0.0, float(period), 0)]
        self._next = (0.0, float(period), 0)

    def _locate(self, t):
        """Cycle index, time within the cycle, and the cycle's length."""
        period = float(self.period)
        if self.mult == 1:
            k = int(math.floor(t / period))
            if self.limit is not None and k >= self.limit:
                return self.limit - 1, period, period
            return k, t - float(k * self.period), period
        start, length, k = self._mark(t)
        while t >= start + length:
            if self.limit is not None and k + 1 >= self.limit:
                return k, length, length
            start += length
            length = float(math.floor(length * self.mult)) if self.whole else length * self.mult
            k += 1
        return k, t - start, length

    _STRIDE = 256
    _CYCLES = 1 << 20

    def _mark(self, t):
        """The last marked cycle that starts at or before t, as (start, length, k): the cycles
        before it all end by t. Marks cover the first _CYCLES cycles (and no more than `limit`)."""
        marks = self._marks
        last = min(self._CYCLES, self.limit if self.limit is not None else self._CYCLES)
        start, length, k = self._next
        while start <= t and k < last and math.isfinite(start) and math.isfinite(length):
            start += length
            length = float(math.floor(length * self.mult)) if self.whole else length * self.mult
            k += 1
            if k % self._STRIDE == 0 and k < last:
                marks.append((start, length, k))
            self._next = (start, length, k)
        low, high = 0, len(marks)
        while low < high:
            mid = (low + high) // 2
            if marks[mid][0] <= t:
                low = mid + 1
            else:
                high = mid
        if low == 0:
            return 0.0, float(self.period), 0
        # Any mark at or before t is a place to resume, so marks added by two callers at once still serve.
        return marks[low - 1]

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
