"""ramp.lr_find on a real torch model: a geometric rise, a stop at divergence,
the model and optimizer restored bit for bit, and fastai's valley."""

import math
import os
import sys

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: ramp.lr_find needs it (make integration installs it)")

from conftest import RAMP  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def ramp(tmp_path, monkeypatch):
    """The package from python/, with the compiler under test."""
    if not os.path.exists(RAMP):
        pytest.skip(f"{RAMP} is not built; run `swift build` (or set $RAMP)")
    monkeypatch.setenv("RAMP_BINARY", RAMP)
    monkeypatch.setenv("RAMP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(os.path.join(ROOT, "python"))
    for name in [m for m in sys.modules if m == "ramp" or m.startswith("ramp.")]:
        del sys.modules[name]
    import ramp
    yield ramp
    for name in [m for m in sys.modules if m == "ramp" or m.startswith("ramp.")]:
        del sys.modules[name]


def setup(optimizer="adam"):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(),
                                torch.nn.Linear(16, 3))
    x = torch.randn(96, 8)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
    data = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 96, 16)]  # 6 batches: cycled
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return model, opt, torch.nn.CrossEntropyLoss(), data


def snapshot(model, opt):
    return ({k: v.clone() for k, v in model.state_dict().items()}, repr(opt.state_dict()["param_groups"]),
            {k: {n: (t.clone() if torch.is_tensor(t) else t) for n, t in s.items()}
             for k, s in opt.state_dict()["state"].items()},
            [None if p.grad is None else p.grad.clone() for p in model.parameters()], model.training)


def same(a, b):
    if torch.is_tensor(a):
        return torch.is_tensor(b) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_state_is_restored_bit_for_bit(ramp, optimizer):
    model, opt, loss_fn, data = setup(optimizer)
    # A step first, so the optimizer has state and the parameters gradients.
    loss_fn(model(data[0][0]), data[0][1]).backward()
    opt.step()
    model.eval()
    before = snapshot(model, opt)
    result = ramp.lr_find(model, opt, loss_fn, data, num_iter=60)
    assert len(result.lrs) > 10
    assert same(snapshot(model, opt), before)


def test_the_rise_is_geometric_and_the_data_cycles(ramp):
    model, opt, loss_fn, data = setup()
    result = ramp.lr_find(model, opt, loss_fn, data, start_lr=1e-6, end_lr=1e-2, num_iter=50)
    # Low rates never diverge: all 50 steps run over 6 batches, at start * (end / start) ** (i / n).
    assert result.diverged_at is None and len(result.lrs) == 50
    assert result.lrs == [1e-6 * (1e-2 / 1e-6) ** (i / 50) for i in range(50)]


def test_it_stops_at_divergence(ramp):
    model, opt, loss_fn, data = setup("sgd")
    result = ramp.lr_find(model, opt, loss_fn, data, end_lr=1e3, num_iter=200)
    at = result.diverged_at
    assert at is not None and len(result.lrs) == at + 1 < 200
    assert result.losses[at] > 4 * min(result.losses[:at]) or math.isnan(result.losses[at])
    assert all(result.losses[i] <= 4 * min(result.losses[:i + 1]) for i in range(at))
    # The smoothing is fastai's: a debiased exponential average of the raw losses, beta 0.98.
    average = 0.0
    for k, (raw, smoothed) in enumerate(zip(result.raw_losses, result.losses)):
        average = raw + 0.98 * (average - raw)
        assert smoothed == average / (1 - 0.98 ** (k + 1))


def test_the_valley_is_fastais_on_the_same_points(ramp):
    model, opt, loss_fn, data = setup()
    result = ramp.lr_find(model, opt, loss_fn, data, num_iter=100)
    assert result.suggestion == result.suggestions["valley"] and result.suggestion is not None
    try:
        from fastai.callback.schedule import minimum, steep, valley
    except ImportError:
        pytest.skip("fastai is not installed: Tests/Python/test_range_test.py checks its recorded suggestions")
    lrs = torch.tensor(result.lrs[10:-5], dtype=torch.float64)
    losses = torch.tensor(result.losses[10:-5], dtype=torch.float64)
    assert valley(lrs, losses, 100)[0] == result.suggestions["valley"]
    assert steep(lrs, losses, 100)[0] == result.suggestions["steep"]
    assert minimum(lrs, losses, 100)[0] == result.suggestions["minimum"]


def test_it_writes_a_schedule_and_draws_itself(ramp):
    model, opt, loss_fn, data = setup()
    result = ramp.lr_find(model, opt, loss_fn, data, num_iter=100)
    program = result.schedule(steps=2000)
    assert program == f"base {result.suggestion!r}\ntotal 2000\nwarmup 5% then cosine(T=95%)\n"
    assert ramp.check(program) == []
    table = ramp.table(program, 2000)
    assert max(table) == pytest.approx(result.suggestion, rel=1e-12)
    svg = result._repr_svg_()
    assert svg.startswith("<svg") and 'class="suggestion"' in svg and f"valley {result.suggestion:.3g}" in svg
