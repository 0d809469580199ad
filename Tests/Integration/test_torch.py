"""The torch adapter in real torch training loops: the rates it sets equal
`ramp table` for the same metrics, across AMP skips, gradient accumulation,
pickling, checkpoints and two DDP ranks."""

import io
import os
import pickle
import socket
import subprocess
import sys
import textwrap

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: the torch adapter tests need it (make integration installs it)")
from torch.optim import lr_scheduler  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CARD = os.path.join(ROOT, "samples", "card.ramp")
CARD_METRICS = [float(x) for x in open(os.path.join(ROOT, "samples", "card.metrics")).read().split()]


def model_and_optimizer(lr=0.1, **kwargs):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    return model, torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, **kwargs)


def train_step(model, optimizer, scaler=None, poison=False):
    """One optimizer step on a fixed batch; `poison` makes the gradients infinite."""
    optimizer.zero_grad()
    x = torch.ones(4, 3) * (float("inf") if poison else 1.0)
    loss = model(x).pow(2).mean()
    if scaler is None:
        loss.backward()
        optimizer.step()
    else:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()


def test_card_in_a_training_loop_equals_ramp_table(compile_module, table):
    card = compile_module(CARD)
    model, optimizer = model_and_optimizer()
    scheduler = card.torch_scheduler(optimizer)
    assert isinstance(scheduler, card.TorchScheduler)
    assert isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler)
    rates = []
    for m in CARD_METRICS:
        rates.append(optimizer.param_groups[0]["lr"])
        assert scheduler.get_last_lr() == [rates[-1]]
        train_step(model, optimizer)
        scheduler.step(m)
        if scheduler.finished:
            break
    expected = table(CARD, len(CARD_METRICS), CARD_METRICS)
    assert rates == expected[:len(rates)]
    assert len(rates) == len(expected)  # it finished where ramp table stops


def test_a_step_the_grad_scaler_skipped_does_not_advance(compile_module, table):
    if not hasattr(torch.amp, "GradScaler"):
        pytest.skip("this torch has no torch.amp.GradScaler")
    sched = compile_module("base 0.1\nwarmup 4 then cosine(T=10)")
    model, optimizer = model_and_optimizer()
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 8)
    scheduler = sched.torch_scheduler(optimizer)
    rates, skipped = [], {3, 7}
    for i in range(12):
        rates.append(optimizer.param_groups[0]["lr"])
        train_step(model, optimizer, scaler, poison=i in skipped)
        scheduler.step()
    # The skipped steps trained at the rate in force and did not move the schedule.
    expected = table("base 0.1\nwarmup 4 then cosine(T=10)", 10)
    advancing, k = [], 0
    for i in range(12):
        advancing.append(expected[k])
        if i not in skipped:
            k += 1
    assert rates == advancing
    assert scheduler.last_epoch == 10

    # torch's behaviour, on request: every step() call advances.
    model, optimizer = model_and_optimizer()
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 8)
    scheduler = sched.torch_scheduler(optimizer, follow_optimizer=False)
    rates = []
    for i in range(12):
        rates.append(optimizer.param_groups[0]["lr"])
        train_step(model, optimizer, scaler, poison=i in skipped)
        scheduler.step()
    assert rates == table("base 0.1\nwarmup 4 then cosine(T=10)", 12)


def test_gradient_accumulation_advances_once_per_optimizer_step(compile_module, table):
    sched = compile_module("base 0.1\nwarmup 3 then linear(T=5, to=0.01)")
    model, optimizer = model_and_optimizer()
    scheduler = sched.torch_scheduler(optimizer)
    rates = []
    for micro in range(16):
        loss = model(torch.ones(2, 3)).sum() / 4
        loss.backward()
        if micro % 4 == 3:
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            optimizer.zero_grad()
        scheduler.step()  # called every micro-batch, as some loops do
    assert rates == table("base 0.1\nwarmup 3 then linear(T=5, to=0.01)", 4)


def test_a_metric_driven_schedule_needs_its_metric(compile_module):
    card = compile_module(CARD)
    model, optimizer = model_and_optimizer()
    scheduler = card.torch_scheduler(optimizer)
    train_step(model, optimizer)
    with pytest.raises(ValueError, match=r"call step\(metric\), or step\(without_metric=True\)"):
        scheduler.step()
    # Refused, the step is not lost: the metric can still be given.
    scheduler.step(1.9)
    assert scheduler.last_epoch == 1
    train_step(model, optimizer)
    scheduler.step(without_metric=True)
    assert scheduler.last_epoch == 2
    lenient = card.torch_scheduler(model_and_optimizer()[1], metric_optional=True)
    lenient.optimizer.step()
    lenient.step()
    assert lenient.last_epoch == 1


def test_schedulers_pickle_and_resume_from_a_checkpoint(compile_module, table):
    card = compile_module(CARD)
    model, optimizer = model_and_optimizer()
    scheduler = card.torch_scheduler(optimizer)
    rates = []
    for m in CARD_METRICS[:8]:
        rates.append(optimizer.param_groups[0]["lr"])
        train_step(model, optimizer)
        scheduler.step(torch.tensor(m, dtype=torch.float64))  # a validation loss as a tensor, as loops have it
    # The whole object, as torch.save writes it, and its state_dict alone.
    buffer = io.BytesIO()
    torch.save({"scheduler": scheduler, "optimizer": optimizer.state_dict(),
                "scheduler_state": scheduler.state_dict()}, buffer)
    again = pickle.loads(pickle.dumps(card.Schedule(base=0.2)))
    assert again.lr == card.Schedule(base=0.2).lr
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=False)
    restored = saved["scheduler"]
    assert type(restored) is card.TorchScheduler and restored.last_epoch == 8
    # A new optimizer and scheduler, loaded from the weights-only parts.
    buffer.seek(0)
    plain = torch.load(buffer, weights_only=False)
    model2, optimizer2 = model_and_optimizer()
    optimizer2.load_state_dict(plain["optimizer"])
    scheduler2 = card.torch_scheduler(optimizer2)
    scheduler2.load_state_dict(plain["scheduler_state"])
    state_only = io.BytesIO()
    torch.save(scheduler.state_dict(), state_only)
    state_only.seek(0)
    assert torch.load(state_only, weights_only=True)["last_epoch"] == 8
    for m in CARD_METRICS[8:20]:
        rates.append(optimizer2.param_groups[0]["lr"])
        train_step(model2, optimizer2)
        scheduler2.step(m)
    assert rates == table(CARD, 20, CARD_METRICS)[:20]


DDP_WORKER = textwrap.dedent("""
    import datetime, json, os, sys
    import torch, torch.distributed as dist
    sys.path.insert(0, sys.argv[1])
    import {module} as card
    rank = int(os.environ["RANK"])
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:" + sys.argv[2], rank=rank, world_size=2,
                            timeout=datetime.timedelta(seconds=60))
    torch.manual_seed(0)
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(3, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = card.torch_scheduler(optimizer)
    metrics = json.loads(sys.argv[3])
    rates = []
    for i, m in enumerate(metrics):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.zero_grad()
        model(torch.ones(2, 3) * (rank + 1)).sum().backward()
        optimizer.step()
        # Each rank measures its own validation loss.
        scheduler.step(m + (0.03 if rank == 0 else -0.01) * (i % 3))
        if scheduler.finished:
            break
    print(json.dumps({{"rank": rank, "rates": rates}}), flush=True)
    # Both ranks are done before either tears the group down; then leave
    # without the interpreter's teardown, which gloo's threads can abort.
    dist.barrier()
    dist.destroy_process_group()
    os._exit(0)
""")


def test_ddp_ranks_agree_on_every_rate_and_stop_together(compile_module, table, tmp_path):
    if not torch.distributed.is_available():
        pytest.skip("this torch is built without torch.distributed")
    card = compile_module(CARD, name="ddp_card")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = tmp_path / "worker.py"
    script.write_text(DDP_WORKER.format(module="ddp_card"))
    import json
    metrics = CARD_METRICS
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    workers = [subprocess.Popen([sys.executable, str(script), os.path.dirname(card.__file__), str(port), json.dumps(metrics)],
                                env=dict(env, RANK=str(r)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for r in range(2)]
    outputs = []
    try:
        for w in workers:
            out, err = w.communicate(timeout=180)
            assert w.returncode == 0, err
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for w in workers:
            w.kill()
    a, b = sorted(outputs, key=lambda o: o["rank"])
    assert a["rates"] == b["rates"]  # the same rate on both ranks at every step, and the same last step
    # Both saw the mean of the two ranks' metrics, as all_reduce computes it.
    mean = [((m + 0.03 * (i % 3)) + (m - 0.01 * (i % 3))) / 2 for i, m in enumerate(metrics)]
    expected = table(CARD, len(metrics), mean)
    assert a["rates"] == expected
    assert len(a["rates"]) < len(metrics)  # the plateau ended the run early, on both ranks


MISUSE_WORKER = textwrap.dedent("""
    import datetime, json, os, sys
    import torch, torch.distributed as dist
    sys.path.insert(0, sys.argv[1])
    import {module} as card
    rank = int(os.environ["RANK"])
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:" + sys.argv[2], rank=rank, world_size=2,
                            timeout=datetime.timedelta(seconds=60))
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(3, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = card.torch_scheduler(optimizer)
    steps = 0
    try:
        for i in range(5):
            optimizer.zero_grad()
            model(torch.ones(2, 3)).sum().backward()
            optimizer.step()
            # The misuse: only rank 0 feeds the validation loss.
            scheduler.step(0.5) if rank == 0 else scheduler.step()
            steps += 1
        print(json.dumps({{"rank": rank, "error": None}}), flush=True)
    except ValueError as e:
        print(json.dumps({{"rank": rank, "error": str(e), "steps": steps}}), flush=True)
    dist.barrier()
    dist.destroy_process_group()
    os._exit(0)
""")


def test_ddp_a_metric_fed_on_one_rank_only_gets_ramps_error_on_every_rank(compile_module, tmp_path):
    if not torch.distributed.is_available():
        pytest.skip("this torch is built without torch.distributed")
    card = compile_module(CARD, name="ddp_misuse")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = tmp_path / "misuse.py"
    script.write_text(MISUSE_WORKER.format(module="ddp_misuse"))
    import json
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    workers = [subprocess.Popen([sys.executable, str(script), os.path.dirname(card.__file__), str(port)],
                                env=dict(env, RANK=str(r)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for r in range(2)]
    outputs = []
    try:
        for w in workers:
            out, err = w.communicate(timeout=180)
            assert w.returncode == 0, err
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for w in workers:
            w.kill()
    message = ("under torch.distributed every rank feeds a step's metric, or none does: rank(s) [0] fed one and "
               "rank(s) [1] did not; call step(metric) on every rank, each with its own metric "
               "(sync=None keeps each rank's own)")
    assert sorted(outputs, key=lambda o: o["rank"]) == [{"rank": 0, "error": message, "steps": 0},
                                                        {"rank": 1, "error": message, "steps": 0}]


def test_every_output_reaches_its_field_in_every_group(compile_module, table):
    program = ("base 1e-3\nwarmup 3 then cosine(T=12)\nmomentum: linear(T=15, from=0.85, to=0.95)\n"
               "beta2: linear(T=15, from=0.95, to=0.999)\nweight_decay: cosine(T=15, from=0.04, min=0.4)\n"
               "ema: cosine(T=15, from=0.996, min=1)")
    module = compile_module(program)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.AdamW([{"params": [model.weight]}, {"params": [model.bias], "lr": 2e-3}], lr=1e-3)
    scheduler = module.torch_scheduler(optimizer)
    seen = []
    for _ in range(15):
        seen.append([(g["lr"], g["betas"][0], g["betas"][1], g["weight_decay"]) for g in optimizer.param_groups]
                    + [scheduler.value("ema"), scheduler.value("ema", group=1)])
        train_step(model, optimizer)
        scheduler.step()
    rows = table(program, 15, rows=True)
    at_two = table(program, 15, base=2e-3, rows=True)
    for step, (got, r, r2) in enumerate(zip(seen, rows, at_two)):
        assert got[0] == (r["lr"], r["momentum"], r["beta2"], r["weight_decay"]), step
        assert got[1] == (r2["lr"], r2["momentum"], r2["beta2"], r2["weight_decay"]), step
        assert got[2] == r["ema"] and got[3] == r2["ema"], step


def test_an_output_without_its_field_is_refused_at_construction(compile_module):
    module = compile_module("cosine(T=10)\nbeta2: 0.99")
    _, optimizer = model_and_optimizer()
    with pytest.raises(ValueError, match="this schedule sets beta2, but SGD has no `betas`"):
        module.torch_scheduler(optimizer)


GROUPS = ("base 1e-3\nwarmup 3 then cosine(T=12)\nmomentum: linear(T=15, from=0.85, to=0.95)\n"
          "beta2: 0.999\nweight_decay: 0.05\n"
          "group \"backbone\" lr *= 0.1\ngroup \"head\" weight_decay: 0\ngroup \"head\" beta2: linear(T=15, from=0.95, to=0.99)")


def test_two_named_groups_and_four_outputs_match_ramp_table_on_every_field(compile_module, table):
    module = compile_module(GROUPS)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.AdamW([{"params": [model.weight], "name": "backbone"}, {"params": [model.bias], "name": "head"}],
                                  lr=1e-3)
    scheduler = module.torch_scheduler(optimizer)
    rows = table(GROUPS, 15, rows=True)
    for step, r in enumerate(rows):
        backbone, head = optimizer.param_groups
        assert (backbone["lr"], backbone["betas"], backbone["weight_decay"]) == \
            (r["lr[backbone]"], (r["momentum"], r["beta2"]), r["weight_decay"]), step
        assert (head["lr"], head["betas"], head["weight_decay"]) == \
            (r["lr"], (r["momentum"], r["beta2[head]"]), r["weight_decay[head]"]), step
        train_step(model, optimizer)
        scheduler.step()


def test_groups_the_optimizer_does_not_have_are_refused_naming_both_sides(compile_module):
    module = compile_module(GROUPS)
    model = torch.nn.Linear(3, 1)
    unnamed = torch.optim.AdamW([{"params": [model.weight], "name": "encoder"}, {"params": [model.bias]}], lr=1e-3)
    with pytest.raises(ValueError) as refused:
        module.torch_scheduler(unnamed)
    assert str(refused.value) == ("the program schedules parameter groups 'head', 'backbone', but the optimizer's 2 groups "
                                  "are named: 'encoder' (name a group with {'params': ..., 'name': 'head'})")
    layered = compile_module("cosine(T=10)\nlayer_decay(0.5, layers=3)")
    with pytest.raises(ValueError, match="the program schedules parameter group 2, but the optimizer has 2 groups, numbered from 0"):
        layered.torch_scheduler(unnamed)


def test_momentum_bounds_above_one_are_taken_as_torch_takes_them(table):
    # torch does not check one-cycle's momentum bounds; neither does its namespace (it warns).
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=20, base_momentum=0.9, max_momentum=1.05)
    rows = table("torch.OneCycleLR(max_lr=0.1, total_steps=20, base_momentum=0.9, max_momentum=1.05)", 20, base=0.1, rows=True)
    for step, row in enumerate(rows):
        group = optimizer.param_groups[0]
        assert (group["lr"], group["momentum"]) == pytest.approx((row["lr"], row["momentum"]), rel=1e-12), step
        optimizer.step()
        scheduler.step()


CHAINED = [
    # (members as torch builds them, the same call in the namespace, steps)
    (lambda o: [lr_scheduler.CosineAnnealingLR(o, T_max=100, eta_min=0.001), lr_scheduler.ExponentialLR(o, gamma=0.999)],
     "[torch.CosineAnnealingLR(T_max=100, eta_min=0.001), torch.ExponentialLR(gamma=0.999)]", 2000),
    (lambda o: [lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=10), lr_scheduler.CosineAnnealingLR(o, T_max=200, eta_min=0.01)],
     "[torch.LinearLR(start_factor=0.1, total_iters=10), torch.CosineAnnealingLR(T_max=200, eta_min=0.01)]", 1000),
    (lambda o: [lr_scheduler.ExponentialLR(o, gamma=0.95), lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.02),
                lr_scheduler.MultiStepLR(o, milestones=[9, 20], gamma=0.5)],
     "[torch.ExponentialLR(gamma=0.95), torch.CosineAnnealingLR(T_max=7, eta_min=0.02), torch.MultiStepLR(milestones=[9, 20], gamma=0.5)]", 60),
    (lambda o: [lr_scheduler.PolynomialLR(o, total_iters=30, power=2.0), lr_scheduler.LambdaLR(o, lambda e: 0.97 ** e),
                lr_scheduler.StepLR(o, step_size=4, gamma=0.8)],
     "[torch.PolynomialLR(total_iters=30, power=2.0), torch.LambdaLR(lambda e: 0.97 ** e), torch.StepLR(step_size=4, gamma=0.8)]", 80),
    (lambda o: [lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3), lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.03),
                lr_scheduler.MultiplicativeLR(o, lambda e: 0.99)],
     "[torch.ConstantLR(factor=0.5, total_iters=3), torch.CosineAnnealingLR(T_max=5, eta_min=0.03), torch.MultiplicativeLR(lambda e: 0.99)]", 50),
]


@pytest.mark.parametrize("members, call, steps", CHAINED, ids=[c[1][:60] for c in CHAINED])
def test_chained_schedulers_step_as_torch_steps_them(table, members, call, steps):
    # Each member's step() updates the current rate in turn: a cosine moves it
    # around eta_min, LambdaLR overwrites it; a product of factors is neither.
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = lr_scheduler.ChainedScheduler(members(optimizer), optimizer=optimizer)
    expected = []
    for _ in range(steps):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    rates = table(f"torch.ChainedScheduler({call})", steps, base=0.1)
    peak = max(abs(x) for x in expected)
    # 1e-12 relative, or of the peak where torch's rate passes through 0.
    for step, (a, b) in enumerate(zip(rates, expected)):
        assert abs(a - b) <= 1e-12 * max(abs(b), peak if abs(b) < 1e-3 * peak else 0), (step, a, b)
    assert len(rates) == steps


WSD = 'base 0.1\nsignals ["cooldown"]\nwarmup 3 then constant(base) until signal("cooldown") then linear(T=5, from=base, to=0)'


def train_to_the_end(model, optimizer, scheduler, during=None, after=None):
    """Trains until the schedule finishes and returns the rate of every step;
    during(n) runs while the n-th step is open (after its update, before the
    scheduler steps), after(n) once it has ended, n counting from 1."""
    rates = []
    while not scheduler.finished:
        rates.append(optimizer.param_groups[0]["lr"])
        train_step(model, optimizer)
        if during is not None:
            during(len(rates))
        scheduler.step()
        if after is not None:
            after(len(rates))
    return rates


def test_a_signal_raised_by_the_trainer_or_by_a_file_ends_its_phase(compile_module, table, tmp_path):
    """scheduler.signal() during step 6, or a file that appears before step 6
    ends (signal_file, looked for every step): both train at the rates `ramp
    table --signal cooldown@6` gives, and the signal is in the saved state's log."""
    wsd = compile_module(WSD)
    expected = table(WSD, 20, signals=["cooldown@6"])
    assert len(expected) == 12  # 7 steps, then the 5 of the cooldown

    model, optimizer = model_and_optimizer()
    scheduler = wsd.torch_scheduler(optimizer)
    rates = train_to_the_end(model, optimizer, scheduler, during=lambda n: n == 7 and scheduler.signal("cooldown"))
    assert rates == expected
    assert scheduler.state_dict()["schedules"][0]["log"]["signals"] == [{"step": 6, "name": "cooldown"}]
    with pytest.raises(ValueError, match="unknown signal 'stop'"):
        scheduler.signal("stop")

    flag = tmp_path / "cooldown"
    model, optimizer = model_and_optimizer()
    scheduler = wsd.torch_scheduler(optimizer, signal_file=flag, signal_every=1)
    # A person decides, mid-run.
    rates = train_to_the_end(model, optimizer, scheduler, during=lambda n: n == 7 and flag.touch())
    assert rates == expected
    with pytest.raises(ValueError, match="signal_file raises 'stop', which this schedule does not wait for"):
        wsd.torch_scheduler(optimizer, signal_file=tmp_path / "stop.flag")


def test_a_checkpoint_resumes_under_an_edited_program(compile_module):
    """torch.save'd state_dict() of one program, loaded with replay=True into a
    scheduler of the program edited: it goes on as a fresh run of the edit."""
    old = compile_module(WSD)
    edited = compile_module(WSD.replace("T=5", "T=10"))
    model, optimizer = model_and_optimizer()
    scheduler = old.torch_scheduler(optimizer)
    for step in range(9):
        train_step(model, optimizer)
        if step == 4:
            scheduler.signal("cooldown")
        scheduler.step()
    buffer = io.BytesIO()
    torch.save(scheduler.state_dict(), buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)

    model, optimizer = model_and_optimizer()
    resumed = edited.torch_scheduler(optimizer)
    with pytest.raises(ValueError, match="belongs to another program"):
        resumed.load_state_dict(saved)
    line = resumed.load_state_dict(saved, replay=True)
    assert line == "lr at step 9: 0.01999999999999999 before, 0.06 now (the log of 9 steps was replayed into this program)"
    assert optimizer.param_groups[0]["lr"] == 0.06

    fresh = edited.Schedule()
    for step in range(9):
        if step == 4:
            fresh.signal("cooldown")
        fresh.step()
    rates, expected = [], []
    for _ in range(6):
        rates.append(optimizer.param_groups[0]["lr"])
        expected.append(fresh.lr)
        train_step(model, optimizer)
        resumed.step()
        fresh.step()
    assert rates == expected


def test_a_damaged_checkpoint_is_refused_by_its_field_and_the_scheduler_goes_on_as_it_was(compile_module):
    """A scheduler state edited to a phase the program does not have: refused
    before anything is loaded, naming the field; the scheduler goes on."""
    module = compile_module(WSD)
    model, optimizer = model_and_optimizer()
    scheduler = module.torch_scheduler(optimizer)
    for _ in range(3):
        train_step(model, optimizer)
        scheduler.step()
    saved = scheduler.state_dict()
    damaged = {**saved, "schedules": [dict(saved["schedules"][0])]}
    damaged["schedules"][0]["slots"] = [{"sequence": {"_0": {**saved["schedules"][0]["slots"][0]["sequence"]["_0"],
                                                             "phase": 9}}}] + saved["schedules"][0]["slots"][1:]
    damaged["last_epoch"] = 1000
    lr = optimizer.param_groups[0]["lr"]
    with pytest.raises(ValueError) as refused:
        scheduler.load_state_dict(damaged)
    assert str(refused.value).startswith("error[R0802]: the saved state's slots.0.sequence._0.phase is 9, but the sequence has ")
    assert scheduler.state_dict() == saved and optimizer.param_groups[0]["lr"] == lr
    fresh = module.Schedule()
    for _ in range(4):
        fresh.step()
    train_step(model, optimizer)
    scheduler.step()
    assert optimizer.param_groups[0]["lr"] == fresh.lr


ON_DEMAND = ('base 0.1\nsignals ["cooldown"]\n'
             'warmup 2 then constant(base) until signal("cooldown") then linear(T=0.5 * elapsed, from=current, to=0)')


def test_a_decay_on_demand_starts_where_the_rate_is_and_resumes_inside_it(compile_module, table):
    """The cooldown raised during step 9 starts at step 10 from the rate there,
    over half the steps run (5): torch trains at the rates `ramp table
    --signal cooldown@9` gives, and a torch.save'd state taken inside the
    cooldown (it keeps the values fixed when it started) goes on exactly."""
    module = compile_module(ON_DEMAND)
    expected = table(ON_DEMAND, 30, signals=["cooldown@9"])
    assert len(expected) == 15 and expected[10] == 0.1 and expected[14] < expected[13]

    model, optimizer = model_and_optimizer()
    scheduler = module.torch_scheduler(optimizer)
    buffer = io.BytesIO()
    rates = train_to_the_end(model, optimizer, scheduler, during=lambda n: n == 10 and scheduler.signal("cooldown"),
                             after=lambda n: n == 12 and torch.save(scheduler.state_dict(), buffer))
    assert rates == expected

    buffer.seek(0)
    model, optimizer = model_and_optimizer()
    resumed = module.torch_scheduler(optimizer)
    resumed.load_state_dict(torch.load(buffer, weights_only=True))
    assert train_to_the_end(model, optimizer, resumed) == expected[12:]
