#!/usr/bin/env python3
"""Runs `ramp bench --json`, then the same workloads in torch, optax and numpy
when they are installed, in the same run, and prints one table of ratios.

Usage: python3 bench/compare.py [--quick] [--ramp PATH]
What is not installed is skipped, and the table says so.
"""
import importlib.util, json, os, subprocess, sys, tempfile, time, warnings

# The torch loops step schedulers without an optimizer step, which torch warns about.
warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step()` before `optimizer.step()`")

args = sys.argv[1:]
quick = "--quick" in args
ramp = args[args.index("--ramp") + 1] if "--ramp" in args else os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ramp")
if not os.path.exists(ramp):
    sys.exit(f"{ramp} not found: build it first with `swift build -c release`")

def median_ns(fn, ops, samples=5):
    fn()
    times = []
    for _ in range(samples):
        t0 = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - t0) / ops)
    times.sort()
    return times[len(times) // 2]

def side_by_side(ours_fn, ours_ops, peer_fn, peer_ops, samples=7):
    """Medians of ours and the peer's ns per op, their samples taken in turn, so that
    the machine's drift over a run falls on both sides of a ratio alike."""
    ours_fn()
    peer_fn()
    a, b = [], []
    for _ in range(samples):
        for fn, ops, times in ((ours_fn, ours_ops, a), (peer_fn, peer_ops, b)):
            t0 = time.perf_counter_ns()
            fn()
            times.append((time.perf_counter_ns() - t0) / ops)
    return sorted(a)[samples // 2], sorted(b)[samples // 2]

ours = {r["name"]: r for r in json.loads(subprocess.run([ramp, "bench", "--json"] + (["--quick"] if quick else []),
                                                       check=True, capture_output=True, text=True).stdout)}
def find(prefix):
    return next(r for n, r in ours.items() if n.startswith(prefix))

rows, skipped = [], []
step_ops = 20_000 if quick else 200_000
entries = 1_000_000

try:
    import torch
    from torch.optim.lr_scheduler import SequentialLR, LinearLR, CosineAnnealingLR, ReduceLROnPlateau
    def seq():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        s = SequentialLR(opt, [LinearLR(opt, 0.001, 1.0, 1000), CosineAnnealingLR(opt, 100000)], [1000])
        for _ in range(step_ops): s.step()
    rows.append(("step warmup+cosine", find("step warmup+cosine")["ns_per_op"], "torch SequentialLR.step()", median_ns(seq, step_ops, 3)))
    def rop():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        s = ReduceLROnPlateau(opt, factor=0.5, patience=10)
        for i in range(step_ops): s.step(1.0 / (1 + i // 50))
    rows.append(("step with a metric", find("step warmup+reduce")["ns_per_op"], "torch ReduceLROnPlateau.step(m)", median_ns(rop, step_ops, 3)))
    # The compiled module's torch adapter against the torch schedulers it replaces, in this process.
    def module(name, args):
        path = os.path.join(tempfile.mkdtemp(), name + ".py")
        subprocess.run([ramp, "compile", *args, "--to", "python", "-o", path], check=True)
        spec = importlib.util.spec_from_file_location(name, path)
        m = importlib.util.module_from_spec(spec)
        sys.modules[name] = m
        spec.loader.exec_module(m)
        return m
    wc = module("bench_wc", ["-e", "base 0.1\nwarmup 1000 then cosine(T=100000)"])
    card = module("bench_card", [os.path.join(os.path.dirname(__file__), "..", "samples", "card.ramp")])
    # A plateau phase that stays live: the metric keeps improving, so every step evaluates the condition.
    live = module("bench_live", ["-e", "base 0.1\nwarmup 100 then cosine(T=100000) until plateau(patience 10)"])
    # The rate is a reduce_on_plateau alone, as torch's ReduceLROnPlateau (factor 0.5, patience 10) is.
    reduce = module("bench_reduce", ["-e", "base 0.1\nreduce_on_plateau(factor=0.5, patience=10)"])
    adapter_ops = step_ops // 10
    def ours_seq():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        s = wc.torch_scheduler(opt, follow_optimizer=False)
        for _ in range(adapter_ops): s.step()
    def ours_card():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        s = card.torch_scheduler(opt, follow_optimizer=False)
        for i in range(adapter_ops): s.step(1.0 / (1 + i // 50))
    def ours_live():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        s = live.torch_scheduler(opt, follow_optimizer=False)
        m = 1.0
        for _ in range(adapter_ops):
            m *= 0.9999
            s.step(m)
    def ours_reduce():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        s = reduce.torch_scheduler(opt, follow_optimizer=False)
        for i in range(adapter_ops): s.step(1.0 / (1 + i // 50))
    def rop_live():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        s = ReduceLROnPlateau(opt, factor=0.5, patience=10)
        m = 1.0
        for _ in range(step_ops):
            m *= 0.9999
            s.step(m)
    def plain():
        s = wc.Schedule()
        for _ in range(adapter_ops): s.step()
    for name, fn, peer_name, peer in (
            ("python: torch_scheduler warmup+cosine", ours_seq, "torch SequentialLR.step()", seq),
            ("python: torch_scheduler card step(m)", ours_card, "torch ReduceLROnPlateau.step(m)", rop),
            ("python: torch_scheduler reduce step(m)", ours_reduce, "torch ReduceLROnPlateau.step(m)", rop),
            ("python: torch_scheduler live plateau", ours_live, "torch ReduceLROnPlateau.step(m)", rop_live),
            ("python: Schedule.step warmup+cosine", plain, "torch SequentialLR.step()", seq)):
        ours_ns, peer_ns = side_by_side(fn, adapter_ops, peer, step_ops)
        rows.append((name, ours_ns, peer_name, peer_ns))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch.optim.lr_scheduler"], check=True)
    torch_import = (time.perf_counter() - t0) * 1e9
    t0 = time.perf_counter()
    for _ in range(10):
        subprocess.run([ramp, "table", "-e", "cosine(T=100)", "--steps", "100"], check=True, capture_output=True)
    ramp_start = (time.perf_counter() - t0) * 1e9 / 10
    rows.append(("start-up: ramp table", ramp_start, "python -c 'import torch.optim.lr_scheduler'", torch_import))
except ImportError:
    skipped.append("torch (not installed): stepping and start-up comparisons")

try:
    import jax, jax.numpy as jnp, optax
    jax.config.update("jax_enable_x64", True)
    sched = jax.jit(jax.vmap(optax.warmup_cosine_decay_schedule(0.0, 0.1, 1000, 100000)))
    steps = jnp.arange(entries)
    sched(steps).block_until_ready()
    optax_ns = median_ns(lambda: sched(steps).block_until_ready(), entries)
    rows.append(("table warmup+cosine", find("table warmup+cosine")["ns_per_op"], "optax jit(vmap(warmup_cosine_decay_schedule))", optax_ns))
    # `ramp compile --to jax` against optax's own schedule, both jit(vmap(...)) in this process.
    path = os.path.join(tempfile.mkdtemp(), "bench_jax.py")
    subprocess.run([ramp, "compile", "-e", "base 0.1\nwarmup 1000 then cosine(T=99000)", "--to", "jax", "-o", path], check=True)
    spec = importlib.util.spec_from_file_location("bench_jax", path)
    jax_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(jax_module)
    ours_jax = jax.jit(jax.vmap(jax_module.schedule))
    ours_jax(steps).block_until_ready()
    rows.append(("jax: --to jax schedule, jit(vmap)", median_ns(lambda: ours_jax(steps).block_until_ready(), entries),
                 "optax jit(vmap(warmup_cosine_decay_schedule))", optax_ns))
except ImportError:
    skipped.append("jax/optax (not installed): table comparison")

try:
    import numpy as np
    t = np.arange(entries, dtype=np.float64)
    def closed_form():
        warm = 0.1 * t / 1000
        cosv = 0.5 * 0.1 * (1 + np.cos(np.pi * np.minimum(t - 1000, 100000) / 100000))
        return np.where(t < 1000, warm, cosv)
    rows.append(("table warmup+cosine", find("table warmup+cosine")["ns_per_op"], "numpy closed form", median_ns(closed_form, entries)))
except ImportError:
    skipped.append("numpy (not installed): table comparison")

adam = find("adam step")
triad = find("triad")
rows.append(("adam step vs this machine's triad", adam["ns_per_op"], "triad over the same arrays", triad["ns_per_op"]))

print(f"{'workload':34} {'ramp':>14} {'peer':>14}  ratio  peer")
for name, ours_ns, peer, theirs in rows:
    print(f"{name:34} {ours_ns:14.1f} {theirs:14.1f} {theirs / ours_ns:6.1f}x  {peer}")
for s in skipped:
    print(f"skipped: {s}")
print(f"adam: {adam.get('note')} against a triad's {triad.get('note')}")
