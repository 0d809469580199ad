"""The jax.numpy part of the modules that `ramp compile --to jax` writes; the
compiler copies it (without this docstring) after checks.py. The module's
`make_schedule(base)` writes the schedule's arithmetic out in jax.numpy, so
`schedule(count)` is a pure function of the step count, traceable under jit,
with no Python branching on traced values. Under `jax_enable_x64` it computes
in double precision, as Ramp does; without it, jax rounds every rate to single
precision.
"""

import jax.numpy as jnp


def _f32(x):
    """x rounded to single precision, kept in the schedule's precision (float32(...))."""
    return jnp.asarray(x, jnp.float32).astype(jnp.asarray(0.0).dtype)
