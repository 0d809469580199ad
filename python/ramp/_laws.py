"""Loss-curve laws from Python: ``ramp law fit`` and ``ramp law predict`` through the bundled compiler.

The laws live in the compiler (Swift); this module only writes their inputs as files and reads the
answers back, so a law fitted here is the CLI's law, parameter for parameter.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
TYPE_CHECKING = False

from ramp import _binary

if TYPE_CHECKING:
    from typing import Any, Dict, List, Sequence, Union

__all__ = ["Law", "fit_law", "predict_loss"]


class Law:
    """A fitted loss-curve law: what ``ramp law fit -o law.json`` writes.

    ``kind`` is "multipower" or "annealing", ``parameters`` maps each name to its value, ``runs`` lists
    the runs it was fitted on (program, fingerprint, steps, peak, R², PredE, WorstE, residuals), and
    ``report`` is what the CLI printed. ``save(path)`` writes law.json.
    """

    def __init__(self, text: str, report: str = ""):
        doc = json.loads(text)
        self.json, self.report = text, report
        self.kind: str = doc["law"]
        self.parameters: Dict[str, float] = dict(doc["parameters"])
        self.runs: List[dict] = list(doc.get("runs", []))

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Law":
        with open(path, encoding="utf-8") as f:
            return cls(f.read())

    def save(self, path: Union[str, os.PathLike]) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.json)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.parameters.items())
        return f"ramp.Law({self.kind!r}, {shown})"


def _failed(done: Any, what: str) -> Exception:
    from ramp import RampError

    return RampError(done.stderr.strip() or f"{what} exited with status {done.returncode}")


def _program_file(program: Any, directory: str, index: int) -> str:
    """A path the CLI reads the program from: the user's file, or the source written to one."""
    if isinstance(program, os.PathLike) or (isinstance(program, str) and "\n" not in program
                                            and program.strip() == program and os.path.isfile(program)):
        return os.fspath(program)
    if not isinstance(program, str):
        raise TypeError(f"a Ramp program is source text or a path, not {type(program).__name__}")
    path = os.path.join(directory, f"run{index}.ramp")
    with open(path, "w", encoding="utf-8") as f:
        f.write(program)
    return path


def _log_file(run: Sequence[Any], directory: str, index: int) -> str:
    """The run's log as the CLI reads it: its CSV (linked under a name without ':'), or the losses written."""
    if len(run) == 2:
        given = os.fspath(run[1])
        if ":" not in given:
            return given
        path = os.path.join(directory, f"run{index}.csv")
        os.symlink(os.path.abspath(given), path)
        return path
    steps, losses = list(run[1]), list(run[2])
    if len(steps) != len(losses):
        raise ValueError(f"run {index}: {len(steps)} steps but {len(losses)} losses")
    path = os.path.join(directory, f"run{index}.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("step,loss\n")
        for s, x in zip(steps, losses):
            f.write(f"{int(s)},{float(x)!r}\n")
    return path


def fit_law(runs: Sequence[Sequence[Any]], law: str = "multipower") -> Law:
    """Fits a loss-curve law to RUNS, as ``ramp law fit`` does (deterministic: the same runs, the same law).

    Each run is ``(program, csv_path)``, the CSV having ``step`` and ``loss`` columns, or
    ``(program, steps, losses)``. A program is Ramp source or a ``.ramp`` path. LAW is "multipower"
    (Luo et al. 2025, seven parameters) or "annealing" (Tissue et al. 2024, four).
    """
    if law not in ("multipower", "annealing"):
        raise ValueError(f"law must be 'multipower' or 'annealing', not {law!r}")
    runs = list(runs)
    if not runs:
        raise ValueError("fit_law needs at least one run")
    with tempfile.TemporaryDirectory(prefix="ramp-law-") as directory:
        specs = []
        for i, run in enumerate(runs):
            if not isinstance(run, (tuple, list)) or len(run) not in (2, 3):
                raise TypeError(f"run {i}: give (program, csv_path) or (program, steps, losses)")
            specs.append(_program_file(run[0], directory, i) + ":" + _log_file(run, directory, i))
        out = os.path.join(directory, "law.json")
        done = _binary.run(["law", "fit", *specs, "--law", law, "-o", out])
        if done.returncode != 0:
            raise _failed(done, "ramp law fit")
        with open(out, encoding="utf-8") as f:
            return Law(f.read(), done.stdout)


def predict_loss(program: Any, law: Union[Law, str, os.PathLike], steps: int):
    """The loss LAW predicts at each of STEPS steps of PROGRAM, as ``ramp law predict`` computes it.

    A numpy array when numpy is installed, else a list. LAW is a ``Law`` or the path of a law.json.
    Outside the range the law was fitted on (more steps, a higher peak) it warns, with the CLI's note.
    """
    from ramp import _input

    source = _input(program)
    with tempfile.TemporaryDirectory(prefix="ramp-law-") as directory:
        if isinstance(law, Law):
            path = os.path.join(directory, "law.json")
            law.save(path)
        else:
            path = os.fspath(law)
        done = _binary.run(["law", "predict", *source.args, "--law", path, "--steps", str(int(steps)),
                            "--format", "json"])
    if done.returncode != 0:
        raise _failed(done, "ramp law predict")
    doc = json.loads(done.stdout)
    if doc.get("note"):
        warnings.warn(f"ramp.predict_loss: {doc['note']}", RuntimeWarning, stacklevel=2)
    losses = [float(row["loss"]) for row in doc["losses"]]
    try:
        import numpy
    except ImportError:
        return losses
    return numpy.array(losses, dtype=numpy.float64)
