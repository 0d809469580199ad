"""The LR range test (Smith 2017) for PyTorch, as fastai's ``lr_find`` runs it.

The rate rises geometrically, ``start * (end / start) ** (i / num_iter)`` at
step i, written as a Ramp program that ends on the signal ``diverged``; the
loss is smoothed (an exponential average with ``beta``, debiased) and the
test raises ``diverged`` once the smoothed loss passes ``divergence`` times
its best. The suggestions are fastai's, on the points fastai reads.
"""

from __future__ import annotations

import math

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional

SIGNAL = "diverged"


def program(start_lr: float, end_lr: float, num_iter: int) -> str:
    """The rise as Ramp: the same text ``ramp find-lr`` trains under."""
    return (f'base 1\nsignals ["{SIGNAL}"]\n{float(start_lr)!r} * ({float(end_lr)!r} / {float(start_lr)!r}) '
            f'^ (t / {int(num_iter)}) for {int(num_iter)} steps until signal("{SIGNAL}")\n')


def valley(losses: "List[float]") -> int:
    """fastai's valley: the longest strictly falling run of losses (not
    necessarily adjacent) found first, and the point a third plus a sixth of
    the way along it. Run lengths come from patience sorting: O(n log n)."""
    tails: "List[float]" = []  # tails[k]: the largest last loss of a falling run of length k + 1
    end, longest, start = 0, 1, 0  # fastai starts at the first point and moves only for a longer run
    for i, x in enumerate(losses):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if tails[mid] > x:
                lo = mid + 1
            else:
                hi = mid
        if lo == len(tails):
            tails.append(x)
        else:
            tails[lo] = x
        if lo + 1 > longest:
            longest, end = lo + 1, i
            start = end - longest
    third = (end - start) / 3
    return start + int(third) + int(third / 2)


def suggestions(lrs: "List[float]", losses: "List[float]", num_iter: int) -> "Optional[Dict[str, Any]]":
    """valley, steep and minimum / 10 on the points fastai reads: without the
    first ``num_iter // 10`` and the last 5, and cut at the first NaN. None
    when no point is left."""
    lo, hi = num_iter // 10, len(losses) - 5
    nan = next((i for i, x in enumerate(losses) if math.isnan(x)), None)
    if nan is not None:
        hi = min(hi, nan)
    if hi <= lo:
        return None
    xs, ys = lrs[lo:hi], losses[lo:hi]
    v = valley(ys)
    lowest = min(range(len(ys)), key=lambda i: (ys[i], i))
    steep = None
    if len(ys) >= 2:
        slopes = [(ys[i + 1] - ys[i]) / (math.log(xs[i + 1]) - math.log(xs[i])) for i in range(len(ys) - 1)]
        steep = xs[min(range(len(slopes)), key=lambda i: (slopes[i], i))]
    return {"valley": xs[v], "steep": steep, "minimum": xs[lowest] / 10, "valley_index": lo + v}


class RangeTestResult:
    """What ``lr_find`` found: ``lrs``, ``losses`` (smoothed), ``raw_losses``,
    ``suggestion`` (the valley) and ``suggestions`` by name. Jupyter draws it."""

    def __init__(self, lrs, losses, raw_losses, num_iter, diverged_at, start_lr, end_lr):
        self.lrs: "List[float]" = lrs
        self.losses: "List[float]" = losses
        self.raw_losses: "List[float]" = raw_losses
        self.num_iter = num_iter
        self.diverged_at: "Optional[int]" = diverged_at
        self.start_lr, self.end_lr = start_lr, end_lr
        found = suggestions(lrs, losses, num_iter)
        self.valley_index: "Optional[int]" = found.pop("valley_index") if found else None
        self.suggestions: "Dict[str, Optional[float]]" = found or {"valley": None, "steep": None, "minimum": None}
        self.suggestion: "Optional[float]" = self.suggestions["valley"]

    def schedule(self, steps: int, warmup: float = 0.05) -> str:
        """A program to train with at the suggested peak: a warmup, then a cosine over the rest of ``steps``."""
        if self.suggestion is None:
            raise ValueError("the range test left no point to suggest a rate from: raise num_iter or lower start_lr")
        w = round(warmup * 100, 6)
        if not 0 < w < 100:
            raise ValueError(f"warmup must be a fraction between 0 and 1, got {warmup!r}")
        return f"base {self.suggestion!r}\ntotal {int(steps)}\nwarmup {w:g}% then cosine(T={100 - w:g}%)\n"

    def __repr__(self) -> str:
        stop = f"diverged at step {self.diverged_at}" if self.diverged_at is not None else "ran to its end"
        shown = ", ".join(f"{k}={v:.3g}" for k, v in self.suggestions.items() if v is not None)
        return f"<ramp range test: {len(self.lrs)} steps, {stop}; {shown or 'no suggestion'}>"

    @property
    def svg(self) -> str:
        """The smoothed loss against the rate (log axis), the suggestion marked."""
        w, h, left, right, top, bottom = 640, 360, 64, 16, 28, 40
        points = [(x, y) for x, y in zip(self.lrs, self.losses) if math.isfinite(y)]
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" '
               f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
               f'<text x="{w / 2}" y="18" text-anchor="middle">LR range test</text>']
        if points:
            lx0, lx1 = math.log10(self.start_lr), math.log10(max(x for x, _ in points))
            y0, y1 = min(y for _, y in points), max(y for _, y in points)
            lx1, y1 = (lx1 if lx1 > lx0 else lx0 + 1), (y1 if y1 > y0 else y0 + 1)

            def px(x):
                return left + (math.log10(x) - lx0) / (lx1 - lx0) * (w - left - right)

            def py(y):
                return top + (y1 - y) / (y1 - y0) * (h - top - bottom)

            path = " ".join(f"{'M' if i == 0 else 'L'}{px(x):.2f},{py(y):.2f}" for i, (x, y) in enumerate(points))
            out.append(f'<path class="loss" d="{path}" fill="none" stroke="#1f77b4" stroke-width="1.8"/>')
            for e in range(math.ceil(lx0), math.floor(lx1) + 1):
                out.append(f'<text x="{px(10 ** e):.2f}" y="{h - bottom + 16}" text-anchor="middle">1e{e}</text>')
            out.append(f'<text x="{w / 2}" y="{h - 6}" text-anchor="middle">learning rate (log)</text>')
            out.append(f'<text x="{left - 8}" y="{py(y1):.2f}" text-anchor="end">{y1:.3g}</text>')
            out.append(f'<text x="{left - 8}" y="{py(y0):.2f}" text-anchor="end">{y0:.3g}</text>')
            if self.valley_index is not None:
                x, y = self.lrs[self.valley_index], self.losses[self.valley_index]
                out.append(f'<circle class="suggestion" cx="{px(x):.2f}" cy="{py(y):.2f}" r="5" fill="#d62728"/>')
                out.append(f'<text x="{px(x) + 8:.2f}" y="{py(y) - 8:.2f}" fill="#d62728">valley {x:.3g}</text>')
        out.append("</svg>")
        return "\n".join(out)

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.svg)


def lr_find(model: "Any", optimizer: "Any", loss_fn: "Any", data: "Iterable", start_lr: float = 1e-7,
            end_lr: float = 10.0, num_iter: int = 100, *, beta: float = 0.98, divergence: float = 4.0,
            device: "Any" = None) -> RangeTestResult:
    """Trains MODEL on DATA (batches of ``(inputs, targets)``, cycled when
    shorter than ``num_iter``) at a geometrically rising rate, and suggests a
    peak. The weights, buffers, gradients, the optimizer's state and its
    rates, and the model's train/eval mode are restored exactly afterwards."""
    import copy

    import torch

    from ramp import Schedule

    if not (0 < start_lr < end_lr) or not math.isfinite(end_lr):
        raise ValueError(f"need 0 < start_lr < end_lr, got {start_lr!r} and {end_lr!r}")
    if not 6 <= int(num_iter) <= 100_000:
        raise ValueError(f"num_iter must be from 6 to 100000, got {num_iter!r}")
    if not 0 <= beta < 1 or not divergence > 1:
        raise ValueError(f"need 0 <= beta < 1 and divergence > 1, got {beta!r} and {divergence!r}")
    num_iter = int(num_iter)
    weights = copy.deepcopy(model.state_dict())
    grads = [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    training = model.training
    schedule = Schedule(program(start_lr, end_lr, num_iter))
    lrs: "List[float]" = []
    losses: "List[float]" = []
    raw: "List[float]" = []
    average, best, diverged_at = 0.0, math.inf, None
    batches = iter(data)
    try:
        model.train()
        while not schedule.finished:
            lr = schedule.lr
            for group in optimizer.param_groups:
                group["lr"] = lr
            try:
                inputs, targets = next(batches)
            except StopIteration:  # a short data set is cycled, as fastai and Lightning do
                batches = iter(data)
                inputs, targets = next(batches)
            if device is not None:
                inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            value = float(loss.detach())
            average = value + beta * (average - value)  # torch.lerp(loss, average, beta), as fastai's
            smoothed = average / (1 - beta ** (len(losses) + 1))
            lrs.append(lr)
            losses.append(smoothed)
            raw.append(value)
            best = min(best, smoothed)
            if smoothed > divergence * best or math.isnan(smoothed):
                diverged_at = len(losses) - 1
                schedule.signal(SIGNAL)
            schedule.step()
    finally:
        with torch.no_grad():
            model.load_state_dict(weights)
            for p, g in zip(model.parameters(), grads):
                p.grad = g
        optimizer.load_state_dict(saved_optimizer)
        model.train(training)
    return RangeTestResult(lrs, losses, raw, num_iter, diverged_at, start_lr, end_lr)
