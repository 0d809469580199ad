"""The Keras part of the modules that `ramp compile --to keras` writes; the
compiler copies it (without this docstring) after checks.py. The module's
schedule class writes the schedule's arithmetic out in `keras.ops`, so it runs
on every Keras backend, in Keras' float32, and inside compiled train steps.
"""

import keras
from keras import ops


def _f32(x):
    """x in single precision (float32(...)): Keras computes in it already."""
    return ops.cast(x, "float32")


def _floatx(x):
    """A step count as the rate's arithmetic takes it."""
    return ops.cast(x, keras.config.floatx())
