"""What `--to jax` and `--to keras` refuse, they refuse with a reason; this
needs neither library."""

import pytest

from conftest import ramp_run


@pytest.mark.parametrize("target", ["jax", "keras"])
def test_a_metric_driven_schedule_is_refused_with_a_reason(target):
    status, stderr = ramp_run("compile", "-e", "warmup 5 then cosine(T=50) until plateau(patience 3)", "--to", target)
    assert status == 1
    assert f"reacts to a metric, which `--to {target}` does not compile yet" in stderr
