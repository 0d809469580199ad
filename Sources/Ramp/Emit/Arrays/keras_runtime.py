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


def _saved_schedule(config, name, own):
    """The schedule a saved model's config names. Every module's class is saved as
    "ramp>Schedule", so the config says which program it was: this module's, another
    imported module's (registered under its own name too), or one the ramp package,
    when installed, compiles again from the source the config carries."""
    base = config.get("base")
    wanted = config.get("schedule", name)  # a model saved before configs named their program
    if wanted == name:
        return own(base=base)
    found = keras.saving.get_registered_object("ramp>" + wanted)
    if found is not None:
        return found(base=base)
    try:
        import ramp
    except ImportError:
        raise ValueError(f"this model's schedule ({wanted}) is not this module's, whose schedule is {name}: "
                         "import the module `ramp compile --to keras` wrote for it, or install the ramp package, "
                         "which compiles it again from the program the model carries:\n"
                         + str(config.get("program"))) from None
    return ramp._saved_keras_schedule(config)
