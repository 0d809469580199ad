"""Modules compiled from Ramp programs, imported from the cache by name.

`ramp.compile` writes each module to the cache as `m_<key>.py` and imports
it as `ramp.compiled.m_<key>`. The package's path is the cache folder, so a
pickled scheduler's class is found again in another process, and Python
keeps each module's bytecode like any other.
"""

from ramp._cache import directory as _directory

__path__ = [_directory()]
