"""Builds the wheel: the `ramp` package plus the compiler it drives.

The compiler comes from RAMP_BUNDLE, a folder `make wheel` stages (the
release binary built with --static-swift-stdlib, its resources, and the
shared libraries it loads that a Linux machine may lack). Without it, the
Swift package one folder up is built here, which needs the Swift toolchain.
"""

import functools
import os
import platform
import re
import shutil
import subprocess
import sys

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STAGE = os.path.join(HERE, "build_bundle.py")


def version():
    """Ramp's version, from the one place it is written (RampRelease)."""
    with open(os.path.join(ROOT, "Sources", "Ramp", "Version.swift"), encoding="utf-8") as f:
        return re.search(r'version = "([^"]+)"', f.read()).group(1)


@functools.lru_cache(maxsize=None)
def bundle():
    """The staged compiler folder, building it from source (once) when none is given."""
    given = os.environ.get("RAMP_BUNDLE")
    if given:
        if not os.path.isfile(os.path.join(given, "ramp")):
            sys.exit(f"error: RAMP_BUNDLE={given} has no `ramp` binary; run `make wheel`")
        return given
    if not os.path.isfile(os.path.join(ROOT, "Package.swift")):
        sys.exit("error: building Ramp from source needs the Swift package (Package.swift) beside python/; "
                 "install a built wheel instead (`make wheel` writes one to .build/wheel/dist)")
    if shutil.which("swift") is None:
        sys.exit("error: building Ramp from source needs the Swift toolchain (swift 6.0 or later, "
                 "https://www.swift.org/install) and libedit-dev; it was not found on PATH. "
                 "Install it, or install a built wheel (`make wheel` writes one to .build/wheel/dist)")
    out = os.path.join(ROOT, ".build", "wheel", "bundle")
    subprocess.run([sys.executable, STAGE, "--root", ROOT, "--out", out], check=True)
    return out


class BuildWithCompiler(build_py):
    """Copies the compiler into the package as ramp/_bin, and writes _runtime.py and _version.py."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "ramp")
        bin_dir = os.path.join(target, "_bin")
        shutil.rmtree(bin_dir, ignore_errors=True)
        shutil.copytree(bundle(), bin_dir, symlinks=False)
        # The runtime compiled modules import (the tree's parts, the state codec, the trainer adapters),
        # written by the compiler from the files it copies into a --standalone module.
        runtime = subprocess.run([os.path.join(bin_dir, "ramp"), "list", "--python-runtime"],
                                 check=True, capture_output=True, text=True).stdout
        with open(os.path.join(target, "_runtime.py"), "w", encoding="utf-8") as f:
            f.write(runtime)
        ir = subprocess.run([os.path.join(bin_dir, "ramp"), "compile", "-e", "constant(1)", "--to", "json"],
                            check=True, capture_output=True, text=True).stdout
        ir_version = int(re.search(r'"ramp_ir"\s*:\s*(\d+)', ir).group(1))
        with open(os.path.join(target, "_version.py"), "w", encoding="utf-8") as f:
            f.write(f'"""Written when the wheel was built."""\n\nVERSION = "{version()}"\nIR_VERSION = {ir_version}\n')


def glibc_needed(folder):
    """The newest glibc symbol version the ELF files under FOLDER ask for, as (major, minor)."""
    newest = (2, 17)
    for base, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                if f.read(4) != b"\x7fELF":
                    continue
            symbols = subprocess.run(["objdump", "-T", path], check=True, capture_output=True, text=True).stdout
            for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", symbols):
                newest = max(newest, (int(major), int(minor)))
    return newest


def platform_tag(folder):
    """manylinux for the newest glibc the compiler and its libraries need, not the build machine's:
    a wheel built on a newer system still installs wherever its binaries run."""
    libc, ver = platform.libc_ver()
    machine = platform.machine()
    if libc != "glibc" or not ver:
        return f"linux_{machine}"
    major, minor = glibc_needed(folder)
    return f"manylinux_{major}_{minor}_{machine}"


class PlatformWheel(bdist_wheel):
    """One wheel for every Python 3: the binary does not use Python's ABI."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        return "py3", "none", platform_tag(bundle())


class BinaryDistribution(Distribution):
    """A distribution with a compiled binary: the package goes in platlib, where tools such as
    auditwheel look for binaries, not in purelib."""

    def has_ext_modules(self):
        return True


setup(version=version(), distclass=BinaryDistribution,
      cmdclass={"build_py": BuildWithCompiler, "bdist_wheel": PlatformWheel},
      package_data={"ramp": ["py.typed"]})
