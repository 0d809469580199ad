"""The language server under a real client, Neovim's (where `nvim` is
installed; `make deps` installs it when root)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import RAMP

SAMPLE = """base 0.1
let peak = base * 2
warmup 5 then cosine(T=50, min=peak / 100) until plateau(patience 3)
momentum: cosin(T=5)
"""


def test_neovim_client_sees_diagnostics_hover_completion_and_definitions(tmp_path):
    nvim = shutil.which("nvim")
    if not nvim:
        pytest.skip("nvim is not installed (apt-get install neovim)")
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built")
    program = tmp_path / "card.ramp"
    program.write_text(SAMPLE)
    out = tmp_path / "seen.json"
    env = dict(os.environ, RAMP=RAMP, RAMP_LSP_FILE=str(program), RAMP_LSP_OUT=str(out), HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path),
               # 0-based line and character: `cosine`, after `T=50, `, and `peak` in the warmup line.
               RAMP_LSP_POSITIONS=json.dumps({"hover": [2, 16], "completion": [2, 27], "definition": [2, 32]}))
    script = os.path.join(os.path.dirname(__file__), "neovim_client.lua")
    subprocess.run([nvim, "--headless", "--clean", "-n", "-c", f"luafile {script}"], env=env, timeout=60,
                   stdin=subprocess.DEVNULL, capture_output=True)
    seen = json.loads(out.read_text())
    assert seen["errors"] == []
    assert seen["diagnostics"] == [{
        "line": 3, "col": 10, "severity": 1, "code": "R0104",
        "message": "unknown name 'cosin'; did you mean 'cosine'?",
    }]
    hover = seen["hover"]["contents"]["value"]
    assert hover.startswith("```ramp\ncosine(T, from=base, min=0, exponent=1, k=1, periodic=false)\n```\n\n"
                            "half a cosine from `from` down to `min` over T steps")
    labels = [item["label"] for item in seen["completion"]["items"]]
    assert labels[:6] == ["T", "from", "min", "exponent", "k", "periodic"]
    assert seen["completion"]["items"][1]["textEdit"]["newText"] == "from="
    assert seen["definition"]["uri"].endswith("/card.ramp")
    assert seen["definition"]["range"] == {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 8}}
    assert seen["stopped"] is True


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAMS = sorted(
    os.path.join(d, f)
    for d in (os.path.join(ROOT, "samples"), os.path.join(ROOT, "conformance", "programs"), os.path.join(ROOT, "Tests", "Format"))
    for f in os.listdir(d) if f.endswith(".ramp"))


def vocabulary():
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built")
    return json.loads(subprocess.run([RAMP, "list", "--vocabulary"], capture_output=True, text=True, check=True).stdout)


def ramp_lexer():
    pytest.importorskip("pygments")
    sys.path.insert(0, os.path.join(ROOT, "editors", "pygments"))
    try:
        from ramp_pygments import RampLexer
    finally:
        sys.path.pop(0)
    return RampLexer


def test_pygments_lexes_every_program_without_errors():
    from pygments.token import Error
    lexer = ramp_lexer()()
    assert len(PROGRAMS) > 150
    for path in PROGRAMS:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        errors = [(i, v) for i, t, v in lexer.get_tokens_unprocessed(text) if t in Error]
        # Only the corpus programs that test the lexer's own errors have characters no token starts with.
        if os.path.basename(path) not in ("err_unexpected_character.ramp", "err_unterminated_string.ramp"):
            assert errors == [], path


def test_pygments_words_follow_the_registry():
    from pygments.token import Keyword, Name
    RampLexer = ramp_lexer()
    v = vocabulary()
    module = sys.modules[RampLexer.__module__]
    assert set(module.BUILTINS) == set(v["builtins"])
    assert set(module.KEYWORDS) == set(v["keywords"])
    assert set(module.SETTINGS) == set(v["settings"])
    assert set(module.NAMESPACES) == set(v["namespaces"])
    assert set(module.UNITS) | {"%"} == set(v["units"])
    lexer = RampLexer()
    tokens = list(lexer.get_tokens("base 0.1\nwarmup 5 epochs then torch.StepLR(step_size=5) until plateau(patience 3)\n"))
    kinds = {value: kind for kind, value in tokens}
    assert kinds["base"] in Keyword.Declaration and kinds["epochs"] in Keyword.Type and kinds["then"] in Keyword
    assert kinds["torch"] in Name.Namespace and kinds[".StepLR"] in Name.Class and kinds["plateau"] in Name.Builtin
    assert kinds["step_size"] in Name.Attribute


def test_pygments_plugin_installs_with_its_entry_point(tmp_path):
    ramp_lexer()
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--target", str(target), os.path.join(ROOT, "editors", "pygments")],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0 and ("No matching distribution" in r.stderr or "Could not find a version" in r.stderr):
        pytest.skip("pip cannot fetch setuptools to build the plugin (no package index reachable)")
    assert r.returncode == 0, r.stderr
    probe = ("from pygments.lexers import get_lexer_by_name, get_lexer_for_filename; "
             "print(get_lexer_by_name('ramp').name, get_lexer_for_filename('card.ramp').name)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(target)), check=True).stdout
    assert out.split() == ["Ramp", "Ramp"]


def test_vim_syntax_names_each_kind_of_word_in_neovim(tmp_path):
    nvim = shutil.which("nvim")
    if not nvim:
        pytest.skip("nvim is not installed (apt-get install neovim)")
    v = vocabulary()
    keyword_groups = {"let": "rampDefine", "def": "rampDefine", "lambda": "rampDefine", "then": "rampConditional",
                      "until": "rampConditional", "for": "rampConditional", "and": "rampOperatorWord",
                      "or": "rampOperatorWord", "not": "rampOperatorWord"}
    # (line, 0-based column of the word, the syntax group expected there)
    cases = [(f"x + {b}(1)", 4, "rampBuiltin") for b in v["builtins"]]
    cases += [(f"x {k} y", 2, keyword_groups[k]) for k in v["keywords"]]
    cases += [(f"warmup 5 {u}", 9, "rampUnit") for u in v["units"] if u != "%"] + [("warmup 10%", 9, "rampUnit")]
    cases += [(f"{n}.Anything(1)", 0, "rampLibrary") for n in v["namespaces"]]
    cases += [(f"{s} 1", 0, "rampSetting") for s in v["settings"]]
    cases += [("lr: cosine(T=5)", 0, "rampOutput"), ("x  # then cosine", 5, "rampComment"),
              ("cosine(T=5, min='then')", 12, "rampArgument"), ("f('then')", 3, "rampString"), ("x + 1e-4", 4, "rampNumber")]
    program = tmp_path / "words.ramp"
    program.write_text("\n".join(line for line, _, _ in cases) + "\n")
    out = tmp_path / "groups.json"
    positions = json.dumps([[i + 1, column + 1] for i, (_, column, _) in enumerate(cases)])
    script = (f"let r = [] | for [l, c] in {positions} | call add(r, synIDattr(synID(l, c, 1), 'name')) | endfor"
              f" | call writefile([json_encode([&filetype, r])], '{out}') | qa!")
    subprocess.run([nvim, "--headless", "--clean", "-n", "--cmd", f"set rtp^={os.path.join(ROOT, 'editors', 'vim')}",
                    "-c", "filetype plugin on | syntax on", "-c", f"edit {program}", "-c", script],
                   timeout=60, stdin=subprocess.DEVNULL, capture_output=True, env=dict(os.environ, HOME=str(tmp_path)))
    filetype, groups = json.loads(out.read_text())
    assert filetype == "ramp"
    assert [(line, g) for (line, _, _), g in zip(cases, groups)] == [(line, g) for line, _, g in cases]


def test_vscode_client_is_valid_javascript():
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    subprocess.run([node, "--check", os.path.join(ROOT, "editors", "vscode", "src", "extension.js")], check=True)
