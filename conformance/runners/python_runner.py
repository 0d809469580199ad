"""The conformance runner for Python modules (`ramp compile --to python`).

    python3 python_runner.py DIR JOBS.json

DIR holds one compiled module per case; JOBS.json lists the cases: the
module's name, the metrics fed at the end of each step (null for none), the
signals raised during given steps ({"step": 6, "name": "cooldown"}), the
expected rates and momenta, the other outputs' values by name, and the tolerance ("exact", bit for bit;
"1e-12" relative; "float32", keras' float32 precision: 2e-6 relative, or
1e-6 of the trace's peak). Non-finite numbers are
written "inf", "-inf" and "nan". Prints each failure, then
"N passed, M failed", and exits 1 when any failed.
"""

import importlib
import json
import math
import sys


def number(x):
    return None if x is None else float(x)


def matches(got, expected, tolerance, peak):
    if got is None or expected is None:
        return got is None and expected is None
    if math.isnan(got) or math.isnan(expected):
        return math.isnan(got) and math.isnan(expected)
    if tolerance == "exact":
        return got == expected and math.copysign(1.0, got) == math.copysign(1.0, expected)
    if tolerance == "float32":
        # float32 precision: 2e-6 relative, or 1e-6 of the trace's peak where a difference such as 1 + cos is small.
        return abs(got - expected) <= 2e-6 * max(abs(got), abs(expected)) or abs(got - expected) <= 1e-6 * peak
    return abs(got - expected) <= max(1e-15, 1e-12 * max(abs(got), abs(expected)))


def run(job):
    """The first departure from the expected trace, or None."""
    schedule = importlib.import_module(job["module"]).Schedule()
    expected_momentum = job.get("momentum")
    peak = max((abs(number(x)) for x in job["lr"]), default=0.0)
    for i, metric in enumerate(job["metrics"]):
        if not matches(schedule.lr, number(job["lr"][i]), job["tolerance"], peak):
            return f"lr[{i}] = {schedule.lr!r}, expected {job['lr'][i]!r}"
        if expected_momentum is not None and not matches(schedule.momentum, number(expected_momentum[i]), job["tolerance"], peak):
            return f"momentum[{i}] = {schedule.momentum!r}, expected {expected_momentum[i]!r}"
        for name, values in job.get("outputs", {}).items():
            got = schedule.value(name)
            if not matches(got, number(values[i]), job["tolerance"], peak_of([number(v) for v in values])):
                return f"{name}[{i}] = {got!r}, expected {values[i]!r}"
        for name in signals_at(job, i):
            schedule.signal(name)
        schedule.step(number(metric))
    return None


def signals_at(job, i):
    """The signals the case raises during step i."""
    return [e["name"] for e in job.get("signals", []) if e["step"] == i]


def main(directory, jobs_path, run=run):
    """Runs every job with `run` (this runner's, or another target's) and
    reports; the exit status for the command line."""
    sys.path.insert(0, directory)
    with open(jobs_path) as f:
        jobs = json.load(f)
    failed = 0
    for job in jobs:
        problem = run(job)
        if problem is not None:
            failed += 1
            print(f"FAIL {job['name']}: {problem}")
    print(f"{len(jobs) - failed} passed, {failed} failed")
    return 1 if failed else 0


def peak_of(values):
    """The largest finite magnitude of an expected trace (float32's absolute tolerance is a part of it)."""
    return max((abs(x) for x in values if x is not None and x == x and abs(x) != float("inf")), default=0.0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
