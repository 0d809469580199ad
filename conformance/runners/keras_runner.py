"""The conformance runner for Keras modules (`ramp compile --to keras`).

    python3 keras_runner.py --ramp PATH/TO/ramp [--only CASE ...] [--jobs N]

Compiles every program with a trace and every library case `--to keras`.
Each module's Schedule() is called at every step, as a Keras optimizer calls
it, and every other output's function from schedules() likewise, on the JAX
backend unless KERAS_BACKEND says otherwise. Keras computes in float32, so
values must match to float32 precision (2e-6 relative, or 1e-6 of the
trace's peak). A case the target does not compile must be listed in
../refusals/keras.txt with the reason the compiler gives; a listed case that
compiles fails, so the list only shrinks. Prints each failure, then
"N passed, M failed", and exits 1 when any failed.
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suite import first_departure, run_target  # noqa: E402


def run(module, case):
    steps = keras.ops.arange(len(case["lr"]))
    functions = module.schedules()

    def values(f):
        # A constant comes back as one value, the value of every step.
        got = keras.ops.convert_to_numpy(f(steps)).reshape(-1).tolist()
        return [float(x) for x in (got * len(case["lr"]) if len(got) == 1 else got)]
    momentum = values(functions["momentum"]) if "momentum" in functions else None
    outputs = {name: values(f) for name, f in functions.items() if name not in ("lr", "momentum")}
    return first_departure(case, values(module.Schedule()), momentum, outputs)


if __name__ == "__main__":
    sys.exit(run_target("keras", "Runs the conformance suite against `ramp compile --to keras`, as Keras calls a schedule.",
                        run, lambda case: "float32"))
