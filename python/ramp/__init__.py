"""Ramp, a language for training schedules, from Python.

Every function takes a program: its source (``"warmup 5 then cosine(T=95)"``)
or the path of a ``.ramp`` file (a ``str`` naming an existing file, or a
``pathlib.Path``). The bundled compiler does the work; importing this package
starts nothing, and torch and numpy are imported only by what needs them.
"""

from __future__ import annotations

import os
import sys
TYPE_CHECKING = False  # typing itself costs more to import than the rest of the package

from ramp import _binary, _cache, _keras

if TYPE_CHECKING:  # typing, json, dataclasses and subprocess are imported when used, not by `import ramp`
    import subprocess
    import types
    from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

    Program = Union[str, os.PathLike, "Schedule"]

try:
    from ramp._version import IR_VERSION, VERSION as __version__
except ImportError:  # not built as a wheel: the compiler in $RAMP_BINARY says, when asked
    pass

__all__ = ["compile", "Schedule", "torch_scheduler", "hf_callback", "lightning_config", "keras_callback",
           "table", "check", "explain", "plot", "Chart", "RampError", "Diagnostic", "IR_VERSION", "__version__",
           "lr_find", "RangeTestResult", "fit_law", "predict_loss", "Law"]


class Diagnostic:
    """One problem the checker found, as ``ramp check --format json`` gives it.

    ``rendered`` is the text the CLI prints: ``file:line:col: error[CODE]:
    message``, the line and a caret.
    """

    __slots__ = ("file", "line", "column", "code", "message", "severity", "name", "end_line", "end_column",
                 "notes", "rendered")

    def __init__(self, file: str, line: int, column: int, code: str, message: str, severity: str = "error",
                 name: str = "", end_line: int = 0, end_column: int = 0, notes: tuple = (), rendered: str = ""):
        self.file, self.line, self.column, self.code, self.message = file, line, column, code, message
        self.severity, self.name, self.end_line, self.end_column = severity, name, end_line, end_column
        self.notes, self.rendered = notes, rendered

    def _fields(self) -> tuple:
        return tuple(getattr(self, k) for k in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Diagnostic) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields()[:5])

    def __repr__(self) -> str:
        return "Diagnostic(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"

    def __str__(self) -> str:
        return self.rendered or f"{self.file}:{self.line}:{self.column}: {self.severity}[{self.code}]: {self.message}"


class RampError(ValueError):
    """A program that does not check, or a command Ramp refused.

    ``str(error)`` is what the CLI prints; ``diagnostics`` holds each problem
    with its file, line, column, code and message.
    """

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()):
        super().__init__(message)
        self.diagnostics: List[Diagnostic] = list(diagnostics)


def _diagnostics(done: subprocess.CompletedProcess) -> Optional[List[Diagnostic]]:
    """The diagnostics a `ramp check --format json` run listed, or None when it gave no document."""
    import json

    try:
        return [_diagnostic(d) for d in json.loads(done.stdout)["diagnostics"]]
    except (ValueError, KeyError):
        return None


def _diagnostic(d: dict) -> Diagnostic:
    return Diagnostic(file=d.get("file", ""), line=int(d.get("line", 0)), column=int(d.get("column", 0)),
                      code=d.get("code", ""), message=d.get("message", ""), severity=d.get("severity", "error"),
                      name=d.get("name", ""), end_line=int(d.get("end_line", 0)), end_column=int(d.get("end_column", 0)),
                      notes=tuple(d.get("notes", ())), rendered=d.get("rendered", ""))


class _Input:
    """A program as the CLI takes it, and the text that identifies it."""

    __slots__ = ("args", "identity")

    def __init__(self, args: Tuple[str, ...], identity: str):
        self.args, self.identity = args, identity


def _input(program: Union[Program, _Input]) -> _Input:
    if isinstance(program, _Input):
        return program
    if isinstance(program, Schedule):
        return program._input
    if isinstance(program, os.PathLike) or (isinstance(program, str) and "\n" not in program
                                            and program.strip() == program and os.path.isfile(program)):
        path = os.fspath(program)
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "surrogateescape")
        return _Input((path,), "file\0" + os.path.abspath(path) + "\0" + text)
    if not isinstance(program, str):
        raise TypeError(f"a Ramp program is source text or a path, not {type(program).__name__}")
    return _Input(("-e", program), "source\0" + program)


def _base_args(base: Optional[float]) -> Tuple[str, ...]:
    return () if base is None else ("--base", repr(float(base)))


def _run(args: Sequence[str], program: Optional[_Input] = None, notes: Optional[List[str]] = None) -> str:
    """Runs the compiler; a failure raises RampError with the program's diagnostics.

    NOTES, when given, receives the notes the compiler printed (``note: ...`` on stderr).
    """
    done = _binary.run(args)
    if done.returncode == 0:
        if notes is not None:
            notes.extend(line for line in done.stderr.splitlines() if line.startswith("note: "))
        return done.stdout
    message = done.stderr.strip() or f"ramp {' '.join(args)} exited with status {done.returncode}"
    diagnostics: List[Diagnostic] = []
    if program is not None:
        # the base matters: some errors exist only at the base it was asked for
        base = list(args[args.index("--base"):args.index("--base") + 2]) if "--base" in args else []
        found = _diagnostics(_binary.run(["check", "--format", "json", *base, *program.args])) or []
        diagnostics = [d for d in found if d.severity == "error"]
    if diagnostics and all(d.rendered for d in diagnostics):
        message = "\n".join(d.rendered for d in diagnostics)
    raise RampError(message, diagnostics)


def check(program: Union[Program, _Input], base: Optional[float] = None) -> List[Diagnostic]:
    """Checks a program: raises RampError when it has errors, returns its warnings."""
    source = _input(program)
    done = _binary.run(["check", "--format", "json", *_base_args(base), *source.args])
    found = _diagnostics(done)
    if found is None:
        raise RampError(done.stderr.strip() or "ramp check gave no answer")
    errors = [d for d in found if d.severity == "error"]
    if errors or done.returncode != 0:
        raise RampError("\n".join(str(d) for d in errors) or done.stderr.strip(), errors)
    return found


def explain(program: Program, base: Optional[float] = None) -> str:
    """What ``ramp explain`` prints: each output's phases, their lengths and how they end."""
    source = _input(program)
    return _run(["explain", *_base_args(base), *source.args], source)


def compile(program: Program, base: Optional[float] = None, target: str = "python") -> types.ModuleType:
    """What ``ramp compile --to TARGET`` writes (python, jax or keras), imported as a module.

    Each program is compiled once: the module is kept in the cache folder,
    keyed by the program's text, the base, the target and Ramp's version, and
    imported from there as ``ramp.compiled.m_<key>``.
    """
    if target not in ("python", "jax", "keras"):
        raise ValueError(f"target must be python, jax or keras, not {target!r}")
    source = _input(program)
    name = "m_" + _cache.key(_release(), target, repr(base), source.identity)
    qualified = "ramp.compiled." + name
    if qualified in sys.modules:
        return sys.modules[qualified]
    command = ["compile", "--to", target, *_base_args(base), *source.args]
    if not _cache.has(name):
        text = _run(command, source)
        if not _cache.write(name, text):
            return _module_from_text(qualified, text)
    import importlib

    import ramp.compiled
    if ramp.compiled.__path__[0] != _cache.directory():
        ramp.compiled.__path__[0] = _cache.directory()
    try:
        return importlib.import_module(qualified)
    except ImportError:
        return _module_from_text(qualified, _run(command, source))


def _module_from_text(qualified: str, text: str) -> types.ModuleType:
    """A module made in memory, where the cache cannot be written."""
    import builtins
    import types

    module = types.ModuleType(qualified)
    module.__file__ = "<ramp>"
    sys.modules[qualified] = module
    exec(builtins.compile(text, qualified, "exec"), module.__dict__)
    return module


class Schedule:
    """A schedule to step by hand: ``lr``, ``step(metric)``, ``finished``, state.

    It is the compiled module's ``Schedule``; in Jupyter it shows its chart.
    """

    def __init__(self, program: Union[Program, _Input], base: Optional[float] = None):
        self._input = _input(program)
        self._base = base
        self.module = compile(program, base=base)
        self._schedule = self.module.Schedule()

    @property
    def lr(self) -> float:
        return self._schedule.lr

    @property
    def momentum(self) -> Optional[float]:
        return self._schedule.momentum

    @property
    def finished(self) -> bool:
        return self._schedule.finished

    @property
    def t(self) -> int:
        return self._schedule.t

    def step(self, metric: Optional[float] = None) -> float:
        """Ends the current step, observing its metric; returns the next rate."""
        return self._schedule.step(metric)

    def state_dict(self) -> dict:
        return self._schedule.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self._schedule.load_state_dict(state)

    def __reduce__(self) -> Any:
        # The module is found again through the cache; only the program and the state travel.
        return (_restore_schedule, (self._input, self._base, self.state_dict()))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_schedule", "_input", "_base", "module"):
            raise AttributeError(name)
        return getattr(self._schedule, name)

    def table(self, steps: int, metrics: Optional[Iterable[Optional[float]]] = None, output: str = "lr"):
        return table(self, steps, metrics=metrics, output=output, base=self._base)

    def explain(self) -> str:
        return explain(self, base=self._base)

    def plot(self, **options: Any) -> "Chart":
        options.setdefault("base", self._base)
        return plot(self, **options)

    def _repr_svg_(self) -> str:
        return self.plot().svg

    def __repr__(self) -> str:
        shown = self._input.args[-1]
        return f"ramp.Schedule({shown!r}, t={self.t}, lr={self.lr!r})"


def _restore_schedule(source: _Input, base: Optional[float], state: dict) -> Schedule:
    schedule = Schedule(source, base=base)
    schedule.load_state_dict(state)
    return schedule


def torch_scheduler(optimizer: Any, program: Program, **options: Any) -> Any:
    """A torch ``LRScheduler`` for OPTIMIZER; each group's ``lr`` is its base."""
    return compile(program).torch_scheduler(optimizer, **options)


def hf_callback(scheduler: Any, metric: Optional[str] = None) -> Any:
    """The Hugging Face Trainer callback for a scheduler from ``torch_scheduler``."""
    return sys.modules[type(scheduler).__module__].hf_callback(scheduler, metric=metric)


def lightning_config(module: Any, optimizer: Any, program: Program, interval: str = "step",
                     monitor: str = "val_loss", **options: Any) -> Any:
    """The ``configure_optimizers`` dict for Lightning, with the callback it needs."""
    return compile(program).lightning_config(module, optimizer, interval=interval, monitor=monitor, **options)


def keras_callback(program: Program, monitor: str = "val_loss", base: Optional[float] = None,
                   signal_file: Any = None, signal_every: int = 10) -> Any:
    """A Keras callback that sets the optimizer's learning rate each batch; signal_file raises a signal when a file appears."""
    return compile(program).keras_callback(monitor=monitor, base=base, signal_file=signal_file, signal_every=signal_every)


def _metric_file(metrics: Optional[Iterable[Optional[float]]]):
    """METRICS as the file the CLI reads (one per line, empty for none), or None."""
    if metrics is None:
        return None
    import tempfile

    f = tempfile.NamedTemporaryFile("w", suffix=".metrics", delete=False)
    with f:
        for m in metrics:
            f.write("" if m is None else repr(float(m)))
            f.write("\n")
    return f.name


def table(program: Program, steps: int, metrics: Optional[Iterable[Optional[float]]] = None,
          output: str = "lr", base: Optional[float] = None):
    """The value of OUTPUT at each step, as ``ramp table`` computes it, bit for bit.

    A numpy array when numpy is installed, else a list. METRICS[i] is observed
    at the end of step i (None for a step without one).
    """
    import json

    source = _input(program)
    path = _metric_file(metrics)
    notes: List[str] = []
    try:
        args = ["table", "--steps", str(int(steps)), "--format", "json", *_base_args(base), *source.args]
        if path:
            args += ["--metrics", path]
        rows = json.loads(_run(args, source, notes))
    finally:
        if path:
            os.unlink(path)
    if len(rows) < int(steps):
        import warnings

        # A table shorter than asked for is never silent: the compiler's note says where the schedule ended.
        said = " ".join(note[len("note: "):] for note in notes) or f"the schedule finished at step {len(rows)}"
        warnings.warn(f"ramp.table: {said}", RuntimeWarning, stacklevel=2)
    if rows and output not in rows[0]:
        raise KeyError(f"the program has no output {output!r}; it has {', '.join(k for k in rows[0] if k != 'step')}")
    values = [_number(row[output]) for row in rows]
    try:
        import numpy
    except ImportError:
        return values
    return numpy.array(values, dtype=numpy.float64)


def _number(x: Any) -> float:
    return float(x)  # a number, or "inf", "-inf" or "nan", which float reads too


class Chart:
    """An SVG chart of one or more schedules; Jupyter shows it. ``notes`` are the CLI's (a schedule that finished early)."""

    def __init__(self, svg: str, notes: Sequence[str] = ()):
        self.svg, self.notes = svg, list(notes)

    def __repr__(self) -> str:
        return f"<ramp.Chart: {len(self.svg)} bytes of SVG>"

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.svg)


def plot(*programs: Program, steps: Optional[int] = None, metrics: Optional[Iterable[Optional[float]]] = None,
         log_y: bool = False, x: str = "steps", width: Optional[int] = None, height: Optional[int] = None,
         base: Optional[float] = None) -> Chart:
    """Overlays the schedules in one chart, with their phase boundaries."""
    if not programs:
        raise TypeError("plot() needs at least one program")
    args = ["plot", "--out", "-", "--x", x]
    inputs = [_input(p) for p in programs]
    for one in inputs:
        args += one.args
    for name, value in (("--steps", steps), ("--width", width), ("--height", height)):
        if value is not None:
            args += [name, str(int(value))]
    if base is not None:
        args += ["--base", repr(float(base))]
    if log_y:
        args.append("--log-y")
    path = _metric_file(metrics)
    try:
        if path:
            args += ["--metrics", path]
        done = _binary.run(args)
    finally:
        if path:
            os.unlink(path)
    if done.returncode != 0:
        for one in inputs:  # name the program that failed, with its diagnostics
            check(one)
        raise RampError(done.stderr.strip())
    return Chart(done.stdout, [line for line in done.stderr.splitlines() if line])


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext ramp``: adds the ``%%ramp`` cell magic."""
    from ramp._notebook import register

    register(ipython)


def _release() -> str:
    """Ramp's version: the wheel's, or the compiler's own when not built as one."""
    return globals().get("__version__") or _versions()[0]


def _versions() -> Tuple[str, int]:
    import json

    version = _binary.run(["--version"]).stdout.strip()
    ir = json.loads(_binary.run(["compile", "-e", "constant(1)", "--to", "json"]).stdout)["ramp_ir"]
    return version, int(ir)


def __getattr__(name: str) -> Any:
    # The range test is imported when first used, so `import ramp` stays light.
    if name in ("lr_find", "RangeTestResult"):
        from ramp import _range_test

        return getattr(_range_test, name)
    # So are the loss-curve laws.
    if name in ("fit_law", "predict_loss", "Law"):
        from ramp import _laws

        return getattr(_laws, name)
    # Outside a wheel, __version__ and IR_VERSION come from the compiler, on first use.
    if name in ("__version__", "IR_VERSION"):
        version, ir = _versions()
        globals().update(__version__=version, IR_VERSION=ir)
        return globals()[name]
    raise AttributeError(f"module 'ramp' has no attribute {name!r}")


def _saved_keras_schedule(config: dict) -> Any:
    """What a compiled Keras module calls for a saved model whose schedule it does not hold."""
    return _keras.saved_schedule(config)


# A saved Keras model whose schedule Ramp compiled reloads after `import ramp` alone.
_keras.watch()
