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


def _chained(t, members, floors, heights, factors, start):
    """torch's ChainedScheduler, as Ramp's `chained`: the members (functions
    of the step) replayed from step 0 to t, each in turn updating one running
    rate from `start`. A member with a floor moves it around the floor by the
    ratio of its heights (adding its change where its last height is 0), a
    running product by its factor from step 1; one whose floor is None sets
    it. A loop over the steps under jit."""
    zero = 0.0 * t

    def step(k, carry):
        x, previous, excess = carry
        kf = zero + k
        previous, excess = list(previous), list(excess)
        for i, member in enumerate(members):
            if factors[i] is not None:
                # A running product moves the rate by its factor (its value at step 0 is its start).
                x = jnp.where(k > 0, x * factors[i](kf), x * (member(zero) / start))
                continue
            v = member(kf)
            if floors[i] is None:
                x = v
            else:
                e = v - floors[i] if heights[i] is None else heights[i](kf)
                moved = floors[i] + (x - floors[i]) * (e / jnp.where(excess[i] == 0, 1.0, excess[i]))
                x = jnp.where(excess[i] == 0, x + (v - previous[i]), moved)
                excess[i] = e
            previous[i] = v
        return x, tuple(previous), tuple(excess)

    first = tuple(zero + start for _ in members)
    gaps = tuple(zero + start - (0.0 if f is None else f) for f in floors)
    x, _, _ = jax.lax.fori_loop(0, jnp.floor(t).astype(jnp.int32) + 1, step, (zero + start, first, gaps))
    return x
