"""The trainer adapters of the Python runtime: torch's LRScheduler, the
transformers TrainerCallback, Lightning's configure_optimizers and the Keras
callback, each over a module's Schedule. Sections as in nodes.py; torch,
transformers, lightning and keras are imported only when an adapter is made.
"""


# ramp-section: torch
def _signal_files(spec, known):
    """The files whose appearance raises a signal, by signal name: from one
    path (named after its file, without the extension) or a map of names to paths."""
    if spec is None:
        return {}
    if isinstance(spec, dict):
        files = {str(k): str(v) for k, v in spec.items()}
    else:
        import os
        path = os.fspath(spec)
        files = {os.path.splitext(os.path.basename(path))[0]: path}
    for name in files:
        if name not in known:
            listed = ", ".join(f"'{n}'" for n in known) or "none"
            raise ValueError(f"signal_file raises {name!r}, which this schedule does not wait for (its signals: {listed})")
    return files


def _raise_from_files(files, signal):
    """Raises the signal of each file in `files` (name -> path) that has
    appeared, once: the file is then forgotten."""
    import os
    for name, path in list(files.items()):
        if os.path.exists(path):
            del files[name]
            signal(name)


class _StepCount:
    """Counts the optimizer's real steps: a step post-hook, which a step that
    GradScaler skips (inf or NaN gradients) never reaches. Picklable, and not
    pickled with the optimizer (torch leaves hooks out of its state)."""

    def __init__(self):
        self.n = 0

    def __call__(self, optimizer, args, kwargs):
        self.n += 1


def _all_reduce(metric, how):
    """The metric agreed on by every rank: their mean, min or max, or None
    when no rank fed one. Every rank takes part in this one collective at
    every step, with a metric or without: ranks that disagree on whether the
    step has one all get Ramp's error, rather than one rank waiting in a
    collective the others never join."""
    import torch
    import torch.distributed as dist
    world = dist.get_world_size()
    mine = torch.tensor([0.0 if metric is None else 1.0, 0.0 if metric is None else float(metric)], dtype=torch.float64)
    parts = [torch.zeros(2, dtype=torch.float64) for _ in range(world)]
    dist.all_gather(parts, mine)
    fed = [r for r, p in enumerate(parts) if p[0].item() == 1.0]
    if not fed:
        return None
    if len(fed) < world:
        missing = [r for r in range(world) if r not in fed]
        raise ValueError(f"under torch.distributed every rank feeds a step's metric, or none does: rank(s) {fed} fed "
                         f"one and rank(s) {missing} did not; call step(metric) on every rank, each with its own metric "
                         "(sync=None keeps each rank's own)")
    values = [parts[r][1].item() for r in fed]
    if how == "mean":
        total = 0.0
        for v in values:
            total += v
        return total / world
    return min(values) if how == "min" else max(values)


def _torch_class(schedule_class, module):
    """The module's TorchScheduler class, made once, when first asked for, so
    that the module imports torch only then. It is the module's attribute
    `TorchScheduler`, so schedulers pickle and torch.save them."""
    cls = schedule_class.__dict__.get("_torch_class")
    if cls is not None:
        return cls
    from torch.optim.lr_scheduler import LRScheduler

    class TorchScheduler(LRScheduler):
        """This schedule as a torch.optim.lr_scheduler.LRScheduler.

        Each parameter group's initial lr is its base. Call step() after
        optimizer.step(), or step(metric) when the schedule reacts to a metric.

        - follow_optimizer=True: the schedule advances only past steps where
          the optimizer really stepped (GradScaler's skipped steps, or
          accumulation micro-batches, do not count); False keeps torch's
          behaviour, where every step() call advances. A metric given on a
          step that does not advance is kept for the next one that does.
        - metric_optional=False: on a metric-driven schedule, step() without a
          metric raises, as ReduceLROnPlateau does; step(without_metric=True)
          declares a step with no evaluation.
        - sync="mean": under torch.distributed, every rank's metric is
          all-reduced ("mean", "min" or "max"; None to opt out) before any
          condition sees it, so all ranks decide alike on the same step.
          Every rank must then pass a metric on the same steps, and the
          process group must exist when the scheduler is made.

        A scheduled momentum is written to each group's `momentum`, or to
        `betas[0]` for Adam and its kin; `beta2` to `betas[1]` and
        `weight_decay` to `weight_decay`. Other outputs (`ema`, `batch_size`,
        any name) are read with value(name). `finished` tells the loop to stop.

        signal(name) raises a signal during the current step. With
        signal_file, a file appearing raises one: a path (the signal is the
        file's name without its extension) or a map from signal names to
        paths, looked for at most once every `signal_every` steps, so a person
        can decide mid-run with `touch`. Each file raises its signal once.
        """

        def __init__(self, optimizer, follow_optimizer=True, metric_optional=False, sync="mean",
                     signal_file=None, signal_every=10):
            if sync not in ("mean", "min", "max", None):
                raise ValueError(f"sync must be 'mean', 'min', 'max' or None, got {sync!r}")
            self._signal_files = _signal_files(signal_file, schedule_class.SIGNALS)
            self.signal_every = max(1, int(signal_every))
            self.follow_optimizer = follow_optimizer
            self.metric_optional = metric_optional
            self.sync = sync
            self.schedules = None
            self._pending = None
            self._counter = _StepCount()
            self._seen = 0
            self._hook = optimizer.register_step_post_hook(self._counter)
            self._ranks = _distributed()
            self._needs_metric = schedule_class.USES_METRIC and not metric_optional
            self._defer = False
            self._deferred = False
            super().__init__(optimizer)

        def _initial_step(self):
            # What LRScheduler's constructor calls: step 0 of a new schedule per group.
            self.schedules = [schedule_class(base=float(b)) for b in self.base_lrs]
            self._check_momentum()
            self._routes = self._group_routes()
            self._rate_only = self._only_rate()
            self._plain = self._rate_only and not self._signal_files and not self._ranks
            self._step_count = 1
            self.last_epoch += 1
            self._apply()

        def signal(self, name):
            """Raises a signal during the current step, in every parameter group's schedule."""
            for s in self.schedules:
                s.signal(name)

        def step(self, metric=None, *, without_metric=False):
            if metric is not None and self._plain and not self._defer:
                # The common case, shortest: one group's rate alone, a metric, no signal files, one process.
                # The schedule reads the metric as a float.
                n = self._counter.n
                if n == self._seen and self.follow_optimizer:
                    self._pending = float(metric)
                    return
                self._seen = n
                self._pending = None
                self.optimizer.param_groups[0]["lr"] = lr = self.schedules[0].step(metric)
                self._last_lr = [lr]
                self.last_epoch += 1
                self._step_count += 1
                return
            if self._signal_files and self._step_count % self.signal_every == 0 and not self._deferred:
                _raise_from_files(self._signal_files, self.signal)
            if metric is None and self._defer and not without_metric:
                # A trainer that evaluates after stepping (hf_callback): the
                # step ends when its evaluation, or the lack of one, is known.
                self._deferred = True
                return
            if self._ranks and self.sync is not None and (metric is not None or schedule_class.USES_METRIC):
                # Every rank, metric or not, so that a rank that feeds none is told rather than left waiting.
                metric = _all_reduce(metric, self.sync)
            elif metric is not None:
                # A plain float (a tensor's value), so the saved state stays plain data.
                metric = float(metric)
            n = self._counter.n
            if n == self._seen and self.follow_optimizer:
                # The optimizer did not step: the schedule stays where it is.
                if metric is not None:
                    self._pending = metric
                return
            if metric is None:
                metric = self._pending
                if metric is None and self._needs_metric and not without_metric:
                    raise ValueError("this schedule reacts to a metric: call step(metric), or step(without_metric=True) "
                                     "on a step without an evaluation (or pass metric_optional=True)")
            self._seen = n
            self._pending = None
            schedules = self.schedules
            if self._rate_only:
                # One group, and a rate alone: the most common case, shortest.
                self.optimizer.param_groups[0]["lr"] = lr = schedules[0].step(metric)
                self._last_lr = [lr]
            elif len(schedules) == 1 and not self._routes:
                # One group, the common case, without the loops.
                s = schedules[0]
                self.optimizer.param_groups[0]["lr"] = lr = s.step(metric)
                self._last_lr = [lr]
                if s.momentum is not None:
                    self._set_momentum(self.optimizer.param_groups[0], s.momentum)
                if s._names:
                    self._set_outputs(self.optimizer.param_groups[0], s)
            else:
                for s in schedules:
                    s.step(metric)
                self._apply()
            self.last_epoch += 1
            self._step_count += 1

        def _only_rate(self):
            """True when there is one group and the schedule sets its rate alone."""
            s = self.schedules
            return len(s) == 1 and not self._routes and s[0].momentum is None and not s[0]._names

        def end_deferred_step(self, metric=None):
            """Ends a step that step() left open, with its evaluation's metric or none."""
            if self._deferred:
                self._deferred = False
                self.step(metric, without_metric=metric is None)

        def _open_step_finishes(self):
            """True when the step left open finishes the schedule whatever its evaluation gives."""
            return self._deferred and all(s._ends_without_metric() for s in self.schedules)

        def _apply(self):
            groups = self.optimizer.param_groups
            if self._routes:
                self._apply_routes(groups)
                return
            if len(groups) == 1:
                # One group, the common case, without the loop.
                s = self.schedules[0]
                group = groups[0]
                group["lr"] = lr = s.lr
                self._last_lr = [lr]
                if s.momentum is not None:
                    self._set_momentum(group, s.momentum)
                if s._names:
                    self._set_outputs(group, s)
                return
            lrs = []
            for group, s in zip(groups, self.schedules):
                group["lr"] = lr = s.lr
                lrs.append(lr)
                if s.momentum is not None:
                    self._set_momentum(group, s.momentum)
                if s._names:
                    self._set_outputs(group, s)
            self._last_lr = lrs

        @staticmethod
        def _set_momentum(group, m):
            if "betas" in group:
                group["betas"] = (m, *group["betas"][1:])
            else:
                group["momentum"] = m

        @classmethod
        def _set_outputs(cls, group, s):
            # The outputs an optimizer has a field for; the rest are read with value().
            for name, v in zip(s._names, s._values):
                cls._set_field(group, name, v)

        @staticmethod
        def _set_field(group, name, v):
            """Writes output `name` to its field in a parameter group, when it has one."""
            if name == "weight_decay":
                group["weight_decay"] = v
            elif name == "beta2":
                group["betas"] = (group["betas"][0], v, *group["betas"][2:])

        def _group_routes(self):
            """For each parameter group, the outputs it takes from a group of
            the program's own (`lr[backbone]` by its `name`, `lr[0]` by its
            index) instead of the default; refuses a program group the
            optimizer does not have. Empty when the program has no groups."""
            keys = [n for n in self.schedules[0]._names if "[" in n]
            if not keys:
                return []
            groups = self.optimizer.param_groups
            names = [g.get("name") for g in groups]
            wanted = list(dict.fromkeys(key[key.index("[") + 1:-1] for key in keys))
            missing = [g for g in wanted if not g.isdigit() and g not in names]
            if missing:
                named = ", ".join(repr(n) for n in names if n is not None) or "none of them"
                raise ValueError(f"the program schedules parameter group{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(repr(g) for g in missing)}, but the optimizer's {len(groups)} group"
                                 f"{'s are' if len(groups) != 1 else ' is'} named: {named} (name a group with "
                                 f"{{'params': ..., 'name': {missing[0]!r}}})")
            beyond = [g for g in wanted if g.isdigit() and int(g) >= len(groups)]
            if beyond:
                raise ValueError(f"the program schedules parameter group {beyond[0]}, but the optimizer has {len(groups)} "
                                 f"group{'s' if len(groups) != 1 else ''}, numbered from 0")
            routes = []
            for i, g in enumerate(groups):
                route = {}
                for base in ("lr", "momentum", "beta2", "weight_decay"):
                    for key in (f"{base}[{g.get('name')}]", f"{base}[{i}]"):
                        if key in keys:
                            route[base] = key
                            break
                routes.append(route)
            return routes

        def _apply_routes(self, groups):
            lrs = []
            for group, s, route in zip(groups, self.schedules, self._routes):
                values = s.values
                group["lr"] = lr = values[route.get("lr", "lr")]
                lrs.append(lr)
                m = values.get(route.get("momentum", "momentum"))
                if m is not None:
                    self._set_momentum(group, m)
                for base in ("beta2", "weight_decay"):
                    v = values.get(route.get(base, base))
                    if v is not None:
                        self._set_field(group, base, v)
            self._last_lr = lrs

        def value(self, name, group=0):
            """Output `name` (`lr`, `momentum`, `ema`, ...) for the current step, in parameter group `group`."""
            return self.schedules[group].value(name)

        def get_lr(self):
            return list(self._last_lr)

        @property
        def finished(self):
            """True once the schedule has ended: a training loop can stop."""
            return all(s.finished for s in self.schedules)

        def _check_momentum(self):
            names = self.schedules[0]._names
            for group in self.optimizer.param_groups:
                if self.schedules[0].momentum is not None and "momentum" not in group and "betas" not in group:
                    raise ValueError("this schedule sets momentum, "
                                     "but the optimizer has neither `momentum` nor `betas`")
                if "beta2" in names and "betas" not in group:
                    raise ValueError(f"this schedule sets beta2, but {type(self.optimizer).__name__} has no `betas`")
                if "weight_decay" in names and "weight_decay" not in group:
                    raise ValueError(f"this schedule sets weight_decay, but {type(self.optimizer).__name__} has no `weight_decay`")

        def state_dict(self):
            """Plain data only, so torch.load(..., weights_only=True) reads it."""
            skip = ("optimizer", "schedules", "_counter", "_hook", "_ranks", "_needs_metric", "_routes", "_signal_files",
                    "_rate_only", "_plain")
            state = {k: v for k, v in self.__dict__.items() if k not in skip}
            state["schedules"] = [s.state_dict() for s in self.schedules]
            return state

        def load_state_dict(self, state_dict, replay=False):
            """Restores state_dict(); with replay, a state saved under another
            program (an edited schedule) is rebuilt by replaying its log, and
            the line saying how the rate moved is returned. Each group's state is
            checked and loaded into a new schedule first, so a refusal leaves
            the scheduler as it was."""
            state = dict(state_dict)
            saved = state.pop("schedules")
            bases = state["base_lrs"] if "base_lrs" in state else self.base_lrs
            schedules = [schedule_class(base=float(b)) for b in bases]
            reports = [s.load_state_dict(d, replay=replay) for s, d in zip(schedules, saved, strict=True)]
            self.__dict__.update(state)
            self.schedules = schedules
            self._routes = self._group_routes()
            self._rate_only = self._only_rate()
            self._plain = self._rate_only and not self._signal_files and not self._ranks
            # Steps the optimizer takes from here on are new.
            self._seen = self._counter.n
            self._apply()
            return reports[0]

        def __getstate__(self):
            state = self.state_dict()
            state["optimizer"] = self.optimizer
            return state

        def __setstate__(self, state):
            state = dict(state)
            self._signal_files = {}
            self.optimizer = state.pop("optimizer")
            self._counter = _StepCount()
            self._hook = self.optimizer.register_step_post_hook(self._counter)
            self._ranks = _distributed()
            self._needs_metric = schedule_class.USES_METRIC and not state.get("metric_optional", False)
            self.load_state_dict(state)

    TorchScheduler.__module__ = module
    TorchScheduler.__qualname__ = "TorchScheduler"
    schedule_class._torch_class = TorchScheduler
    return TorchScheduler


def _hf_callback(scheduler, metric=None):
    """A transformers TrainerCallback for a TorchScheduler that the Trainer
    steps (Trainer(optimizers=(optimizer, scheduler), callbacks=[...])).

    The Trainer steps its scheduler before it evaluates, and gives the metric
    only to ReduceLROnPlateau. With this callback the step stays open until
    the evaluation of that step is known, so the schedule sees the metric
    (`metric`, else `metric_for_best_model`, else the eval loss) at the end
    of the step it measured, as `ramp table --metrics` does; training stops
    when the schedule finishes. transformers is imported only here."""
    from transformers import TrainerCallback

    class RampCallback(TrainerCallback):
        def __init__(self):
            self.scheduler = scheduler
            self.metric = metric

        def _key(self, args):
            name = self.metric or args.metric_for_best_model or "loss"
            return name if name.startswith("eval_") else "eval_" + name

        def on_train_begin(self, args, state, control, **kwargs):
            self.scheduler._defer = True

        def on_step_end(self, args, state, control, **kwargs):
            # An evaluation follows when the flow asked for one, or at the end
            # of an epoch under eval_strategy="epoch".
            epoch_eval = str(getattr(args, "eval_strategy", "")).endswith("epoch") and state.epoch == int(state.epoch)
            if not (control.should_evaluate or epoch_eval):
                self._end(None, control)

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            if self.scheduler._deferred:
                value = (metrics or {}).get(self._key(args))
                if value is None:
                    raise KeyError(f"the evaluation gave no {self._key(args)!r} for the schedule; "
                                   f"it gave {sorted(metrics or {})}: pass hf_callback(scheduler, metric=...)")
                self._end(value, control)

        def on_train_end(self, args, state, control, **kwargs):
            self.scheduler.end_deferred_step()
            self.scheduler._defer = False

        def _end(self, value, control):
            self.scheduler.end_deferred_step(value)
            if self.scheduler.finished:
                control.should_training_stop = True

    return RampCallback()


def _lightning(schedule_class, module, optimizer, interval="step", monitor="val_loss", **options):
    """The dict a LightningModule's configure_optimizers returns, with this
    schedule as its scheduler, stepped every `interval` ("step" or "epoch").

    Lightning steps a scheduler before it validates, and gives a monitored
    metric only to plateau schedulers, again at every step whether or not it
    is new. So the scheduler's step stays open until it is known whether a
    validation measured it: a callback that this call puts first among the
    trainer's callbacks ends it with `monitor` when a validation ran (a fresh
    value only), or without a metric when the next batch starts, and stops
    fit when the schedule finishes. lightning is imported only here."""
    import lightning.pytorch as pl
    scheduler = _torch_class(schedule_class, schedule_class.__module__)(optimizer, **options)
    scheduler._defer = True

    class RampLightningCallback(pl.Callback):
        ramp = True

        def _end(self, trainer, metric):
            scheduler.end_deferred_step(metric)
            if scheduler.finished:
                trainer.should_stop = True

        def on_validation_end(self, trainer, pl_module):
            if trainer.sanity_checking or not scheduler._deferred:
                return
            value = trainer.callback_metrics.get(monitor)
            if value is None and schedule_class.USES_METRIC:
                # A misspelled monitor would feed nothing, and the schedule's condition could never hold.
                raise KeyError(f"the validation logged no {monitor!r} for the schedule; it logged "
                               f"{sorted(trainer.callback_metrics)}: pass lightning_config(..., monitor=...)")
            self._end(trainer, None if value is None else float(value))

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            self._end(trainer, None)

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            # A step that ends the schedule by its length stops fit before the
            # next batch trains (the validation, if one is due, still runs).
            if scheduler._open_step_finishes():
                trainer.should_stop = True

        def on_train_end(self, trainer, pl_module):
            scheduler.end_deferred_step()

    trainer = getattr(module, "_trainer", None)
    if trainer is None:
        raise ValueError("lightning_config(self, optimizer) is called from configure_optimizers, once the module has a Trainer")
    # One such callback per trainer: a new configure_optimizers replaces the last one's.
    trainer.callbacks[:] = [c for c in trainer.callbacks if not getattr(c, "ramp", False)]
    trainer.callbacks.insert(0, RampLightningCallback())
    return {"optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": interval, "frequency": 1, "name": "ramp"}}


def _keras_callback(schedule_class, monitor="val_loss", base=None, signal_file=None, signal_every=10):
    """A keras.callbacks.Callback that steps the schedule once per batch in
    model.fit, sets the optimizer's learning rate, feeds `monitor` when an
    evaluation gave it, and stops training when the schedule finishes.
    signal(name) raises a signal during the current batch; signal_file, as
    the torch adapter takes it, raises one when a file appears (looked for
    after every `signal_every` batches).

    Keras evaluates at the end of an epoch, after its last batch; so each
    batch's step stays open until the next batch begins (no metric) or the
    epoch's logs arrive (with `monitor`, when they hold it). Without `base`,
    the optimizer's learning rate when training begins is the base.
    keras is imported only here."""
    import keras

    class RampKerasCallback(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.schedule = None
            self._open = False
            self._signal_files = _signal_files(signal_file, schedule_class.SIGNALS)
            self._batches = 0

        def signal(self, name):
            """Raises a signal during the current batch's step."""
            self.schedule.signal(name)

        def _apply(self):
            self.model.optimizer.learning_rate = self.schedule.lr

        def _end(self, metric):
            if self._open:
                self._open = False
                self.schedule.step(metric)
                self._apply()
                if self.schedule.finished:
                    self.model.stop_training = True

        def on_train_begin(self, logs=None):
            if self.schedule is None:
                b = base if base is not None else float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
                self.schedule = schedule_class(base=b)
                if self.schedule.momentum is not None:
                    # SGD's momentum and Adam's beta_1 are Python numbers, fixed
                    # once the train step is compiled: setting them would not take.
                    raise ValueError("this schedule sets momentum, which Keras' optimizers take as a constant "
                                     "(SGD's momentum, Adam's beta_1); keras_callback schedules the learning rate only")
                if self.schedule._names:
                    raise ValueError(f"this schedule sets {', '.join(self.schedule._names)}, which Keras' optimizers take "
                                     "as constants (weight_decay, beta_2, ...); keras_callback schedules the learning rate only")
            self._apply()

        def on_train_batch_begin(self, batch, logs=None):
            self._end(None)

        def on_train_batch_end(self, batch, logs=None):
            self._open = True
            self._batches += 1
            if self._signal_files and self._batches % max(1, int(signal_every)) == 0:
                _raise_from_files(self._signal_files, self.signal)
            if self.schedule._ends_without_metric():
                # Stop before the next batch trains; the epoch's evaluation still comes.
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            value = logs.get(monitor)
            # Once an evaluation gave its metrics (val_...), a monitor missing from them is misspelled: the schedule's
            # condition could never hold.
            evaluated = any(k.startswith("val_") for k in logs) or not monitor.startswith("val_")
            if value is None and evaluated and schedule_class.USES_METRIC:
                raise KeyError(f"the epoch's logs hold no {monitor!r} for the schedule; they hold {sorted(logs)}: "
                               "pass keras_callback(monitor=...)")
            self._end(None if value is None else float(value))

        def on_train_end(self, logs=None):
            self._end(None)

    return RampKerasCallback()


def _distributed():
    import torch.distributed as dist
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1
