"""Saved states checked before they are loaded, and replays bounded: the
Python side of Ramp's Schedules/StateCheck.swift and Schedules/Replay.swift,
with the same checks in the same order and the same words (the catalogue's,
from the `_MESSAGES` table). Sections as in nodes.py.
"""


import math

from checks import _fmt
from messages import _MESSAGES
from nodes import _steps


# ramp-section: state requires: schedule
# The largest step a state may hold, and the most steps a replay runs one at a time (Scheduler.replayStepLimit).
_MAX_STEP = 10**15
_REPLAY_LIMIT = 1_000_000


def _refuse(which, **fields):
    """A saved state refused (R08): the catalogue's words, by the name the table keys them under."""
    code = next(k for k in _MESSAGES if k.endswith("." + which))
    return ValueError(_MESSAGES[code].format(**fields))


def _unknown_signal(name, known):
    """UnknownSignal's words: the signal, and the ones the program knows."""
    names = ", ".join(f"'{n}'" for n in known)
    return f"unknown signal '{name}': " + (f"its signals are {names}" if names else "it waits for no signal")


def _parts(root):
    """Every part of a tree, in tree order: nodes, phases and their conditions."""
    out, stack, seen = [], [root], set()
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
            continue
        if id(x) in seen or not hasattr(x, "__dict__") or callable(x):
            continue
        seen.add(id(x))
        out.append(x)
        stack.extend(reversed([v for k, v in vars(x).items() if not k.startswith("_")]))
    return out


def _kind(x):
    return type(x).__name__


def _check_step(t):
    if not 0 <= t <= _MAX_STEP:
        raise _refuse("step", value=t, max=_MAX_STEP)


def _check_log(log, steps, t, known):
    """The log holds only steps before the state's, signals in order and (unless
    `known` is None, as for a replay, which says where it meets them) known."""
    if steps and steps[-1] >= t:
        seen = 0
        for k, run in enumerate(log["at"]):
            seen += run[2]
            if seen == len(steps):
                raise _refuse("logPastStep", field=f"log.at.{k}", at=steps[-1], step=t)
    previous = 0
    for k, e in enumerate(log["signals"]):
        if e["step"] < previous:
            raise _refuse("signalOrder", field=f"log.signals.{k}.step", value=e["step"], previous=previous)
        if e["step"] >= t:
            raise _refuse("logPastStep", field=f"log.signals.{k}.step", at=e["step"], step=t)
        if known is not None and e["name"] not in known:
            raise _refuse("unknownSignal", field=f"log.signals.{k}.name", name=e["name"],
                          why=_unknown_signal(e["name"], known))
        previous = e["step"]


def _check_sequence(seq, st, field, step, top, s):
    """PhaseSequence.validate: its phase, its changes, its start and its entry."""
    count = len(seq.phases)
    phase, held, trs = st["phase"], st["held"], st["transitions"]
    if not 0 <= phase < count:
        raise _refuse("phase", field=field + "phase", value=phase, count=count, last=count - 1)
    ended = phase + (0 if held is None else 1)
    if held is not None and phase != count - 1:
        raise _refuse("heldTooEarly", field=field + "held", phase=phase, count=count)
    if len(trs) != ended:
        raise _refuse("transitionCount", field=field + "transitions", count=len(trs), ended=ended)
    begun = 0
    for k, tr in enumerate(trs):
        at = f"{field}transitions.{k}."
        if tr["phase"] != k:
            raise _refuse("skipped", field=at + "phase", value=tr["phase"], expected=k)
        if tr["step"] <= begun:
            raise _refuse("order", field=at + "step", value=tr["step"], begun=begun)
        if tr["step"] > step:
            raise _refuse("pastStep", field=at + "step", value=tr["step"], step=step)
        p = seq.phases[k]
        if p.entry is None and p.length is not None and tr["step"] - begun > p.length:
            raise _refuse("pastPhaseEnd", field=at + "step", value=tr["step"], phase=k, start=begun, length=p.length)
        if k < phase:
            begun = tr["step"]
    if st["start"] != begun:
        if st["start"] > step:
            raise _refuse("pastStep", field=field + "start", value=st["start"], step=step)
        raise _refuse("start", field=field + "start", value=st["start"], expected=begun)
    _check_entry(seq, st, field + "entry", s)
    if held is not None and trs:
        expected = float(trs[-1]["step"] - 1 - st["start"])
        if held != expected:
            raise _refuse("held", field=field + "held", value=_fmt(held), expected=_fmt(expected))
    length = _phase_length(seq, st)
    if top and held is None and length is not None and step - st["start"] >= length:
        raise _refuse("pastPhaseEnd", field="step", value=step, phase=phase, start=st["start"], length=length)


def _phase_length(seq, st):
    """The length of the phase in force: fixed at entry when it reads entry values."""
    phase = seq.phases[st["phase"]]
    e = st.get("entry")
    return e.get("length") if phase.entry is not None and e is not None else phase.length


def _check_entry(seq, st, field, s):
    """The values a phase built at entry was fixed with, and the length and hold they give."""
    i = st["phase"]
    plan = seq.phases[i].entry
    e = st.get("entry")
    if plan is None:
        if e is not None:
            raise _refuse("entryUnexpected", field=field, phase=i)
        return
    if e is None:
        if i == 0:
            return
        raise _refuse("entryMissing", field=field, phase=i)
    # After a warmup, the phase takes the values fixed when the warmup began.
    source = i - 1 if plan.role == "after_warmup" and i > 0 else i
    begun = 0 if source == 0 else st["transitions"][source - 1]["step"]
    values = e["values"]
    if values["elapsed"] != begun:
        raise _refuse("start", field=field + ".values.elapsed", value=values["elapsed"], expected=begun)
    names = [plan.output] + list(plan.reads)
    if source != i and seq.phases[source].entry is not None:
        names += [seq.phases[source].entry.output] + list(seq.phases[source].entry.reads)
    for name in names:
        if name not in values["current"]:
            raise _refuse("entryValue", field=field + ".values.current", name=name)
    # An output's value is finite at every step a program runs.
    for name, x in sorted(values["current"].items()):
        if not math.isfinite(x):
            raise _refuse("notFinite", field=f"{field}.values.current.{name}", value=_fmt(x))
    made = seq._make(i, {"values": values, "held": False}, s)
    if plan.length is not None:
        length = _steps(plan.length(values))
    elif plan.explicit is not None:
        length = plan.explicit
    else:
        length = None if made is None else made[1]
    if e["held"] != (made is None):
        word = {True: "true", False: "false"}
        raise _refuse("entry", field=field + ".held", value=word[e["held"]], expected=word[made is None])
    if e.get("length") != length:
        raise _refuse("entry", field=field + ".length", value="null" if e.get("length") is None else e["length"],
                      expected="null" if length is None else length)


def _check_tracker(tr, spec, field):
    if not 0 <= tr["bad"] <= spec.patience:
        raise _refuse("range", field=field + "bad", value=tr["bad"], lo=0, hi=spec.patience)
    if not 0 <= tr["cooldownLeft"] <= spec.cooldown:
        raise _refuse("range", field=field + "cooldownLeft", value=tr["cooldownLeft"], lo=0, hi=spec.cooldown)
    if not 0 <= tr["pending"] < max(1, spec.accumulate):
        raise _refuse("range", field=field + "pending", value=tr["pending"], lo=0, hi=max(0, spec.accumulate - 1))


def _waits_for_an_event(c):
    """Condition.waitsForAnEvent: only a metric or a signal can make `c` hold."""
    kind = _kind(c)
    if kind in ("Plateau", "Signal"):
        return True
    if kind == "Compare":
        return any(isinstance(o, str) and o == "metric" for o in (c.a, c.b))
    if kind == "Logical":
        a, b = _waits_for_an_event(c.a), _waits_for_an_event(c.b)
        return (a or b) if c.both else (a and b)
    return False


def _state_parts(schedule):
    """The program's condition-driven sequences (with whether each is an
    output's own), its plateaus by slot, and whether anything but the rate keeps state."""
    roots = [schedule._lr_node] + ([schedule._momentum_node] if schedule._momentum_node is not None else [])
    roots += [node for _, node in schedule._outputs]
    sequences, plateaus, others, running = [], [], False, False
    for i, root in enumerate(roots):
        for x in _parts(root):
            kind = _kind(x)
            if kind == "Sequence" and x.starts is None:
                sequences.append((x, x is root))
                others = others or i > 0
            elif kind == "ReduceOnPlateau":
                plateaus.append((x.slot, x.plateau, x))
                others = others or i > 0
            elif kind == "Plateau":
                plateaus.append((x.slot, x.spec, None))
            elif kind in ("RunningProduct", "Chained"):
                running = True
    return sequences, plateaus, others, running


def _check_state(schedule, slots, t, log, steps, pending):
    """SchedulerState.validate: every field against the program and the state's others."""
    _check_step(t)
    _check_log(log, steps, t, schedule.SIGNALS)
    for k, name in enumerate(pending):
        if name not in schedule.SIGNALS:
            raise _refuse("unknownSignal", field=f"signals.{k}", name=name, why=_unknown_signal(name, schedule.SIGNALS))
    sequences, plateaus, _, running = _state_parts(schedule)
    for seq, top in sequences:
        _check_sequence(seq, slots[seq.slot], f"slots.{seq.slot}.sequence._0.", t, top, slots)
    for slot, spec, reduce in plateaus:
        if reduce is None:
            _check_tracker(slots[slot], spec, f"slots.{slot}.plateau._0.")
            continue
        field = f"slots.{slot}.reduce._0."
        r = slots[slot]
        _check_tracker(r["tracker"], spec, field + "tracker.")
        lo, hi = min(reduce.min, reduce.from_), max(reduce.min, reduce.from_)
        if not lo <= r["value"] <= hi:
            raise _refuse("range", field=field + "value", value=_fmt(r["value"]), lo=_fmt(lo), hi=_fmt(hi))
        if r["reductions"] < 0:
            raise _refuse("atLeast", field=field + "reductions", value=r["reductions"], min=0)
    # Running values are replayed from step 0 when a state is loaded: as far as a replay runs, no further.
    if running and t > _REPLAY_LIMIT:
        raise _refuse("replayLimit", step=t, limit=_REPLAY_LIMIT)


def _idle_until(schedule, end, shape):
    """Scheduler.idle(until:): the step up to which steps without a metric
    or a signal change nothing but the step, or None when the next might."""
    sequences, only_rate, running = shape
    if running:
        return None
    if only_rate and schedule.finished:
        return end
    if schedule._companion is not None:
        return None
    until = end
    for seq, top in sequences:
        st = schedule._slots[seq.slot]
        if st["held"] is not None:
            continue
        until_ = seq.phases[st["phase"]].until
        if until_ is not None and not _waits_for_an_event(until_):
            return None
        length = _phase_length(seq, st)
        if length is not None:
            if not top:
                return None
            until = min(until, st["start"] + length - 1)
    return until
