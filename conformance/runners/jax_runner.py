"""The conformance runner for JAX modules (`ramp compile --to jax`).

    python3 jax_runner.py --ramp PATH/TO/ramp [--only CASE ...] [--jobs N]

Compiles every program with a trace and every library case `--to jax`. A
schedule of the step is evaluated under jit, over every step at once (vmap);
one with memory is stepped in a jitted scan, fed the case's metrics and
signals. Both run in double precision (jax_enable_x64); rates must match to
1e-12 relative (XLA's cos and pow may differ from the C library's in the
last place), or to keras' float32 precision for its cases. A case the target
does not compile must be listed in ../refusals/jax.txt with the reason the
compiler gives; a listed case that compiles fails, so the list only shrinks.
Prints each failure, then "N passed, M failed", and exits 1 when any failed.
"""

import os
import sys

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suite import first_departure, run_target, signals_at  # noqa: E402


def stateful_trace(module, metrics, signals=()):
    """The values of a module whose schedule has memory: one jitted scan over
    the steps, each ending with its metric, or with evaluated=False where
    none is fed (None), and the signals raised ({"step": 6, "name":
    "cooldown"}). Returns lr, momentum (or None) and the other outputs."""
    schedule = module.schedule
    momentum = getattr(module, "momentum_schedule", None)
    others = {name: s for name, s in module.schedules.items() if name not in ("lr", "momentum")}
    fed = jnp.asarray([0.0 if m is None else m for m in metrics])
    present = jnp.asarray([m is not None for m in metrics])
    # Each signal raised, as a traced flag per step.
    raised = {name: jnp.asarray([name in signals_at({"signals": signals}, i) for i in range(len(metrics))])
              for name in {e["name"] for e in signals}}

    def step(state, x):
        value, evaluated, flags = x
        out = (schedule(state), momentum(state) if momentum is not None else jnp.asarray(0.0),
               {name: s(state) for name, s in others.items()})
        return schedule.update(state, value=value, evaluated=evaluated, signals=flags or None), out

    _, (lrs, momenta, values) = jax.jit(lambda xs: jax.lax.scan(step, schedule.init(), xs))((fed, present, raised))
    return lrs, momenta if momentum is not None else None, values


def static_trace(module, case):
    """The values of a schedule of the step, under jit over every step at once."""
    steps = jnp.arange(len(case["lr"]))
    momentum = getattr(module, "momentum_schedule", None)
    lrs = jax.jit(jax.vmap(module.schedule))(steps)
    momenta = jax.jit(jax.vmap(momentum))(steps) if momentum is not None else None
    values = {name: jax.jit(jax.vmap(s))(steps) for name, s in module.schedules.items() if name not in ("lr", "momentum")}
    return lrs, momenta, values


def run(module, case):
    if hasattr(module.schedule, "init"):
        lrs, momenta, values = stateful_trace(module, case["metrics"], case["signals"])
    else:
        lrs, momenta, values = static_trace(module, case)
    floats = lambda xs: [float(x) for x in xs]  # noqa: E731
    return first_departure(case, floats(lrs), None if momenta is None else floats(momenta),
                           {name: floats(v) for name, v in values.items()})


def tolerance(case):
    return "float32" if case["tolerance"] == "float32" else "1e-12"


if __name__ == "__main__":
    sys.exit(run_target("jax", "Runs the conformance suite against `ramp compile --to jax` under jit.", run, tolerance))
