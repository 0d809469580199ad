"""The runtime of the Python modules that `ramp compile --to python` writes:
the schedule stepped as Ramp steps it, with its state codec, its event log
and replay, and the rate check at another base.

The runtime is shipped with Ramp as it is, in files cut along its seams:
nodes.py (the tree's parts), shapes.py (the shapes that keep state or look
up tables), sequence.py (phases and the conditions that end them), this file,
and adapters.py (torch, transformers, Lightning, Keras). The compiler copies
into each module the sections its schedule uses (each starts with a
`# ramp-section:` line naming it and the sections it requires), after the
module's own header; the module writes the arithmetic of its schedule's
shapes out itself, as functions of the step wrapped in `Arith`. Every class
is a line-for-line transcription of Ramp's Swift evaluation, the same
operations in the same order, so the same doubles come out. The files are
also importable on their own, so their parts are linted and unit-tested
directly; this one also gives the whole runtime under one name.
"""


import copy
import json
import math

# The checks every Python-family module carries (a module gets checks.py's
# code before these sections; here it is imported, for this file on its own).
from checks import _fmt
from messages import _MESSAGES
from nodes import (Arith, At, Chained, Const, Float32, Fn, Neg, Op, Restarts, RunningProduct, Time, _FUNCTIONS,
                   _Plain, _ceil, _div, _f32, _finite, _floor, _max, _min, _mod, _pow, _steps)
from sequence import (Compare, Elapsed, Entry, Logical, Not, Phase, Plateau, Rising, Sequence, Signal, _clamped,
                      _held_local, _phase_at, _sequence_state)
from shapes import (Cyclic, Interpolate, OneCycle, Piecewise, PlateauSpec, ReduceOnPlateau, WarmupStableDecay,
                    _reduce_state, _tracker)
from state import _REPLAY_LIMIT, _check_log, _check_state, _check_step, _idle_until, _refuse, _state_parts, \
    _unknown_signal

# The whole runtime under one name, for the unit tests and for reading.
__all__ = ["At", "Chained", "Compare", "Const", "Cyclic", "Elapsed", "Entry", "Float32", "Fn", "Interpolate",
           "Logical", "Neg", "Not", "OneCycle", "Op", "Phase", "Piecewise", "Plateau", "PlateauSpec",
           "ReduceOnPlateau", "Restarts", "RunningProduct", "Signal", "Time", "WarmupStableDecay", "_FUNCTIONS",
           "_ceil", "_div", "_f32", "_finite", "_floor", "_max", "_min", "_mod", "_pow", "_reduce_state",
           "_sequence_state", "_steps", "_tracker"]


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
        if run[2] > 1 and t == run[0] + run[1] * run[2]:
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
                raise ValueError(f"{p.at}: " + _MESSAGES["R0508"].format(base=repr(base), what=what, why=why, step=step))
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
        # A rate made of phases of fixed lengths (no momentum, no other
        # output) steps on a short path: the phase in force is kept, and its
        # body observes and is evaluated directly (its function called, when
        # it keeps no state).
        lr = self._lr_node
        self._static = None
        alone = self._momentum_node is None and self._companion is None and not self._outputs
        if alone and isinstance(lr, Sequence) and lr.starts is not None:
            self._static = lr
            self.step = self._step_static
            only = lr.phases[0]
            if len(lr.phases) == 1 and only.length is None and getattr(only.body, "reduces", False):
                # The rate is one reduce_on_plateau: a step is its end of step and a read of its slot.
                self._reduce = only.body
                # In one call where it can (ReduceOnPlateau.stepper), else ReduceOnPlateau.observe's.
                self.step = self._step_reduce = only.body.stepper(self) or self._reduce_step
        elif (alone and isinstance(lr, Sequence) and lr.starts is None
                and all(isinstance(p.body, (Arith, Rising)) and p.body.f is not None for p in lr.phases)):
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
        i = _phase_at(seq.starts, t, _Plain)
        phase = seq.phases[i]
        self._start = seq.starts[i]
        self._end = seq.starts[i + 1] if i + 1 < len(seq.starts) else math.inf
        self._last = seq.table[1][i]
        # The last local step the body observes (Sequence.observe).
        self._observed = math.inf if phase.length is None else phase.length - 1
        self._body = body = phase.body
        self._observes = bool(self._initial) and body.observes
        self._f = body.f if isinstance(body, (Arith, Rising)) else None

    def _step_static(self, metric=None):
        """step() for a rate made of phases of fixed lengths: Sequence.observe
        and Sequence.value on the phase in force, kept between steps."""
        t = self._t
        if self._pending or self._raised:
            m = self._feed(t, metric)
        elif metric is not None:
            m = float(metric)
            _record(self._log, m, t)
        else:
            m = None
        if self._observes and t - self._start <= self._observed:
            self._body.observe(t - self._start, m, self, self._slots, self._initial)
        t += 1
        self._t = t
        if t >= self._end:
            self._enter(t)
        local = t - self._start
        if local > self._last:
            if not self._initial:
                # Past its last step, the phase holds the value it has.
                return self.lr
            # Its last step's value, after the state that step observed.
            local = _clamped(local, self._last, _Plain)
        f = self._f
        self.lr = lr = f(float(local)) if f is not None else self._body.value(float(local), self._slots)
        return lr

    def _reduce_step(self, metric=None):
        """step() for a rate that is one reduce_on_plateau from step 0 on:
        ReduceOnPlateau.observe, then its value, as _step_static gives them."""
        t = self._t
        m = self._feed(t, metric)
        self._t = t + 1
        node = self._reduce
        if m is not None:
            node.observe(t, m, self, self._slots, self._initial)
        self.lr = lr = self._slots[node.slot]["value"]
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
        local = float(_held_local(held is not None, held, st["start"], t + 1, _Plain))
        self.lr = lr = seq.phases[st["phase"]].body.f(local)
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
        0.0452 now"). A state without a log cannot be replayed, and says so.
        Every field is checked first (Scheduler's SchedulerState.validate):
        a refusal names it, and the schedule is left exactly as it was."""
        if isinstance(state, (str, bytes)):
            state = json.loads(state)
        other = state.get("fingerprint") if isinstance(state, dict) else None
        if other is not None and other != self.FINGERPRINT:
            if not replay:
                raise _refuse("fingerprint", other=other, this=self.FINGERPRINT)
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
            pending = [str(n) for n in state.get("signals", [])]
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            if replay and other is None:
                return self._replay(state)
            raise _refuse("another") from None
        try:
            log, steps = ({"metrics": [], "at": [], "signals": []}, []) if state.get("log") is None \
                else _decode_log(state["log"])
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            raise _refuse("logDamaged") from None
        try:
            _check_state(self, decoded, t, log, steps, pending)
        except ValueError:
            # A state that names no program may be another's with slots of the same kinds.
            if replay and other is None and state.get("log") is not None:
                return self._replay(state)
            raise
        kept = dict(self.__dict__)
        self._slots, self._t, self._held_momentum = decoded, t, held
        self._log, self._pending, self._raised = log, pending, ()
        try:
            self._refresh()
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(kept)
            raise
        return None

    def _replay(self, state, limit=None):
        """Scheduler.resuming: this schedule fed, from its start, the saved
        log's metrics and signals up to the saved step. Quiet stretches are
        skipped (`_idle_until`); at most `limit` other steps are run one at a
        time. A refusal leaves the schedule as it was."""
        limit = _REPLAY_LIMIT if limit is None else limit
        if state.get("log") is None:
            raise _refuse("noLog")
        try:
            log, steps = _decode_log(state["log"])
            end = _decode_int(state["step"])
            before = state.get("lr")
            before = None if before is None else _decode_float(before)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            raise _refuse("logDamaged") from None
        _check_step(end)
        _check_log(log, steps, end, None)
        for e in log["signals"]:
            if e["name"] not in self.SIGNALS:
                raise _refuse("logSignal", name=e["name"], step=e["step"], why=_unknown_signal(e["name"], self.SIGNALS))
        metric_at = dict(zip(steps, log["metrics"]))
        signals_at = {}
        for e in log["signals"]:
            signals_at.setdefault(e["step"], []).append(e["name"])
        events = sorted(set(metric_at) | set(signals_at))
        kept = dict(self.__dict__)
        try:
            _Schedule.__init__(self, self.base)
            sequences, _, others, running = _state_parts(self)
            shape = (sequences, not others, running)
            k = stepped = 0
            while self._t < end:
                t = self._t
                if k < len(events) and events[k] == t:
                    for name in signals_at.get(t, ()):
                        self.signal(name)
                    self.step(metric_at.get(t))
                    k += 1
                    continue
                to = _idle_until(self, events[k] if k < len(events) else end, shape)
                if to is not None and to > t:
                    self._t, self._raised = to, ()
                    self._refresh()
                    continue
                if stepped >= limit:
                    raise _refuse("replayLimit", step=end, limit=limit)
                self.step()
                stepped += 1
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(kept)
            raise
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
