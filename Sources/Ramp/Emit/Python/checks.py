"""What every Python-family module that Ramp writes (Python, JAX, Keras) runs
in Python when a schedule is made at a base: the checks that the base keeps
the program's shape, and numbers written as Ramp's messages write them. The
compiler copies this file (without this docstring) into each module, before
the module's runtime.
"""

import math

# The texts of the errors raised here, generated from Ramp's diagnostics
# catalogue (RuntimeMessages.swift): a module carries the table itself.
from messages import _MESSAGES

_INF = math.inf
_NAN = math.nan


def _fmt(x):
    """A number as Ramp's messages write it."""
    if x != x:
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == math.floor(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _require_base(ok, place, why):
    """Refuses a base at which a decision the program took on the base would
    come out differently, with the message Ramp gives (`why()` writes it)."""
    if not ok:
        raise ValueError(f"{place}: " + _MESSAGES["R0509"].format(why=why()))


def _pinned(x, at_base, base):
    """A number computed from the base through more operations than a module
    keeps: known at the program's own base only."""
    if base != at_base:
        raise ValueError("a number in this schedule is computed from the base through too many operations "
                         "to follow another base; compile it with `ramp compile --base B`")
    return x
