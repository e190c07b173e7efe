"""The length effect of the loss aggregation where length is the reward: lesson 8's "short" taste runs, over seeds.

    python benchmarks/length_effect.py             # seeds 0-4, 40 steps each: about a minute on 2 CPU cores
    python benchmarks/length_effect.py --seeds 2   # seeds 0 and 1

Lesson 8 trains three members of the family for 40 steps with `TASTES["short"].reward` (1 for a grammatical
review of at most six words, else 0) as the reward, on its `family_base` (16 prompts x 4, Adam at 1e-3, the k1 KL
in the reward with weight 0.05):

    GRPO       advantage grpo (group mean and std), loss_agg sequence-mean: each response's sum over |y_i|
    Dr. GRPO   advantage dr-grpo (group mean, no std), loss_agg constant: the sum over B * T_max
    control    advantage dr-grpo, loss_agg sequence-mean: differs from Dr. GRPO in the aggregation only

and judges each trained policy on 1,000 fresh reviews (the same prompts and random numbers for every run): the
share short, and the mean response length in tokens of all of them, of the liked and of the disliked ones. The
lesson runs seed 0; this script runs seeds 0 .. N-1 and prints, per seed and over the seeds, the differences
the lesson's prose quotes: GRPO - Dr. GRPO (both changes), control - Dr. GRPO (the aggregation alone) and
GRPO - control (the std division alone).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

# the lesson's runs: name -> the A2CConfig fields it changes
RUNS = {
    "GRPO": {"advantage": "grpo", "group_size": 4, "loss_agg": "sequence-mean"},
    "Dr. GRPO": {"advantage": "dr-grpo", "group_size": 4, "loss_agg": "constant"},
    "control": {"advantage": "dr-grpo", "group_size": 4, "loss_agg": "sequence-mean"},
}
# (label, run, minus run, which lengths): the differences of fresh-review lengths the lesson quotes
DIFFERENCES = [
    ("GRPO - Dr. GRPO, all", "GRPO", "Dr. GRPO", "length"),
    ("GRPO - Dr. GRPO, disliked", "GRPO", "Dr. GRPO", "disliked length"),
    ("GRPO - Dr. GRPO, liked", "GRPO", "Dr. GRPO", "liked length"),
    ("control - Dr. GRPO (aggregation alone)", "control", "Dr. GRPO", "length"),
    ("GRPO - control (std division alone)", "GRPO", "control", "length"),
]
FRESH_SEED = 2  # the lesson's SEED + 2


def judge(name: str, seed: int, args: argparse.Namespace) -> dict[str, float]:
    """Train one run of the lesson for `args.steps` steps and measure its fresh reviews."""
    from a2c_lessons import corpus
    from a2c_lessons.preferences import TASTES
    from a2c_lessons.sampling import sample
    from a2c_lessons.trainer import A2CConfig, A2CTrainer

    short = TASTES["short"]
    base = A2CConfig(seed=seed, lr=1e-3, steps=args.steps, stop_positive=None)  # the lesson's family_base
    run = A2CTrainer(dataclasses.replace(base, **RUNS[name]), reward_fn=short.reward)
    run.train(progress=False)
    prompts = [corpus.PROMPTS[i % len(corpus.PROMPTS)] for i in range(args.fresh)]
    fresh = sample(run.policy, prompts, 24, seed=FRESH_SEED)
    liked = short.reward(fresh.reviews).bool()  # (B,)
    length = fresh.mask.sum(dim=1).float()  # (B,) tokens of each response
    return {
        "share short": float(liked.float().mean()),
        "length": float(length.mean()),
        "liked length": float(length[liked].mean()) if liked.any() else float("nan"),
        "disliked length": float(length[~liked].mean()) if (~liked).any() else float("nan"),
    }


def table(results: dict[int, dict[str, dict[str, float]]]) -> list[str]:
    """Per seed: each run's fresh share and lengths; then each difference per seed, its range and its signs."""
    lines = [
        "| seed | run | share short | length | liked length | disliked length |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for seed, runs in results.items():
        for name, m in runs.items():
            lines.append(
                f"| {seed} | {name} | {m['share short']:.3f} | {m['length']:.2f} | {m['liked length']:.2f} "
                f"| {m['disliked length']:.2f} |"
            )
    lines += ["", "| difference (tokens, fresh reviews) | per seed | range | seeds > 0 |", "| --- | --- | --- | --- |"]
    for label, run, minus, key in DIFFERENCES:
        gaps = [runs[run][key] - runs[minus][key] for runs in results.values()]
        per_seed = ", ".join(f"{g:+.2f}" for g in gaps)
        lines.append(
            f"| {label} | {per_seed} | {min(gaps):+.2f} to {max(gaps):+.2f} | {sum(g > 0 for g in gaps)}/{len(gaps)} |"
        )
    return lines


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1")
    parser.add_argument("--steps", type=int, default=40, help="training steps per run (the lesson's 40)")
    parser.add_argument("--fresh", type=int, default=1000, help="fresh reviews judged per trained policy")
    parser.add_argument("--out", type=Path, default=Path("runs/benchmarks/length_effect.md"))
    args = parser.parse_args(argv)
    results = {}
    for seed in range(args.seeds):  # the runs side by side per seed
        results[seed] = {name: judge(name, seed, args) for name in RUNS}
        print(
            f"seed {seed}: " + ", ".join(f"{n} {m['length']:.2f} tokens" for n, m in results[seed].items()), flush=True
        )
    lines = table(results)
    lines.append("")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines.append(f"{args.steps} steps a run, {args.fresh} fresh reviews each; load average at end: {load}")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return text


if __name__ == "__main__":
    main()
