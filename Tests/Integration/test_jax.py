"""`ramp compile --to jax` in real jax and optax: the schedule traces under
jit, drives an optax optimizer, and gives `ramp table`'s rates in double
precision."""

import os
import subprocess

import pytest

jax = pytest.importorskip("jax", reason="jax is not installed (make integration installs it)")
optax = pytest.importorskip("optax", reason="optax is not installed (make integration installs it)")
import jax.numpy as jnp  # noqa: E402

from conftest import RAMP  # noqa: E402

PROGRAM = "base 0.1\nwarmup 100 then cosine(T=900, min=0.001) then constant(0.001)"


@pytest.fixture(autouse=True)
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def jax_module(compile_module, tmp_path, source):
    path = tmp_path / "jax_schedule.py"
    subprocess.run([RAMP, "compile", "-e", source, "--to", "jax", "-o", str(path)], check=True)
    import importlib.util
    import sys
    spec = importlib.util.spec_from_file_location("jax_schedule", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["jax_schedule"] = module
    spec.loader.exec_module(module)
    return module


def close(a, b):
    return all(abs(x - y) <= 1e-12 * max(abs(x), abs(y)) for x, y in zip(a, b)) and len(a) == len(b)


def test_the_jitted_schedule_gives_ramp_tables_rates(compile_module, table, tmp_path):
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built")
    module = jax_module(compile_module, tmp_path, PROGRAM)
    rates = jax.jit(jax.vmap(module.schedule))(jnp.arange(1200))
    assert rates.dtype == jnp.float64
    assert close([float(r) for r in rates], table(PROGRAM, 1200))
    # At another base, the arithmetic follows it.
    other = jax.jit(module.make_schedule(0.3))
    assert close([float(other(i)) for i in (0, 50, 500, 1100)],
                 [table(PROGRAM, 1200, base=0.3)[i] for i in (0, 50, 500, 1100)])


def test_it_drives_an_optax_optimizer_under_jit(compile_module, table, tmp_path):
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built")
    module = jax_module(compile_module, tmp_path, PROGRAM)
    optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=module.schedule)
    params = {"w": jnp.ones(3)}
    state = optimizer.init(params)

    @jax.jit
    def update(params, state):
        grads = jax.grad(lambda p: jnp.sum(p["w"] ** 2))(params)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    used = []
    for _ in range(150):
        params, state = update(params, state)
        # The rate the update just applied: the schedule at the count before it.
        used.append(float(state.hyperparams["learning_rate"]))
    assert close(used, table(PROGRAM, 150))


def test_a_metric_driven_schedule_is_refused_with_a_reason(tmp_path):
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built")
    r = subprocess.run([RAMP, "compile", "-e", "warmup 5 then cosine(T=50) until plateau(patience 3)", "--to", "jax"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "reacts to a metric, which `--to jax` does not compile yet" in r.stderr
