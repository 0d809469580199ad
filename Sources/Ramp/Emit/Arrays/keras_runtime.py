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


class _Ops:
    """The backend the Python core (its phase locator) is written over, in
    keras.ops, so it runs on every Keras backend: every branch of a select is
    computed and the one in force kept, as a where over them."""

    where = staticmethod(ops.where)

    @staticmethod
    def select(i, branches, x):
        value = branches[-1](x)
        for k in range(len(branches) - 2, -1, -1):
            value = ops.where(i == k, branches[k](x), value)
        return value

    @staticmethod
    def index(starts, t):
        """The last i with starts[i] <= t (0 before the first): how many of the later starts t has reached."""
        i = ops.zeros((), "int32")
        for start in starts[1:]:
            i = i + ops.cast(t >= start, "int32")
        return i

    @staticmethod
    def at(xs, i):
        return ops.take(ops.convert_to_tensor(xs, keras.config.floatx()), i)
