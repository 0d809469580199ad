"""The LLM frameworks' own schedulers against Ramp: for Megatron-LM (megatron-core), torchtitan, NeMo, fairseq and
PaddlePaddle, the library builds its scheduler from the same arguments as a config (or a pasted call) that
`ramp table` reads, both are stepped as the framework's trainer steps them, and the rates must agree to 1e-12
relative. A framework that cannot be imported here is skipped, saying why; the recorded traces in
conformance/library/ stand for it then.

Two modules outside the scheduler code are replaced before importing, as ../shared/reference/generate_llm.py
replaces them: NeMo's telemetry callback (its nv-one-logger dependency is not installed), and fairseq's package
__init__, which imports every model and task; fairseq.optim.lr_scheduler itself runs unchanged."""

import importlib
import importlib.util
import json
import os
import subprocess
import sys
import tomllib
import types
from argparse import Namespace

import pytest

from conftest import RAMP

torch = pytest.importorskip("torch", reason="torch is not installed: the frameworks' schedulers wrap its optimizers")


def framework(name, importer):
    """The framework's module, or a skip that says why it cannot be imported."""
    try:
        return importer()
    except Exception as e:  # an ImportError, or a module that fails while importing
        pytest.skip(f"{name} cannot be imported on this Python ({type(e).__name__}: {e})")


def ramp_rows(path, steps, steps_per_epoch=None, metrics=None):
    """`ramp table` of a config file (or a program), every output of every step."""
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built; run `swift build` (or set $RAMP)")
    args = [RAMP, "table", str(path), "--steps", str(steps), "--format", "json"]
    if steps_per_epoch is not None:
        args += ["--steps-per-epoch", str(steps_per_epoch)]
    if metrics is not None:
        m = path.parent / "metrics.txt"
        m.write_text("".join(f"{x!r}\n" for x in metrics))
        args += ["--metrics", str(m)]
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def assert_close(got, expected, what="lr"):
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert abs(g - e) <= 1e-12 * max(abs(e), 1e-300) or g == e, f"{what}[{i}]: ramp {g!r}, library {e!r}"


# --- Megatron-LM -----------------------------------------------------------------------------------------------

MEGATRON = [
    # --train-iters: every length times --global-batch-size, the warmup a fraction of the decay.
    dict(lr=3e-4, min_lr=3e-5, style="cosine", train_iters=120, decay_iters=100, gbs=16, warmup_fraction=0.05,
         warmup_init=1e-6, start_wd=0.01, end_wd=0.1, wd_style="cosine", wsd=None, wsd_style=None),
    # WSD with a minus_sqrt cooldown over the last 30 iterations.
    dict(lr=6e-4, min_lr=6e-5, style="WSD", train_iters=90, decay_iters=None, gbs=8, warmup_fraction=None,
         warmup_iters=9, warmup_init=0.0, start_wd=0.1, end_wd=0.1, wd_style="constant", wsd=30,
         wsd_style="minus_sqrt"),
]


@pytest.mark.parametrize("c", MEGATRON, ids=lambda c: c["style"])
def test_megatron_core_matches_its_arguments(c, tmp_path):
    sched_mod = framework("megatron-core", lambda: importlib.import_module("megatron.core.optimizer_param_scheduler"))
    flags = [f"--lr {c['lr']}", f"--min-lr {c['min_lr']}", f"--lr-decay-style {c['style']}",
             f"--train-iters {c['train_iters']}", f"--global-batch-size {c['gbs']}",
             f"--lr-warmup-init {c['warmup_init']}", f"--start-weight-decay {c['start_wd']}",
             f"--end-weight-decay {c['end_wd']}", f"--weight-decay-incr-style {c['wd_style']}"]
    # As megatron/training/training.py derives the scheduler's lengths: samples, through the global batch size.
    decay_iters = c["decay_iters"] or c["train_iters"]
    if c["decay_iters"]:
        flags.append(f"--lr-decay-iters {c['decay_iters']}")
    decay = decay_iters * c["gbs"]
    if c["warmup_fraction"] is not None:
        flags.append(f"--lr-warmup-fraction {c['warmup_fraction']}")
        warmup = c["warmup_fraction"] * decay
    else:
        flags.append(f"--lr-warmup-iters {c['warmup_iters']}")
        warmup = c["warmup_iters"] * c["gbs"]
    kwargs = dict(init_lr=c["warmup_init"], max_lr=c["lr"], min_lr=c["min_lr"], lr_warmup_steps=warmup,
                  lr_decay_steps=decay, lr_decay_style=c["style"], start_wd=c["start_wd"], end_wd=c["end_wd"],
                  wd_incr_steps=c["train_iters"] * c["gbs"], wd_incr_style=c["wd_style"])
    if c["wsd"]:
        flags += [f"--lr-wsd-decay-iters {c['wsd']}", f"--lr-wsd-decay-style {c['wsd_style']}"]
        kwargs.update(wsd_decay_steps=c["wsd"] * c["gbs"], lr_wsd_decay_style=c["wsd_style"])
    path = tmp_path / "pretrain_gpt.args"
    path.write_text(" \\\n    ".join(flags) + "\n")

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=c["lr"])
    sched = sched_mod.OptimizerParamScheduler(opt, **kwargs)
    lrs, wds = [], []
    for _ in range(c["train_iters"]):
        lrs.append(opt.param_groups[0]["lr"])
        wds.append(opt.param_groups[0]["weight_decay"])
        opt.step()
        sched.step(increment=c["gbs"])
    rows = ramp_rows(path, c["train_iters"])
    assert_close([r["lr"] for r in rows], lrs)
    assert_close([r["weight_decay"] for r in rows], wds, "weight_decay")


# --- torchtitan ------------------------------------------------------------------------------------------------

TORCHTITAN = [
    '[optimizer]\nname = "AdamW"\nlr = 3e-4\n\n[lr_scheduler]\nwarmup_steps = 12\ndecay_ratio = 0.35\n'
    'decay_type = "cosine"\nmin_lr_factor = 0.1\n\n[training]\nsteps = 90\n',
    '[optimizer]\nlr = 8e-4\n\n[lr_scheduler]\nwarmup_steps = 7\ndecay_type = "sqrt"\n\n[training]\nsteps = 45\n',
]


@pytest.mark.parametrize("toml", TORCHTITAN, ids=["cosine-wsd", "sqrt"])
def test_torchtitan_matches_its_job_file(toml, tmp_path):
    module = "torchtitan.components.optimizer.lr_scheduler"
    lr_scheduler = framework("torchtitan", lambda: importlib.import_module(module))
    optimizer = importlib.import_module("torchtitan.components.optimizer")
    job = tomllib.loads(toml)
    path = tmp_path / "llama3_debug.toml"
    path.write_text(toml)
    lr, steps = job["optimizer"]["lr"], job["training"]["steps"]
    model = torch.nn.Linear(2, 2)
    groups = [optimizer.ParamGroupConfig(pattern=".*", optimizer_name="AdamW", optimizer_kwargs={"lr": lr})]
    optimizers = optimizer.OptimizersContainer.Config(param_groups=groups, implementation="for-loop").build(
        model_parts=[model])
    schedulers = lr_scheduler.LRSchedulersContainer.Config(**job["lr_scheduler"]).build(
        optimizers=optimizers, training_steps=steps)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizers.optimizers[0].param_groups[0]["lr"])
        optimizers.step()
        schedulers.step()
    assert_close([r["lr"] for r in ramp_rows(path, steps)], lrs)


# --- NeMo ------------------------------------------------------------------------------------------------------

def import_nemo():
    stub = types.ModuleType("nemo.lightning.one_logger_callback")
    stub.OneLoggerNeMoCallback = type("OneLoggerNeMoCallback", (), {})
    sys.modules.setdefault(stub.__name__, stub)
    return importlib.import_module("nemo.core.optim.lr_scheduler")


NEMO = [
    ("CosineAnnealing", dict(warmup_steps=6, constant_steps=10, min_lr=1e-5), 70, 74),
    ("NoamHoldAnnealing", dict(warmup_ratio=0.1, hold_steps=15, decay_rate=0.7, min_lr=1e-5), 60, 64),
]


@pytest.mark.parametrize("name,params,max_steps,steps", NEMO, ids=[n for n, *_ in NEMO])
def test_nemo_matches_its_hydra_yaml(name, params, max_steps, steps, tmp_path):
    policies = framework("nemo-toolkit", import_nemo)
    lines = ["trainer:", f"  max_steps: {max_steps}", "model:", "  optim:", "    name: adamw", "    lr: 0.002",
             "    sched:", f"      name: {name}"] + [f"      {k}: {v!r}" for k, v in params.items()]
    path = tmp_path / "megatron_gpt_config.yaml"
    path.write_text("\n".join(lines) + "\n")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.002)
    sched = getattr(policies, name)(opt, max_steps=max_steps, **params)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert_close([r["lr"] for r in ramp_rows(path, steps)], lrs)


# --- fairseq ---------------------------------------------------------------------------------------------------

def import_fairseq():
    if "fairseq" not in sys.modules:
        spec = importlib.util.find_spec("fairseq")
        if spec is None:
            raise ImportError("No module named 'fairseq'")
        package = types.ModuleType("fairseq")
        package.__path__ = list(spec.submodule_search_locations)
        package.__file__ = spec.origin
        sys.modules["fairseq"] = package
    importlib.import_module("omegaconf")
    importlib.import_module("fairseq.optim")
    return importlib.import_module("fairseq.optim.lr_scheduler")


FAIRSEQ = [
    ("cosine", "--lr-scheduler cosine --warmup-updates 4 --warmup-init-lr 1e-07 --min-lr 1e-05 --t-mult 1.5 "
     "--lr-period-updates 12 --lr-shrink 0.7 --max-update 60 --lr 0.0005",
     dict(warmup_updates=4, warmup_init_lr=1e-07, min_lr=1e-05, t_mult=1.5, lr_period_updates=12, lr_shrink=0.7,
          max_update=60, lr=[0.0005]), 60, 7),
    ("fixed", "--lr-scheduler fixed --force-anneal 4 --lr-shrink 0.3 --warmup-updates 3 --lr 0.2,0.1,0.05",
     dict(force_anneal=4, lr_shrink=0.3, warmup_updates=3, lr=[0.2, 0.1, 0.05]), 42, 6),
    # --force-anneal: each epoch's start from epoch 2 takes the rate reached as its peak, inside the warmup too.
    ("polynomial_decay", "--lr-scheduler polynomial_decay --warmup-updates 7 --force-anneal 2 "
     "--end-learning-rate 0.001 --power 1.5 --total-num-update 40 --lr 0.1",
     dict(warmup_updates=7, force_anneal=2, end_learning_rate=0.001, power=1.5, total_num_update=40, lr=[0.1]), 48, 5),
    ("polynomial_decay", "--lr-scheduler polynomial_decay --warmup-updates 3 --force-anneal 1 "
     "--end-learning-rate 0.002 --power 2 --total-num-update 30 --lr 0.1",
     dict(warmup_updates=3, force_anneal=1, end_learning_rate=0.002, power=2.0, total_num_update=30, lr=[0.1]), 34, 4),
    ("manual", "--lr-scheduler manual --epoch2lr \"{'1-3': 0.2, '2': 0.1, '5': 0.05}\" "
     "--update2lr \"{'30': 0.01, '33,36': 0.02}\" --lr 0.3",
     dict(epoch2lr="{'1-3': 0.2, '2': 0.1, '5': 0.05}", update2lr="{'30': 0.01, '33,36': 0.02}", lr=[0.3]), 40, 5),
]


@pytest.mark.parametrize("name,flags,cfg,steps,per_epoch", FAIRSEQ, ids=[f"{f[0]}-{i}" for i, f in enumerate(FAIRSEQ)])
def test_fairseq_matches_its_command_line(name, flags, cfg, steps, per_epoch, tmp_path):
    schedulers = framework("fairseq", import_fairseq)
    from omegaconf import OmegaConf
    from fairseq.optim.sgd import SGD

    path = tmp_path / "train.args"
    path.write_text("fairseq-train data-bin/wmt16 --arch transformer_wmt_en_de \\\n    " + flags + "\n")
    p = torch.nn.Parameter(torch.zeros(1))
    optimizer = SGD(Namespace(lr=list(cfg["lr"]), momentum=0.0, weight_decay=0.0), [p])
    if name == "manual":  # a legacy scheduler: built from an argparse Namespace
        sched = schedulers.build_lr_scheduler(Namespace(lr_scheduler="manual", **cfg), optimizer)
    else:
        sched = schedulers.build_lr_scheduler(OmegaConf.create({"_name": name, **cfg}), optimizer)
    # As fairseq's Trainer and fairseq_cli/train.py drive it for a fresh run.
    sched.step_update(0)
    sched.step(1, None)
    sched.step_update(0)
    lrs, updates, epoch = [], 0, 1
    while updates < steps:
        sched.step_begin_epoch(epoch)
        sched.step_update(updates)
        for _ in range(min(per_epoch, steps - updates)):
            lrs.append(optimizer.get_lr())
            p.grad = torch.zeros_like(p)
            optimizer.step()
            updates += 1
            sched.step_update(updates)
        sched.step(epoch, None)
        sched.step_update(updates)
        epoch += 1
    assert_close([r["lr"] for r in ramp_rows(path, steps, steps_per_epoch=per_epoch)], lrs)


# --- PaddlePaddle ----------------------------------------------------------------------------------------------

def import_paddle():
    os.environ.setdefault("GLOG_minloglevel", "3")
    paddle = importlib.import_module("paddle")
    paddle.set_device("cpu")
    return paddle


PADDLE = [
    "paddle.optimizer.lr.LinearWarmup(learning_rate=paddle.optimizer.lr.CosineAnnealingDecay(learning_rate=0.05, "
    "T_max=25), warmup_steps=6, start_lr=0.001, end_lr=0.05)",
    "paddle.optimizer.lr.PolynomialDecay(learning_rate=0.05, decay_steps=15, end_lr=0.0005, power=1.5, cycle=True)",
    "paddle.optimizer.lr.OneCycleLR(max_learning_rate=0.1, total_steps=40, divide_factor=20.0, "
    "end_learning_rate=0.0001, phase_pct=0.25, anneal_strategy='cos', three_phase=True)",
]


@pytest.mark.parametrize("call", PADDLE, ids=["LinearWarmup", "PolynomialDecay", "OneCycleLR"])
def test_paddle_matches_its_pasted_call(call, tmp_path):
    paddle = framework("paddlepaddle", import_paddle)
    sched = eval(call, {"paddle": paddle})
    opt = paddle.optimizer.SGD(learning_rate=sched, parameters=paddle.nn.Linear(2, 2).parameters())
    lrs = []
    for _ in range(40):
        lrs.append(sched())
        opt.step()
        opt.clear_grad()
        sched.step()
    path = tmp_path / "paddle.ramp"
    path.write_text(call + "\n")
    assert_close([r["lr"] for r in ramp_rows(path, 40)], lrs)
