"""One `a2c-lessons train` run in its folder: start or resume it, checkpoint it, stop it cleanly, report it.

Place in the data flow: around the whole line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`:
`A2CTrainer.train` takes the steps; this module decides what the run folder holds
before, between and after them, so that no stop loses a finished step.

- A new run writes its config, the "before" samples and a checkpoint of step 0 before its first step.
- `--resume` refuses options that differ from the checkpoint's config, with a one-line diff,
  unless `--override` is given; then it applies them (the optimiser's lr, the RNG's seed)
  and records them, with the step, in config_history.jsonl.
- Ctrl-C or SIGTERM: the step under way ends, a checkpoint of it is saved, exit code 130.
  A second one stops at once (the last checkpoint saved stays).
- A NaN or inf loss, reward or gradient: the step is dropped, the last good step is saved, exit code 1.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from a2c_lessons import runfolder
from a2c_lessons.config import A2CConfig
from a2c_lessons.options import UsageError, check_max_new_tokens, check_model, one_line, say

INTERRUPTED = 130  # the shell's code for a run ended by Ctrl-C (128 + SIGINT)
FIXED = ("model", "separate_critic")  # the checkpoint's weights and its KL reference depend on these
FREE = ("steps",)  # how far the run goes: a resume may always move it
AFTER = "samples after training"


class RunFailed(RuntimeError):
    """A run stopped by an error inside a step, its last finished step saved; the message says where."""


class StopRequest:
    """Ctrl-C and SIGTERM while armed (during the steps): the step under way ends, then the run stops.
    Unarmed, or a second time: KeyboardInterrupt at once."""

    def __init__(self) -> None:
        self.armed = self.requested = False

    def _handle(self, signum: int, frame: object) -> None:
        if not self.armed or self.requested:
            raise KeyboardInterrupt
        self.requested = True
        say("stopping after this step and saving a checkpoint (once more to stop at once)")

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopRequest]:
        if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
            yield self
            return
        previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def now(self, trainer) -> bool:
        """Whether to stop after this step, agreed by all processes (one stopping alone would hang the others)."""
        if trainer.accelerator.num_processes == 1:
            return self.requested
        import torch

        flag = torch.tensor([float(self.requested)], device=trainer.accelerator.device)
        return bool(trainer.accelerator.reduce(flag, reduction="sum").item() > 0)


def resume_config(saved: dict, given: dict, *, override: bool, step: int) -> tuple[A2CConfig, dict]:
    """The config a resumed run goes on with, and {field: (saved, given)} for what changes.
    UsageError with a one-line diff for a change that needs --override, or that no run can make."""
    saved = {f.name: saved[f.name] for f in dataclasses.fields(A2CConfig) if f.name in saved}
    diff = runfolder.config_diff(saved, given)
    fixed = {k: v for k, v in diff.items() if k in FIXED}
    if fixed:
        raise UsageError(
            f"--resume: {runfolder.format_diff(fixed)} cannot change within a run (its weights and KL reference "
            "come from the model it started with); start a new run with --overwrite or another --out"
        )
    needs_override = {k: v for k, v in diff.items() if k not in FREE}
    if needs_override and not override:
        raise UsageError(
            f"--resume: the options differ from the saved run: {runfolder.format_diff(needs_override)}; drop them "
            f"to go on as saved, or add --override to apply them from step {step}"
        )
    return A2CConfig(**{**saved, **given}), diff


def run(args: argparse.Namespace, given: dict) -> int:
    """`a2c-lessons train`: lock the folder, then start or resume the run in it; the exit code."""
    out = Path(args.out)
    first = int(os.environ.get("RANK", "0")) == 0  # under torchrun, one process owns the folder
    if first:
        runfolder.check(out, overwrite=args.overwrite, resume=args.resume)
    with runfolder.locked(out) if first else contextlib.nullcontext():
        if first:
            runfolder.clear(out, previous_run=args.overwrite)  # before the first step: no old run survives it
        with StopRequest().installed() as stop:
            return _run(args, given, out, stop)


def _open_run(args: argparse.Namespace, given: dict, out: Path, path: Path):
    """A trainer for a new run, or for the saved one (`--resume`), its config recorded and a first checkpoint saved."""
    from a2c_lessons.checkpoint import read_checkpoint, restore_checkpoint, save_checkpoint
    from a2c_lessons.trainer import A2CTrainer

    state = read_checkpoint(path) if args.resume else None
    if state is None:
        cfg, changes = A2CConfig(**given), None
    else:
        cfg, changes = resume_config(state["config"], given, override=args.override, step=state["step"])
        check_model(cfg.model, "the saved run's model")
    trainer = A2CTrainer(cfg)
    check_max_new_tokens(trainer.policy, cfg.max_new_tokens)
    main, processes = trainer.accelerator.is_main_process, trainer.accelerator.num_processes
    if main:  # a launcher that silently starts one process (accelerate on a CPU) shows here
        print(f"A2C on {processes} process{'es' * (processes > 1)} ({trainer.accelerator.device})", flush=True)
    if state is not None:
        restore_checkpoint(trainer, state, source=f"--resume: {path}")
        if "seed" in changes:  # the new seed draws the batches from here on
            trainer.generator.manual_seed(cfg.seed)
    if main:
        runfolder.record_config(out, dataclasses.asdict(cfg), trainer.step_count, changes)
        if state is None:
            runfolder.write_atomic(out / "samples.txt", _samples(trainer, "before"))
            if cfg.reward_model is not None:  # what the learned reward and the taste were at the start
                runfolder.write_atomic(out / "eval_before.json", json.dumps(_preference_stats(trainer)) + "\n")
        else:
            runfolder.rewrite_metrics(out, trainer.metrics)  # steps after the checkpoint are taken again
    save_checkpoint(trainer, path)  # from here a stop can always resume, with the config just recorded
    return trainer


def _run(args: argparse.Namespace, given: dict, out: Path, stop: StopRequest) -> int:
    from a2c_lessons.checkpoint import save_checkpoint
    from a2c_lessons.trainer import NonFiniteError

    path = out / "checkpoint.pt"
    trainer = _open_run(args, given, out, path)
    saved = trainer.step_count

    def after_step(trainer, row) -> bool:
        nonlocal saved
        if trainer.step_count % args.checkpoint_every == 0:
            save_checkpoint(trainer, path)
            saved = trainer.step_count
        return stop.now(trainer)

    resume_hint = f"go on with `a2c-lessons train --out {out} --resume`"
    try:
        stop.armed = True
        steps_left = max(0, trainer.cfg.steps - trainer.step_count)
        trainer.train(steps_left, metrics_path=out / "metrics.jsonl", callback=after_step)
        stop.armed = False
    except KeyboardInterrupt:  # a second Ctrl-C: drop the step under way
        if trainer.rewind():
            save_checkpoint(trainer, path)
            saved = trainer.step_count
        say(f"interrupted: {path} holds step {saved}; {resume_hint}")
        return INTERRUPTED
    except Exception as err:  # NaN or inf, a reward function's error, ...: keep every finished step
        if not trainer.rewind():
            raise
        save_checkpoint(trainer, path)
        if isinstance(err, NonFiniteError):
            resume_hint = "resume with a lower --lr or --kl-coef (`--resume --override --kl-coef 0.05`)"
        raise RunFailed(f"{one_line(err)}; {path} holds step {trainer.step_count}: {resume_hint}") from err
    save_checkpoint(trainer, path)
    if stop.requested:
        say(f"interrupted after step {trainer.step_count}: checkpoint saved to {path}; {resume_hint}")
        return INTERRUPTED
    if trainer.accelerator.is_main_process:
        _report(trainer, out, args.eval_samples)
    return 0


def _preference_stats(trainer, n: int = 1000) -> dict:
    """The learned reward, the scripted taste's share (when there is one), grammar and KL on n fresh reviews."""
    from a2c_lessons.evaluation import proxy_and_gold
    from a2c_lessons.preferences import TASTES

    taste = TASTES.get(trainer.cfg.taste)
    gold = taste.gold if taste is not None else (lambda review: 0.0)
    return proxy_and_gold(trainer.policy, trainer.ref_model, trainer.reward_fn, gold, n, seed=20_000)


def _preference_summary(trainer, out: Path) -> str:
    """One line: the learned reward and the taste's share, before and after, on the same fresh prompts."""
    after = _preference_stats(trainer)
    runfolder.write_atomic(out / "eval_after.json", json.dumps(after) + "\n")
    before = json.loads((out / "eval_before.json").read_text())
    line = f"learned reward {before['proxy']:.2f} -> {after['proxy']:.2f}"
    if trainer.cfg.taste is not None:
        line += (
            f"; reviews with the taste '{trainer.cfg.taste}' {before['gold']:.1%} -> {after['gold']:.1%} "
            f"(95% CI {after['gold_low']:.1%}-{after['gold_high']:.1%})"
        )
    return f"{line}; on {after['n']} fresh reviews"


def _report(trainer, out: Path, eval_samples: int) -> None:
    """Evaluate on fresh reviews; write eval, samples, model and curve (each atomically); print the summary."""
    if trainer.cfg.reward_model is not None:
        print(_preference_summary(trainer, out))
    result = trainer.evaluate(eval_samples)
    runfolder.write_atomic(out / "eval.json", json.dumps(result, indent=1) + "\n")
    after = _samples(trainer, "after")
    samples = out / "samples.txt"
    before = samples.read_text().partition(AFTER)[0] if samples.is_file() else ""
    runfolder.write_atomic(samples, before + after)  # a resumed run keeps its "before" and writes one "after"
    runfolder.save_model(trainer.policy.model, trainer.policy.tokenizer, out / "model")  # never half a model/
    _plot(trainer.metrics, out / "training_curve.png")
    print(after[:600])
    print(
        f"done: {trainer.step_count} steps; on {result['n']} fresh reviews {result['positive']:.1%} positive "
        f"(95% CI {result['positive_low']:.1%}-{result['positive_high']:.1%}), "
        f"{result['grammatical']:.1%} grammatical, KL to the start {result['kl']:.2f} nats; results in {out}/"
    )
    print("next: open the lessons with `.venv/bin/jupyter lab notebooks/`")


def _samples(trainer, label: str, n: int = 8) -> str:
    from a2c_lessons.corpus import PROMPTS, sentiment
    from a2c_lessons.sampling import sample

    rollout = sample(trainer.policy, list(PROMPTS[:n]), trainer.cfg.max_new_tokens, seed=123)
    marks = {1: "+", -1: "-", None: "?"}
    lines = [f"  [{marks[sentiment(r)]}] {r}" for r in rollout.reviews]
    return (
        f"samples {label} training ([+] positive, [-] negative, [?] outside the grammar):\n" + "\n".join(lines) + "\n"
    )


def _plot(metrics: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from a2c_lessons.curves import plot_runs

    keys = ["reward", "positive", "kl", "entropy", "critic_loss", "explained_var"]
    figure, png = plot_runs({"A2C": metrics}, keys), io.BytesIO()
    figure.savefig(png, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    runfolder.write_atomic(path, png.getvalue())
