"""The ``%%ramp`` cell magic: checks the cell, then shows its chart and explanation.

    %load_ext ramp

    %%ramp --steps 120 --name schedule
    warmup 5 then cosine(T=95)

``--name NAME`` also binds the cell's ``ramp.Schedule`` in the notebook;
``--base B`` checks it at another base. A cell that does not check shows the
diagnostics, as the CLI prints them, and nothing else.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any


def _arguments(line: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="%%ramp", add_help=False)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--base", type=float)
    parser.add_argument("--name")
    return parser.parse_args(shlex.split(line))


def ramp_cell(line: str, cell: str, ipython: Any = None) -> Any:
    """What the magic does, apart from IPython: returns the Schedule, or None on error."""
    import ramp

    try:
        args = _arguments(line)
    except SystemExit:
        print("usage: %%ramp [--steps N] [--base B] [--name NAME]", file=sys.stderr)
        return None
    try:
        schedule = ramp.Schedule(cell, base=args.base)
        chart = ramp.plot(schedule, steps=args.steps, base=args.base)
        text = ramp.explain(cell, base=args.base)
    except ramp.RampError as error:
        print(str(error), file=sys.stderr)
        return None
    from IPython.display import SVG, display

    display(SVG(chart.svg))
    print(text, end="")
    if args.name and ipython is not None:
        ipython.user_ns[args.name] = schedule
    return schedule


def register(ipython: Any) -> None:
    def magic(line: str, cell: str) -> None:
        ramp_cell(line, cell, ipython)

    magic.__doc__ = __doc__
    ipython.register_magic_function(magic, magic_kind="cell", magic_name="ramp")
