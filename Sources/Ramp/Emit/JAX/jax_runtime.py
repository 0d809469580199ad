"""The runtime of the JAX modules that `ramp compile --to jax` writes.

The compiler copies this file, after the module's own header, into each
module; the module's `make_schedule(base)` then writes the schedule's
arithmetic out in jax.numpy, so `schedule(count)` is a pure function of the
step count, traceable under jit, with no Python branching on traced values.
What is here runs in Python, once, when a schedule is made: the checks that a
base keeps the program's shape, and the numbers' formatting for messages.
Under `jax_enable_x64` the schedule computes in double precision, as Ramp
does; without it, jax rounds every rate to single precision.
"""

import math

import jax.numpy as jnp

_INF = math.inf
_NAN = math.nan


def _f32(x):
    """x rounded to single precision, kept in the schedule's precision (float32(...))."""
    return jnp.asarray(x, jnp.float32).astype(jnp.asarray(0.0).dtype)


def _fmt(x):
    """A number as Ramp's messages write it."""
    if x != x:
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == math.floor(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _require_base(ok, place, why):
    """Refuses a base at which a decision the program took on the base would
    come out differently, with the message Ramp gives (`why()` writes it)."""
    if not ok:
        raise ValueError(f"{place}: error[R0509]: {why()}")


def _pinned(x, at_base, base):
    """A number computed from the base through more operations than a module
    keeps: known at the program's own base only."""
    if base != at_base:
        raise ValueError("a number in this schedule is computed from the base through too many operations "
                         "to follow another base; compile it with `ramp compile --base B`")
    return x
