"""The conformance suite as data, for runners written in Python.

Reads conformance/programs/*.ramp (with the expectations their comments
carry), conformance/traces/*.json and conformance/library/*.json, compiles
each case with a given `ramp` binary, and reports. Nothing here imports Ramp:
a runner needs only this folder and a `ramp` executable, so any
implementation of the compiler can be checked with it. See ../README.md.
"""

import argparse
import glob
import importlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import traceback
from concurrent.futures import ThreadPoolExecutor

SUITE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def number(x):
    """A trace's value: a float, the strings "inf", "-inf" and "nan", or None."""
    return None if x is None else float(x)


def close(got, expected):
    """Equal within 1e-12 relative, or 1e-15 absolute near zero; NaN equals NaN."""
    if math.isnan(got) or math.isnan(expected):
        return math.isnan(got) and math.isnan(expected)
    if math.isinf(got) or math.isinf(expected):
        return got == expected
    return abs(got - expected) <= max(1e-15, 1e-12 * max(abs(got), abs(expected)))


def matches(got, expected, tolerance, peak):
    """Whether a value is the expected one: "exact", bit for bit (the sign of
    zero included); "1e-12", relative; "float32", keras' float32 precision,
    2e-6 relative or 1e-6 of the trace's peak where a difference such as
    1 + cos is small. None (no value) matches only None."""
    if got is None or expected is None:
        return got is None and expected is None
    if math.isnan(got) or math.isnan(expected):
        return math.isnan(got) and math.isnan(expected)
    if tolerance == "exact":
        return got == expected and math.copysign(1.0, got) == math.copysign(1.0, expected)
    if tolerance == "float32":
        return abs(got - expected) <= 2e-6 * max(abs(got), abs(expected)) or abs(got - expected) <= 1e-6 * peak
    return close(got, expected)


def peak_of(values):
    """The largest finite magnitude of an expected trace (float32's absolute tolerance is a part of it)."""
    return max((abs(x) for x in values if x is not None and math.isfinite(x)), default=0.0)


# Programs and what their comments expect.


def _metric(token):
    """A `# metrics:` token: a number (nan and inf included); anything else feeds no metric."""
    try:
        return float(token)
    except ValueError:
        return None


def expectations(source):
    """What a program's comments say: its diagnostics (`line:col: label: message`),
    the metrics and signals fed, the base it is checked at, values at steps
    (output, step, value), and where it finishes or how long it runs."""
    ex = {"errors": [], "metrics": [], "signals": [], "base": None, "values": [], "finished": None, "running": None}
    lines = source.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("#"):
            continue
        for part in line.split("# expect-error: ")[1:]:
            ex["errors"].append(f"{i + 1}:" + part.strip(" \t"))
    for line in lines:
        if not line.startswith("# "):
            continue
        body = line[2:]
        if body.startswith("expect-error: "):
            ex["errors"].append(body[len("expect-error: "):])
        elif body.startswith("metrics: "):
            ex["metrics"] += [_metric(t) for t in body[len("metrics: "):].split(" ") if t]
        elif body.startswith("signals: "):
            for item in body[len("signals: "):].split(" "):
                if item:
                    name, step = item.split("@")
                    ex["signals"].append({"step": int(step), "name": name})
        elif body.startswith("base: "):
            ex["base"] = float(body[len("base: "):])
        elif body.startswith("expect: finished "):
            ex["finished"] = int(body[len("expect: finished "):])
        elif body.startswith("expect: running "):
            ex["running"] = int(body[len("expect: running "):])
        elif body.startswith("expect: "):
            lhs, _, rhs = body[len("expect: "):].partition("=")
            lhs = lhs.strip()
            if not lhs.endswith("]") or "[" not in lhs:
                raise ValueError(f"{line!r} is not `OUTPUT[STEP] = VALUE`")
            # `lr[5]`, `lr[0..2]`, or a group's output: `lr[backbone][5]`.
            output, index = lhs[:lhs.rindex("[")], lhs[lhs.rindex("[") + 1:-1]
            numbers = [float(x.strip()) for x in rhs.split(",")]
            bounds = [int(b) for b in index.split("..") if b]
            if len(bounds) == 2 and bounds[1] - bounds[0] + 1 != len(numbers):
                raise ValueError(f"the range's length is not the number of values in {line!r}")
            ex["values"] += [(output, bounds[0] + k, v) for k, v in enumerate(numbers)]
    return ex


def horizon(ex):
    """How many steps a program's expectations reach."""
    return max([s + 1 for _, s, _ in ex["values"]] + [ex["finished"] + 1 if ex["finished"] is not None else 0,
                                                     ex["running"] or 0])


# Library cases: a recorded call, pasted into Ramp.

SHORT_PATHS = [("torch.optim.lr_scheduler.", "torch."), ("transformers.optimization.", "transformers."),
               ("timm.scheduler.", "timm."), ("keras.optimizers.schedules.", "keras."),
               ("deepspeed.runtime.lr_schedules.", "deepspeed."), ("composer.optim.", "composer."),
               ("fvcore.common.param_scheduler.", "fvcore."), ("mmengine.optim.scheduler.", "mmengine."),
               ("mmengine.optim.", "mmengine."), ("megatron.core.optimizer_param_scheduler.", "megatron."),
               ("torchtitan.components.optimizer.lr_scheduler.", "torchtitan."),
               ("nemo.core.optim.lr_scheduler.", "nemo."), ("paddle.optimizer.lr.", "paddle.")]

# torchtitan's `.build(optimizers=..., training_steps=N)`: the run's length, which Ramp reads as `total N`.
TORCHTITAN_BUILD = re.compile(r"\.build\(optimizers=\w+, training_steps=(\d+)\)$")


def drop_optimizer(call):
    """`torch.optim.lr_scheduler.StepLR(SGD(lr=0.1), step_size=30)` without its optimizer argument."""
    open_at = call.find("(SGD(")
    if open_at < 0:
        return call
    depth, i = 0, open_at + 1
    while i < len(call):
        depth += {"(": 1, ")": -1}.get(call[i], 0)
        if call[i] == ")" and depth == 0:
            break
        i += 1
    return call[:open_at + 1] + call[i + 1:].lstrip(", ")


def library_source(case):
    """The call as a user pastes it: the settings that give the run it reads
    (Composer's duration and batches an epoch, fvcore's max_iter, MMEngine's
    epoch length, Megatron's samples an iteration, torchtitan's training
    steps), then the call without its optimizer, its module path
    shortened to the namespace."""
    lines = []
    per_epoch = case.get("dataloader_len") or case.get("epoch_length")
    if per_epoch:
        lines.append(f"steps_per_epoch {per_epoch}")
    if case.get("max_duration"):
        d = case["max_duration"]
        value = ""
        for ch in d:
            if not (ch.isdigit() or ch == "."):
                break
            value += ch
        lines.append(f"total {value}" + (" epochs" if d.endswith("ep") else ""))
    if case.get("max_iter") is not None:
        lines.append(f"total {case['max_iter']}")
    if case.get("increment") is not None:
        lines.append(f"samples_per_step {case['increment']}")  # Megatron: samples an iteration consumes
    if case.get("updates_per_epoch") is not None:
        lines.append(f"steps_per_epoch {case['updates_per_epoch']}")  # fairseq: updates in an epoch
    if case.get("lr_scheduler_cfg") is not None:
        return "".join(line + "\n" for line in lines) + fairseq_call(case["lr_scheduler_cfg"])
    call = drop_optimizer(case["call"])
    built = TORCHTITAN_BUILD.search(call)
    if built:
        lines.append(f"total {built.group(1)}")
        call = call[:built.start()]
    for long, short in SHORT_PATHS:
        call = call.replace(long, short)
    return "".join(line + "\n" for line in lines) + call


def fairseq_call(cfg):
    """fairseq's flags as the scheduler's config has them (cfg.lr_scheduler), written as a call of the
    scheduler by the name --lr-scheduler takes: `fairseq.inverse_sqrt(warmup_updates=10, lr=[0.1])`."""
    cfg = dict(cfg)
    name = cfg.pop("_name", None) or cfg.pop("lr_scheduler")
    return f"fairseq.{name}(" + ", ".join(f"{k}={v!r}" for k, v in cfg.items()) + ")"


def read_list(path):
    """A list of cases, one `CASE: REASON` a line; `#` starts a comment line."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, _, reason = line.strip().partition(": ")
            out[name] = reason.strip()
    return out


def load(suite=SUITE):
    """Every case, in order: the programs (sorted by name), then the pasted
    library cases, library by library. A case is a dict with its `name`, its
    `kind` ("errors", "program" or "library"), the `source` to compile and
    its `base`; a run's `metrics`, `signals`, expected `lr`, `momentum`
    (None: not checked), `outputs` and `tolerance`. A program also has its
    `expect` and its trace's `finished_at`. Problems with the suite itself
    (a trace without a program) are cases of kind "suite"."""
    cases = []
    names = set()
    left_to_optimizer = read_list(os.path.join(suite, "library", "momentum_left_to_the_optimizer.txt"))
    not_reproduced = read_list(os.path.join(suite, "library", "not_reproduced.txt"))
    for path in sorted(glob.glob(os.path.join(suite, "programs", "*.ramp"))):
        name = os.path.basename(path)[:-len(".ramp")]
        names.add(name)
        with open(path, encoding="utf-8") as f:
            source = f.read()
        try:
            ex = expectations(source)
        except ValueError as e:
            cases.append({"name": name, "kind": "suite", "problem": f"programs/{name}.ramp: its comments do not read: {e}"})
            continue
        case = {"name": name, "source": source, "file": path, "base": ex["base"], "expect": ex}
        if ex["errors"]:
            cases.append(dict(case, kind="errors"))
            continue
        trace_path = os.path.join(suite, "traces", name + ".json")
        if not os.path.exists(trace_path):
            cases.append(dict(case, kind="suite", problem=f"programs/{name}.ramp has no trace (traces/{name}.json)"))
            continue
        with open(trace_path) as f:
            t = json.load(f)
        cases.append(dict(case, kind="program", metrics=[number(m) for m in t["metrics"]], signals=t.get("signals") or [],
                          lr=[number(x) for x in t["lr"]],
                          momentum=None if t.get("momentum") is None else [number(x) for x in t["momentum"]],
                          outputs={k: [number(x) for x in v] for k, v in (t.get("outputs") or {}).items()},
                          finished_at=t.get("finished_at"), trace_base=t.get("base"), tolerance="exact"))
    for path in sorted(glob.glob(os.path.join(suite, "traces", "*.json"))):
        name = os.path.basename(path)[:-len(".json")]
        if name not in names:
            cases.append({"name": name, "kind": "suite", "problem": f"traces/{name}.json has no program (programs/{name}.ramp)"})
    for path in sorted(glob.glob(os.path.join(suite, "library", "*.json"))):
        with open(path) as f:
            recorded = json.load(f)
        for c in recorded["cases"]:
            if c.get("config"):
                continue  # a config file's `param_scheduler`, read by `ramp import`, not a pasted call
            metrics = c.get("metrics")
            cases.append({"name": c["id"], "kind": "library", "source": library_source(c), "base": c.get("base_lr"),
                          "metrics": [metrics[i] if metrics else None for i in range(c["steps"])], "signals": [],
                          "lr": [number(x) for x in c["lr"]],
                          "momentum": None if c.get("momentum") is None or c["id"] in left_to_optimizer
                          else [number(x) for x in c["momentum"]],
                          "outputs": {"weight_decay": [number(x) for x in c["weight_decay"]]} if c.get("weight_decay") else {},
                          "tolerance": "float32" if c.get("dtype") == "float32" else "1e-12",
                          "refused_as": not_reproduced.get(c["id"])})
    return cases


def signals_at(case, i):
    """The signals a case raises during step i."""
    return [e["name"] for e in case.get("signals", []) if e["step"] == i]


# Running the compiler.


def ramp(binary, args, source=None, directory=None, name="case"):
    """Runs `ramp ARGS FILE` on a source written to NAME.ramp in `directory`;
    returns (exit status, stdout, stderr)."""
    argv = [binary] + args
    if source is not None:
        path = os.path.join(directory, name + ".ramp")
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        argv.append(path)
    r = subprocess.run(argv, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def base_args(case):
    """`--base` at the case's base. A recorded base_lr of 0 (Paddle's LinearWarmup wraps an optimizer whose rate
    its schedule overwrites) is not a rate Ramp takes, and such a schedule does not read base: it runs without."""
    if case.get("base") is None or (case["kind"] == "library" and case["base"] == 0):
        return []
    return ["--base", repr(float(case["base"]))]


def compile_all(binary, cases, target, directory, jobs=None):
    """Compiles every case `--to TARGET` into DIRECTORY/case_N.py, in parallel;
    sets each case's `module` (its name, or None) and `refusal` (the
    compiler's message when it refused)."""
    def one(item):
        i, case = item
        module = f"case_{i}"
        out = os.path.join(directory, module + ".py")
        status, _, err = ramp(binary, ["compile", "--to", target, "-o", out] + base_args(case), case["source"], directory, module)
        if status == 0 and os.path.exists(out):
            case["module"], case["refusal"] = module, None
        else:
            case["module"], case["refusal"] = None, err.strip() or f"exit status {status}"
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 2) as pool:
        list(pool.map(one, [(i, c) for i, c in enumerate(cases) if c["kind"] in ("program", "library")]))


def refusal_text(stderr):
    """A compiler's refusal: its last `error: ` line without the prefix (warnings may come before it)."""
    errors = [line[len("error: "):] for line in stderr.splitlines() if line.startswith("error: ")]
    return errors[-1] if errors else stderr.strip()


def refused_as_listed(case):
    """A library case that library/not_reproduced.txt lists must be refused, with the reason it gives (part of
    the refusal's message): None, or what is wrong."""
    if case["module"] is not None:
        return f"it compiles, but library/not_reproduced.txt lists it as refused ({case['refused_as']}); remove its line"
    got = refusal_text(case["refusal"])
    if case["refused_as"] not in got:
        return f"refused with another reason than library/not_reproduced.txt gives: {got!r}"
    return None


# Checking a run.


def first_departure(case, lr, momentum, outputs):
    """The first place a run departs from the case's expected trace (lists of
    values a step), or None. `momentum` is None where the run has none;
    `outputs` maps each output beyond lr and momentum to its values."""
    tolerance = case["tolerance"]
    if len(lr) != len(case["lr"]):
        return f"{len(lr)} rates for {len(case['lr'])} steps"
    peak = peak_of(case["lr"])
    for i, (got, want) in enumerate(zip(lr, case["lr"])):
        if not matches(got, want, tolerance, peak):
            return f"step {i}: lr is {got!r}, expected {want!r}"
    if case["momentum"] is not None:
        if momentum is None:
            return "no momentum, expected a scheduled momentum"
        for i, (got, want) in enumerate(zip(momentum, case["momentum"])):
            if not matches(got, want, tolerance, peak):
                return f"step {i}: momentum is {got!r}, expected {want!r}"
    elif case["kind"] == "program" and momentum is not None and any(m is not None for m in momentum):
        return f"step 0: momentum is {momentum[0]!r}, expected none (the trace schedules no momentum)"
    if sorted(outputs) != sorted(case["outputs"]):
        return f"outputs {sorted(outputs)}, expected {sorted(case['outputs'])}"
    for name, wanted in sorted(case["outputs"].items()):
        got_values = outputs[name]
        if len(got_values) != len(wanted):
            return f"{len(got_values)} values of {name} for {len(wanted)} steps"
        output_peak = peak_of(wanted)
        for i, (got, want) in enumerate(zip(got_values, wanted)):
            if not matches(got, want, tolerance, output_peak):
                return f"step {i}: {name} is {got!r}, expected {want!r}"
    return None


def report(cases, failures, out=sys.stdout):
    """Prints each failure (`FAIL case: what`), then `N passed, M failed`;
    returns the exit status."""
    for name, problem in failures:
        print(f"FAIL {name}: {problem}", file=out)
    print(f"{len(cases) - len(failures)} passed, {len(failures)} failed", file=out)
    return 1 if failures else 0


def arguments(description):
    """The command line every runner takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--ramp", required=True, help="the ramp executable under test")
    parser.add_argument("--suite", default=SUITE, help="the conformance folder (default: the one this runner is in)")
    parser.add_argument("--jobs", type=int, default=None, help="compilers run at once (default: one a core)")
    parser.add_argument("--only", action="append", default=[], help="run only this case (repeatable)")
    return parser.parse_args()


def selected(cases, only):
    return [c for c in cases if not only or c["name"] in only]


def workspace():
    """A temporary folder for the compiled modules, importable while it lives."""
    directory = tempfile.TemporaryDirectory(prefix="ramp-conformance-")
    sys.path.insert(0, directory.name)
    return directory


def run_target(target, description, run, tolerance):
    """A runner for a target that compiles only part of the language: every
    program with a trace and every library case is compiled `--to TARGET`;
    one that compiles must match its trace (`run(module, case)` gives the
    first departure, or None), one that is refused must be listed in
    refusals/TARGET.txt with the reason the compiler gives (its stable part:
    the listed text must appear in the refusal). A listed case that compiles,
    a refusal that is not listed or gives another reason, and a listed case
    the suite does not have are failures. Returns the exit status."""
    args = arguments(description)
    every = [c for c in load(args.suite) if c["kind"] in ("program", "library")]
    cases = selected(every, args.only)
    listed_path = os.path.join(args.suite, "refusals", target + ".txt")
    listed = read_list(listed_path)
    listed_name = f"refusals/{target}.txt"
    directory = workspace()
    compile_all(args.ramp, cases, target, directory.name, args.jobs)
    failures = []
    ran = refused = 0
    for case in cases:
        case["tolerance"] = tolerance(case)
        if case.get("refused_as"):
            problem = refused_as_listed(case)
            if problem is None:
                refused += 1
            else:
                failures.append((case["name"], problem))
            continue
        reason = listed.get(case["name"])
        if case["module"] is None:
            got = refusal_text(case["refusal"])
            if reason is None:
                failures.append((case["name"], f"`ramp compile --to {target}` refused it, and {listed_name} does not list it: {got}"))
            elif not reason or reason not in got:
                failures.append((case["name"], f"refused with another reason than {listed_name} gives: {got!r}, expected {reason!r}"))
            else:
                refused += 1
            continue
        if reason is not None:
            failures.append((case["name"], f"`ramp compile --to {target}` compiles it, but {listed_name} lists it as refused"
                             f" ({reason}); remove its line"))
            continue
        try:
            problem = run(importlib.import_module(case["module"]), case)
        except Exception as e:  # a module that fails to load or to run is a failure of this case
            where = traceback.extract_tb(e.__traceback__)[-1]
            problem = f"{type(e).__name__}: {e} (at {os.path.basename(where.filename)}:{where.lineno})"
        if problem is None:
            ran += 1
        else:
            failures.append((case["name"], problem))
    if not args.only:
        names = {c["name"] for c in every}
        stale = [(name, f"{listed_name} lists it, but the suite has no such case") for name in listed if name not in names]
        failures += stale
        cases = cases + [{"name": name} for name, _ in stale]
    print(f"{target}: {ran} cases compiled and matched, {refused} refused as {listed_name} lists")
    status = report(cases, failures)
    directory.cleanup()
    return status
