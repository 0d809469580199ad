"""The conformance runner for Keras modules (`ramp compile --to keras`).

    KERAS_BACKEND=jax python3 keras_runner.py DIR JOBS.json

DIR holds one compiled module per case; JOBS.json lists the cases as
python_runner.py reads them. Each module's Schedule() is called at every
step, as a Keras optimizer calls it, and every other output's function from
schedules() likewise; Keras computes in float32, so values must
match to float32 precision (2e-6 relative, or 1e-6 of the trace's peak).
Prints each failure, then "N passed, M failed", and exits 1 when any failed.
"""

import importlib
import os
import sys

import keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from python_runner import main, matches, number, peak_of  # noqa: E402


def run(job):
    module = importlib.import_module(job["module"])
    steps = keras.ops.arange(len(job["lr"]))
    functions = module.schedules()
    traces = [("lr", module.Schedule()(steps), job["lr"])]
    if job.get("momentum") is not None:
        traces.append(("momentum", functions["momentum"](steps), job["momentum"]))
    traces += [(name, functions[name](steps), values) for name, values in job.get("outputs", {}).items()]
    for name, got, wanted in traces:
        got = keras.ops.convert_to_numpy(got).reshape(-1).tolist()
        expected = [number(x) for x in wanted]
        peak = peak_of(expected)
        for i, (g, want) in enumerate(zip(got, expected)):
            if not matches(float(g), want, "float32", peak):
                return f"{name}[{i}] is {g!r}, expected {want!r}"
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], run))
