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


def held_after(rates, expected):
    """`ramp table` stops where the schedule finishes; the rate then holds."""
    return close(rates, expected + [expected[-1]] * (len(rates) - len(expected)))


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


CARD = "base 0.1\nwarmup 5 then cosine(T=50) until plateau(patience 3)"


def card_metrics(steps):
    """A validation loss measured every 4th step, improving and then flat."""
    return [max(1.0 / (1 + i), 0.2) if i % 4 == 3 else None for i in range(steps)]


def test_a_metric_driven_schedule_is_a_stateful_schedule_inside_jit(compile_module, table):
    module = compile_module(CARD, to="jax")
    optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=module.schedule)
    params = {"w": jnp.ones(3)}
    state = optimizer.init(params)

    @jax.jit
    def update(params, state, loss, evaluated):
        grads = jax.grad(lambda p: jnp.sum(p["w"] ** 2))(params)
        updates, state = optimizer.update(grads, state, params, value=loss, evaluated=evaluated)
        return optax.apply_updates(params, updates), state

    metrics = card_metrics(60)
    used, finished = [], []
    for m in metrics:
        params, state = update(params, state, 0.0 if m is None else m, m is not None)
        used.append(float(state.hyperparams["learning_rate"]))
        finished.append(bool(module.schedule.finished(state.hyperparams_states["learning_rate"])))
    expected = table(CARD, 60, metrics=metrics)
    assert held_after(used, expected)
    # The plateau ended the cosine early, and from there the schedule says it is over.
    assert len(expected) < 55 and finished.index(True) == len(expected) - 1 and all(finished[len(expected) - 1:])


def test_scale_by_schedule_scales_updates_as_reduce_on_plateau_does(compile_module, table):
    module = compile_module(CARD, to="jax")
    optimizer = optax.chain(optax.sgd(1.0), module.scale_by_schedule())
    params = jnp.ones(2)
    state = optimizer.init(params)
    grads = jnp.asarray([1.0, -2.0])
    step = jax.jit(lambda state, loss: optimizer.update(grads, state, params, value=loss))
    metrics = [1.0 / (1 + i) if i < 10 else 0.5 for i in range(40)]
    applied = []
    for m in metrics:
        updates, state = step(state, m)
        applied.append(-float(updates[0]))
    assert held_after(applied, table(CARD, 40, metrics=metrics))
    # At another base, the same decisions at the new rate.
    other = module.scale_by_schedule(base=0.3)
    s = other.init(params)
    updates, s = jax.jit(lambda s: other.update(grads, s, params, value=1.0))(s)
    assert float(updates[1]) == 0.0  # step 0 of the warmup


def test_a_warmup_into_reduce_on_plateau_follows_the_metric(compile_module, table):
    program = "base 0.01\nwarmup 3 then reduce_on_plateau(patience=1, factor=0.5)"
    module = compile_module(program, to="jax")
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8]
    state, rates = module.schedule.init(), []
    update = jax.jit(module.schedule.update)
    for m in metrics:
        rates.append(float(module.schedule(state)))
        state = update(state, value=m)
    assert close(rates, table(program, 10, metrics=metrics))
    assert not module.schedule.finished(state)


def test_every_metric_driven_conformance_program_matches_the_python_module_on_other_metrics(compile_module):
    """The conformance cases feed one metric sequence each; these feed twenty
    more, seeded, with gaps and NaN, to both targets."""
    import pathlib
    import random
    import sys
    runners = pathlib.Path(__file__).resolve().parents[2] / "conformance" / "runners"
    sys.path.insert(0, str(runners))
    from jax_runner import stateful_trace
    checked = 0
    for path in sorted((runners.parent / "programs").glob("*.ramp")):
        text = path.read_text()
        if "expect-error" in text or not any(w in text for w in ("until", "plateau")):
            continue
        module = compile_module(str(path), to="jax")
        if not hasattr(module.schedule, "init"):
            continue
        python = compile_module(str(path))
        for seed in range(20):
            rng = random.Random(seed)
            metrics = [None if rng.random() < 0.3 else rng.choice([rng.random(), 0.5, float("nan")]) for _ in range(60)]
            schedule, rates, momenta = python.Schedule(), [], []
            for m in metrics:
                rates.append(schedule.lr)
                momenta.append(schedule.momentum)
                schedule.step(m)
            lrs, moms, _ = stateful_trace(module, metrics)
            assert close([float(x) for x in lrs], rates), (path.name, seed)
            if moms is not None:
                assert close([float(x) for x in moms], momenta), (path.name, seed)
        checked += 1
    assert checked >= 18


def test_every_output_is_a_schedule_optax_can_inject(compile_module, table):
    program = "base 1e-3\nwarmup 3 then cosine(T=12)\nweight_decay: cosine(T=15, from=0.04, min=0.4)\nema: 0.99 for 5 then 0.999"
    module = compile_module(program, to="jax")
    assert list(module.schedules) == ["lr", "weight_decay", "ema"]
    optimizer = optax.inject_hyperparams(optax.adamw)(learning_rate=module.schedule, weight_decay=module.weight_decay_schedule)
    params = jnp.ones(2)
    state = optimizer.init(params)
    update = jax.jit(lambda s: optimizer.update(jnp.ones(2), s, params))
    rows = table(program, 15, rows=True)
    used = []
    for _ in rows:
        _, state = update(state)
        # What the update just used: the schedules at the count before it.
        used.append((float(state.hyperparams["learning_rate"]), float(state.hyperparams["weight_decay"])))
    assert close([u[0] for u in used], [r["lr"] for r in rows])
    assert close([u[1] for u in used], [r["weight_decay"] for r in rows])
    assert [float(module.ema_schedule(i)) for i in range(15)] == [r["ema"] for r in rows]


GROUPS = ("base 1e-3\nwarmup 3 then cosine(T=12)\nmomentum: linear(T=15, from=0.85, to=0.95)\n"
          "beta2: 0.999\nweight_decay: 0.05\n"
          "group \"backbone\" lr *= 0.1\ngroup \"head\" weight_decay: 0\ngroup \"head\" beta2: linear(T=15, from=0.95, to=0.99)")


def test_two_named_groups_and_four_outputs_match_ramp_table_on_every_field(compile_module, table):
    module = compile_module(GROUPS, to="jax")
    assert module.GROUPS == ("head", "backbone")
    # One adamw per group, each injected with its group's four schedules, under jit.
    def adamw(group):
        s = module.group_schedules(group)
        return optax.inject_hyperparams(optax.adamw)(learning_rate=s["lr"], b1=s["momentum"], b2=s["beta2"],
                                                     weight_decay=s["weight_decay"])
    optimizer = optax.multi_transform({"backbone": adamw("backbone"), "head": adamw("head")},
                                      {"weight": "backbone", "bias": "head"})
    params = {"weight": jnp.ones(3), "bias": jnp.zeros(1)}
    state = optimizer.init(params)
    update = jax.jit(lambda s: optimizer.update({"weight": jnp.ones(3), "bias": jnp.ones(1)}, s, params))
    rows = table(GROUPS, 15, rows=True)
    for step, r in enumerate(rows):
        _, state = update(state)
        used = {g: state.inner_states[g].inner_state.hyperparams for g in ("backbone", "head")}
        got = [float(used[g][k]) for g in ("backbone", "head") for k in ("learning_rate", "b1", "b2", "weight_decay")]
        want = [r["lr[backbone]"], r["momentum"], r["beta2"], r["weight_decay"],
                r["lr"], r["momentum"], r["beta2[head]"], r["weight_decay[head]"]]
        assert close(got, want), (step, got, want)


def _plateau_scales(steps, **kwargs):
    """optax.contrib.reduce_on_plateau's scale before each update, fed an improving loss."""
    transform = optax.contrib.reduce_on_plateau(**kwargs)
    state = transform.init(jnp.zeros(1))
    scales = []
    for i in range(steps):
        scales.append(float(state.scale))
        _, state = transform.update(jnp.zeros(1), state, value=jnp.asarray(1.0 / (i + 1)))
    return scales


EDGES = [
    ("optax.exponential_decay(0.1, 0, 0.5)", lambda: optax.exponential_decay(0.1, 0, 0.5)),
    ("optax.exponential_decay(0.1, 10, 0.0)", lambda: optax.exponential_decay(0.1, 10, 0.0)),
    ("optax.exponential_decay(0.1, 10, 2.0)", lambda: optax.exponential_decay(0.1, 10, 2.0)),
    ("optax.polynomial_schedule(0.1, 0.0, 2, 0)", lambda: optax.polynomial_schedule(0.1, 0.0, 2, 0)),
    ("optax.linear_schedule(0.1, -0.1, 10)", lambda: optax.linear_schedule(0.1, -0.1, 10)),
    ('optax.piecewise_interpolate_schedule("linear", 0.1, {0: 0.5, 10: 0.1})',
     lambda: optax.piecewise_interpolate_schedule("linear", 0.1, {0: 0.5, 10: 0.1})),
    ('optax.piecewise_interpolate_schedule("cosine", 0.1, {0: 0.5, 10: 0.1})',
     lambda: optax.piecewise_interpolate_schedule("cosine", 0.1, {0: 0.5, 10: 0.1})),
]


@pytest.mark.parametrize("call, make", EDGES, ids=[call for call, _ in EDGES])
def test_what_optax_accepts_ramp_takes_as_optax_gives_it(table, call, make):
    schedule = make()
    assert close(table(call, 14), [float(schedule(i)) for i in range(14)])


@pytest.mark.parametrize("kwargs", [dict(factor=0.5, patience=0, cooldown=1), dict(factor=0.1, patience=0, accumulation_size=2),
                                    dict(factor=0.5, patience=0, cooldown=2, accumulation_size=3, min_scale=0.2)])
def test_reduce_on_plateau_with_no_patience_reduces_at_every_evaluation(table, kwargs):
    call = "optax.contrib.reduce_on_plateau(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
    metrics = [1.0 / (i + 1) for i in range(14)]
    assert close(table(call, 14, metrics=metrics), _plateau_scales(14, **kwargs))


CYCLES = [
    # The momentum held from the cycle's last step through the constant, then one-cycle's own.
    "cyclic(low=0.1, high=1, up=3) for 10 then 0.5 for 3 then onecycle(total=10)",
    "warmup 4 then onecycle(total=30, max=base, three_phase=true, shape=\"linear\")",
    "cyclic(low=0.01, high=0.1, up=4, down=6, mode=\"exp_range\", gamma=0.97, cycle_momentum=false) for 25 then 0.02",
    "0.1 * running_product(0.9 + 0.01 * cos(t)) for 30 then 0.001",
    "restarts(running_product(0.9), period=5, decay=0.5)",
    "base 0.1\ntorch.optim.lr_scheduler.ChainedScheduler([torch.optim.lr_scheduler.ConstantLR(factor=0.5, total_iters=3), "
    "torch.optim.lr_scheduler.MultiplicativeLR(lr_lambda=lambda e: 0.95)])",
]


@pytest.mark.parametrize("program", CYCLES)
def test_cycles_and_running_products_are_functions_of_the_step_under_jit(compile_module, table, program):
    module = compile_module(program, to="jax")
    # `ramp table` stops where a schedule ends: its steps are the ones compared.
    rows = table(program, 60, rows=True)
    steps = jnp.arange(len(rows))
    assert close([float(x) for x in jax.jit(jax.vmap(module.schedule))(steps)], [r["lr"] for r in rows])
    if rows[0].get("momentum") is not None:
        momenta = jax.jit(jax.vmap(module.momentum_schedule))(steps)
        assert close([float(x) for x in momenta], [r["momentum"] for r in rows])
    # One step at a time, as an optax update calls it.
    assert close([float(jax.jit(module.schedule)(i)) for i in (0, 7, 20)], [rows[i]["lr"] for i in (0, 7, 20)])


MEMORY = [
    "onecycle(total=100, cycle_momentum=false) until plateau(patience 3) then 0.001",
    "cosine(T=10) until plateau(patience 1) then cyclic(low=0, high=current, up=2, cycle_momentum=false)",
    "0.1 * running_product(0.95) until plateau(patience 2) then 0.001",
]


@pytest.mark.parametrize("program", MEMORY)
def test_cycles_and_running_products_in_a_schedule_with_memory_follow_the_metric(compile_module, table, program):
    import pathlib
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "conformance" / "runners"))
    from jax_runner import stateful_trace
    module = compile_module(program, to="jax")
    metrics = [1.0 / (1 + i) if i < 12 else 0.5 for i in range(40)]
    lrs, _, _ = stateful_trace(module, metrics)
    assert held_after([float(x) for x in lrs], table(program, 40, metrics=metrics))
