"""The Hugging Face Trainer steps a Ramp scheduler through hf_callback: the
schedule sees each evaluation at the step it measured, training stops when
the schedule finishes, and a resumed run goes on exactly."""

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: the Trainer tests need it (make integration installs it)")
transformers = pytest.importorskip("transformers", reason="transformers is not installed (make integration installs it)")

from tiny import Tiny, rows as data  # noqa: E402

PROGRAM = "base 0.1\nwarmup 3 then cosine(T=40) until plateau(patience=1, threshold=0.2)"


def trainer(module, tmp_path, max_steps, **kwargs):
    torch.manual_seed(0)
    model = Tiny()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = module.torch_scheduler(optimizer)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path), max_steps=max_steps, per_device_train_batch_size=8, per_device_eval_batch_size=32,
        eval_strategy="steps", eval_steps=1, logging_steps=1, report_to=[], use_cpu=True,
        seed=0, data_seed=0, dataloader_num_workers=0, disable_tqdm=True, **kwargs)
    return transformers.Trainer(model=model, args=args, train_dataset=data(64, 1), eval_dataset=data(32, 2),
                                optimizers=(optimizer, scheduler), callbacks=[module.hf_callback(scheduler)])


def history(t):
    """The rate each step trained with and the eval loss measured after it, by global step."""
    rates = {h["step"]: h["learning_rate"] for h in t.state.log_history if "learning_rate" in h}
    losses = {h["step"]: h["eval_loss"] for h in t.state.log_history if "eval_loss" in h}
    return rates, losses


def test_the_trainer_feeds_each_evaluation_at_its_step_and_stops_at_the_end(compile_module, table, tmp_path):
    module = compile_module(PROGRAM)
    t = trainer(module, tmp_path / "run", max_steps=60, save_strategy="no")
    t.train()
    rates, losses = history(t)
    steps = sorted(rates)
    assert steps == list(range(1, len(steps) + 1))
    # Step g (from 1) trained at the rate ramp table gives for step g - 1, fed
    # the eval loss measured after each step.
    metrics = [losses[g] for g in steps]
    assert [rates[g] for g in steps] == table(PROGRAM, len(steps), metrics)
    # The plateau ended the schedule, and with it the run, before max_steps.
    assert t.state.global_step < 60
    assert t.lr_scheduler.finished


def test_resume_from_checkpoint_is_exact(compile_module, table, tmp_path):
    # The plateau ends the cosine early; the last phase then runs to the end.
    program = "base 0.1\nwarmup 3 then cosine(T=40) until plateau(patience=1, threshold=0.2) then constant(0.01)"
    module = compile_module(program)
    whole = trainer(module, tmp_path / "whole", max_steps=16, save_strategy="no")
    whole.train()
    first = trainer(module, tmp_path / "parts", max_steps=16, save_strategy="steps", save_steps=5)
    first.train()
    resumed = trainer(module, tmp_path / "parts", max_steps=16, save_strategy="steps", save_steps=5)
    resumed.train(resume_from_checkpoint=str(tmp_path / "parts" / "checkpoint-5"))
    a, losses = history(whole)
    b, _ = history(resumed)
    assert sorted(a) == list(range(1, 17))
    assert {g: r for g, r in b.items() if g > 5} == {g: r for g, r in a.items() if g > 5}
    assert [a[g] for g in sorted(a)] == table(program, 16, [losses[g] for g in sorted(a)])
    assert 0.01 in a.values()  # the plateau did end the cosine
