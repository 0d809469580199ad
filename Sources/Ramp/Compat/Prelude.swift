/// The compatibility layer: the schedulers of torch, transformers, timm,
/// optax, keras, DeepSpeed, Composer, fvcore and MMEngine, written in Ramp
/// over the native builtins, with each
/// library's own names, parameter names, defaults and positional order.
///
/// Parameters carry types and ranges, so a call the library would reject is
/// reported at the user's argument. The optimizer argument is dropped: the
/// optimizer's rate is `base`. Library schedules never end, so shapes with a
/// natural length are followed by the value the library holds afterwards.
public enum Prelude {
    public static let file = SourceFile(name: "<prelude>", text: source)

    /// Parsed once; a syntax error here is a bug caught by the test suite.
    public static let program: Program = (try? Parser.parse(file, names: Builtins.statementNames)) ?? Program(statements: [])

    /// The compatibility constructors, in prelude order.
    public static let definitions: [(name: String, params: [Parameter], doc: String)] =
        program.statements.compactMap { st in
            guard case .definition(let name, let params, _) = st.kind else { return nil }
            return (name, params, docs[name] ?? "")
        }

    /// `name(param: type = default, ...)`, for `ramp list`.
    public static func signature(_ name: String, _ params: [Parameter]) -> String {
        let ps = params.map { p -> String in
            var s = p.name
            if let t = p.type { s += ": " + file.slice(t.range) }
            if let d = p.defaultValue { s += " = " + file.slice(d.range) }
            return s
        }
        return "\(name)(\(ps.joined(separator: ", ")))"
    }

    /// One line per constructor: what it is in the library.
    static let docs: [String: String] = {
        var out: [String: String] = [:]
        var pending: [String] = []
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") { pending.append(String(line.dropFirst(3))) }
            else if line.hasPrefix("def ") {
                let name = line.dropFirst(4).prefix { $0 != "(" }
                out[String(name)] = pending.joined(separator: " ")
                pending = []
            }
        }
        return out
    }()

    static let source = #"""
# ---------------------------------------------------------------- torch
# torch.optim.lr_scheduler; stepping: lr[i] is the rate before the i-th scheduler.step().

## base * lr_lambda(epoch)
def torch.LambdaLR(lr_lambda: any) = base * lr_lambda(t)

## the rate multiplied by lr_lambda(epoch) at every step after the first
def torch.MultiplicativeLR(lr_lambda: any) = chainable(base * running_product(lr_lambda(t)))

## decays by gamma every step_size steps
def torch.StepLR(step_size: integer >= 1, gamma: number > 0 = 0.1) = chainable(step(size=step_size, gamma=gamma))

## decays by gamma at each milestone
def torch.MultiStepLR(milestones: durations, gamma: number > 0 = 0.1) = chainable(multistep(milestones=milestones, gamma=gamma))

## base * factor until total_iters, then base
def torch.ConstantLR(factor: number >= 0 <= 1 = 1 / 3, total_iters: integer >= 0 = 5) =
    chainable(piecewise(boundaries=[total_iters], values=[base * factor, base]))

## a line from base * start_factor to base * end_factor over total_iters steps
def torch.LinearLR(start_factor: number > 0 <= 1 = 1 / 3, end_factor: number >= 0 <= 1 = 1, total_iters: integer >= 1 = 5) =
    chainable((linear(T=total_iters, from=base * start_factor, to=base * end_factor) then constant(base * end_factor)))

## decays by gamma every step
def torch.ExponentialLR(gamma: number > 0) = chainable(exponential(gamma=gamma))

## base * (1 - t / total_iters) ^ power, then 0
def torch.PolynomialLR(total_iters: integer >= 1 = 5, power: number >= 0 = 1) =
    chainable((polynomial(T=total_iters, power=power) then 0))

## half a cosine to eta_min over T_max steps, and back up past T_max
def torch.CosineAnnealingLR(T_max: integer >= 1, eta_min: number >= 0 = 0) =
    chainable(cosine(T=T_max, min=eta_min, periodic=true), floor=eta_min)

## cosine annealing restarted every T_0 * T_mult^i steps (SGDR)
def torch.CosineAnnealingWarmRestarts(T_0: integer >= 1, T_mult: integer >= 1 = 1, eta_min: number >= 0 = 0) =
    restarts(cosine(T=T_0, min=eta_min), period=T_0, mult=T_mult)

## cyclical rates between base_lr and max_lr; momentum cycles the other way
def torch.CyclicLR(base_lr: number >= 0, max_lr: number >= 0, step_size_up: integer >= 1 = 2000,
                   step_size_down: integer >= 1 = None, mode: "triangular" | "triangular2" | "exp_range" = "triangular",
                   gamma: number > 0 = 1, scale_fn: none = None, scale_mode: "cycle" | "iterations" = "cycle",
                   cycle_momentum: bool = true, base_momentum: number >= 0 = 0.8, max_momentum: number >= 0 = 0.9) =
    cyclic(low=base_lr, high=max_lr, up=step_size_up, down=step_size_down, mode=mode, gamma=gamma,
           momentum_low=base_momentum, momentum_high=max_momentum, cycle_momentum=cycle_momentum)

## the one-cycle policy; momentum cycles the other way
def torch.OneCycleLR(max_lr: number > 0, total_steps: integer >= 2 = None, epochs: integer >= 1 = None,
                     steps_per_epoch: integer >= 1 = None, pct_start: number > 0 < 1 = 0.3,
                     anneal_strategy: "cos" | "linear" = "cos", cycle_momentum: bool = true,
                     base_momentum: number >= 0 = 0.85, max_momentum: number >= 0 = 0.95,
                     div_factor: number > 0 = 25, final_div_factor: number > 0 = 1e4, three_phase: bool = false) =
    onecycle(total=coalesce(total_steps, epochs * steps_per_epoch), max=max_lr, pct_start=pct_start,
             shape=anneal_strategy, three_phase=three_phase, div=div_factor, final_div=final_div_factor,
             momentum_low=base_momentum, momentum_high=max_momentum, cycle_momentum=cycle_momentum)

## reduces the rate by factor when the metric stops improving
def torch.ReduceLROnPlateau(mode: "min" | "max" = "min", factor: number > 0 < 1 = 0.1, patience: integer >= 0 = 10,
                            threshold: number >= 0 = 1e-4, threshold_mode: "rel" | "abs" = "rel",
                            cooldown: integer >= 0 = 0, min_lr: number >= 0 = 0, eps: number >= 0 = 1e-8) =
    reduce_on_plateau(factor=factor, patience=patience, threshold=threshold, threshold_mode=threshold_mode,
                      mode=mode, cooldown=cooldown, min=min_lr, eps=eps)

## schedulers one after another, switching at the milestones
def torch.SequentialLR(schedulers: list, milestones: durations) = chain(schedulers, at=milestones)

## schedulers stepped together: each in turn updates the rate, as its own step() does
def torch.ChainedScheduler(schedulers: list) = chained(schedulers)

# ---------------------------------------------------------------- transformers
# transformers.optimization; each is a LambdaLR: base * factor(step).

## base
def transformers.get_constant_schedule() = constant(base)

## linear warmup, then base
def transformers.get_constant_schedule_with_warmup(num_warmup_steps: integer >= 0) =
    warmup num_warmup_steps then constant(base)

## linear warmup, then linear decay to 0 at num_training_steps
def transformers.get_linear_schedule_with_warmup(num_warmup_steps: integer >= 0, num_training_steps: integer >= 1) =
    warmup num_warmup_steps then
    base * max(0, (num_training_steps - (num_warmup_steps + t)) / max(1, num_training_steps - num_warmup_steps))

## linear warmup, then num_cycles cosine waves (half a wave by default)
def transformers.get_cosine_schedule_with_warmup(num_warmup_steps: integer >= 0, num_training_steps: integer >= 1,
                                                 num_cycles: number = 0.5) =
    warmup num_warmup_steps then
    base * max(0, 0.5 * (1 + cos(pi * num_cycles * 2 * (t / max(1, num_training_steps - num_warmup_steps)))))

## linear warmup, then num_cycles cosine decays with hard restarts, then 0
def transformers.get_cosine_with_hard_restarts_schedule_with_warmup(num_warmup_steps: integer >= 0,
                                                                    num_training_steps: integer >= 1, num_cycles: number > 0 = 1) =
    warmup num_warmup_steps then
    (base * max(0, 0.5 * (1 + cos(pi * mod(num_cycles * (t / max(1, num_training_steps - num_warmup_steps)), 1))))
        for max(1, num_training_steps - num_warmup_steps)) then
    0

## linear warmup, then polynomial decay to lr_end at num_training_steps
def transformers.get_polynomial_decay_schedule_with_warmup(num_warmup_steps: integer >= 0, num_training_steps: integer >= 1,
                                                           lr_end: number >= 0 = 1e-7, power: number = 1) =
    warmup num_warmup_steps then
    (base * (((base - lr_end) * (1 - t / (num_training_steps - num_warmup_steps)) ^ power + lr_end) / base)
        for num_training_steps - num_warmup_steps) then
    base * (lr_end / base)

## linear warmup, then 1/sqrt decay on timescale (num_warmup_steps by default)
def transformers.get_inverse_sqrt_schedule(num_warmup_steps: integer >= 1, timescale: number > 0 = None) =
    warmup num_warmup_steps then
    base * (1 / sqrt((num_warmup_steps + t + (coalesce(timescale, num_warmup_steps) - num_warmup_steps))
                     / coalesce(timescale, num_warmup_steps)))

## linear warmup, then cosine decay to min_lr (or base * min_lr_rate)
def transformers.get_cosine_with_min_lr_schedule_with_warmup(num_warmup_steps: integer >= 0, num_training_steps: integer >= 1,
                                                             num_cycles: number = 0.5, min_lr: number >= 0 = None,
                                                             min_lr_rate: number >= 0 <= 1 = None) =
    warmup num_warmup_steps then
    base * max(0, 0.5 * (1 + cos(pi * num_cycles * 2 * (t / max(1, num_training_steps - num_warmup_steps))))
                  * (1 - coalesce(min_lr_rate, min_lr / base)) + coalesce(min_lr_rate, min_lr / base))

## warmup, stable at base, then a cosine, linear or 1-sqrt decay to base * min_lr_ratio
def transformers.get_wsd_schedule(num_warmup_steps: integer >= 0, num_decay_steps: integer >= 1,
                                  num_training_steps: integer >= 1 = None, num_stable_steps: integer >= 0 = None,
                                  warmup_type: "linear" = "linear", decay_type: "cosine" | "linear" | "1-sqrt" = "cosine",
                                  min_lr_ratio: number >= 0 <= 1 = 0) =
    wsd(warmup=num_warmup_steps,
        stable=coalesce(num_stable_steps, num_training_steps - num_warmup_steps - num_decay_steps),
        decay=num_decay_steps, peak=base, from=base * min_lr_ratio, min=base * min_lr_ratio, shape=decay_type) then
    constant(base * min_lr_ratio)

## torch's ReduceLROnPlateau
def transformers.get_reduce_on_plateau_schedule(mode: "min" | "max" = "min", factor: number > 0 < 1 = 0.1,
                                                patience: integer >= 0 = 10, threshold: number >= 0 = 1e-4,
                                                threshold_mode: "rel" | "abs" = "rel", cooldown: integer >= 0 = 0,
                                                min_lr: number >= 0 = 0, eps: number >= 0 = 1e-8) =
    torch.ReduceLROnPlateau(mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps)

# ---------------------------------------------------------------- timm
# timm.scheduler, stepped once per epoch. Warmup rises from warmup_lr_init to
# base over warmup_t epochs; without warmup_prefix the main curve keeps
# counting from epoch 0. Noise is not supported.

## cosine decay with optional restarts (SGDR), k-decay and warmup
def timm.CosineLRScheduler(t_initial: integer >= 1, lr_min: number >= 0 = 0, cycle_mul: number >= 1 = 1,
                           cycle_decay: number > 0 = 1, cycle_limit: integer >= 1 = 1, warmup_t: integer >= 0 = 0,
                           warmup_lr_init: number >= 0 = 0, warmup_prefix: bool = false, t_in_epochs: bool = true,
                           noise_range_t: none = None, noise_pct: number = 0.67, noise_std: number = 1,
                           noise_seed: number = 42, k_decay: number > 0 = 1, initialize: bool = true) =
    warmup(warmup_t, from=warmup_lr_init, to=base) then
    at(restarts(lr_min + 0.5 * (base - lr_min) * (1 + cos(pi * t ^ k_decay / t_initial ^ k_decay)),
                period=t_initial, mult=cycle_mul, decay=cycle_decay, floor=lr_min, limit=cycle_limit, decay_mode="peak")
       then constant(lr_min),
       t + if(warmup_prefix, 0, warmup_t))

## tanh decay with optional restarts and warmup (without warmup_prefix, the warmup rises to the curve's value at warmup_t); without warmup, epoch 0 keeps the optimizer's rate, since tanh(lb) is not -1
def timm.TanhLRScheduler(t_initial: integer >= 1, lb: number = -7, ub: number = 3, lr_min: number >= 0 = 0,
                         cycle_mul: number >= 1 = 1, cycle_decay: number > 0 = 1, cycle_limit: integer >= 1 = 1,
                         warmup_t: integer >= 0 = 0, warmup_lr_init: number >= 0 = 0, warmup_prefix: bool = false,
                         t_in_epochs: bool = true, noise_range_t: none = None, noise_pct: number = 0.67,
                         noise_std: number = 1, noise_seed: number = 42, initialize: bool = true) =
    if(warmup_t == 0, constant(base), warmup(warmup_t, from=warmup_lr_init, to=if(warmup_prefix, base, none))) for max(warmup_t, 1) then
    at(restarts(tanh_decay(T=t_initial, min=lr_min, lb=lb, ub=ub),
                period=t_initial, mult=cycle_mul, decay=cycle_decay, floor=lr_min, limit=cycle_limit, decay_mode="peak")
       then constant(lr_min),
       t + if(warmup_t == 0, 1, if(warmup_prefix, 0, warmup_t)))

## decays by decay_rate every decay_t epochs
def timm.StepLRScheduler(decay_t: integer >= 1, decay_rate: number > 0 = 1, warmup_t: integer >= 0 = 0,
                         warmup_lr_init: number >= 0 = 0, warmup_prefix: bool = true, t_in_epochs: bool = true,
                         noise_range_t: none = None, noise_pct: number = 0.67, noise_std: number = 1,
                         noise_seed: number = 42, initialize: bool = true) =
    warmup(warmup_t, from=warmup_lr_init, to=base) then
    at(step(size=decay_t, gamma=decay_rate), t + if(warmup_prefix, 0, warmup_t))

## decays by decay_rate at each epoch in decay_t, one epoch early: timm counts milestones <= t + 1
def timm.MultiStepLRScheduler(decay_t: durations, decay_rate: number > 0 = 1, warmup_t: integer >= 0 = 0,
                              warmup_lr_init: number >= 0 = 0, warmup_prefix: bool = true, t_in_epochs: bool = true,
                              noise_range_t: none = None, noise_pct: number = 0.67, noise_std: number = 1,
                              noise_seed: number = 42, initialize: bool = true) =
    warmup(warmup_t, from=warmup_lr_init, to=base) then
    at(multistep(milestones=decay_t, gamma=decay_rate), t + 1 + if(warmup_prefix, 0, warmup_t))

## polynomial decay with optional restarts, k-decay and warmup
def timm.PolyLRScheduler(t_initial: integer >= 1, power: number = 0.5, lr_min: number >= 0 = 0, cycle_mul: number >= 1 = 1,
                         cycle_decay: number > 0 = 1, cycle_limit: integer >= 1 = 1, warmup_t: integer >= 0 = 0,
                         warmup_lr_init: number >= 0 = 0, warmup_prefix: bool = false, t_in_epochs: bool = true,
                         noise_range_t: none = None, noise_pct: number = 0.67, noise_std: number = 1,
                         noise_seed: number = 42, k_decay: number > 0 = 1, initialize: bool = true) =
    warmup(warmup_t, from=warmup_lr_init, to=base) then
    at(restarts(lr_min + (base - lr_min) * (1 - t ^ k_decay / t_initial ^ k_decay) ^ power,
                period=t_initial, mult=cycle_mul, decay=cycle_decay, floor=lr_min, limit=cycle_limit, decay_mode="peak")
       then constant(lr_min),
       t + if(warmup_prefix, 0, warmup_t))

## torch's ReduceLROnPlateau after a warmup; note mode defaults to "max"
def timm.PlateauLRScheduler(decay_rate: number > 0 < 1 = 0.1, patience_t: integer >= 0 = 10, verbose: bool = true,
                            threshold: number >= 0 = 1e-4, cooldown_t: integer >= 0 = 0, warmup_t: integer >= 0 = 0,
                            warmup_lr_init: number >= 0 = 0, lr_min: number >= 0 = 0, mode: "min" | "max" = "max",
                            noise_range_t: none = None, noise_type: "normal" | "uniform" = "normal", noise_pct: number = 0.67,
                            noise_std: number = 1, noise_seed: number = None, initialize: bool = true) =
    warmup(warmup_t, from=warmup_lr_init, to=base) then
    reduce_on_plateau(factor=decay_rate, patience=patience_t, threshold=threshold, cooldown=cooldown_t, mode=mode, min=lr_min)

## warmup, stable, then a linear, cosine or 1-sqrt decay to lr_min over the last decay_t epochs of t_initial
def timm.WSDLRScheduler(t_initial: integer >= 1, decay_t: integer >= 1, lr_min: number >= 0 = 0,
                        stable_fn: "constant" = "constant", decay_fn: "linear" | "1-sqrt" | "cosine" = "1-sqrt",
                        warmup_t: integer >= 0 = 0, warmup_lr_init: number >= 0 = 0, t_in_epochs: bool = true,
                        noise_range_t: none = None, noise_pct: number = 0.67, noise_std: number = 1,
                        noise_seed: number = 42, initialize: bool = true) =
    warmup(warmup_t, from=warmup_lr_init, to=base) then
    wsd(warmup=0, stable=t_initial - decay_t, decay=decay_t, peak=base, min=lr_min, shape=decay_fn) then
    constant(lr_min)

# ---------------------------------------------------------------- optax
# optax schedules are functions of the step: lr[i] = schedule(i).

## a fixed value
def optax.constant_schedule(value: number) = constant(value)

## (init_value - end_value) * (1 - clip(t - transition_begin) / transition_steps) ^ power + end_value; init_value throughout when transition_steps <= 0
def optax.polynomial_schedule(init_value: number, end_value: number, power: number, transition_steps: integer,
                              transition_begin: integer >= 0 = 0) =
    if(transition_steps <= 0, init_value + 0 * t,
       (init_value - end_value) * (1 - min(max(t - transition_begin, 0), max(transition_steps, 1)) / max(transition_steps, 1)) ^ power + end_value)

## a line from init_value to end_value over transition_steps, after transition_begin
def optax.linear_schedule(init_value: number, end_value: number, transition_steps: integer,
                          transition_begin: integer >= 0 = 0) =
    optax.polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)

## init_value * decay_rate ^ ((t - transition_begin) / transition_steps), optionally stepped and bounded; init_value throughout when transition_steps <= 0 or decay_rate is 0
def optax.exponential_decay(init_value: number, transition_steps: integer, decay_rate: number,
                            transition_begin: integer >= 0 = 0, staircase: bool = false, end_value: number >= 0 = None) =
    if(transition_steps * decay_rate == 0, init_value + 0 * t,
       if(transition_steps < 0, init_value + 0 * t,
          at(exponential(gamma=if(decay_rate > 0, decay_rate, 1), from=init_value, every=max(transition_steps, 1), staircase=staircase,
                         end=end_value),
             max(t - transition_begin, 0))))

## cosine decay from init_value to alpha * init_value over decay_steps
def optax.cosine_decay_schedule(init_value: number, decay_steps: integer >= 1, alpha: number = 0, exponent: number = 1) =
    init_value * ((1 - alpha) * (0.5 * (1 + cos(pi * min(t, decay_steps) / decay_steps))) ^ exponent + alpha)

## linear warmup to peak_value, then cosine decay to end_value at decay_steps
def optax.warmup_cosine_decay_schedule(init_value: number, peak_value: number, warmup_steps: integer >= 0,
                                       decay_steps: integer >= 1, end_value: number = 0, exponent: number = 1) =
    chain([optax.linear_schedule(init_value, peak_value, max(warmup_steps, 1)),
           optax.cosine_decay_schedule(peak_value, decay_steps - warmup_steps, if(peak_value == 0, 0, end_value / peak_value), exponent)],
          at=[warmup_steps])

## linear warmup to peak_value, then exponential decay
def optax.warmup_exponential_decay_schedule(init_value: number, peak_value: number, warmup_steps: integer >= 0,
                                            transition_steps: integer >= 1, decay_rate: number > 0,
                                            transition_begin: integer >= 0 = 0, staircase: bool = false,
                                            end_value: number >= 0 = None) =
    chain([optax.linear_schedule(init_value, peak_value, max(warmup_steps, 1)),
           optax.exponential_decay(peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value)],
          at=[warmup_steps])

## linear warmup to peak_value, then constant
def optax.warmup_constant_schedule(init_value: number, peak_value: number, warmup_steps: integer >= 1) =
    optax.linear_schedule(init_value, peak_value, warmup_steps)

## init_value, multiplied by each scale from its boundary on
def optax.piecewise_constant_schedule(init_value: number, boundaries_and_scales: any = None) =
    piecewise(boundaries=keys(boundaries_and_scales), values=cumprod(init_value, values(boundaries_and_scales)))

## interpolation (linear or cosine) between the accumulated scaled values at the boundaries
def optax.piecewise_interpolate_schedule(interpolate_type: "linear" | "cosine", init_value: number,
                                         boundaries_and_scales: any = None) =
    interpolate(boundaries=[0] + keys(boundaries_and_scales), values=cumprod(init_value, values(boundaries_and_scales)),
                shape=interpolate_type)

## one-cycle with cosine interpolation
def optax.cosine_onecycle_schedule(transition_steps: integer >= 1, peak_value: number, pct_start: number = 0.3,
                                   div_factor: number = 25, final_div_factor: number = 1e4) =
    optax.piecewise_interpolate_schedule("cosine", peak_value / div_factor,
        {floor(pct_start * transition_steps): div_factor, transition_steps: 1 / (div_factor * final_div_factor)})

## one-cycle in three linear phases
def optax.linear_onecycle_schedule(transition_steps: integer >= 1, peak_value: number, pct_start: number = 0.3,
                                   pct_final: number = 0.85, div_factor: number = 25, final_div_factor: number = 1e4) =
    optax.piecewise_interpolate_schedule("linear", peak_value / div_factor,
        {floor(pct_start * transition_steps): div_factor, floor(pct_final * transition_steps): 1 / div_factor,
         transition_steps: 1 / final_div_factor})

## schedules one after another, switching at the boundaries
def optax.join_schedules(schedules: list, boundaries: durations) = chain(schedules, at=boundaries)

## optax's reduce_on_plateau: patience counts the firing evaluation itself, rtol and atol combine; patience 0 reduces at every evaluation out of cooldown, whatever the metric
def optax.contrib.reduce_on_plateau(factor: number > 0 < 1 = 0.1, patience: integer >= 0 = 10, rtol: number >= 0 <= 1 = 1e-4,
                                    atol: number >= 0 = 0, cooldown: integer >= 0 = 0, accumulation_size: integer >= 1 = 1,
                                    min_scale: number >= 0 = 0) =
    if(patience == 0,
       base * max(min_scale, factor ^ ceil(floor(t / accumulation_size) / (cooldown + 1))),
       reduce_on_plateau(factor=factor, patience=max(patience - 1, 0), threshold=rtol, atol=atol, cooldown=cooldown,
                         accumulate=accumulation_size, min=base * min_scale, eps=0))

# ---------------------------------------------------------------- keras
# keras.optimizers.schedules; functions of the step, computed in float32 by keras.
# The prelude follows keras' source, operation by operation (it divides before it
# multiplies: pi * (step / decay_steps)); XLA's float32 functions then differ from it
# by a few units in the last place, within the float32 tolerance the tests hold it to.

## initial_learning_rate * decay_rate ^ (step / decay_steps)
def keras.ExponentialDecay(initial_learning_rate: number, decay_steps: number > 0, decay_rate: number > 0,
                           staircase: bool = false, name: string = "ExponentialDecay") =
    exponential(gamma=decay_rate, from=initial_learning_rate, every=decay_steps, staircase=staircase)

## values[0] up to and including boundaries[0], and so on
def keras.PiecewiseConstantDecay(boundaries: durations, values: numbers, name: string = "PiecewiseConstant") =
    at(piecewise(boundaries=boundaries, values=values), t - 1)

## polynomial decay to end_learning_rate, optionally cycling
def keras.PolynomialDecay(initial_learning_rate: number, decay_steps: integer >= 1, end_learning_rate: number >= 0 = 1e-4,
                          power: number = 1, cycle: bool = false, name: string = "PolynomialDecay") =
    hold(polynomial(T=decay_steps, from=initial_learning_rate, to=end_learning_rate, power=power, cycle=cycle))

## initial_learning_rate / (1 + decay_rate * step / decay_steps)
def keras.InverseTimeDecay(initial_learning_rate: number, decay_steps: number > 0, decay_rate: number >= 0,
                           staircase: bool = false, name: string = "InverseTimeDecay") =
    inverse_time(rate=decay_rate, every=decay_steps, from=initial_learning_rate, staircase=staircase)

## optional linear warmup to warmup_target, then cosine decay to alpha times the start
def keras.CosineDecay(initial_learning_rate: number, decay_steps: integer >= 1, alpha: number = 0,
                      name: string = "CosineDecay", warmup_target: number = None, warmup_steps: integer >= 0 = 0) =
    warmup(warmup_steps, from=initial_learning_rate, to=coalesce(warmup_target, initial_learning_rate)) then
    float32(coalesce(warmup_target, initial_learning_rate)
            * ((1 - alpha) * (0.5 * (1 + cos(pi * (min(t, decay_steps) / decay_steps)))) + alpha))

## cosine decay with warm restarts; t_mul lengthens and m_mul shrinks each cycle (keras' own arithmetic, in float32)
def keras.CosineDecayRestarts(initial_learning_rate: number, first_decay_steps: integer >= 1, t_mul: number >= 1 = 2,
                              m_mul: number > 0 = 1, alpha: number >= 0 = 0, name: string = "SGDRDecay") =
    (lambda done:
        (lambda i:
            float32(initial_learning_rate * ((1 - alpha) * (0.5 * m_mul ^ i
                * (1 + cos(pi * if(t_mul == 1, done - i, (done - (1 - t_mul ^ i) / (1 - t_mul)) / t_mul ^ i)))) + alpha)))(
            if(t_mul == 1, floor(done), floor(log(1 - done * (1 - t_mul)) / log(t_mul)))))(t / first_decay_steps)

## a rise from warmup_min_lr to warmup_max_lr (the optimizer's rate when None) over warmup_num_steps, log or linear
def deepspeed.WarmupLR(warmup_min_lr: number >= 0 = 0, warmup_max_lr: number >= 0 = None, warmup_num_steps: integer >= 1 = 1000,
                       warmup_type: "log" | "linear" = "log") =
    (lambda W, top:
        ((warmup_min_lr + (top - warmup_min_lr)
            * if(warmup_type == "log", 1 / log(W) * log(max(t - 1, 0) + 1), max(t - 1, 0) / W)
            for W + 1) then
         constant(warmup_min_lr + (top - warmup_min_lr) * 1)))(max(2, warmup_num_steps), coalesce(warmup_max_lr, base))

## WarmupLR, then a linear decay to 0 at total_num_steps; warmup_max_lr defaults to 0.001, not the optimizer's rate
def deepspeed.WarmupDecayLR(total_num_steps: integer >= 1, warmup_min_lr: number >= 0 = 0, warmup_max_lr: number >= 0 = 0.001,
                            warmup_num_steps: integer >= 1 = 1000, warmup_type: "log" | "linear" = "log") =
    (lambda W:
        (deepspeed.WarmupLR(warmup_min_lr, warmup_max_lr, warmup_num_steps, warmup_type) for W + 1 then
         warmup_min_lr + (warmup_max_lr - warmup_min_lr)
            * max(0, (total_num_steps - (W + t)) / max(1, total_num_steps - W))))(max(2, warmup_num_steps))

## a rise from base * warmup_min_ratio to base, then a cosine to base * cos_min_ratio at total_num_steps; lr[0] is 0
def deepspeed.WarmupCosineLR(total_num_steps: integer >= 1, warmup_min_ratio: number >= 0 = 0, warmup_num_steps: integer >= 1 = 1000,
                             cos_min_ratio: number >= 0 = 0.0001, warmup_type: "log" | "linear" = "log") =
    (lambda W:
        (0 for 1 then
         (base * (warmup_min_ratio + if(warmup_type == "log", 1 / log(W) * log(t + 1), t / W) * (1 - warmup_min_ratio))
            for W) then
         base * max(0, cos_min_ratio + (1 - cos_min_ratio) * ((1 + cos(pi * min(1, (t + 1) / max(1, total_num_steps - W)))) / 2))))(max(2, warmup_num_steps))

## the rate grown from lr_range_test_min_lr by lr_range_test_step_rate every lr_range_test_step_size steps (LR range test)
def deepspeed.LRRangeTest(lr_range_test_min_lr: number >= 0 = 0.001, lr_range_test_step_size: integer >= 1 = 2000,
                          lr_range_test_step_rate: number = 1, lr_range_test_staircase: bool = false) =
    lr_range_test_min_lr * (1 + lr_range_test_step_rate * if(lr_range_test_staircase,
        floor(t / lr_range_test_step_size), t / lr_range_test_step_size))

## one cycle from cycle_min_lr up to cycle_max_lr and back (momentum the other way, with Adam's betas), then a decay
def deepspeed.OneCycle(cycle_min_lr: number >= 0, cycle_max_lr: number >= 0, decay_lr_rate: number >= 0 = 0,
                       cycle_first_step_size: integer >= 1 = 2000, cycle_second_step_size: integer >= 1 = None,
                       cycle_first_stair_count: integer >= 0 = 0, cycle_second_stair_count: integer >= 0 = None,
                       decay_step_size: integer >= 0 = 0, cycle_momentum: bool = true, cycle_min_mom: number >= 0 = 0.8,
                       cycle_max_mom: number >= 0 = 0.9, decay_mom_rate: number >= 0 = 0) =
    (lambda F, S, up, down:
        (lambda scale:
            (lambda rate:
                if(cycle_momentum,
                   with_momentum(rate,
                       (cycle_min_mom for 1 then
                        at(cycle_max_mom - (cycle_max_mom - cycle_min_mom) * scale, t + 1) for F + S then
                        if(decay_step_size * decay_mom_rate == 0, constant(cycle_max_mom),
                           cycle_max_mom * (1 + decay_mom_rate * ((t + 1) / decay_step_size))))),
                   rate))(
             (cycle_min_lr + (cycle_max_lr - cycle_min_lr) * scale then
              if(decay_step_size * decay_lr_rate == 0, constant(cycle_min_lr),
                 cycle_min_lr / (1 + decay_lr_rate * ((t + 1) / decay_step_size))))))(
         (if(up > 0, floor(t * up / F) / max(up, 1), (t / (F + S)) / (F / (F + S))) for F + 1) then
         (if(down > 0, floor((S - 1 - t) * down / S) / max(down, 1), ((F + 1 + t) / (F + S) - 1) / (F / (F + S) - 1)) for S - 1) then
         (0 for 1)))(cycle_first_step_size, coalesce(cycle_second_step_size, cycle_first_step_size), cycle_first_stair_count,
     coalesce(cycle_second_stair_count, cycle_first_stair_count))
# ---------------------------------------------------------------- composer
# composer.optim: multipliers of the optimizer's rate, functions of the batch.
# Times are strings: '100ba' batches, '2ep' epochs (steps_per_epoch is the
# dataloader's length), '0.1dur' of the run (total is max_duration), rounded
# down as Composer does. Composer's Trainer applies each rate one batch late.

## alpha until t_max, then 1
def composer.ConstantScheduler(alpha: number >= 0 = 1, t_max: any = "1dur") =
    base * piecewise(boundaries=[timestring(t_max)], values=[alpha, 1])

## a line from alpha_i to alpha_f over t_max, then alpha_f
def composer.LinearScheduler(alpha_i: number >= 0 = 1, alpha_f: number >= 0 = 0, t_max: any = "1dur") =
    base * (alpha_i + min(1, t / timestring(t_max)) * (alpha_f - alpha_i))

## gamma ^ (t / decay_period)
def composer.ExponentialScheduler(gamma: number > 0, decay_period: any = "1ep") =
    base * gamma ^ (t / timestring(decay_period))

## gamma ^ floor(t / step_size)
def composer.StepScheduler(step_size: any, gamma: number > 0 = 0.1) =
    base * gamma ^ floor(t / timestring(step_size))

## gamma for every milestone reached
def composer.MultiStepScheduler(milestones: list, gamma: number > 0 = 0.1) =
    multistep(milestones=timestring(milestones), gamma=gamma)

## half a cosine from 1 to alpha_f over t_max, then alpha_f
def composer.CosineAnnealingScheduler(t_max: any = "1dur", alpha_f: number >= 0 = 0) =
    base * (alpha_f + (1 - alpha_f) * (1 + cos(min(t / timestring(t_max), 1) * pi)) / 2)

## cosine annealing restarted after t_0, each interval int(t_mult) times the last
def composer.CosineAnnealingWarmRestartsScheduler(t_0: any, t_mult: number >= 1 = 1, alpha_f: number >= 0 = 0) =
    restarts(base * (alpha_f + (1 - alpha_f) * (1 + cos(t / timestring(t_0) * pi)) / 2),
             period=timestring(t_0), mult=t_mult)

## (1 - t / t_max) ^ power from 1 to alpha_f
def composer.PolynomialScheduler(power: number, t_max: any = "1dur", alpha_f: number >= 0 = 0) =
    base * (alpha_f + (1 - min(t / timestring(t_max), 1)) ^ power * (1 - alpha_f))

## a linear warmup over t_warmup, then gamma for every milestone reached
def composer.MultiStepWithWarmupScheduler(t_warmup: any, milestones: list, gamma: number > 0 = 0.1, scale_warmup: bool = false) =
    base * (t / timestring(t_warmup)) for timestring(t_warmup) then
    at(multistep(milestones=timestring(milestones), gamma=gamma), t + timestring(t_warmup))

## a linear warmup over t_warmup to alpha, then alpha until t_max, then 1
def composer.ConstantWithWarmupScheduler(t_warmup: any, alpha: number >= 0 = 1, t_max: any = "1dur", scale_warmup: bool = false) =
    base * (min(1, t / timestring(t_warmup)) * alpha) for timestring(t_warmup) then
    at(base * piecewise(boundaries=[timestring(t_max)], values=[alpha, 1]), t + timestring(t_warmup))

## a linear warmup over t_warmup to alpha_i, then a line to alpha_f at t_max
def composer.LinearWithWarmupScheduler(t_warmup: any, alpha_i: number >= 0 = 1, alpha_f: number >= 0 = 0, t_max: any = "1dur",
                                       scale_warmup: bool = false) =
    base * (min(1, t / timestring(t_warmup)) * alpha_i) for timestring(t_warmup) then
    base * (alpha_i + min(1, t / (timestring(t_max) - timestring(t_warmup))) * (alpha_f - alpha_i))

## a linear warmup over t_warmup, then half a cosine to alpha_f at t_max
def composer.CosineAnnealingWithWarmupScheduler(t_warmup: any, t_max: any = "1dur", alpha_f: number >= 0 = 0, scale_warmup: bool = false) =
    base * (t / timestring(t_warmup)) for timestring(t_warmup) then
    base * (alpha_f + (1 - alpha_f) * (1 + cos(min(t / (timestring(t_max) - timestring(t_warmup)), 1) * pi)) / 2)

## a linear warmup over t_warmup, then (1 - tau) ^ power to alpha_f at t_max
def composer.PolynomialWithWarmupScheduler(t_warmup: any, power: number = 2, t_max: any = "1dur", alpha_f: number >= 0 = 0,
                                           scale_warmup: bool = false) =
    base * (t / timestring(t_warmup)) for timestring(t_warmup) then
    base * (alpha_f + (1 - min(t / (timestring(t_max) - timestring(t_warmup)), 1)) ^ power * (1 - alpha_f))
# ---------------------------------------------------------------- fvcore
# fvcore.common.param_scheduler (detectron2's schedulers): values over the
# fraction of the run, where = t / total (max_iter), as detectron2's
# LRMultiplier applies them: base times the scheduler's value.

## a fixed value
def fvcore.ConstantParamScheduler(value: number) = base * value

## half a cosine from start_value to end_value over the run
def fvcore.CosineParamScheduler(start_value: number, end_value: number) =
    base * (end_value + 0.5 * (start_value - end_value) * (1 + cos(pi * (t / run_length()))))

## start_value * decay ^ where
def fvcore.ExponentialParamScheduler(start_value: number, decay: number > 0) =
    base * (start_value * decay ^ (t / run_length()))

## a line from start_value to end_value over the run
def fvcore.LinearParamScheduler(start_value: number, end_value: number) =
    base * (end_value * (t / run_length()) + start_value * (1 - t / run_length()))

## values[i] from milestone i on, milestones counted in num_updates over the run (evenly split when omitted)
def fvcore.MultiStepParamScheduler(values: numbers, num_updates: integer >= 1 = None, milestones: durations = None) =
    base * milestone_values(values, num_updates, milestones)

## base_value * (1 - where) ^ power
def fvcore.PolynomialDecayParamScheduler(base_value: number, power: number) =
    base * (base_value * (1 - t / run_length()) ^ power)

## values split evenly over the run (num_updates is not used)
def fvcore.StepParamScheduler(num_updates: integer >= 1 = None, values: numbers = None) =
    base * milestone_values(values, len(values), range(1, len(values)))

## base_value decayed by gamma num_decays times, evenly over the run
def fvcore.StepWithFixedGammaParamScheduler(base_value: number, num_decays: integer >= 1, gamma: number > 0, num_updates: integer >= 1) =
    base * (base_value * gamma ^ floor((t / run_length() + 1e-6) * (num_decays + 1)))

## schedulers over consecutive fractions of the run, each seeing its own fraction (rescaled) or the run's (fixed)
def fvcore.CompositeParamScheduler(schedulers: list, lengths: numbers, interval_scaling: list) =
    composite(schedulers, lengths, interval_scaling)
# ---------------------------------------------------------------- mmengine
# mmengine.optim, as ParamSchedulerHook steps them: each scheduler runs on its
# own clock from begin to end (epochs when by_epoch, the default; iterations
# otherwise), untouched before begin and frozen from end on. Lengths follow
# MMEngine's end - 1 convention: the last change is at end - 1. Stepping by
# epoch needs steps_per_epoch, the epoch's length in iterations.

## a line from base * start_factor to base * end_factor, reached at end - 1
def mmengine.LinearLR(start_factor: number > 0 <= 1 = 1 / 3, end_factor: number >= 0 <= 1 = 1, begin: integer >= 0 = 0,
                      end: integer >= 1 = None, last_step: integer >= -1 <= -1 = -1, by_epoch: bool = true, verbose: bool = false) =
    span(if(end == none, base * start_factor,
            base * (start_factor + (end_factor - start_factor) * (min(t, end - begin - 1) / max(1, end - begin - 1)))),
         begin, end, by_epoch)

## base * factor until end - 1, then base
def mmengine.ConstantLR(factor: number > 0 <= 1 = 1 / 3, begin: integer >= 0 = 0, end: integer >= 1 = None,
                        last_step: integer >= -1 <= -1 = -1, by_epoch: bool = true, verbose: bool = false) =
    span(if(end == none, base * factor, base * piecewise(boundaries=[end - begin - 1], values=[factor, 1])), begin, end, by_epoch)

## half a cosine to eta_min (or base * eta_min_ratio) over T_max, and back up past it
def mmengine.CosineAnnealingLR(T_max: integer >= 1, eta_min: number >= 0 = None, begin: integer >= 0 = 0, end: integer >= 1 = None,
                               last_step: integer >= -1 <= -1 = -1, by_epoch: bool = true, verbose: bool = false,
                               eta_min_ratio: number >= 0 = None) =
    span(cosine(T=T_max, min=coalesce(eta_min, base * eta_min_ratio, 0), periodic=true), begin, end, by_epoch)

## decays by gamma every tick
def mmengine.ExponentialLR(gamma: number > 0, begin: integer >= 0 = 0, end: integer >= 1 = None,
                           last_step: integer >= -1 <= -1 = -1, by_epoch: bool = true, verbose: bool = false) =
    span(exponential(gamma=gamma), begin, end, by_epoch)

## decays by gamma at each milestone (a repeat decays twice)
def mmengine.MultiStepLR(milestones: durations, gamma: number > 0 = 0.1, begin: integer >= 0 = 0, end: integer >= 1 = None,
                         last_step: integer >= -1 <= -1 = -1, by_epoch: bool = true, verbose: bool = false) =
    span(multistep(milestones=milestones, gamma=gamma), begin, end, by_epoch)

## decays by gamma every step_size ticks
def mmengine.StepLR(step_size: integer >= 1, gamma: number > 0 = 0.1, begin: integer >= 0 = 0, end: integer >= 1 = None,
                    last_step: integer >= -1 <= -1 = -1, by_epoch: bool = true, verbose: bool = false) =
    span(step(size=step_size, gamma=gamma), begin, end, by_epoch)

## (base - eta_min) * (1 - t / (end - begin - 1)) ^ power + eta_min
def mmengine.PolyLR(eta_min: number >= 0 = 0, power: number >= 0 = 1, begin: integer >= 0 = 0, end: integer >= 1 = None,
                    last_step: integer >= -1 <= -1 = -1, by_epoch: bool = true, verbose: bool = false) =
    span(eta_min + (base - eta_min) * (1 - min(t, end - begin - 1) / max(1, end - begin - 1)) ^ power, begin, end, by_epoch)

## the one-cycle policy, without momentum (pair it with a momentum scheduler)
def mmengine.OneCycleLR(eta_max: number > 0, total_steps: integer >= 2 = None, pct_start: number > 0 < 1 = 0.3,
                        anneal_strategy: "cos" | "linear" = "cos", div_factor: number > 0 = 25, final_div_factor: number > 0 = 1e4,
                        three_phase: bool = false, begin: integer >= 0 = 0, end: integer >= 1 = None,
                        last_step: integer >= -1 <= -1 = -1, by_epoch: bool = true, verbose: bool = false) =
    span(onecycle(total=coalesce(total_steps, end - begin), max=eta_max, pct_start=pct_start, shape=anneal_strategy,
                  three_phase=three_phase, div=div_factor, final_div=final_div_factor, cycle_momentum=false),
         begin, end, by_epoch)

## a cosine per period, restarting at base * its weight; after the last period the rate is left as it is
def mmengine.CosineRestartLR(periods: durations, restart_weights: numbers = [1], eta_min: number >= 0 = None,
                             eta_min_ratio: number >= 0 = None, begin: integer >= 0 = 0, end: integer >= 1 = None,
                             last_step: integer >= -1 <= -1 = -1, by_epoch: bool = true, verbose: bool = false) =
    span(cosine_periods(periods, restart_weights, min=coalesce(eta_min, base * eta_min_ratio, 0)), begin, end, by_epoch)

## torch's ReduceLROnPlateau, stepped by epoch with the monitored metric
def mmengine.ReduceOnPlateauLR(monitor: string = "loss", rule: "less" | "greater" = "less", factor: number > 0 < 1 = 0.1,
                               patience: integer >= 0 = 10, threshold: number >= 0 = 1e-4, threshold_rule: "rel" | "abs" = "rel",
                               cooldown: integer >= 0 = 0, min_value: number >= 0 = 0, eps: number >= 0 = 1e-8,
                               begin: integer >= 0 <= 0 = 0, end: none = None, last_step: integer >= -1 <= -1 = -1,
                               by_epoch: bool = true, verbose: bool = false) =
    reduce_on_plateau(factor=factor, patience=patience, threshold=threshold, threshold_mode=threshold_rule,
                      mode=if(rule == "less", "min", "max"), cooldown=cooldown, min=min_value, eps=eps)
"""#
}
