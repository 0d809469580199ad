"""Where compiled modules are kept, keyed by their text and Ramp's version."""

from __future__ import annotations

import os


def directory() -> str:
    """$RAMP_CACHE_DIR, else $XDG_CACHE_HOME/ramp, else ~/.cache/ramp."""
    given = os.environ.get("RAMP_CACHE_DIR")
    if given:
        return given
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ramp")


def key(version: str, *parts: str) -> str:
    """A name for what the parts compile to under this version of Ramp."""
    import hashlib

    h = hashlib.sha256(version.encode())
    for part in parts:
        h.update(b"\0" + part.encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def write(name: str, text: str) -> bool:
    """Stores TEXT as NAME.py atomically; False when the cache cannot be written."""
    import tempfile

    folder = directory()
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, os.path.join(folder, name + ".py"))
        return True
    except OSError:
        return False


def has(name: str) -> bool:
    return os.path.isfile(os.path.join(directory(), name + ".py"))
