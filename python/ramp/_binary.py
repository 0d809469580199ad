"""Finds and runs the compiler: the binary in ramp/_bin, or $RAMP_BINARY."""

from __future__ import annotations

import os
TYPE_CHECKING = False  # typing itself costs more to import than the rest of the package

if TYPE_CHECKING:
    import subprocess
    from typing import Sequence


def path() -> str:
    """The compiler. Never `ramp` on PATH, which is this package's own launcher."""
    given = os.environ.get("RAMP_BINARY")
    if given:
        return given
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bin", "ramp")
    if os.path.isfile(bundled):
        return bundled
    raise FileNotFoundError("the Ramp compiler is not in this installation (ramp/_bin/ramp); "
                            "install a built wheel, or set RAMP_BINARY to a `ramp` binary")


def run(args: Sequence[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    """Runs `ramp ARGS`, capturing its output as text."""
    import subprocess

    return subprocess.run([path(), *args], input=stdin, capture_output=True, text=True)
