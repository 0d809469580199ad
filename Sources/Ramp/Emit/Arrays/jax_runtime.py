"""The jax.numpy part of the modules that `ramp compile --to jax` writes; the
compiler copies it (without this docstring) after checks.py. The module's
`make_schedule(base)` writes the schedule's arithmetic out in jax.numpy, so
`schedule(count)` is a pure function of the step count, traceable under jit,
with no Python branching on traced values. Under `jax_enable_x64` it computes
in double precision, as Ramp does; without it, jax rounds every rate to single
precision.
"""

import jax
import jax.numpy as jnp


def _f32(x):
    """x rounded to single precision, kept in the schedule's precision (float32(...))."""
    return jnp.asarray(x, jnp.float32).astype(jnp.asarray(0.0).dtype)


def _group_schedules(schedules, group):
    """Each output's schedule for parameter group `group` (its name, or its
    index): the group's own where the program gives one (`lr[head]`), the
    default's otherwise, keyed by the output's name."""
    own = f"[{group}]"
    return {name: schedules.get(name + own, s) for name, s in schedules.items() if "[" not in name}


def _piecewise(t, boundaries, values):
    """values[i], i the number of boundaries at or before t: Ramp's piecewise."""
    return jnp.asarray(values)[jnp.searchsorted(jnp.asarray(boundaries), t, side="right")]


def _interpolate(t, boundaries, values, cosine):
    """Ramp's interpolate: through (boundaries[i], values[i]), linear or
    cosine between them, flat outside."""
    b, v = jnp.asarray(boundaries), jnp.asarray(values)
    if len(boundaries) == 1:
        return v[0] + 0 * t
    i = jnp.clip(jnp.searchsorted(b, t, side="right"), 1, len(boundaries) - 1)
    pct = (t - b[i - 1]) / (b[i] - b[i - 1])
    if cosine:
        between = v[i] + (v[i - 1] - v[i]) / 2 * (jnp.cos(jnp.pi * pct) + 1)
    else:
        between = (v[i] - v[i - 1]) * pct + v[i - 1]
    return jnp.where(t <= b[0], v[0], jnp.where(t < b[-1], between, v[-1]))


def _restarts(t, body, period, mult, decay, floor, limit, peak_mode, peak):
    """Warm restarts: `body` (a function of the step) over cycles of
    `period` steps, each `mult` times longer than the last, its excursion
    above `floor` scaled by `decay` per cycle. Cycles are found as Ramp finds
    them, adding up their lengths in the same order (a while loop under jit)."""
    span = float(period)
    if mult == 1:
        k = jnp.floor(t / span)
        tau, length = t - k * span, span
        if limit is not None:
            over = k >= limit
            k, tau = jnp.where(over, limit - 1, k), jnp.where(over, span, tau)
    else:
        def more(c):
            start, length, k, capped = c
            return ~capped & (t >= start + length)

        def next_cycle(c):
            start, length, k, capped = c
            cap = (k + 1 >= limit) if limit is not None else jnp.asarray(False)
            return (jnp.where(cap, start, start + length), jnp.where(cap, length, length * mult),
                    jnp.where(cap, k, k + 1), cap)

        zero = 0.0 * t
        start, length, k, capped = jax.lax.while_loop(more, next_cycle, (zero, zero + span, zero, zero > 1))
        tau = jnp.where(capped, length, t - start)
    v = body(tau * span / length)
    if decay == 1:
        return v
    g = jnp.power(decay, k)
    scaled = floor + g * (v - floor)
    if peak_mode:
        # Only the starting value decays; a peak at the floor leaves the excursion rule.
        scaled = jnp.where(peak != floor, floor + (v - floor) * ((g * peak - floor) / (peak - floor)), scaled)
    return jnp.where(k == 0, v, scaled)
