"""The conformance runner for the compiler and its Python modules.

    python3 python_runner.py --ramp PATH/TO/ramp [--only CASE ...] [--jobs N]

Reads the suite (programs, traces, library cases) from the folder it is in
and checks the given `ramp` against all of it:

- a program that expects diagnostics (`# expect-error:`) is given to
  `ramp check --format json` (with `--base` where it says `# base:`), which
  must report exactly those diagnostics and notes;
- every other program, and every library case pasted as a call, is compiled
  with `ramp compile --to python` and the module's Schedule is stepped in
  this Python, fed the trace's metrics and signals: its rates, momenta and
  other outputs must be the trace's, bit for bit for a program, 1e-12
  relative for a library's recording (keras' to float32 precision); where
  it finishes must be where the trace says, and every `# expect:` line must
  hold (to 1e-12 relative).

Prints each failure with its case, step, expected and got values, then
"N passed, M failed", and exits 1 when any failed. Nothing here imports
Ramp's sources or tests: the suite and a `ramp` binary are all it needs.
"""

import importlib
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suite import (arguments, base_args, close, compile_all, first_departure, horizon, load, ramp, refused_as_listed, report,  # noqa: E402
                   selected, signals_at, workspace)


def brief(d):
    """A diagnostic as a program's comment writes it: `line:col: error[CODE]: message`."""
    label = "note" if d["severity"] == "note" else f"{d['severity']}[{d['code']}]"
    return f"{d['line']}:{d['column']}: {label}: {d['message']}"


def check_diagnostics(binary, cases):
    """Runs `ramp check --format json` over the programs that expect
    diagnostics (one run per base), and returns the failures."""
    failures = []
    by_base = {}
    for case in cases:
        by_base.setdefault(tuple(base_args(case)), []).append(case)
    for base, group in by_base.items():
        status, out, err = ramp(binary, ["check", "--format", "json"] + list(base) + [c["file"] for c in group])
        try:
            found = json.loads(out)["diagnostics"]
        except (ValueError, KeyError):
            failures += [(c["name"], f"ramp check gave no diagnostics document (exit {status}): {err.strip()[:500]}")
                         for c in group]
            continue
        for case in group:
            mine = [d for d in found if os.path.abspath(d.get("file", "")) == os.path.abspath(case["file"])]
            got = sorted(line for d in mine for line in [brief(d)] + [brief(n) for n in d.get("notes", [])])
            want = sorted(case["expect"]["errors"])
            if got != want:
                missing = [x for x in want if x not in got]
                extra = [x for x in got if x not in want]
                failures.append((case["name"], "diagnostics differ; expected but not reported: "
                                 + json.dumps(missing) + "; reported but not expected: " + json.dumps(extra)))
    return failures


def step_module(module, case):
    """Steps the module's Schedule through the case's run: the values at each
    step by name (lr, momentum when scheduled, the other outputs), and
    whether it had finished before each step and after the last."""
    schedule = module.Schedule()
    values, finished = [], []
    for i, metric in enumerate(case["metrics"]):
        finished.append(bool(schedule.finished))
        values.append(dict(schedule.values))
        for name in signals_at(case, i):
            schedule.signal(name)
        schedule.step(metric)
    finished.append(bool(schedule.finished))
    return values, finished


def check_run(module, case):
    """The first problem with a compiled case's run, or None."""
    values, finished = step_module(module, case)
    lr = [v["lr"] for v in values]
    momentum = [v.get("momentum") for v in values] if any("momentum" in v for v in values) else None
    names = sorted({k for v in values for k in v} - {"lr", "momentum"})
    outputs = {name: [v.get(name) for v in values] for name in names}
    problem = first_departure(case, lr, momentum, outputs)
    if problem is not None or case["kind"] != "program":
        return problem
    steps = len(values)
    at = next((i for i, f in enumerate(finished[:steps]) if f), None)
    if at != case["finished_at"]:
        return f"finished at step {at}, the trace finishes at step {case['finished_at']}"
    ex = case["expect"]
    for output, step, want in ex["values"]:
        got = values[step].get(output) if step < steps else None
        if got is None or not close(got, want):
            return f"step {step}: {output} is {got!r}, expected {want!r} (its `# expect:` line)"
    reach = horizon(ex)
    at = next((i for i, f in enumerate(finished[:reach + 1]) if f), None)
    if ex["finished"] is not None and at != ex["finished"]:
        return f"finished at step {at}, expected `finished {ex['finished']}`"
    if ex["running"] is not None and at is not None:
        return f"finished at step {at}, expected `running {ex['running']}`"
    return None


def suite_agrees(case):
    """A trace recorded with other inputs than its program's comments give is a problem of the suite."""
    ex = case["expect"]
    padded = ex["metrics"] + [None] * (len(case["metrics"]) - len(ex["metrics"]))

    def same(a, b):
        return (a is None and b is None) or (a is not None and b is not None and (a == b or (a != a and b != b)))
    if len(padded) != len(case["metrics"]) or not all(same(a, b) for a, b in zip(padded, case["metrics"])):
        return "the trace was recorded with other metrics than the program's `# metrics:`"
    if sorted((s["step"], s["name"]) for s in case["signals"]) != sorted((s["step"], s["name"]) for s in ex["signals"]):
        return "the trace was recorded with other signals than the program's `# signals:`"
    if case["trace_base"] != ex["base"]:
        return f"the trace was recorded at base {case['trace_base']}, the program says {ex['base']}"
    if len(case["lr"]) < horizon(ex):
        return f"the trace has {len(case['lr'])} steps; the program's expectations reach step {horizon(ex)}"
    return None


def main():
    args = arguments("Runs the conformance suite against `ramp compile --to python` in this Python.")
    cases = selected(load(args.suite), args.only)
    directory = workspace()
    failures = [(c["name"], c["problem"]) for c in cases if c["kind"] == "suite"]
    failures += check_diagnostics(args.ramp, [c for c in cases if c["kind"] == "errors"])
    compile_all(args.ramp, cases, "python", directory.name, args.jobs)
    for case in cases:
        if case["kind"] not in ("program", "library"):
            continue
        if case.get("refused_as"):
            problem = refused_as_listed(case)
            if problem is not None:
                failures.append((case["name"], problem))
            continue
        problem = suite_agrees(case) if case["kind"] == "program" else None
        if problem is None and case["module"] is None:
            problem = f"ramp compile --to python refused it: {case['refusal']}"
        if problem is None:
            try:
                problem = check_run(importlib.import_module(case["module"]), case)
            except Exception as e:  # a module that fails to load or to step is a failure of this case
                where = traceback.extract_tb(e.__traceback__)[-1]
                problem = f"{type(e).__name__}: {e} (at {os.path.basename(where.filename)}:{where.lineno})"
        if problem is not None:
            failures.append((case["name"], problem))
    status = report(cases, failures)
    directory.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
