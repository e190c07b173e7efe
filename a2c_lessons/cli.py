"""The `a2c-lessons` command: train, sample, pretrain, reward-model, grade, release.

    a2c-lessons train --out runs/a2c            # the course's main job
    a2c-lessons train --out runs/a2c --resume   # go on from its checkpoint
    a2c-lessons sample -n 8                      # reviews from the tiny LM (or --model PATH)

`train`'s options are built from `A2CConfig`, one per field, so the command line,
the notebooks and the saved config.json always agree.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import typing
from pathlib import Path

from a2c_lessons.trainer import A2CConfig

OUTPUT_FILES = ("config.json", "metrics.jsonl", "checkpoint.pt", "samples.txt", "eval.json", "training_curve.png")


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    """One option per A2CConfig field, typed from its annotation, help from its docstring."""
    docs = _field_docs()
    hints = typing.get_type_hints(A2CConfig)
    for field in dataclasses.fields(A2CConfig):
        flag, hint = "--" + field.name.replace("_", "-"), hints[field.name]
        if hint is bool:
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS, help=docs.get(field.name)
            )
            continue
        kind = next((t for t in typing.get_args(hint) if t is not type(None)), hint)
        kind = str if typing.get_origin(hint) is typing.Literal or kind not in (int, float, str) else kind
        if type(None) in typing.get_args(hint):  # an optional field: "none" on the command line is None
            kind = _or_none(kind)
        help_ = f"{docs.get(field.name)} (default {field.default})"
        parser.add_argument(flag, type=kind, default=argparse.SUPPRESS, help=help_)  # absent unless given


def _or_none(kind):
    def parse(text: str):
        return None if text.lower() == "none" else kind(text)

    parse.__name__ = kind.__name__  # argparse names the type in its error messages
    return parse


def _field_docs() -> dict[str, str]:
    """The one-line docstring under each A2CConfig field."""
    import ast
    import inspect

    body = ast.parse(inspect.getsource(A2CConfig)).body[0].body
    return {
        a.target.id: b.value.value
        for a, b in zip(body, body[1:])
        if isinstance(a, ast.AnnAssign) and isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant)
    }


def _config_from_args(args: argparse.Namespace, base: A2CConfig) -> A2CConfig:
    changes = {f.name: getattr(args, f.name) for f in dataclasses.fields(A2CConfig) if hasattr(args, f.name)}
    return dataclasses.replace(base, **changes)


def _prepare_out(out: Path, *, overwrite: bool, resume: bool) -> None:
    """Refuse to clobber a user's folder: it must be new, empty, or ours with --overwrite / --resume."""
    if out.exists() and not out.is_dir():
        raise SystemExit(f"error: --out {str(out)!r} is a file, not a folder; choose another --out")
    if resume:
        if not (out / "checkpoint.pt").is_file():
            raise SystemExit(f"error: --resume needs {out / 'checkpoint.pt'}, which does not exist")
        return
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise SystemExit(f"error: output folder {str(out)!r} is not empty; pass --overwrite or --resume")
        foreign = [p.name for p in out.iterdir() if p.name not in OUTPUT_FILES and p.name != "model"]
        if foreign:
            raise SystemExit(
                f"error: --overwrite only replaces a run's own files, and {str(out)!r} holds {foreign[:3]}"
            )
    out.mkdir(parents=True, exist_ok=True)


def train(args: argparse.Namespace) -> int:
    from a2c_lessons.checkpoint import load_checkpoint, save_checkpoint
    from a2c_lessons.trainer import A2CTrainer

    out = Path(args.out)
    _prepare_out(out, overwrite=args.overwrite, resume=args.resume)
    base = A2CConfig(**json.loads((out / "config.json").read_text())) if args.resume else A2CConfig()
    cfg = _config_from_args(args, base)
    trainer = A2CTrainer(cfg)
    main, checkpoint_path = trainer.accelerator.is_main_process, out / "checkpoint.pt"
    if args.resume:
        load_checkpoint(trainer, checkpoint_path)
    if main:
        _start_files(out, cfg, resumed_rows=len(trainer.metrics) if args.resume else None)
    before = _samples(trainer, "before") if not args.resume else ""

    def checkpoint_now_and_then(trainer, row):
        if trainer.step_count % args.checkpoint_every == 0:
            save_checkpoint(trainer, checkpoint_path)

    try:
        steps = max(0, cfg.steps - trainer.step_count)
        trainer.train(steps, metrics_path=out / "metrics.jsonl", callback=checkpoint_now_and_then)
    finally:  # also on Ctrl-C between steps; a step cut in half leaves the last periodic checkpoint
        if not trainer.mid_step:
            save_checkpoint(trainer, checkpoint_path)
    if main:
        _report(trainer, out, before, args.eval_samples)
    return 0


def _report(trainer, out: Path, before: str, eval_samples: int) -> None:
    """Evaluate on fresh reviews; write eval, samples, model and curve; print the summary."""
    result = trainer.evaluate(eval_samples)
    (out / "eval.json").write_text(json.dumps(result, indent=1) + "\n")
    with open(out / "samples.txt", "a") as f:
        f.write(before + _samples(trainer, "after"))
    trainer.policy.model.save_pretrained(out / "model")
    trainer.policy.tokenizer.save_pretrained(out / "model")
    _plot(trainer.metrics, out / "training_curve.png")
    print(_samples(trainer, "after")[:600])
    print(
        f"done: {trainer.step_count} steps; on {result['n']} fresh reviews {result['positive']:.1%} positive "
        f"(95% CI {result['positive_low']:.1%}-{result['positive_high']:.1%}), "
        f"{result['grammatical']:.1%} grammatical, KL to the start {result['kl']:.2f} nats; results in {out}/"
    )
    print("next: open the lessons with `.venv/bin/jupyter lab notebooks/`")


def _start_files(out: Path, cfg: A2CConfig, resumed_rows: int | None) -> None:
    """Write config.json; a fresh run starts its metrics and samples empty, a resumed one cuts its
    metrics back to the checkpoint's steps (the steps after it are taken again)."""
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=1) + "\n")
    metrics = out / "metrics.jsonl"
    if resumed_rows is None:
        metrics.unlink(missing_ok=True)
        (out / "samples.txt").unlink(missing_ok=True)
    elif metrics.is_file():
        metrics.write_text("".join(metrics.read_text().splitlines(keepends=True)[:resumed_rows]))


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
    from a2c_lessons.curves import plot_runs

    keys = ["reward", "positive", "kl", "entropy", "critic_loss", "explained_var"]
    plot_runs({"A2C": metrics}, keys).savefig(path, dpi=100, bbox_inches="tight")


def sample_cmd(args: argparse.Namespace) -> int:
    from a2c_lessons.corpus import PROMPTS
    from a2c_lessons.policy import load_policy
    from a2c_lessons.rewards import review_stats
    from a2c_lessons.sampling import sample

    policy = load_policy(args.model)
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.n)]
    rollout = sample(policy, prompts, args.max_new_tokens, temperature=args.temperature, seed=args.seed)
    print("\n".join(rollout.reviews))
    stats = review_stats(rollout.reviews)
    print(f"{args.n} reviews: {stats['grammatical']:.0%} grammatical, {stats['positive']:.0%} positive")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="a2c-lessons", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="fine-tune the policy with A2C (the course's main job)")
    p.add_argument("--out", default="runs/a2c", help="output folder (default runs/a2c)")
    p.add_argument("--overwrite", action="store_true", help="replace the run already in --out")
    p.add_argument("--resume", action="store_true", help="go on from --out/checkpoint.pt")
    p.add_argument("--eval-samples", type=int, default=2000, help="fresh reviews for the final evaluation")
    p.add_argument("--checkpoint-every", type=int, default=25, help="steps between checkpoints (also saved at the end)")
    _add_config_options(p)
    p = sub.add_parser("sample", help="print reviews sampled from a policy")
    p.add_argument("--model", default=None, help="hub id or local folder (default: the bundled tiny LM)")
    p.add_argument("-n", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=24)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    passthrough_help = {
        "pretrain": "rebuild the tiny LM", "reward-model": "rebuild the tiny reward model",
        "grade": "grade a folder of student submissions", "release": "make the student exercises",
        "autograder": "build a Gradescope autograder zip",
    }  # fmt: skip
    for name, help_ in passthrough_help.items():
        sub.add_parser(name, help=help_, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    passthrough = {
        "pretrain": "a2c_lessons.pretrain", "reward-model": "a2c_lessons.reward_training",
        "grade": "a2c_lessons.grading.batch", "release": "a2c_lessons.grading.publish",
        "autograder": "a2c_lessons.grading.gradescope",
    }  # fmt: skip
    if argv and argv[0] in passthrough:  # these parse their own options
        import importlib

        result = importlib.import_module(passthrough[argv[0]]).main(argv[1:])
        return result if isinstance(result, int) else 0
    args = build_parser().parse_args(argv)
    return {"train": train, "sample": sample_cmd}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
