"""Records fastai's own LR-finder suggestions (valley, steep, minimum) on
fixed range-test points: `python record_fastai_suggestions.py > fastai_suggestions.json`
with fastai installed (pip install fastai). The points are smoothed range-test
curves of several shapes; fastai's functions read them after the trimming its
Learner.lr_find applies (the first num_it // 10 and the last 5, cut at the first NaN)."""

import json
import math

import torch
from fastai.callback.schedule import minimum, steep, valley


def curve(n, kind):
    lrs, raw = [], []
    for i in range(n):
        lr = 1e-7 * (10 / 1e-7) ** (i / n)
        x = math.log10(lr)
        wobble = 0.03 * math.sin(i * 12.9898) + 0.02 * math.sin(i * 4.1414)
        if kind == "classic":
            loss = 2.3 - 1.6 / (1 + math.exp(-2 * (x + 3.5))) + math.exp(max(0.0, x + 1.0) * 4) - 1 + wobble
        elif kind == "flat":
            loss = 0.7 + 0.001 * math.sin(i) + (0.5 * (x + 2) if x > -2 else 0)
        elif kind == "noisy":
            loss = 1.5 - 0.8 / (1 + math.exp(-(x + 4))) + 0.3 * math.sin(i * 7.31) * math.sin(i * 1.7)
        elif kind == "nan":
            loss = 2.0 - 1.0 / (1 + math.exp(-2 * (x + 3))) + wobble if x < -0.5 else float("nan")
        lrs.append(lr)
        raw.append(loss)
    average, smoothed = 0.0, []
    for k, loss in enumerate(raw):
        average = loss + 0.98 * (average - loss)
        smoothed.append(average / (1 - 0.98 ** (k + 1)))
    return lrs, smoothed


cases = []
for n, kind, cut in [(100, "classic", None), (100, "flat", None), (300, "noisy", None), (100, "nan", None),
                     (100, "classic", 71), (40, "classic", None), (1000, "noisy", 640)]:
    lrs, losses = curve(n, kind)
    if cut:  # a test that diverged at step `cut` records up to it
        lrs, losses = lrs[:cut + 1], losses[:cut + 1]
    t_lrs = torch.tensor(lrs[n // 10:-5], dtype=torch.float64)
    t_losses = torch.tensor(losses[n // 10:-5], dtype=torch.float64)
    nan = torch.nonzero(torch.isnan(t_losses.view(-1)))
    if len(nan) > 0:
        t_lrs, t_losses = t_lrs[:min(nan)], t_losses[:min(nan)]
    found = {name: f(t_lrs, t_losses, n)[0] for name, f in (("valley", valley), ("steep", steep),
                                                          ("minimum", minimum))}
    cases.append({"name": f"{kind} {n}" + (f" diverged at {cut}" if cut else ""), "num_iter": n,
                  "lrs": lrs, "losses": [None if math.isnan(x) else x for x in losses], **found})
print(json.dumps({"source": "fastai.callback.schedule valley, steep, minimum (fastai 2.8.12)", "cases": cases},
                 indent=1))
