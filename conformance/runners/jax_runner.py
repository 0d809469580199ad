"""The conformance runner for JAX modules (`ramp compile --to jax`).

    python3 jax_runner.py DIR JOBS.json

DIR holds one compiled module per case; JOBS.json lists the cases as
python_runner.py reads them. A schedule of the step is evaluated under jit,
over every step at once (vmap); one with memory is stepped in a jitted scan,
fed the case's metrics. Both run in double precision (jax_enable_x64); rates must match
to 1e-12 relative (XLA's cos and pow may differ from the C library's in the
last place), or to keras' float32 precision for its cases. Prints each
failure, then "N passed, M failed", and exits 1 when any failed.
"""

import importlib
import os
import sys

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from python_runner import main, matches, number, peak_of, signals_at  # noqa: E402


def stateful_trace(module, metrics, job=None):
    """The rates (and momenta) of a module whose schedule has memory: one
    jitted scan over the steps, each ending with its metric, or with
    evaluated=False where the case feeds none."""
    schedule = module.schedule
    momentum = getattr(module, "momentum_schedule", None)
    others = {name: s for name, s in module.schedules.items() if name not in ("lr", "momentum")}
    fed = jnp.asarray([0.0 if m is None else m for m in metrics])
    present = jnp.asarray([m is not None for m in metrics])
    # Each signal the case raises, as a traced flag per step.
    job = job or {}
    raised = {name: jnp.asarray([name in signals_at(job, i) for i in range(len(metrics))])
              for name in {e["name"] for e in job.get("signals", [])}}

    def step(state, x):
        value, evaluated, flags = x
        out = (schedule(state), momentum(state) if momentum is not None else jnp.asarray(0.0),
               {name: s(state) for name, s in others.items()})
        return schedule.update(state, value=value, evaluated=evaluated, signals=flags or None), out

    # One compilation per module and length of run.
    scan = module.__dict__.setdefault("_conformance_scan", jax.jit(lambda xs: jax.lax.scan(step, schedule.init(), xs)))
    _, (lrs, momenta, values) = scan((fed, present, raised))
    return lrs, momenta if momentum is not None else None, values


def run(job):
    module = importlib.import_module(job["module"])
    if hasattr(module.schedule, "init"):
        lrs, momenta, values = stateful_trace(module, [number(m) for m in job["metrics"]], job)
    else:
        steps = jnp.arange(len(job["lr"]))
        lrs = jax.jit(jax.vmap(module.schedule))(steps)
        momenta = jax.jit(jax.vmap(module.momentum_schedule))(steps) if job.get("momentum") is not None else None
        values = {name: jax.jit(jax.vmap(module.schedules[name]))(steps) for name in job.get("outputs", {})}
    expected = [number(x) for x in job["lr"]]
    peak = peak_of(expected)
    for i, (got, want) in enumerate(zip([float(x) for x in lrs], expected)):
        if not matches(got, want, job["tolerance"], peak):
            return f"lr[{i}] is {got!r}, expected {want!r}"
    if momenta is not None:
        for i, (got, want) in enumerate(zip([float(x) for x in momenta], [number(x) for x in job["momentum"]])):
            if not matches(got, want, job["tolerance"], 1.0):
                return f"momentum[{i}] is {got!r}, expected {want!r}"
    for name, wanted in job.get("outputs", {}).items():
        expected = [number(x) for x in wanted]
        for i, (got, want) in enumerate(zip([float(x) for x in values[name]], expected)):
            if not matches(got, want, job["tolerance"], peak_of(expected)):
                return f"{name}[{i}] is {got!r}, expected {want!r}"
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], run))
