"""Every example in docs/integrations.md runs as it is written: the
`ramp compile` in its comment first, then the example itself, after a prelude
that defines the names its marker says it is given (a model, data), and
before a check that it did what the section says."""

import importlib.util
import os
import pathlib
import re
import shlex
import subprocess
import sys
import textwrap

import pytest

from conftest import RAMP, ROOT

DOC = ROOT / "docs" / "integrations.md"

TORCH_DATA = """
        import torch
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        xs = torch.randn(256, 3)
        ys = xs @ torch.tensor([[1.0], [-2.0], [0.5]])
        data = [(xs[i:i + 8], ys[i:i + 8]) for i in range(0, 256, 8)]
"""

# For each example: the modules it needs, what it is given, and the check after it.
EXAMPLES = {
    "torch": (["torch"], TORCH_DATA + """
        xv, yv = torch.randn(32, 3), torch.randn(32, 1)
        evaluations = []

        def evaluate(model):
            with torch.no_grad():
                evaluations.append(torch.nn.functional.mse_loss(model(xv), yv).item())
            return evaluations[-1]
    """, """
        # The plateau ended the schedule, and the loop stopped there.
        assert scheduler.finished and len(evaluations) < len(data), len(evaluations)
    """),
    "amp": (["torch"], TORCH_DATA + """
        device = "cuda" if torch.cuda.is_available() else "cpu"
        model = model.to(device)
        data = [(x.to(device), y.to(device)) for x, y in data]
    """, """
        import warmup_schedule
        expected = warmup_schedule.Schedule(base=0.1)
        for _ in range(len(data)):
            expected.step()
        assert scheduler.last_epoch == len(data) and optimizer.param_groups[0]["lr"] == expected.lr
    """),
    "transformers": (["torch", "transformers"], """
        import tempfile
        import torch
        import transformers
        from tiny import Tiny, rows

        torch.manual_seed(0)
        model, train, valid = Tiny(), rows(64, 1), rows(32, 2)
        args = transformers.TrainingArguments(
            output_dir=tempfile.mkdtemp(), max_steps=80, per_device_train_batch_size=8, eval_strategy="steps",
            eval_steps=1, logging_steps=1, save_strategy="no", report_to=[], use_cpu=True, disable_tqdm=True)
    """, """
        # The card's schedule is at most 55 steps long; training stopped when it finished.
        assert scheduler.finished and trainer.state.global_step <= 55, trainer.state.global_step
    """),
    "lightning": (["torch", "lightning"], """
        import lightning.pytorch
        import torch
        trained = []

        class Regressor(lightning.pytorch.LightningModule):
            def __init__(self):
                super().__init__()
                torch.manual_seed(0)
                self.linear = torch.nn.Linear(4, 1)

            def training_step(self, batch, batch_idx):
                trained.append(self.global_step)
                x, y = batch
                return torch.nn.functional.mse_loss(self.linear(x).squeeze(-1), y)

            def validation_step(self, batch, batch_idx):
                x, y = batch
                self.log("val_loss", torch.nn.functional.mse_loss(self.linear(x).squeeze(-1), y))

        from tiny import loader
        train, valid = loader(64, 1), loader(32, 2)
    """, """
        # 100 epochs of 8 batches were asked for; fit stopped when the schedule finished.
        assert 0 < len(trained) <= 55, len(trained)
    """),
    "jax": (["jax", "optax"], """
        import jax
        import jax.numpy as jnp
        import optax
        jax.config.update("jax_enable_x64", True)

        def loss_fn(params):
            return jnp.sum((params - 3.0) ** 2)
    """, """
        params = jnp.zeros(2)
        opt_state = optimizer.init(params)
        for i in range(60):
            # An evaluation every other step, which stops improving.
            params, opt_state = update(params, opt_state, 1.0, i % 2 == 1)
        assert bool(schedule.finished(opt_state.hyperparams_states["learning_rate"]))
    """),
    "keras": (["keras", "jax"], """
        import os
        os.environ["KERAS_BACKEND"] = "jax"
        import keras
        import numpy as np
        keras.utils.set_random_seed(0)
        rng = np.random.default_rng(0)
        x, xv = rng.normal(size=(64, 3)).astype("float32"), rng.normal(size=(32, 3)).astype("float32")
        y, yv = rng.normal(size=64).astype("float32"), rng.normal(size=32).astype("float32")
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    """, """
        # The plateau ended the schedule, and fit stopped before its 100 epochs.
        assert model.stop_training
    """),
}


def examples():
    """(name, code) for each example the document marks."""
    text = DOC.read_text()
    return re.findall(r"<!-- example: (\w+)[^>]*-->\n```python\n(.*?)```", text, re.S)


def test_every_example_is_marked_and_has_a_check():
    names = [name for name, _ in examples()]
    assert sorted(names) == sorted(EXAMPLES)
    assert DOC.read_text().count("```python") == len(names)


@pytest.mark.parametrize("name,code", examples(), ids=[name for name, _ in examples()])
def test_the_example_runs_as_written(name, code, tmp_path):
    needs, prelude, check = EXAMPLES[name]
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (make integration installs it)")
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built")
    for command in re.findall(r"# ramp compile (.+)$", code, re.M):
        args = shlex.split(command)
        out = args.index("-o") + 1
        args[out] = str(tmp_path / args[out])
        subprocess.run([RAMP, "compile", *args], cwd=ROOT, check=True)
    script = textwrap.dedent(prelude) + "\n" + code + "\n" + textwrap.dedent(check)
    # The compiled module, and the tests' tiny models (tiny.py).
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(pathlib.Path(__file__).parent)]))
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]


def test_the_examples_compile_what_their_comments_say():
    # Every example names the module it imports and how it was compiled.
    for name, code in examples():
        imported = re.search(r"^(?:from|import) (\w+_schedule)", code, re.M)
        assert imported, name
        assert re.search(rf"# ramp compile .* -o {imported.group(1)}\.py$", code, re.M), name

