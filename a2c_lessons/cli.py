"""The `a2c-lessons` command: train, sample, pretrain, reward-model, grade, release.

    a2c-lessons train --out runs/a2c            # the course's main job
    a2c-lessons train --out runs/a2c --resume   # go on from its checkpoint
    a2c-lessons sample -n 8                      # reviews from the tiny LM (or --model PATH)

`train`'s options are built from `A2CConfig`, one per field, so the command line,
the notebooks and the saved config.json always agree. Every option is checked before
torch loads; every error is one line on stderr (`--debug` adds the traceback), with
exit code 2 for a command line that cannot work and 1 for a run that failed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from a2c_lessons import options
from a2c_lessons.config import RULES
from a2c_lessons.options import UsageError, check_model, positive_int, say
from a2c_lessons.runfolder import RunFolderError
from a2c_lessons.training_run import RunFailed, run

# these parse their own options
PASSTHROUGH = {
    "pretrain": "a2c_lessons.pretrain",
    "reward-model": "a2c_lessons.reward_training",
    "grade": "a2c_lessons.grading.batch",
    "release": "a2c_lessons.grading.release",
    "autograder": "a2c_lessons.grading.gradescope",
    "report": "a2c_lessons.grading.classreport",
    "export": "a2c_lessons.grading.gradebook",
    "similarity": "a2c_lessons.grading.similarity",
}
PASSTHROUGH_HELP = {
    "pretrain": "rebuild the tiny LM (into --out, default runs/tinylm)",
    "reward-model": "a reward model: the tiny sentiment one, or from --preferences (into --out)",
    "grade": "grade a folder of student submissions",
    "release": "make the student exercises",
    "autograder": "build a Gradescope autograder zip",
    "report": "a class report (HTML and markdown) from a graded folder: scores, exercises, misconceptions",
    "export": "the grades as a CSV that Canvas or Moodle imports (or grades.csv)",
    "similarity": "pairs of students whose answers are suspiciously alike (copydetect), side by side",
}


def train(args: argparse.Namespace) -> int:
    if args.resume and args.overwrite:
        raise UsageError("--resume goes on with the run in --out and --overwrite replaces it; give only one")
    if args.override and not args.resume:
        raise UsageError("--override only changes a resumed run's options; add --resume, or drop --override")
    given = options.given_config(args)
    if not args.resume:  # a resumed run's options combine with the saved ones, checked when they are read
        options.check_combination(given)
    check_model(given.get("model"))
    if given.get("reward_model") is not None:
        check_model(given["reward_model"], "--reward-model")
    elif given.get("taste") is not None:
        raise UsageError("--taste reports a scripted taste's share of a --reward-model run; add --reward-model")
    return run(args, given)


def sample_cmd(args: argparse.Namespace) -> int:
    """Print n reviews as they are drawn, batch by batch, then a summary: memory stays flat at any n."""
    check_model(args.model)
    import torch
    from tqdm.auto import tqdm

    from a2c_lessons.corpus import PROMPTS, sentiment
    from a2c_lessons.policy import load_policy
    from a2c_lessons.sampling import sample

    policy = load_policy(args.model)
    options.check_max_new_tokens(policy, args.max_new_tokens)
    generator = torch.Generator(policy.device).manual_seed(args.seed)  # one stream: batches differ, runs repeat
    grammatical = positive = 0
    with tqdm(total=args.n, desc="sample", unit="review", file=sys.stderr, disable=None) as bar:
        for start in range(0, args.n, args.batch_size):
            prompts = [PROMPTS[i % len(PROMPTS)] for i in range(start, min(args.n, start + args.batch_size))]
            reviews = sample(
                policy, prompts, args.max_new_tokens, temperature=args.temperature, generator=generator
            ).reviews
            labels = [sentiment(r) for r in reviews]
            grammatical += sum(label is not None for label in labels)
            positive += sum(label == 1 for label in labels)
            bar.write("\n".join(reviews), file=sys.stdout)  # above the bar, which stays on stderr
            bar.update(len(prompts))
    print(f"{args.n} reviews: {grammatical / args.n:.0%} grammatical, {positive / args.n:.0%} positive")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = options.Parser(prog="a2c-lessons", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error (or A2C_LESSONS_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="fine-tune the policy with A2C (the course's main job)")
    p.add_argument("--out", default="runs/a2c", help="output folder (default runs/a2c)")
    p.add_argument("--overwrite", action="store_true", help="replace the run already in --out")
    p.add_argument("--resume", action="store_true", help="go on from --out/checkpoint.pt")
    p.add_argument("--override", action="store_true", help="with --resume: apply options that differ from the run's")
    p.add_argument("--eval-samples", type=positive_int, default=2000, help="fresh reviews for the final evaluation")
    p.add_argument("--checkpoint-every", type=positive_int, default=25, help="steps between checkpoints")
    options.add_config_options(p)
    p = sub.add_parser("sample", help="print reviews sampled from a policy")
    p.add_argument("--model", default=None, help="hub id or local folder (default: the bundled tiny LM)")
    p.add_argument("-n", type=positive_int, default=8, help="how many reviews")
    p.add_argument("--batch-size", type=positive_int, default=500, help="reviews drawn at once (memory grows with it)")
    p.add_argument("--max-new-tokens", type=options.field_type("max_new_tokens"), default=24)
    p.add_argument("--temperature", type=options.field_type("temperature"), default=1.0)
    p.add_argument("--seed", type=options.checked(int, RULES["seed"][0], RULES["seed"][1]), default=0)
    for name, help_ in PASSTHROUGH_HELP.items():
        sub.add_parser(name, help=help_, add_help=False)
    return parser


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in PASSTHROUGH:
        result = importlib.import_module(PASSTHROUGH[argv[0]]).main(argv[1:])
        return result if isinstance(result, int) else 0
    args = build_parser().parse_args(argv)
    return {"train": train, "sample": sample_cmd}[args.command](args)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (0 done, 1 failed, 2 bad command line, 130 interrupted)."""
    debug, argv = options.debug_requested(sys.argv[1:] if argv is None else list(argv))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no downloads at run time, and no retries before failing
    prog = "a2c-lessons" + (f" {argv[0]}" if argv and not argv[0].startswith("-") else "")
    try:
        return _dispatch(argv)
    except SystemExit as done:  # argparse's --help and errors; a passthrough's `raise SystemExit("message")`
        if isinstance(done.code, str):
            say(done.code)
            return 1
        return done.code or 0
    except KeyboardInterrupt:
        say(f"{prog}: interrupted")
        return 130
    except (UsageError, RunFolderError) as err:
        _traceback(debug)
        say(f"{prog}: error: {options.one_line(err)}")
        return 2 if isinstance(err, UsageError) else err.exit_code
    except Exception as err:  # a failure deeper down: one line; the traceback only when asked for
        _traceback(debug)
        explained = isinstance(err, (ValueError, ArithmeticError, OSError, RunFailed))  # their message says what to do
        hint = "" if debug or explained else " (--debug shows where)"
        say(f"{prog}: error: {options.one_line(err)}{hint}")
        return 1


def _traceback(debug: bool) -> None:
    if debug:
        traceback.print_exc()


if __name__ == "__main__":
    sys.exit(main())
