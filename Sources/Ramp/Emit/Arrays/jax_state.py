"""The stateful part of the modules that `ramp compile --to jax` writes for a
schedule that reacts to a metric (or whose phases end on conditions); the
compiler copies it (without this docstring) after jax_runtime.py.

The schedule's memory (the phase in force, where it started, every plateau
detector, every reduce-on-plateau) is a pytree of arrays, and every decision
is a select, so a whole step is traceable under `jit`. Each function is the
Python runtime's (runtime.py) written without branches: a part that is not in
force computes as well, and its result is dropped by `jnp.where`. The
plateau and reduce-on-plateau bookkeeping is the Python core's (shapes.py),
over jax_runtime.py's backend: the module carries both before this part, so
the compiler leaves out the imports marked `# ramp: carried`.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jax_runtime import _Arrays  # ramp: carried
from shapes import _reduce_end  # ramp: carried


def _float():
    return jnp.asarray(0.0).dtype


def _where(c, a, b):
    """a where c holds, b elsewhere, leaf by leaf."""
    return jax.tree_util.tree_map(lambda x, y: jnp.where(c, x, y), a, b)


def _put(s, k, v):
    """The slots `s` with slot k replaced by v."""
    return s[:k] + (v,) + s[k + 1:]


def _reset(s, initial, lo, hi, entering):
    """Slots lo..<hi back to their initial state where `entering` holds: a phase's own memory starts afresh."""
    for k in range(lo, hi):
        s = _put(s, k, _where(entering, initial[k], s[k]))
    return s


def _sequence_state(entry=None):
    """Where a sequence whose phases end on conditions is: the phase in force,
    the step it started at, and the local step it holds once the last has ended;
    with `entry`, the values its phase built at entry was built from."""
    st = {"phase": jnp.asarray(0, jnp.int32), "start": jnp.asarray(0.0, _float()),
          "held": jnp.asarray(0.0, _float()), "done": jnp.asarray(False)}
    if entry is not None:
        st["entry"] = entry
    return st


def _entry_state(outputs):
    """The values a phase built when it starts reads (runtime.py's entry
    state, as arrays): the step it started at, the outputs' values at the
    step before, its length, whether it holds, and its warmup's target."""
    return {"elapsed": jnp.asarray(0.0, _float()), "current": {name: jnp.asarray(0.0, _float()) for name in outputs},
            "length": jnp.asarray(jnp.inf, _float()), "held": jnp.asarray(False), "target": jnp.asarray(0.0, _float())}


def _steps(x):
    """EntryPlan.steps without branches: the nearest whole step, at least 1, at most 10^15 (a float)."""
    x = jnp.asarray(x, _float())
    return jnp.where(x >= 1, jnp.minimum(jnp.floor(x + 0.5), 1e15), 1.0)


def _finite(*xs):
    """True where every number fixed at a phase's entry is finite (else the phase holds)."""
    ok = jnp.asarray(True)
    for x in xs:
        ok = ok & jnp.isfinite(x)
    return ok


def _state_tracker(best, cooldown_left=0):
    """A plateau detector's memory as arrays (runtime.py's _tracker)."""
    return {"best": jnp.asarray(best, _float()), "bad": jnp.asarray(0, jnp.int32),
            "cooldownLeft": jnp.asarray(cooldown_left, jnp.int32), "pending": jnp.asarray(0, jnp.int32),
            "average": jnp.asarray(0.0, _float())}


def _reduce_state(value, tracker):
    return {"value": jnp.asarray(value, _float()), "tracker": tracker, "reductions": jnp.asarray(0, jnp.int32)}


def _fires(spec, tr, metric, on):
    """PlateauSpec.record (the Python core, which this module carries) where
    `on` holds: whether the plateau fired, and the tracker."""
    fired, after = spec.record(tr, metric, _Arrays)
    return on & fired, _where(on, after, tr)


def _plateau(spec, s, slot, metric, on):
    """plateau(...) as a condition: whether it fired, and the slots."""
    fired, tr = _fires(spec, s[slot], metric, on)
    return fired, _put(s, slot, tr)


def _reduce(spec, factor, minimum, eps, s, slot, metric, on):
    """reduce_on_plateau at the end of a step where `on` holds (the Python
    core's _reduce_end, which this module carries)."""
    st = s[slot]
    return _put(s, slot, _where(on, _reduce_end(spec, factor, minimum, eps, st, metric, _Arrays), st))


class RampState(NamedTuple):
    """A schedule's state: the steps ended so far, and the memory of its parts."""
    count: Any
    slots: tuple


class _Program(NamedTuple):
    """What a module's make_schedule(base) builds: the initial slots, the
    outputs' values at a step, the end of a step, and whether it is over."""
    initial: Any
    values: Any
    observe: Any
    finished: Any
    signals: tuple = ()


class RampSchedule:
    """One output of a metric-driven schedule as an optax StatefulSchedule:
    init() gives the state; schedule(state) the value for the current step;
    schedule.update(state, value=metric) ends the step. `value` is the metric
    the step measured (a validation loss, say), as optax.contrib's
    reduce_on_plateau takes it; leave it out, or pass evaluated=False (a
    traced boolean is fine), on a step without an evaluation.

        optimizer = optax.inject_hyperparams(optax.adam)(learning_rate=schedule)
        updates, state = optimizer.update(grads, state, params, value=loss)
    """

    def __init__(self, program, output):
        self._program = program
        self._output = output

    def init(self):
        return RampState(jnp.asarray(0, jnp.int32), self._program.initial())

    def _t(self, state):
        return jnp.asarray(state.count, _float())

    def __call__(self, state, **extra_args):
        return self._program.values(self._t(state), state.slots)[self._output]

    def update(self, state, value=None, evaluated=None, signals=None, **extra_args):
        """Ends a step with its metric and the signals raised during it: names
        (`signals=("cooldown",)`) or a map from names to booleans, which may
        be traced (`signals={"cooldown": flag}`)."""
        t = self._t(state)
        # The step's values, which conditions read: (lr, momentum, the other outputs...).
        now = self._program.values(t, state.slots)
        if value is None:
            metric, present = jnp.asarray(0.0, _float()), jnp.asarray(False)
        else:
            metric = jnp.asarray(value, _float())
            present = jnp.asarray(True if evaluated is None else evaluated)
        known = self._program.signals
        if not known:
            if signals:
                raise ValueError(f"unknown signal {next(iter(signals))!r}: it waits for no signal")
            return RampState(state.count + 1, self._program.observe(t, metric, present, now, state.slots))
        raised = signals if isinstance(signals, dict) else {name: True for name in (signals or ())}
        for name in raised:
            if name not in known:
                raise ValueError(f"unknown signal {name!r}: its signals are " + ", ".join(f"'{n}'" for n in known))
        # The step's signals ride at the end of the slots while it ends: a signal condition reads s[-1].
        flags = {name: jnp.asarray(raised.get(name, False)) for name in known}
        slots = self._program.observe(t, metric, present, now, state.slots + (flags,))
        return RampState(state.count + 1, slots[:-1])

    def finished(self, state):
        """True once the last phase has ended (the value then holds): a loop can stop."""
        return self._program.finished(self._t(state), state.slots)


def _scale_by_schedule(schedule):
    """An optax transformation that scales updates by the schedule's rate and
    ends its step with the `value` it is given, as
    optax.contrib.reduce_on_plateau does: chain it after an optimizer whose
    rate is 1."""
    import optax

    def init_fn(params):
        del params
        return schedule.init()

    def update_fn(updates, state, params=None, *, value=None, evaluated=None, signals=None, **extra_args):
        del params, extra_args
        rate = schedule(state)
        updates = jax.tree_util.tree_map(lambda u: (u * rate).astype(u.dtype), updates)
        return updates, schedule.update(state, value=value, evaluated=evaluated, signals=signals)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)
