"""Phase sequences (`then`) and the conditions that end a phase: locating
the phase in force and its clamp, phases built when they start from the
values fixed then, and held phases. Sections as in nodes.py.
"""


import copy

from checks import _INF
from nodes import Const, _Node, _Plain, _finite, _steps


# ramp-section: locate
def _phase_at(starts, t, B):
    """Which phase of a sequence with fixed `starts` (the step each begins
    at, the first at 0) is in force at step t: the last that has begun."""
    return B.index(starts, t)


def _clamped(local, last, B):
    """The step within a phase at which its body is evaluated `local` steps
    after it began: past its last step `last` (inf when it does not end), that step."""
    return B.where(last < local, last, local)


def _locate(table, t, B):
    """The phase in force at step t of a sequence with fixed starts, and the
    step within it at which its body is evaluated. `table` is the data the
    compiler writes for it: the phases' starts and their last local steps."""
    starts, lasts = table
    i = B.index(starts, t)
    return i, _clamped(t - B.at(starts, i), B.at(lasts, i), B)


def _located(table, bodies, t, B):
    """A sequence with fixed starts at step t: the body of the phase in force
    (a function of the step within it) at its step, the one body evaluated."""
    i, local = _locate(table, t, B)
    return B.select(i, bodies, local)


def _start_of(after, first):
    """Where a warmup that rises to the phase after it rises to: that phase
    (`after`, a function of its step) at its first step, `first` (0 in the
    backend's numbers), as Swift's `Node.risingWarmup(to:)` finds it: a
    warmup after it that rises in turn has risen already, and the phase is
    read in the state the schedule starts with, which it keeps until it begins."""
    return after(first)


def _rising(warmup, after, first):
    """Such a warmup as a function of its step, for a sequence whose phases
    are functions of their steps: `warmup(to)`, `to` where it rises to, found now."""
    return warmup(_start_of(after, first))


def _held_local(done, held, start, t, B):
    """The step within the phase in force of a sequence whose phases end on
    conditions: the steps since it began (at `start`), or the step `held`
    once the last phase has ended (`done`)."""
    return B.where(done, held, t - start)


# ramp-section: entry
def _fixed(role, fresh, previous):
    """The values a phase built when it starts is built from: those fixed as
    the step before it ends (`fresh()`), or, for the phase after a warmup
    that fixed them (role "after_warmup"), the warmup's (`previous`, when
    there is one)."""
    return previous if role == "after_warmup" and previous is not None else fresh()


def _build_at_entry(role, make, after, values, first_of, finite, B):
    """A phase built from the `values` fixed when it starts, as Swift's
    Entry builds it. `make(values, target)` gives its body and natural
    length first, or None when a number fixed then is not finite (plain
    Python builds nothing then); `finite(made)` says whether every number
    fixed then was (the array modules build a phase either way). A warmup
    (role "warmup") rises to where the phase after it begins: that phase,
    `after(values)`, at its first step (`first_of(body)`, the core's
    `_start_of`). Returns (made, target, held): the phase holds unless it,
    and the phase after a warmup, are built from finite numbers and the
    target is finite."""
    target, ok = None, True
    if role == "warmup":
        following = after(values)
        if following is None:
            return None, None, True
        target = first_of(following[0])
        ok = B.where(finite(following), _finite(target), False)
    made = make(values, target)
    if made is None:
        return None, target, True
    ok = B.where(finite(made), ok, False)
    return made, target, B.where(ok, False, True)


def _entry_length(length, explicit, natural, held, values, B):
    """The length of a phase built when it starts: one written with the
    values fixed then (`length(values)`, in whole steps), a fixed one
    (`explicit`), else its natural length (None or inf when it has none),
    inf when it holds."""
    if length is not None:
        return _steps(length(values))
    if explicit is not None:
        return explicit
    return B.where(held, _INF, natural)


# ramp-section: sequence requires: arith, const, locate
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


class Rising(_Node):
    """A phase's warmup that rises to where the phase after it (`after`, a
    node) begins: `warmup(to)` is its function of the step, `to` from
    `_start_of`, and `f` that function once `to` is found, as Arith's is
    (the schedule's fast paths call it). A phase after it that reads the
    state is read at the first state given, the one the schedule starts with: only
    the phase in force observes, so that phase's slots are untouched while
    the warmup runs."""

    observes = False

    def __init__(self, warmup, after):
        self.warmup = warmup
        self.after = after
        # A phase after it that observes, or a warmup rising into one, reads the state.
        reads = after.observes or (isinstance(after, Rising) and after.f is None)
        self.f = None if reads else warmup(_start_of(lambda u: after.value(u, None), 0.0))

    def value(self, t, s):
        f = self.f
        if f is None:
            f = self.f = self.warmup(_start_of(lambda u: self.after.value(u, s), 0.0))
        return f(t)


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
        # The phase table _locate reads: the starts and each phase's last local step.
        lasts = [_INF if p.length is None else float(max(0, p.length - 1)) for p in phases]
        self.table = None if starts is None else (starts, lasts)
        # The phase last built from entry values: (its entry state, its body).
        self._built = None

    def _phase(self, t):
        return _phase_at(self.starts, t, _Plain)

    def _in_force(self, t, s):
        """The body of the phase in force at step t and the step within it."""
        if self.starts is not None:
            i, local = _locate(self.table, t, _Plain)
            return self.phases[i].body, local
        st = s[self.slot]
        held = st["held"]
        return self._body(st["phase"], st, s), _held_local(held is not None, held, st["start"], t, _Plain)

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
        """Phase i built from the entry state e: (body, natural length), or None when it holds.
        The entry section's functions are carried by a module that builds phases at entry."""
        entry = self.phases[i].entry
        values = e["values"]
        if e["held"]:
            return entry.held(values), None
        after = self.phases[i + 1].entry.make if entry.role == "warmup" else None
        # A builder here gives None unless every number fixed then is finite.
        made, _, held = _build_at_entry(entry.role, entry.make, after, values,
                                        lambda body: _start_of(lambda u: body.value(u, s), 0.0),
                                        lambda built: True, _Plain)
        return None if held else made[:2]

    def _enter(self, i, t, now, previous, s):
        """Fixes phase i's entry values at the end of step t (it starts at t + 1)."""
        entry = self.phases[i].entry
        if entry is None:
            return None
        def fresh():
            current = {}
            for name in (entry.output,) + tuple(entry.reads):
                if name not in current:
                    current[name] = float(now.lr if name == "lr" else now.value(name))
            return {"elapsed": t + 1, "current": current}

        values = _fixed(entry.role, fresh, None if previous is None else previous["values"])
        e = {"values": values, "held": False}
        made = self._make(i, e, s)
        if made is None:
            e["held"] = True
            body, natural = entry.held(values), None
        else:
            body, natural = made
        length = _entry_length(entry.length, entry.explicit, natural, made is None, values, _Plain)
        if length is not None and length != _INF:
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
        body = phase.body if phase.entry is None else self._body(st["phase"], st, s)
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
        fired, s[self.slot] = self.spec.record(s[self.slot], metric, _Plain)
        return fired


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
