"""Shared helpers for the integration tests: the ramp binary, modules
compiled from Ramp source, and `ramp table` traces to compare with."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
RAMP = os.environ.get("RAMP", str(ROOT / ".build" / "debug" / "ramp"))


def _ramp(*args, stdin=None):
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built; run `swift build` (or set $RAMP)")
    return subprocess.run([RAMP, *args], input=stdin, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def compile_module(tmp_path):
    """Compiles Ramp source (or a file) to a module (`--to python`, or `jax`,
    `keras`) and imports it."""
    count = [0]

    def build(source, name=None, to="python"):
        count[0] += 1
        name = name or f"ramp_schedule_{count[0]}"
        path = tmp_path / f"{name}.py"
        if os.path.exists(source):
            _ramp("compile", source, "--to", to, "-o", str(path))
        else:
            _ramp("compile", "-e", source, "--to", to, "-o", str(path))
        sys.path.insert(0, str(tmp_path))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    yield build
    while str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def ramp_run(*args):
    """The ramp binary run on `args`, its exit status and standard error (skips when it is not built)."""
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built; run `swift build` (or set $RAMP)")
    r = subprocess.run([RAMP, *args], capture_output=True, text=True)
    return r.returncode, r.stderr


@pytest.fixture
def table(tmp_path):
    """`ramp table` as a list of rates: the reference every framework must equal."""

    def run(source, steps, metrics=None, base=None, rows=False, signals=()):
        args = ["table", "--steps", str(steps), "--format", "json"]
        for signal in signals:
            args += ["--signal", signal]
        args += [source] if os.path.exists(source) else ["-e", source]
        if metrics is not None:
            path = tmp_path / "metrics.txt"
            path.write_text("".join("-\n" if m is None else f"{m!r}\n" for m in metrics))
            args += ["--metrics", str(path)]
        if base is not None:
            args += ["--base", repr(base)]
        table = json.loads(_ramp(*args))
        # rows=True: every output of every step, by name.
        return table if rows else [row["lr"] for row in table]

    return run
