"""ramp.fit_law and ramp.predict_loss against the CLI, on the shared 25M loss curves (Tests/LossCurves).

They run the compiler in $RAMP_BINARY (`make python-check` builds it and sets it), else .build/debug/ramp.
"""

import json
import os
import pathlib
import subprocess
import sys
import warnings

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
BINARY = os.environ.get("RAMP_BINARY") or os.environ.get("RAMP") or os.path.join(ROOT, ".build", "debug", "ramp")
os.environ["RAMP_BINARY"] = BINARY

import ramp  # noqa: E402

CURVES = os.path.join(ROOT, "Tests", "LossCurves")
TRAIN = ["cosine_24000", "constant_24000", "wsdcon_9"]
# The paper's published 25M parameters (src/config.py of its repository, as the curves' README lists them).
PUBLISHED = {"L0": 3.04045406, "A": 0.52468604, "alpha": 0.50786857, "B": 363.78751622, "C": 2.06560812,
             "beta": 0.58279013, "gamma": 0.64142257}


def program(name):
    return os.path.join(CURVES, "programs", name + ".ramp")


def log(name):
    return os.path.join(CURVES, "csv_25", name + ".csv")


def read_log(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    step, loss = header.index("step"), header.index("loss")
    return [int(r[step]) for r in rows], [float(r[loss]) for r in rows]


def ramp_cli(*args):
    assert os.path.isfile(BINARY), f"no compiler at {BINARY}: build it (swift build) or set RAMP_BINARY"
    return subprocess.run([BINARY, *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def cli_law(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "law.json"
    done = ramp_cli("law", "fit", *[program(n) + ":" + log(n) for n in TRAIN], "-o", str(out))
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text()), done.stdout


@pytest.fixture(scope="module")
def python_law():
    # The three ways to give a run: a program path and a CSV, a pathlib.Path, and source with steps and losses.
    steps, losses = read_log(log("wsdcon_9"))
    with open(program("wsdcon_9")) as f:
        source = f.read()
    return ramp.fit_law([(program("cosine_24000"), log("cosine_24000")),
                         (pathlib.Path(program("constant_24000")), pathlib.Path(log("constant_24000"))),
                         (source, steps, losses)])


def test_the_law_fitted_in_python_is_the_clis(cli_law, python_law):
    doc, printed = cli_law
    assert python_law.kind == doc["law"] == "multipower"
    assert list(python_law.parameters) == ["L0", "A", "alpha", "B", "C", "beta", "gamma"]
    assert python_law.parameters == doc["parameters"]
    for mine, theirs in zip(python_law.runs, doc["runs"]):
        for key in ("fingerprint", "steps", "first_step", "last_step", "peak", "r2", "pred_e", "worst_e", "residuals"):
            assert mine[key] == theirs[key], key
    # What the CLI printed: the parameters, then R², PredE and WorstE for each run.
    assert python_law.report.splitlines()[0] == printed.splitlines()[0]
    assert [line.split(",")[1:] for line in python_law.report.splitlines()[2:]] == \
        [line.split(",")[1:] for line in printed.splitlines()[2:]]


def test_predictions_are_the_clis(python_law, tmp_path):
    path = tmp_path / "law.json"
    python_law.save(path)
    done = ramp_cli("law", "predict", program("wsd_20000_24000"), "--law", str(path), "--steps", "24000")
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == "step,loss" and len(lines) == 24001
    expected = [float(line.split(",")[1]) for line in lines[1:]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inside the fitted range: no note
        for law in (python_law, path, str(path)):
            assert list(ramp.predict_loss(program("wsd_20000_24000"), law, 24000)) == expected


def test_the_published_parameters_give_the_papers_final_losses(tmp_path):
    # The curves' README: 3.31519, 3.26626 and 3.26539 at step 23,999 under the published 25M parameters.
    path = tmp_path / "published.json"
    path.write_text(json.dumps({"law": "multipower", "parameters": PUBLISHED}))
    law = ramp.Law.load(path)
    assert law.parameters == PUBLISHED and law.runs == []
    for name, final in (("cosine_24000", 3.31519), ("wsd_20000_24000", 3.26626), ("wsdld_20000_24000", 3.26539)):
        assert round(float(ramp.predict_loss(program(name), law, 24000)[-1]), 5) == final


def test_a_prediction_outside_the_fitted_range_says_so(python_law):
    with pytest.warns(RuntimeWarning) as longer:
        losses = ramp.predict_loss(program("constant_72000"), python_law, 72000)
    assert len(losses) == 72000
    assert [str(w.message) for w in longer] == [
        "ramp.predict_loss: outside the range the law was fitted on: it runs to step 71999, past the fitted runs' "
        "last step 23999"]
    with pytest.warns(RuntimeWarning) as higher:
        ramp.predict_loss("constant(6e-4)", python_law, 1000)
    assert [str(w.message) for w in higher] == [
        "ramp.predict_loss: outside the range the law was fitted on: its peak rate 0.0006 is above the highest "
        "fitted peak 0.0003"]


def test_errors_are_the_clis(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"law": "multipower", "parameters": {"L0": 1}}')
    with pytest.raises(ramp.RampError) as located:
        ramp.predict_loss("constant(1e-4)", bad, 10)
    assert str(located.value) == (f"{bad}:1:23: error[R0703]: the parameter `A` is missing or not a finite number\n"
                                  '{"law": "multipower", "parameters": {"L0": 1}}\n' + " " * 22 + "^")
    with pytest.raises(ValueError, match="law must be 'multipower' or 'annealing', not 'cubic'"):
        ramp.fit_law([(program("cosine_24000"), log("cosine_24000"))], law="cubic")
    with pytest.raises(TypeError, match=r"run 0: give \(program, csv_path\) or \(program, steps, losses\)"):
        ramp.fit_law([(program("cosine_24000"),)])
    with pytest.raises(ValueError, match="run 0: 2 steps but 1 losses"):
        ramp.fit_law([("constant(1e-4) for 100", [10, 20], [3.0])])
    steps, losses = [10, 5], [3.0, 2.9]
    with pytest.raises(ramp.RampError, match=r"run0\.csv:3:1: error\[R0704\]: step 5 does not follow step 10\n5,2\.9\n\^"):
        ramp.fit_law([("constant(1e-4) for 100", steps, losses)])
