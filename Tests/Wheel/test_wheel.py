"""The wheel `make wheel` builds, installed in a fresh virtual environment.

Nothing may come from the checkout: the environment is outside the source
tree, the commands run from a temporary folder, and the build output the
binary was made from is moved away while they run.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHEEL_DIR = os.environ.get("RAMP_WHEEL_DIR")
PROGRAM = "warmup 5 then cosine(T=50, min=0.001) then constant(0.001) for 10"
VERSION = re.search(r'version = "([^"]+)"', open(os.path.join(ROOT, "Sources/Ramp/Version.swift")).read()).group(1)


def wheel():
    if not WHEEL_DIR:
        pytest.skip("RAMP_WHEEL_DIR is not set: `make test` builds the wheel (make wheel) and sets it")
    found = [f for f in os.listdir(WHEEL_DIR) if f.endswith(".whl")]
    assert len(found) == 1, found
    return os.path.join(WHEEL_DIR, found[0])


def test_auditwheel_names_a_manylinux_policy_no_newer_than_ubuntu_22_04():
    path = wheel()
    if importlib.util.find_spec("auditwheel") is None:
        pytest.skip("auditwheel is not installed: `make test` installs it from PyPI")
    shown = subprocess.run([sys.executable, "-m", "auditwheel", "show", path], capture_output=True, text=True,
                           timeout=300)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    policy = re.search(r'platform tag:\s*"manylinux_(\d+)_(\d+)_\w+"', shown.stdout)
    assert policy, shown.stdout
    assert (int(policy[1]), int(policy[2])) <= (2, 35), shown.stdout
    # The wheel claims no more than auditwheel finds: its tag is that policy or an older one.
    tag = re.search(r"manylinux_(\d+)_(\d+)_", os.path.basename(path))
    assert tag and (int(tag[1]), int(tag[2])) >= (int(policy[1]), int(policy[2])) >= (2, 17), os.path.basename(path)
    assert (int(tag[1]), int(tag[2])) <= (2, 35), os.path.basename(path)


def make_venv(path, system_site_packages=False):
    args = [sys.executable, "-m", "venv", path]
    if system_site_packages:
        args.insert(3, "--system-site-packages")
    subprocess.run(args, check=True, timeout=300)
    return os.path.join(path, "bin")


def clean_env(tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAMP") and k != "PYTHONPATH"}
    env["RAMP_CACHE_DIR"] = os.path.join(tmp, "cache")
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder, env, tmp) of a fresh venv with the wheel, the build output moved away."""
    path = wheel()
    tmp = str(tmp_path_factory.mktemp("wheel"))
    assert not tmp.startswith(ROOT)
    bin_dir = make_venv(os.path.join(tmp, "venv"))
    subprocess.run([os.path.join(bin_dir, "python"), "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--disable-pip-version-check", path], check=True, timeout=300)
    moved = []
    for folder in (".build/static", ".build/wheel/bundle"):
        src = os.path.join(ROOT, folder)
        if os.path.exists(src):
            os.rename(src, src + ".moved")
            moved.append(src)
    try:
        yield bin_dir, clean_env(tmp), tmp
    finally:
        for src in moved:
            os.rename(src + ".moved", src)


def run(installed, *args, stdin=None):
    bin_dir, env, tmp = installed
    done = subprocess.run(list(args), cwd=tmp, env=env, capture_output=True, text=True, input=stdin, timeout=120)
    return done


def python(installed, code):
    bin_dir = installed[0]
    done = run(installed, os.path.join(bin_dir, "python"), "-c", textwrap.dedent(code))
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_table_shorter_than_asked_for_warns_where_the_schedule_ended(installed):
    got = python(installed, f"""
        import warnings, ramp
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rows = ramp.table({PROGRAM!r}, 70)
            full = ramp.table({PROGRAM!r}, 65)
        print(len(rows), len(full))
        for w in caught:
            print(w.category.__name__, w.message)
        """)
    assert got == ("65 65\nRuntimeWarning ramp.table: the schedule finished at step 65; "
                   "5 of the requested 70 steps were not printed\n")


def test_wheel_is_at_most_12_mb():
    # The binary links a trimmed copy of ICU's data (python/icu_data.py); the full package made it 25 MB.
    size = os.path.getsize(wheel())
    assert size <= 12_000_000, f"the wheel is {size:,} bytes"


def test_binary_answers_as_the_full_build_on_every_config_and_program(installed):
    """The wheel's binary, with ICU's data trimmed, prints what the checkout's build, with all of it,
    prints: for each config format's fixtures and seeds (YAML goes through Yams' regular expressions),
    and for the samples, checked, tabled, explained and compiled."""
    if not os.environ.get("RAMP"):
        pytest.skip("RAMP (the checkout's build) is not set: `make test` sets it")
    configs = [os.path.join(base, name) for folder in ("Tests/RampTests/Fixtures/Import", "Fuzz/Seeds",
                                                       "Fuzz/Regressions")
               for base, _, names in os.walk(os.path.join(ROOT, folder)) for name in sorted(names)
               if name.rsplit(".", 1)[-1] in ("yaml", "json", "toml", "py", "args")]
    samples = sorted(os.path.join(ROOT, "samples", n) for n in os.listdir(os.path.join(ROOT, "samples"))
                     if n.endswith(".ramp"))
    commands = [["import", c] for c in configs] + [["table", c, "--steps", "40"] for c in configs]
    commands += [[verb, p] + extra for p in samples for verb, extra in
                 (("check", []), ("table", ["--steps", "300"]), ("explain", []), ("compile", ["--to", "json"]),
                  ("compile", ["--to", "python", "--standalone"]), ("plot", ["--steps", "200"]))]
    assert len(configs) >= 20 and len(samples) >= 5, (configs, samples)
    wheel_ramp = os.path.join(installed[0], "ramp")
    for args in commands:
        got = run(installed, wheel_ramp, *args)
        mine = subprocess.run([os.environ["RAMP"]] + args, cwd=installed[2], capture_output=True, text=True,
                              timeout=120)
        assert (got.returncode, got.stdout, got.stderr) == (mine.returncode, mine.stdout, mine.stderr), args


def test_version_is_ramps(installed):
    done = run(installed, os.path.join(installed[0], "ramp"), "--version")
    assert (done.returncode, done.stdout) == (0, VERSION + "\n")
    assert python(installed, "import ramp; print(ramp.__version__, ramp.IR_VERSION)") == f"{VERSION} 3\n"


def test_binary_loads_only_bundled_libraries(installed):
    binary = python(installed, "import ramp._binary as b; print(b.path())").strip()
    assert binary.startswith(installed[2])
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libedit = [line for line in ldd.splitlines() if "libedit" in line]
    assert len(libedit) == 1 and os.path.dirname(binary) + "/lib/libedit.so.2" in libedit[0], ldd
    assert "libswift" not in ldd and "libFoundation" not in ldd, ldd


def test_table_matches_the_cli_bit_for_bit(installed):
    cli = run(installed, os.path.join(installed[0], "ramp"), "table", "-e", PROGRAM, "--steps", "70")
    assert cli.returncode == 0, cli.stderr
    rows = [line.split(",") for line in cli.stdout.splitlines()[1:]]
    expected = [float(lr).hex() for _, lr in rows]
    assert len(expected) == 65  # the schedule finishes after 65 steps
    got = python(installed, f"""
        import json, ramp
        print(json.dumps([float(x).hex() for x in ramp.table({PROGRAM!r}, 70)]))
        s = ramp.Schedule({PROGRAM!r})
        stepped = [s.lr] + [s.step() for _ in range(64)]
        print(json.dumps([x.hex() for x in stepped]))
        """).splitlines()
    assert json.loads(got[0]) == expected
    assert json.loads(got[1]) == expected
    # the checkout's own debug build computes the same doubles
    if os.environ.get("RAMP"):
        mine = subprocess.run([os.environ["RAMP"], "table", "-e", PROGRAM, "--steps", "70"],
                              capture_output=True, text=True, check=True).stdout
        assert mine == cli.stdout


def test_error_raises_ramp_error_with_place(installed):
    out = python(installed, """
        import ramp
        try:
            ramp.check("let peak = 0.1\\nwarmup 5 then cosine(T=0, from=peak)")
        except ramp.RampError as e:
            d = e.diagnostics[0]
            print(d.line, d.column, d.code, d.file)
            print(str(e))
        """)
    assert out == textwrap.dedent("""\
        2 24 R0307 <expression>
        <expression>:2:24: error[R0307]: argument 'T' of 'cosine' must be at least 1, got 0
        warmup 5 then cosine(T=0, from=peak)
                               ^
        """)
    cli = run(installed, os.path.join(installed[0], "ramp"), "check", "-e", "let peak = 0.1\nwarmup 5 then cosine(T=0, from=peak)")
    assert cli.returncode == 1 and cli.stderr == out.split("\n", 1)[1]
    # an error that exists only at the base asked for is found at that base
    at_base = python(installed, """
        import ramp
        try:
            ramp.table("warmup 5 then linear(T=20, from=base, to=0.12 - base)", 30, base=0.2)
        except ramp.RampError as e:
            print([(d.line, d.column, d.code) for d in e.diagnostics])
        """)
    assert at_base == "[(1, 15, 'R0508')]\n"


def test_repr_svg_is_svg_with_phase_boundaries(installed):
    svg = python(installed, f"import ramp; print(ramp.Schedule({PROGRAM!r})._repr_svg_(), end='')")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    markers = [e for e in root.iter() if "marker phase" in e.get("class", "")]
    assert len(markers) == 2  # where the cosine and the constant begin
    overlay = python(installed, "import ramp; c = ramp.plot('cosine(T=20)', 'linear(T=20, from=1, to=0)'); print(c._repr_svg_(), end='')")
    assert overlay.count('class="legend"') == 2
    if shutil.which("rsvg-convert"):
        png = subprocess.run(["rsvg-convert"], input=svg.encode(), capture_output=True, check=True).stdout
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_import_starts_nothing(installed):
    out = python(installed, """
        import subprocess, sys, time
        def refuse(*a, **k):
            raise AssertionError("import ramp ran a process")
        subprocess.Popen.__init__ = refuse
        t = time.perf_counter()
        import ramp
        elapsed = time.perf_counter() - t
        print(sorted(m for m in ("torch", "numpy", "jax", "keras", "IPython") if m in sys.modules))
        print(ramp.__version__)
        """)
    assert out == f"[]\n{VERSION}\n"


def test_compile_is_cached_and_pickles(installed):
    out = python(installed, """
        import os, pickle, ramp
        m = ramp.compile("warmup 3 then linear(T=5, from=1, to=0)")
        assert ramp.compile("warmup 3 then linear(T=5, from=1, to=0)") is m
        print(m.__name__.startswith("ramp.compiled.m_"), os.path.dirname(m.__file__) == os.environ["RAMP_CACHE_DIR"])
        s = m.Schedule(); s.step(); s.step()
        w = ramp.Schedule("warmup 3 then linear(T=5, from=1, to=0)"); w.step()
        print(pickle.loads(pickle.dumps(s)).lr == s.lr and pickle.loads(pickle.dumps(w)).t == 1)
        print(m.__name__.split(".")[-1] + ".py" in os.listdir(os.environ["RAMP_CACHE_DIR"]))
        with open("schedule.pickle", "wb") as f:
            pickle.dump(s, f)
        """)
    assert out == "True True\nTrue\nTrue\n"
    # a second process finds the module in the cache, and a pickle made by the first loads there
    again = python(installed, """
        import ramp, subprocess
        def refuse(*a, **k):
            raise AssertionError("compiled again")
        import pickle
        subprocess.Popen.__init__ = refuse
        with open("schedule.pickle", "rb") as f:
            s = pickle.load(f)
        print(s.t, s.lr)
        m = ramp.compile("warmup 3 then linear(T=5, from=1, to=0)")
        print(m.Schedule().step(), type(s) is m.Schedule)
        """)
    assert again == "2 0.6666666666666666\n0.3333333333333333 True\n"


def test_repl_runs_from_the_wheel(installed):
    done = run(installed, os.path.join(installed[0], "ramp"), "repl", stdin="warmup 2 then cosine(T=4)\n:table 0..3\n")
    assert done.returncode == 0, done.stderr
    assert "0.5" in done.stdout
    assert done.stdout.endswith("step,lr\n0,0.0\n1,0.5\n2,1.0\n3,0.8535533905932737\n")
    # A piped session with a refused input exits 1, having run every line.
    refused = run(installed, os.path.join(installed[0], "ramp"), "repl", stdin="warmup 2 then cosine(T=4)\n:table 3\n")
    assert refused.returncode == 1
    assert refused.stdout.endswith("error: '3' is not a range such as 0..100\n")


@pytest.fixture(scope="module")
def beside_frameworks(tmp_path_factory):
    """The wheel installed in a folder on PYTHONPATH, so this Python's own packages
    (IPython, torch, nbconvert) are beside it; `python` there is this Python."""
    tmp = str(tmp_path_factory.mktemp("site"))
    site = os.path.join(tmp, "site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--target", site,
                    "--disable-pip-version-check", wheel()], check=True, timeout=300)
    bin_dir = os.path.join(tmp, "bin")
    os.makedirs(bin_dir)
    wrapper = os.path.join(bin_dir, "python")  # not a symlink, which would lose a virtual environment
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    os.chmod(wrapper, 0o755)
    env = clean_env(tmp)
    env["PYTHONPATH"] = site
    return bin_dir, env, tmp


def needs(installed, module):
    done = run(installed, os.path.join(installed[0], "python"), "-c", f"import {module}")
    if done.returncode != 0:
        pytest.skip(f"{module} is not installed (make integration installs it)")


def test_cell_magic_shows_chart_and_explanation(beside_frameworks):
    needs(beside_frameworks, "IPython")
    out = python(beside_frameworks, """
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "ramp")
        with capture_output() as cell:
            shell.run_cell_magic("ramp", "--steps 30 --name s", "warmup 5 then cosine(T=20)")
        print(cell.outputs[0].data["image/svg+xml"].startswith("<svg"), "marker phase" in cell.outputs[0].data["image/svg+xml"])
        import ramp, subprocess
        print(cell.stdout == subprocess.run([ramp._binary.path(), "explain", "-e", "warmup 5 then cosine(T=20)"],
                                            capture_output=True, text=True).stdout, "phase 2: steps 5-24" in cell.stdout)
        print(shell.user_ns["s"])
        with capture_output() as bad:
            shell.run_cell_magic("ramp", "", "warmup 5 then cosine(T=0)")
        print(len(bad.outputs), bad.stderr, end="")
        """)
    assert out == textwrap.dedent("""\
        True True
        True True
        ramp.Schedule('warmup 5 then cosine(T=20)', t=0, lr=0.0)
        0 <expression>:1:24: error[R0307]: argument 'T' of 'cosine' must be at least 1, got 0
        warmup 5 then cosine(T=0)
                               ^
        """)


def test_notebook_executes_with_chart(beside_frameworks):
    needs(beside_frameworks, "nbconvert")
    needs(beside_frameworks, "ipykernel")
    bin_dir, env, tmp = beside_frameworks
    notebook = os.path.join(tmp, "schedule.ipynb")
    shutil.copy(os.path.join(ROOT, "Tests", "Wheel", "schedule.ipynb"), notebook)
    done = run(beside_frameworks, os.path.join(bin_dir, "python"), "-m", "jupyter", "nbconvert", "--to", "notebook",
               "--execute", "--output", "executed.ipynb", notebook)
    assert done.returncode == 0, done.stderr
    cells = json.load(open(os.path.join(tmp, "executed.ipynb")))["cells"]
    svgs = [o["data"]["image/svg+xml"] for c in cells for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 3  # a Schedule, ramp.plot of two, and the %%ramp cell
    for svg in svgs:
        assert ET.fromstring("".join(svg)).tag == "{http://www.w3.org/2000/svg}svg"


def test_readme_example_trains(beside_frameworks):
    needs(beside_frameworks, "torch")
    readme = open(os.path.join(ROOT, "README.md")).read()
    first = re.search(r"```python\n(.*?)```", readme, re.S)
    assert "<!-- readme-example:" in readme[:first.start()] and "pip install .build/wheel/dist/" in readme[:first.start()]
    out = python(beside_frameworks, textwrap.dedent("""
        import torch
        torch.manual_seed(0)
        model = torch.nn.Linear(4, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loader = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(100)]
        rates = []
        # the rate each step trains with
        optimizer.register_step_pre_hook(lambda opt, args, kwargs: rates.append(opt.param_groups[0]["lr"]))
        """) + first.group(1) + textwrap.dedent("""
        table = [float(x).hex() for x in ramp.table("warmup 5 then cosine(T=95)", 100, base=0.1)]
        print(len(rates), [r.hex() for r in rates] == table, scheduler.finished)
        """))
    assert out == "100 True True\n"


def test_trainer_adapters_come_from_the_compiled_module(beside_frameworks):
    needs(beside_frameworks, "transformers")
    needs(beside_frameworks, "jax")
    out = python(beside_frameworks, """
        import os
        os.environ["KERAS_BACKEND"] = "jax"
        import jax, torch, ramp
        jax.config.update("jax_enable_x64", True)
        opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
        s = ramp.torch_scheduler(opt, "warmup 2 then cosine(T=5)")
        print(type(s).__module__ == ramp.compile("warmup 2 then cosine(T=5)").__name__, type(ramp.hf_callback(s)).__name__)
        print(type(ramp.keras_callback("warmup 2 then cosine(T=5)")).__name__)
        j = ramp.compile("warmup 2 then cosine(T=5)", target="jax")
        print([float(j.schedule(i)).hex() for i in range(7)] == [float(x).hex() for x in ramp.table("warmup 2 then cosine(T=5)", 7)])
        """)
    assert out == "True RampCallback\nRampKerasCallback\nTrue\n"


def test_source_build_is_refused_without_swift(tmp_path):
    bin_dir = make_venv(str(tmp_path / "venv"))
    env = {"PATH": bin_dir + ":/usr/bin:/bin", "HOME": str(tmp_path), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    assert subprocess.run(["sh", "-c", "command -v swift"], env=env, capture_output=True).returncode != 0
    done = subprocess.run([os.path.join(bin_dir, "python"), "-m", "pip", "install", "--no-deps", os.path.join(ROOT, "python")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    assert "building Ramp from source needs the Swift toolchain" in done.stdout + done.stderr
