"""The conformance runner for Keras modules (`ramp compile --to keras`).

    KERAS_BACKEND=jax python3 keras_runner.py DIR JOBS.json

DIR holds one compiled module per case; JOBS.json lists the cases as
python_runner.py reads them. Each module's Schedule() is called at every
step, as a Keras optimizer calls it; Keras computes in float32, so rates must
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
    schedule = importlib.import_module(job["module"]).Schedule()
    steps = keras.ops.arange(len(job["lr"]))
    rates = keras.ops.convert_to_numpy(schedule(steps)).reshape(-1).tolist()
    expected = [number(x) for x in job["lr"]]
    peak = peak_of(expected)
    for i, (got, want) in enumerate(zip(rates, expected)):
        if not matches(float(got), want, "float32", peak):
            return f"lr[{i}] is {got!r}, expected {want!r}"
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], run))
