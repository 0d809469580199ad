"""The shapes of the Python runtime that keep state or look up tables:
plateaus and reduce-on-plateau, cyclic and one-cycle (which also schedule
momentum), piecewise, interpolate and warmup-stable-decay. Sections as in
nodes.py.
"""


import math

from nodes import _Node, _Plain, _floor, _min, _pow


# ramp-section: plateau
class PlateauSpec:
    """When a metric has stopped improving, counted as torch's ReduceLROnPlateau
    counts (optax's atol and accumulate added). `--to jax` modules carry this
    section too: better() is plain arithmetic, so it compares jax arrays alike."""

    def __init__(self, patience, threshold=1e-4, threshold_mode="rel", mode="min", cooldown=0, atol=0.0, accumulate=1):
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode = mode
        self.cooldown = cooldown
        self.atol = atol
        self.accumulate = accumulate
        # Which comparison better() makes, and its factor, decided once:
        # it runs at every evaluation.
        self._kind = (0 if threshold_mode == "rel" else 1) if mode == "min" else (2 if threshold_mode == "rel" else 3)
        self._factor = 1 - threshold if mode == "min" else threshold + 1

    def better(self, a, best):
        """True when `a` improves on `best`; NaN never does."""
        kind = self._kind
        if kind == 0:
            return a < best * self._factor - self.atol
        if kind == 1:
            return a < best - self.threshold - self.atol
        if kind == 2:
            return a > best * self._factor + self.atol
        return a > best + self.threshold + self.atol

    def record(self, tr, metric, B, each=False):
        """One metric recorded in the tracker `tr`, which is left as it is:
        whether the plateau fires, and the tracker after. Written over the
        backend B (nodes.py's _Plain, jax_runtime.py's _Arrays) without a
        branch on the metric, so the JAX modules trace it under jit. `each`
        records the metric itself, even when metrics are averaged."""
        if self.accumulate > 1 and not each:
            return self._averaged(tr, metric, B)
        best, left = tr["best"], tr["cooldownLeft"]
        better = self.better(metric, best)
        cooling = left > 0
        # An improvement, or a step of the cooldown, starts the count of bad steps again.
        bad = B.where(better | cooling, 0, tr["bad"] + 1)
        fired = bad > self.patience
        return fired, {"best": B.where(better, metric, best), "bad": B.where(fired, 0, bad),
                       "cooldownLeft": B.where(fired, self.cooldown, B.where(cooling, left - 1, left)),
                       "pending": tr["pending"], "average": tr["average"]}

    def _averaged(self, tr, metric, B):
        """record() for metrics averaged `accumulate` at a time (optax): an
        incomplete average moves only the average; a complete one is recorded."""
        pending = tr["pending"] + 1
        average = (tr["pending"] * tr["average"] + metric) / pending
        counted = pending == self.accumulate
        fired, after = self.record(tr, average, B, True)
        after = {key: B.where(counted, after[key], tr[key]) for key in ("best", "bad", "cooldownLeft")}
        after["pending"] = B.where(counted, 0, pending)
        after["average"] = B.where(counted, 0.0, average)
        return counted & fired, after

    def fires(self, tr, metric):
        """Records one metric in the tracker `tr`; True when the plateau fires."""
        fired, after = self.record(tr, metric, _Plain)
        tr.update(after)
        return fired


def _reduce_end(spec, factor, minimum, eps, st, metric, B):
    """reduce_on_plateau's state `st` after a step that measured `metric`
    (st is left as it is), over the backend B: the rate times `factor`, not
    below `minimum`, when the plateau fires and the change is over `eps`."""
    fired, tracker = spec.record(st["tracker"], metric, B)
    value = st["value"]
    scaled = value * factor
    # Ramp's max(scaled, minimum).
    reduced = B.where(minimum >= scaled, minimum, scaled)
    cut = fired & (value - reduced > eps)
    return {"value": B.where(cut, reduced, value), "tracker": tracker,
            "reductions": B.where(cut, st["reductions"] + 1, st["reductions"])}


def _tracker(best, cooldown_left=0):
    return {"best": best, "bad": 0, "cooldownLeft": cooldown_left, "pending": 0, "average": 0.0}


# ramp-section: reduce_on_plateau requires: plateau
class ReduceOnPlateau(_Node):
    """Multiplies the rate by `factor` whenever the metric stops improving."""

    # The schedule's short path for a rate that is one of these (_Schedule._step_reduce, from stepper()).
    reduces = True

    def __init__(self, plateau, factor, min, eps, from_, slot):
        self.plateau = plateau
        self.factor = factor
        self.min = min
        self.eps = eps
        self.from_ = from_
        self.slot = slot

    def value(self, t, s):
        return s[self.slot]["value"]

    def observe(self, t, metric, now, s, initial):
        if metric is not None:
            s[self.slot] = _reduce_end(self.plateau, self.factor, self.min, self.eps, s[self.slot], metric, _Plain)

    def stepper(self, schedule):
        """step() of a `schedule` whose rate is this node alone, in one call: Python's calls were most of
        a step's time, against torch's ReduceLROnPlateau.step. A step that feeds a metric with no signal
        about is _record and _reduce_end (metrics recorded one at a time) written out here; any other
        step is the schedule's own _reduce_step. Tests hold it equal to the general path (_step_static),
        rate and state, step by step."""
        spec = self.plateau
        if spec.accumulate > 1:
            return None
        kind, scale, threshold, atol = spec._kind, spec._factor, spec.threshold, spec.atol
        patience, cooldown = spec.patience, spec.cooldown
        factor, minimum, eps, slot = self.factor, self.min, self.eps, self.slot
        general = schedule._reduce_step

        def step(metric=None):
            if metric is None or schedule._pending or schedule._raised:
                return general(metric)
            m = float(metric)
            t = schedule._t
            log = schedule._log
            log["metrics"].append(m)
            runs = log["at"]
            if runs:
                run = runs[-1]
                count = run[2]
                if count > 1 and t == run[0] + run[1] * count:
                    run[2] = count + 1
                elif count == 1 and t > run[0]:
                    run[1], run[2] = t - run[0], 2
                else:
                    runs.append([t, 1, 1])
            else:
                runs.append([t, 1, 1])
            schedule._t = t + 1
            # The schedule's own slot (a copy of the initial one, or decoded from a state), changed in place.
            st = schedule._slots[slot]
            tr = st["tracker"]
            best, left = tr["best"], tr["cooldownLeft"]
            if kind == 0:
                better = m < best * scale - atol
            elif kind == 1:
                better = m < best - threshold - atol
            elif kind == 2:
                better = m > best * scale + atol
            else:
                better = m > best + threshold + atol
            if better:
                tr["best"] = m
            if left > 0:
                tr["bad"] = 0
                tr["cooldownLeft"] = left - 1
                return st["value"]
            bad = 0 if better else tr["bad"] + 1
            if bad <= patience:
                tr["bad"] = bad
                return st["value"]
            tr["bad"], tr["cooldownLeft"] = 0, cooldown
            value = st["value"]
            scaled = value * factor
            reduced = minimum if minimum >= scaled else scaled
            if value - reduced > eps:
                st["value"] = value = reduced
                st["reductions"] += 1
                schedule.lr = value
            return value

        return step


def _reduce_state(value, tracker):
    return {"value": value, "tracker": tracker, "reductions": 0}


# ramp-section: cyclic
class Cyclic(_Node):
    """Cyclical rates between `low` and `high`, momentum cycling the other way."""

    def __init__(self, low, high, up, down, mode, gamma, momentum_low, momentum_high, cycle_momentum):
        self.low, self.high, self.up, self.down, self.mode, self.gamma = low, high, up, down, mode, gamma
        self.momentum_low, self.momentum_high, self.cycle_momentum = momentum_low, momentum_high, cycle_momentum

    def _position(self, t):
        total = float(self.up + self.down)
        ratio = self.up / total
        cycle = _floor(1 + t / total)
        x = 1 + t / total - cycle
        factor = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        if self.mode == "triangular":
            scale = 1.0
        elif self.mode == "triangular2":
            scale = 1 / _pow(2.0, cycle - 1)
        else:
            scale = _pow(self.gamma, t)
        return scale, factor

    def value(self, t, s):
        scale, factor = self._position(t)
        return self.low + (self.high - self.low) * factor * scale

    def momentum(self, t, s):
        if not self.cycle_momentum:
            return None
        scale, factor = self._position(t)
        return self.momentum_high - (self.momentum_high - self.momentum_low) * factor * scale


# ramp-section: onecycle
class OneCycle(_Node):
    """The one-cycle policy, phased as torch's OneCycleLR, momentum moving against the rate."""

    def __init__(self, max, total, pct_start, shape, three_phase, div, final_div,
                 momentum_low, momentum_high, cycle_momentum):
        self.total, self.shape, self.cycle_momentum = total, shape, cycle_momentum
        initial = max / div
        floor = initial / final_div
        p = pct_start * total
        # Legs: (last step, rate from, rate to, momentum from, momentum to).
        if three_phase:
            self.legs = [(p - 1, initial, max, momentum_high, momentum_low),
                         (2 * p - 2, max, initial, momentum_low, momentum_high),
                         (total - 1.0, initial, floor, momentum_high, momentum_high)]
        else:
            self.legs = [(p - 1, initial, max, momentum_high, momentum_low),
                         (total - 1.0, max, floor, momentum_low, momentum_high)]

    def _anneal(self, a, b, pct):
        if self.shape == "cos":
            return b + (a - b) / 2 * (math.cos(math.pi * pct) + 1)
        return (b - a) * pct + a

    def _locate(self, t):
        t = _min(t, self.total - 1.0)
        start = 0.0
        for i, leg in enumerate(self.legs):
            if t <= leg[0] or i == len(self.legs) - 1:
                return leg, (t - start) / (leg[0] - start)
            start = leg[0]

    def value(self, t, s):
        leg, pct = self._locate(t)
        return self._anneal(leg[1], leg[2], pct)

    def momentum(self, t, s):
        if not self.cycle_momentum:
            return None
        leg, pct = self._locate(t)
        return self._anneal(leg[3], leg[4], pct)


# ramp-section: piecewise
class Piecewise(_Node):
    """Constant pieces: values[i] from boundary i-1 (inclusive) to boundary i."""

    def __init__(self, boundaries, values):
        self.boundaries, self.values = boundaries, values

    def value(self, t, s):
        i = 0
        while i < len(self.boundaries) and self.boundaries[i] <= t:
            i += 1
        return self.values[i]


# ramp-section: interpolate
class Interpolate(_Node):
    """Interpolation through (boundaries[i], values[i]), linear or cosine; flat outside."""

    def __init__(self, boundaries, values, shape):
        self.boundaries, self.values, self.shape = boundaries, values, shape

    def value(self, t, s):
        b, v = self.boundaries, self.values
        if t <= b[0]:
            return v[0]
        for i in range(1, len(b)):
            if t < b[i]:
                pct = (t - b[i - 1]) / float(b[i] - b[i - 1])
                if self.shape == "linear":
                    return (v[i] - v[i - 1]) * pct + v[i - 1]
                return v[i] + (v[i - 1] - v[i]) / 2 * (math.cos(math.pi * pct) + 1)
        return v[-1]


# ramp-section: wsd
class WarmupStableDecay(_Node):
    """Warmup-stable-decay: rise to `peak`, hold, then decay to `min`."""

    def __init__(self, warmup, stable, decay, peak, from_, min, shape):
        self.warmup, self.stable, self.decay = warmup, stable, decay
        self.peak, self.from_, self.min, self.shape = peak, from_, min, shape

    def value(self, t, s):
        if t < self.warmup:
            return self.from_ + (self.peak - self.from_) * (t / float(self.warmup))
        if t < self.warmup + self.stable:
            return self.peak
        progress = _min(1.0, (t - float(self.warmup + self.stable)) / float(self.decay))
        if self.shape == "linear":
            f = 1 - progress
        elif self.shape == "cosine":
            f = 0.5 * (1 + math.cos(math.pi * progress))
        else:
            f = 1 - math.sqrt(progress)
        return self.min + (self.peak - self.min) * f
