"""Lightning steps a Ramp scheduler from lightning_config: per step or per
epoch, the monitored metric only when a validation measured it, fit ending
with the schedule, and checkpoints that resume exactly."""

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: the Lightning tests need it (make integration installs it)")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (make integration installs it)")

PROGRAM = "base 0.1\nwarmup 3 then cosine(T=40) until plateau(patience=1, threshold=0.2)"


from tiny import loader  # noqa: E402


def module_class(schedule, interval, **config):
    class Tiny(pl.LightningModule):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.linear = torch.nn.Linear(4, 1)
            self.trained_with = []  # (global step, the rate the optimizer stepped with)
            self.validated = []     # (global step, val_loss)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return torch.nn.functional.mse_loss(self.linear(x).squeeze(-1), y)

        def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure=None):
            self.trained_with.append((self.global_step, optimizer.param_groups[0]["lr"]))
            super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)

        def validation_step(self, batch, batch_idx):
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.linear(x).squeeze(-1), y))

        def on_validation_epoch_end(self):
            if not self.trainer.sanity_checking:
                self.validated.append((self.global_step, float(self.trainer.callback_metrics["val_loss"])))

        def configure_optimizers(self):
            return schedule.lightning_config(self, torch.optim.SGD(self.parameters(), lr=0.1), interval=interval, **config)

    return Tiny


def fit(module, tmp_path, **kwargs):
    options = dict(max_epochs=40, logger=False, enable_progress_bar=False, enable_model_summary=False,
                   enable_checkpointing=False, num_sanity_val_steps=0, default_root_dir=str(tmp_path))
    options.update(kwargs)
    trainer = pl.Trainer(accelerator="cpu", devices=1, **options)
    trainer.fit(module, loader(64, 1), loader(32, 2))
    return trainer


def expected_metrics(module, steps):
    """A validation after g optimizer steps measured the end of step g - 1."""
    metrics = [None] * steps
    for g, v in module.validated:
        if 0 < g <= steps:
            metrics[g - 1] = v
    return metrics


def test_per_step_the_metric_arrives_only_when_fresh_and_fit_ends_with_the_schedule(compile_module, table, tmp_path):
    schedule = compile_module(PROGRAM)
    module = module_class(schedule, "step")()
    trainer = fit(module, tmp_path, val_check_interval=3, check_val_every_n_epoch=None, max_steps=200)
    rates = [r for _, r in module.trained_with]
    assert [g for g, _ in module.trained_with] == list(range(len(rates)))
    assert rates == table(PROGRAM, len(rates), expected_metrics(module, len(rates)))
    assert trainer.global_step < 200  # the plateau ended the schedule and fit with it
    assert trainer.lr_scheduler_configs[0].scheduler.finished


def test_per_epoch(compile_module, table, tmp_path):
    schedule = compile_module(PROGRAM)
    module = module_class(schedule, "epoch")()
    trainer = fit(module, tmp_path, max_epochs=30)
    per_epoch = 8  # 64 samples in batches of 8
    rates = [r for _, r in module.trained_with]
    epochs = [rates[i] for i in range(0, len(rates), per_epoch)]
    assert all(rates[i] == epochs[i // per_epoch] for i in range(len(rates)))
    metrics = [v for _, v in module.validated][:len(epochs)]
    assert epochs == table(PROGRAM, len(epochs), metrics)
    assert trainer.current_epoch < 30


def test_checkpoint_and_resume_are_exact(compile_module, tmp_path):
    program = "base 0.1\nwarmup 3 then cosine(T=40) until plateau(patience=1, threshold=0.2) then constant(0.01)"
    schedule = compile_module(program)
    whole = module_class(schedule, "step")()
    fit(whole, tmp_path / "whole", val_check_interval=2, check_val_every_n_epoch=None, max_steps=24)
    first = module_class(schedule, "step")()
    # At the end of an epoch (8 batches), where Lightning resumes its data exactly.
    trainer = fit(first, tmp_path / "parts", val_check_interval=2, check_val_every_n_epoch=None, max_steps=16)
    path = str(tmp_path / "parts" / "at16.ckpt")
    trainer.save_checkpoint(path)
    resumed = module_class(schedule, "step")()
    options = dict(max_epochs=40, logger=False, enable_progress_bar=False, enable_model_summary=False,
                   enable_checkpointing=False, num_sanity_val_steps=0, default_root_dir=str(tmp_path / "resumed"),
                   val_check_interval=2, check_val_every_n_epoch=None, max_steps=24)
    pl.Trainer(accelerator="cpu", devices=1, **options).fit(resumed, loader(64, 1), loader(32, 2), ckpt_path=path)
    assert resumed.validated == whole.validated[8:]
    assert resumed.trained_with == whole.trained_with[16:]
    assert 0.01 in dict(resumed.trained_with).values()  # the plateau ended the cosine after the resume


def test_a_schedule_that_ends_by_its_length_stops_fit_there(compile_module, table, tmp_path):
    program = "base 0.1\nwarmup 3 then linear(T=5, to=0.01)"
    schedule = compile_module(program)
    module = module_class(schedule, "step")()
    trainer = fit(module, tmp_path, max_steps=100)
    rates = [r for _, r in module.trained_with]
    assert rates == table(program, 8)
    assert trainer.global_step == 8


def test_a_schedule_that_ends_mid_epoch_stops_fit_before_the_next_batch_trains(compile_module, table, tmp_path):
    program = "base 0.1\nwarmup 3 then linear(T=8, to=0.01)"  # 11 steps; an epoch has 8 batches
    schedule = compile_module(program)
    module = module_class(schedule, "step")()
    trainer = fit(module, tmp_path, max_steps=100)
    assert [r for _, r in module.trained_with] == table(program, 11)
    assert trainer.global_step == 11


def test_a_monitor_the_validation_never_logs_is_refused_naming_what_it_logged(compile_module, tmp_path):
    """A misspelled monitor would feed nothing, and the plateau could never end the phase."""
    schedule = compile_module(PROGRAM)
    module = module_class(schedule, "step", monitor="val_los")()
    with pytest.raises(KeyError) as refused:
        fit(module, tmp_path, val_check_interval=3, check_val_every_n_epoch=None, max_steps=200)
    assert refused.value.args[0] == ("the validation logged no 'val_los' for the schedule; it logged ['val_loss']: "
                                     "pass lightning_config(..., monitor=...)")
    assert len(module.trained_with) == 3  # at the first validation
