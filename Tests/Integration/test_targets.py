"""What `--to jax` and `--to keras` refuse, they refuse with a reason; this
needs neither library."""

from conftest import ramp_run


def test_keras_refuses_a_metric_driven_schedule_and_says_what_serves_it():
    status, stderr = ramp_run("compile", "-e", "warmup 5 then cosine(T=50) until plateau(patience 3)", "--to", "keras")
    assert status == 1
    assert "error: this schedule reacts to a metric, which a `--to keras` LearningRateSchedule never sees (Keras calls it " \
        "with the step alone): compile it `--to python` and pass its keras_callback() to model.fit" in stderr


def test_jax_compiles_a_metric_driven_schedule_and_refuses_what_it_cannot_write():
    status, _ = ramp_run("compile", "-e", "warmup 5 then cosine(T=50) until plateau(patience 3)", "--to", "jax")
    assert status == 0
    status, _ = ramp_run("compile", "-e", "restarts(cosine(T=10), period=10) until plateau(patience 3)", "--to", "jax")
    assert status == 0
    # One-cycle, cyclic and running products are functions of the step, in a schedule with memory too.
    status, _ = ramp_run("compile", "-e", "onecycle(total=100, cycle_momentum=false) until plateau(patience 3)", "--to", "jax")
    assert status == 0
    status, _ = ramp_run("compile", "-e", "running_product(0.99) for 10 then 0.01", "--to", "jax")
    assert status == 0
    status, stderr = ramp_run("compile", "-e", "onecycle(total=100) until plateau(patience 3)", "--to", "jax")
    assert status == 1
    assert "error: the momentum this schedule moves with its rate (one-cycle, cyclic) is not compiled `--to jax` yet in a " \
        "schedule that reacts to a metric: set cycle_momentum=false, or schedule `momentum:` itself" in stderr
    status, stderr = ramp_run("compile", "-e", "float32(running_product(0.99)) for 10 then 0.01", "--to", "jax")
    assert status == 1
    assert "error: `float32(running_product(0.99))` is not arithmetic of the step, which is all `--to jax` compiles yet " \
        "(parts with memory are not, nor a running product or cycle in `float32(...)` or as the time of `at`)" in stderr


def test_keras_writes_every_output_as_a_function_of_the_step():
    status, _ = ramp_run("compile", "-e", "cosine(T=10)\nweight_decay: 0.05\nema: 0.99", "--to", "keras")
    assert status == 0
