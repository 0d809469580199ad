"""`ramp compile --to keras` with Keras' own model.fit, on every backend that
is installed: the rates are Ramp's in float32, and a saved model reloads
without custom_objects."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import RAMP

PROGRAM = "base 0.1\nwarmup 5 then cosine(T=20, min=0.001) then constant(0.001)"

FIT = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import keras
    sys.path.insert(0, sys.argv[1])
    import keras_schedule
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5], dtype="float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=keras_schedule.Schedule()), loss="mse")
    rates = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    model.fit(x, y, batch_size=8, epochs=4, verbose=0, shuffle=False, callbacks=[Record()])
    path = os.path.join(sys.argv[1], "model.keras")
    model.save(path)
    print(json.dumps({"rates": rates, "saved": path}))
""")

LOAD = textwrap.dedent("""
    import json, sys
    import keras
    sys.path.insert(0, sys.argv[1])
    import keras_schedule  # registers the schedule's class; no custom_objects below
    model = keras.saving.load_model(sys.argv[2])
    schedule = model.optimizer._learning_rate
    print(json.dumps({"type": type(schedule).__name__, "base": schedule.base,
                      "at": [float(keras.ops.convert_to_numpy(schedule(i))) for i in (0, 3, 12, 40)]}))
""")


def backends():
    found = []
    for name, module in (("jax", "jax"), ("torch", "torch"), ("tensorflow", "tensorflow")):
        if importlib.util.find_spec(module) is not None:
            found.append(name)
    return found


def require(backend):
    """Skips, saying why, unless keras, the backend and the ramp binary are all here."""
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed (make integration installs it)")
    if backend not in backends():
        pytest.skip(f"the {backend} backend is not installed")
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built")


def close32(got, expected):
    peak = max(abs(x) for x in expected)
    return len(got) == len(expected) and all(
        abs(a - b) <= 2e-6 * max(abs(a), abs(b)) or abs(a - b) <= 1e-6 * peak for a, b in zip(got, expected))


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_model_fit_uses_ramps_rates_and_the_model_reloads(backend, table, tmp_path):
    require(backend)
    subprocess.run([RAMP, "compile", "-e", PROGRAM, "--to", "keras", "-o", str(tmp_path / "keras_schedule.py")], check=True)
    env = dict(os.environ, KERAS_BACKEND=backend)
    fit = subprocess.run([sys.executable, "-c", FIT, str(tmp_path)], env=env, capture_output=True, text=True, timeout=300)
    assert fit.returncode == 0, fit.stderr
    result = json.loads(fit.stdout.strip().splitlines()[-1])
    expected = table(PROGRAM, 32)
    assert close32(result["rates"], expected)
    load = subprocess.run([sys.executable, "-c", LOAD, str(tmp_path), result["saved"]], env=env,
                          capture_output=True, text=True, timeout=300)
    assert load.returncode == 0, load.stderr
    loaded = json.loads(load.stdout.strip().splitlines()[-1])
    assert loaded["type"] == "Schedule" and loaded["base"] == 0.1
    assert close32(loaded["at"], [expected[0], expected[3], expected[12], table(PROGRAM, 41)[40]])


CALLBACK = textwrap.dedent("""
    import json, sys
    import numpy as np
    import keras
    sys.path.insert(0, sys.argv[1])
    import card_schedule
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5], dtype="float32") + 0.3 * rng.normal(size=64).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    rates, losses = [], []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

        def on_epoch_end(self, epoch, logs=None):
            losses.append(float(logs["val_loss"]))

    model.fit(x[:48], y[:48], validation_data=(x[48:], y[48:]), batch_size=8, epochs=60, verbose=0, shuffle=False,
              callbacks=[card_schedule.keras_callback(), Record()])
    print(json.dumps({"rates": rates, "losses": losses}))
""")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_metric_driven_schedule_steps_per_batch_and_stops_fit(backend, table, tmp_path):
    require(backend)
    program = "base 0.1\nwarmup 6 then cosine(T=200, min=0.001) until plateau(patience=1, threshold=0.05)"
    subprocess.run([RAMP, "compile", "-e", program, "--to", "python", "-o", str(tmp_path / "card_schedule.py")], check=True)
    run = subprocess.run([sys.executable, "-c", CALLBACK, str(tmp_path)], env=dict(os.environ, KERAS_BACKEND=backend),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    rates, losses = result["rates"], result["losses"]
    per_epoch = 6  # 48 samples in batches of 8
    # Each epoch's validation loss is the metric at the end of its last batch.
    metrics = [None] * len(rates)
    for epoch, loss in enumerate(losses):
        if (epoch + 1) * per_epoch - 1 < len(metrics):
            metrics[(epoch + 1) * per_epoch - 1] = loss
    # The optimizer holds its rate in float32.
    assert close32(rates, table(program, len(rates), metrics))
    assert len(losses) < 60  # the plateau finished the schedule, and fit stopped


def test_the_callback_refuses_a_scheduled_momentum_it_could_not_set(tmp_path):
    require("jax")
    program = "base 0.1\nlr: cosine(T=50) until plateau(patience 2)\nmomentum: linear(T=50, from=0.85, to=0.95)"
    subprocess.run([RAMP, "compile", "-e", program, "--to", "python", "-o", str(tmp_path / "card_schedule.py")], check=True)
    run = subprocess.run([sys.executable, "-c", CALLBACK, str(tmp_path)], env=dict(os.environ, KERAS_BACKEND="jax"),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "ValueError: this schedule sets momentum, which Keras' optimizers take as a constant (SGD's momentum, " \
        "Adam's beta_1); keras_callback schedules the learning rate only" in run.stderr


def test_a_monitor_the_logs_never_hold_is_refused_naming_theirs(tmp_path):
    """A misspelled monitor would feed nothing, and the plateau could never end the phase."""
    require("jax")
    program = "base 0.1\nwarmup 6 then cosine(T=200, min=0.001) until plateau(patience=1, threshold=0.05)"
    subprocess.run([RAMP, "compile", "-e", program, "--to", "python", "-o", str(tmp_path / "card_schedule.py")], check=True)
    script = CALLBACK.replace("card_schedule.keras_callback()", "card_schedule.keras_callback(monitor='val_los')")
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=dict(os.environ, KERAS_BACKEND="jax"),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "KeyError: \"the epoch's logs hold no 'val_los' for the schedule; they hold ['loss', 'val_loss']: " \
        "pass keras_callback(monitor=...)\"" in run.stderr, run.stderr


def test_a_schedule_that_ends_mid_epoch_stops_fit_before_the_next_batch_trains(table, tmp_path):
    require("jax")
    program = "base 0.1\nwarmup 3 then linear(T=8, to=0.01)"  # 11 steps; an epoch has 6 batches
    subprocess.run([RAMP, "compile", "-e", program, "--to", "python", "-o", str(tmp_path / "card_schedule.py")], check=True)
    run = subprocess.run([sys.executable, "-c", CALLBACK, str(tmp_path)], env=dict(os.environ, KERAS_BACKEND="jax"),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert close32(result["rates"], table(program, 11))
    assert len(result["losses"]) == 2  # the second epoch's evaluation still ran


@pytest.mark.parametrize("decay, steps", [("linear(T=8, from=base, to=0.01)", 16),
                                          # fixed when it starts: from 0.8 of the rate there, over half the steps run (8)
                                          ("linear(T=0.5 * elapsed, from=0.8 * current, to=0.01)", 12)])
def test_a_signal_file_ends_its_phase_in_model_fit(decay, steps, table, tmp_path):
    """keras_callback(signal_file=...): a file that appears during step 7
    (touched before that batch trains) ends the stable phase when the step
    ends, as `ramp table --signal cooldown@7` gives, and fit stops at the end."""
    require("jax")
    program = 'base 0.1\nsignals ["cooldown"]\nwarmup 3 then constant(base) until signal("cooldown") then ' + decay
    subprocess.run([RAMP, "compile", "-e", program, "--to", "python", "-o", str(tmp_path / "card_schedule.py")], check=True)
    flag = tmp_path / "cooldown"
    script = CALLBACK.replace("card_schedule.keras_callback()", f"card_schedule.keras_callback(signal_file={str(flag)!r}, signal_every=1)")
    script = script.replace("rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))",
                            "rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))\n"
                            f"        if len(rates) == 8: open({str(flag)!r}, 'w').close()")
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=dict(os.environ, KERAS_BACKEND="jax"),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rates = json.loads(run.stdout.strip().splitlines()[-1])["rates"]
    expected = table(program, 40, signals=["cooldown@7"])
    assert len(expected) == steps and len(rates) == steps
    assert close32(rates, expected)


SAVE_COMPILED = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import keras
    import ramp
    program = sys.argv[2]
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    schedule = ramp.compile(program, target="keras").Schedule()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    x = np.ones((16, 3), dtype="float32")
    model.fit(x, x[:, :1], batch_size=8, epochs=1, verbose=0)
    model.save(os.path.join(sys.argv[1], "model.keras"))
""")

# A fresh process: `import ramp` (before or after keras), nothing compiled, no custom_objects.
LOAD_AFTER_IMPORT_RAMP = textwrap.dedent("""
    import json, sys
    {imports}
    model = keras.saving.load_model(sys.argv[1])
    schedule = model.optimizer._learning_rate
    print(json.dumps({{"module": type(schedule).__module__.split(".m_")[0], "base": schedule.base,
                      "at": [float(keras.ops.convert_to_numpy(schedule(i))) for i in (0, 3, 12, 40)]}}))
""")


def package_env(tmp_path, cache):
    """The package from python/, with the compiler under test and a cache of its own."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return dict(os.environ, KERAS_BACKEND="jax", RAMP_BINARY=RAMP, RAMP_CACHE_DIR=str(tmp_path / cache),
                PYTHONPATH=os.path.join(root, "python"))


@pytest.mark.parametrize("imports", ["import ramp\nimport keras", "import keras\nimport ramp"])
def test_a_saved_model_reloads_in_a_fresh_process_after_import_ramp_alone(imports, table, tmp_path):
    """The config carries the program, and ramp registers the schedule's name when Keras is imported."""
    require("jax")
    save = subprocess.run([sys.executable, "-c", SAVE_COMPILED, str(tmp_path), PROGRAM],
                          env=package_env(tmp_path, "saving"), capture_output=True, text=True, timeout=300)
    assert save.returncode == 0, save.stderr
    load = subprocess.run([sys.executable, "-c", LOAD_AFTER_IMPORT_RAMP.format(imports=imports),
                           str(tmp_path / "model.keras")],
                          env=package_env(tmp_path, "loading"), capture_output=True, text=True, timeout=300)
    assert load.returncode == 0, load.stderr
    loaded = json.loads(load.stdout.strip().splitlines()[-1])
    expected = table(PROGRAM, 41)
    # compiled again from the source in the config, into the loading process's own cache
    assert loaded["module"] == "ramp.compiled" and loaded["base"] == 0.1
    assert os.listdir(tmp_path / "loading")
    assert close32(loaded["at"], [expected[0], expected[3], expected[12], expected[40]])


def test_a_module_written_by_the_cli_saves_a_model_that_import_ramp_reloads(table, tmp_path):
    require("jax")
    subprocess.run([RAMP, "compile", "-e", PROGRAM, "--to", "keras", "-o", str(tmp_path / "keras_schedule.py")], check=True)
    fit = subprocess.run([sys.executable, "-c", FIT, str(tmp_path)], env=dict(os.environ, KERAS_BACKEND="jax"),
                         capture_output=True, text=True, timeout=300)
    assert fit.returncode == 0, fit.stderr
    load = subprocess.run([sys.executable, "-c", LOAD_AFTER_IMPORT_RAMP.format(imports="import ramp\nimport keras"),
                           json.loads(fit.stdout.strip().splitlines()[-1])["saved"]],
                          env=package_env(tmp_path, "loading"), capture_output=True, text=True, timeout=300)
    assert load.returncode == 0, load.stderr
    loaded = json.loads(load.stdout.strip().splitlines()[-1])
    expected = table(PROGRAM, 41)
    assert loaded["module"] == "ramp.compiled" and loaded["base"] == 0.1
    assert close32(loaded["at"], [expected[0], expected[3], expected[12], expected[40]])


TWO_MODULES = textwrap.dedent("""
    import json, sys
    import keras
    sys.path.insert(0, sys.argv[1])
    import first_schedule, second_schedule  # the second's class is the last to register "ramp>Schedule"
    model = keras.saving.load_model(sys.argv[2])
    schedule = model.optimizer._learning_rate
    print(json.dumps({"module": type(schedule).__module__,
                      "at": [float(keras.ops.convert_to_numpy(schedule(i))) for i in (0, 3, 12, 40)]}))
""")


def test_two_compiled_modules_each_reload_their_own_program(table, tmp_path):
    require("jax")
    other = "base 0.1\nlinear(T=30, to=0.01)"
    subprocess.run([RAMP, "compile", "-e", PROGRAM, "--to", "keras", "-o", str(tmp_path / "keras_schedule.py")], check=True)
    subprocess.run([RAMP, "compile", "-e", PROGRAM, "--to", "keras", "-o", str(tmp_path / "first_schedule.py")], check=True)
    subprocess.run([RAMP, "compile", "-e", other, "--to", "keras", "-o", str(tmp_path / "second_schedule.py")], check=True)
    env = dict(os.environ, KERAS_BACKEND="jax")
    fit = subprocess.run([sys.executable, "-c", FIT, str(tmp_path)], env=env, capture_output=True, text=True, timeout=300)
    assert fit.returncode == 0, fit.stderr
    load = subprocess.run([sys.executable, "-c", TWO_MODULES, str(tmp_path),
                           json.loads(fit.stdout.strip().splitlines()[-1])["saved"]],
                          env=env, capture_output=True, text=True, timeout=300)
    assert load.returncode == 0, load.stderr
    loaded = json.loads(load.stdout.strip().splitlines()[-1])
    expected = table(PROGRAM, 41)
    assert loaded["module"] == "first_schedule"
    assert close32(loaded["at"], [expected[0], expected[3], expected[12], expected[40]])
