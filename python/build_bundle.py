"""Stages the compiler a wheel carries: `python build_bundle.py --out DIR`.

Builds the release binary with --static-swift-stdlib (so the Swift runtime
and Foundation are inside it) and an rpath of $ORIGIN/lib, strips it, and
copies beside it the resources it reads (Ramp_Ramp.resources) and every
shared library it loads that is not part of the manylinux baseline (libedit
for the REPL, and what libedit needs), so the wheel runs where none of them
is installed.

Foundation brings ICU, and with it 34 MB of locale data that Ramp never
reads: it reads and writes UTF-8 and formats its own numbers. The binary is
linked with a trimmed copy of that data (icu_data.py), which keeps the
wheel under 12 MB.
"""

import argparse
import json
import os
import shutil
import subprocess

from icu_data import trimmed_data_object

# Libraries every manylinux system provides, which a wheel must not carry.
BASELINE = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libpthread.so.0", "libdl.so.2",
            "librt.so.1", "libutil.so.1", "linux-vdso.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}


def shared_libraries(binary):
    """(name, path) of each library the dynamic loader resolves for BINARY."""
    out = subprocess.run(["ldd", binary], check=True, capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            found.append((parts[0], parts[2]))
    return found


def static_library_dir():
    """The toolchain's folder of static libraries (lib_FoundationICU.a among them)."""
    info = json.loads(subprocess.run(["swift", "-print-target-info"], check=True, capture_output=True,
                                     text=True).stdout)
    resources = info["paths"]["runtimeResourcePath"]
    return os.path.join(os.path.dirname(resources), "swift_static", "linux")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    scratch = os.path.join(args.root, ".build", "static")
    flags = ["-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/lib",
             # DT_RPATH, not RUNPATH: it also finds what libedit itself needs.
             "-Xlinker", "--disable-new-dtags",
             # As the Makefile builds it: toml++'s asserts off, so that its error path answers.
             "-Xcxx", "-DTOML_ASSERT(expr)=static_cast<void>(0)",
             # A position-dependent executable exporting nothing needs no dynamic relocations or symbol
             # table for its own code: 2.5 MB less, 0.5 MB of it in the wheel.
             "-Xswiftc", "-Xclang-linker", "-Xswiftc", "-no-pie", "-Xlinker", "--no-export-dynamic"]
    icu = trimmed_data_object(static_library_dir(), os.path.join(scratch, "icu-data"))
    if icu:
        symbol, obj = icu
        # The trimmed data answers ICU's reference to its packaged data, so the archive's copy is never linked.
        flags += ["-Xlinker", "--defsym", "-Xlinker", f"{symbol}=ramp_icu_data", "-Xlinker", obj]
    subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--scratch-path", scratch,
                    "--package-path", args.root] + flags, check=True)
    built = os.path.join(scratch, "release")
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(os.path.join(args.out, "lib"))
    binary = os.path.join(args.out, "ramp")
    shutil.copy2(os.path.join(built, "ramp"), binary)
    subprocess.run(["strip", binary], check=True)
    shutil.copytree(os.path.join(built, "Ramp_Ramp.resources"), os.path.join(args.out, "Ramp_Ramp.resources"))
    for name, path in shared_libraries(binary):
        if name not in BASELINE:
            shutil.copy2(os.path.realpath(path), os.path.join(args.out, "lib", name))
    print(f"staged {args.out}: {sorted(os.listdir(os.path.join(args.out, 'lib')))}")


if __name__ == "__main__":
    main()
