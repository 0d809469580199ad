"""Saved Keras models whose schedule Ramp compiled reload after ``import ramp``.

A module from ``ramp compile --to keras`` (or ``ramp.compile(..., target="keras")``)
saves its schedule as ``ramp>Schedule``, with the program's source in the config.
This package registers that name as soon as Keras is imported, before or after
``import ramp``, and rebuilds the schedule by compiling the source again, so a
fresh process needs neither the module nor ``custom_objects``. Keras itself is
never imported from here.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional


def saved_schedule(config: dict) -> Any:
    """The schedule a saved model's config names: its module's class when that
    module is imported, else the program compiled again from the config's source."""
    import keras

    from ramp import _Input, compile

    base = config.get("base")
    found = keras.saving.get_registered_object("ramp>" + str(config.get("schedule")))
    if found is not None:
        return found(base=base)
    program = config.get("program")
    if not isinstance(program, str):
        raise ValueError("this model's schedule was saved without its Ramp program (an older `--to keras` module): "
                         f"import the module that was compiled for it ({config.get('schedule')})")
    module = compile(_Input(("-e", program), "source\0" + program), base=base, target="keras")
    return module.Schedule(base=base)


def _register(keras: Any) -> None:
    """Registers ``ramp>Schedule``, unless a compiled module already has: its class dispatches the same way."""
    if keras.saving.get_registered_object("ramp>Schedule") is not None:
        return

    class SavedSchedule:
        """Stands for ``ramp>Schedule`` until a compiled module registers it: from_config builds the real one."""

        @classmethod
        def from_config(cls, config: dict) -> Any:
            return saved_schedule(config)

        def get_config(self) -> dict:
            return {}

    keras.saving.register_keras_serializable(package="ramp", name="Schedule")(SavedSchedule)


class _KerasImported:
    """A one-shot import hook: when ``keras`` is first imported, registers after it has loaded."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "keras":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        load = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            load(module)
            _register(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def watch() -> None:
    """Registers now when Keras is loaded, or when it is."""
    keras: Optional[Any] = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "saving"):
        _register(keras)
    elif not any(isinstance(f, _KerasImported) for f in sys.meta_path):
        sys.meta_path.insert(0, _KerasImported())
