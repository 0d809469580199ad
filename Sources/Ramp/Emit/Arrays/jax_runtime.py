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


class _Arrays:
    """The backend the Python core (the sections the JAX modules share with
    the Python modules) is written over, in jax.numpy: where(c, a, b) is
    jnp.where and select(i, branches, x) is lax.switch, so both sides of a
    decision are traced and the step runs under jit; index(starts, t) is a
    search of the phase table (nodes.py's _Plain is the plain Python one)."""

    where = staticmethod(jnp.where)

    @staticmethod
    def select(i, branches, x):
        if jnp.ndim(i) == 0:
            return jax.lax.switch(i, branches, x)
        # Steps given as an array at once: every branch, the one in force kept at each.
        value = branches[-1](x)
        for k in range(len(branches) - 2, -1, -1):
            value = jnp.where(i == k, branches[k](x), value)
        return value

    @staticmethod
    def index(starts, t):
        """The last i with starts[i] <= t (0 before the first): how many of
        the later starts t has reached, compared elementwise (a table is short)."""
        i = jnp.zeros(jnp.shape(t), jnp.int32)
        for start in starts[1:]:
            i = i + (t >= start).astype(jnp.int32)
        return i

    @staticmethod
    def at(xs, i):
        """xs[i] for a table written as numbers: a where over them, elementwise."""
        value = jnp.asarray(xs[-1])
        for k in range(len(xs) - 2, -1, -1):
            value = jnp.where(i == k, xs[k], value)
        return value


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


def _restarts(t, body, period, mult, decay, floor, limit, peak_mode, peak, whole=False):
    """Warm restarts: `body` (a function of the step) over cycles of
    `period` steps, each `mult` times longer than the last (rounded down to
    whole steps with `whole`, as Composer does), its excursion
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
            grown = jnp.floor(length * mult) if whole else length * mult
            return (jnp.where(cap, start, start + length), jnp.where(cap, length, grown),
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


def _cyclic_position(t, up, down, mode, gamma):
    """Where the step is in its cycle (Ramp's cyclic): the cycle's scale and
    the rise's fraction, computed as Ramp computes them, with selects."""
    total = float(up + down)
    ratio = up / total
    cycle = jnp.floor(1 + t / total)
    x = 1 + t / total - cycle
    factor = jnp.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    if mode == "triangular":
        scale = 1.0
    elif mode == "triangular2":
        scale = 1 / jnp.power(2.0, cycle - 1)
    else:
        scale = jnp.power(gamma, t)
    return scale, factor


def _cyclic(t, low, high, up, down, mode, gamma):
    """Cyclical rates between `low` and `high`."""
    scale, factor = _cyclic_position(t, up, down, mode, gamma)
    return low + (high - low) * factor * scale


def _cyclic_momentum(t, low, high, up, down, mode, gamma):
    """The momentum cyclic moves against the rate, from `high` down towards `low`."""
    scale, factor = _cyclic_position(t, up, down, mode, gamma)
    return high - (high - low) * factor * scale


def _onecycle_legs(max, total, pct_start, three_phase, div, final_div, momentum_low, momentum_high):
    """torch's OneCycleLR phases, as Ramp derives them: (last step, rate from,
    rate to, momentum from, momentum to) for each leg."""
    initial = max / div
    floor = initial / final_div
    p = pct_start * total
    if three_phase:
        return ((p - 1, initial, max, momentum_high, momentum_low),
                (2 * p - 2, max, initial, momentum_low, momentum_high),
                (total - 1.0, initial, floor, momentum_high, momentum_high))
    return ((p - 1, initial, max, momentum_high, momentum_low),
            (total - 1.0, max, floor, momentum_low, momentum_high))


def _onecycle(t, total, legs, cosine, which):
    """The one-cycle policy at step t: the leg in force (the first whose last
    step is at or after t, the last one past the end) annealed from its
    start, selected with jnp.where; `which` 1 gives the rate, 3 the momentum."""
    t = jnp.where(total - 1.0 < t, total - 1.0, t)

    def anneal(i):
        a, b = legs[i][which], legs[i][which + 1]
        start = 0.0 if i == 0 else legs[i - 1][0]
        pct = (t - start) / (legs[i][0] - start)
        if cosine:
            return b + (a - b) / 2 * (jnp.cos(jnp.pi * pct) + 1)
        return (b - a) * pct + a

    value = anneal(len(legs) - 1)
    for i in range(len(legs) - 2, -1, -1):
        value = jnp.where(t <= legs[i][0], anneal(i), value)
    return value


def _running_product(t, f):
    """running_product(f): f(1) * f(2) * ... * f(t), multiplied in that order
    as Ramp multiplies them (a loop bounded by the step under jit), so the
    product is Ramp's to the rounding of f itself."""
    one = 0.0 * t + 1.0

    def step(k, p):
        return p * f(one * k)

    return jax.lax.fori_loop(1, jnp.floor(t).astype(jnp.int32) + 1, step, one)
