import pytest

torch = pytest.importorskip("torch")

from platekit.train.optim import one_cycle  # noqa: E402


@pytest.mark.parametrize("total", [1, 4, 10, 37, 500])
def test_one_cycle_survives_tiny_runs_and_peaks_mid_run(total):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = one_cycle(opt, 0.1, total, warmup_pct=0.1)
    lrs = []
    for _ in range(max(total, 4)):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    peak = max(lrs)
    assert peak <= 0.1 + 1e-9 and lrs[-1] < peak  # no ZeroDivisionError; warms up, then anneals
    if total >= 10:
        assert lrs[0] < peak and min(lrs) < peak / 10
