"""`ramp compile --to jax` in real jax and optax: the schedule traces under
jit, drives an optax optimizer, and gives `ramp table`'s rates in double
precision."""

import pytest

jax = pytest.importorskip("jax", reason="jax is not installed (make integration installs it)")
optax = pytest.importorskip("optax", reason="optax is not installed (make integration installs it)")
import jax.numpy as jnp  # noqa: E402

PROGRAM = "base 0.1\nwarmup 100 then cosine(T=900, min=0.001) then constant(0.001)"


@pytest.fixture(autouse=True)
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def close(a, b):
    return all(abs(x - y) <= 1e-12 * max(abs(x), abs(y)) for x, y in zip(a, b)) and len(a) == len(b)


def test_the_jitted_schedule_gives_ramp_tables_rates(compile_module, table):
    module = compile_module(PROGRAM, to="jax")
    rates = jax.jit(jax.vmap(module.schedule))(jnp.arange(1200))
    assert rates.dtype == jnp.float64
    assert close([float(r) for r in rates], table(PROGRAM, 1200))
    # At another base, the arithmetic follows it.
    other = jax.jit(module.make_schedule(0.3))
    assert close([float(other(i)) for i in (0, 50, 500, 1100)],
                 [table(PROGRAM, 1200, base=0.3)[i] for i in (0, 50, 500, 1100)])


def test_it_drives_an_optax_optimizer_under_jit(compile_module, table):
    module = compile_module(PROGRAM, to="jax")
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
