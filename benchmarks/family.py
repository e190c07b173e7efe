"""The policy-gradient family on one trainer, raced on the course's task, beside TRL's GRPO and RLOO.

    python benchmarks/family.py                 # every member, 5 seeds: long (tens of minutes on 2 CPU cores)
    python benchmarks/family.py --seeds 2       # 2 seeds
    python benchmarks/family.py --methods a2c rloo trl-grpo --seeds 1 --max-steps 2 --no-warmup   # a smoke run
    python benchmarks/family.py --methods a2c --dtypes float32 bfloat16   # does bf16 learn as float32 does?

Every member runs on our trainer (`A2CTrainer`, one config each) with the task, tiny LM, exact reward, KL
coefficient, batch (64 completions a step), learning rate and evaluator of `rl_vs_trl.py`, whose `run` and
`Tracker` this script reuses: an evaluation every 10 steps on 256 fresh reviews; a run has reached 90% at the
first evaluation >= 90% + margin, stops there, and a fresh 2,000-review evaluation gives its fraction positive,
grammaticality and KL to the starting model at that point. The members:

    a2c            GAE with a critic, U = sum_t (sequence-sum): today's default, = PPO with K = M = 1
    reinforce, reinforce-baseline, rloo, grpo, dr-grpo   no critic, sequence-sum; grpo and dr-grpo also with
                   their usual aggregation (sequence-mean, the original GRPO; constant, Dr. GRPO)
    ppo K=.. M=..  GAE, K epochs of M minibatches per batch, clip 0.2 (K = M = 1 is a2c itself)
    trl-grpo, trl-rloo   TRL's own trainers, as `rl_vs_trl.py` sets them
    ... bf16       with `--dtypes float32 bfloat16`, each member on our trainer also at dtype="bfloat16"
                   (bf16 products over float32 weights, `a2c_lessons.precision`), in the row below it

The group estimators and TRL's trainers take `--group-size` completions per prompt (8 by default). For each
member: how many seeds reached 90%, the median and range over those of steps, sampled tokens (ours only: TRL's
trainers do not report them) and training seconds to 90%, the median KL to the start at that point, and the
median grammaticality and mean response length (tokens, 256 reviews) at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # rl_vs_trl.py beside this file: its evaluator, reused

import rl_vs_trl  # noqa: E402

from a2c_lessons.config import GROUP_ESTIMATORS  # noqa: E402
from a2c_lessons.precision import DTYPES  # noqa: E402

# member -> ("a2c" and the A2CConfig fields it changes) or (a TRL method and nothing)
MEMBERS: dict[str, tuple[str, dict]] = {
    "a2c": ("a2c", {}),
    "reinforce": ("a2c", {"advantage": "reinforce"}),
    "reinforce-baseline": ("a2c", {"advantage": "reinforce-baseline"}),
    "rloo": ("a2c", {"advantage": "rloo"}),
    "grpo": ("a2c", {"advantage": "grpo"}),
    "grpo sequence-mean": ("a2c", {"advantage": "grpo", "loss_agg": "sequence-mean"}),
    "dr-grpo": ("a2c", {"advantage": "dr-grpo"}),
    "dr-grpo constant": ("a2c", {"advantage": "dr-grpo", "loss_agg": "constant"}),
    "ppo K=1 M=4": ("a2c", {"ppo_epochs": 1, "minibatches": 4}),
    "ppo K=4 M=1": ("a2c", {"ppo_epochs": 4, "minibatches": 1}),
    "ppo K=4 M=4": ("a2c", {"ppo_epochs": 4, "minibatches": 4}),
    "trl-grpo": ("grpo", {}),
    "trl-rloo": ("rloo", {}),
}
SHORT = {name.replace(" ", "-").replace("=", ""): name for name in MEMBERS}  # command-line names: "ppo-K4-M1"
BF16 = " bf16"  # a member's name with this suffix: that member at dtype="bfloat16"


def member(name: str) -> tuple[str, dict]:
    """(method, the A2CConfig fields it changes) of a member, a bf16 one included."""
    if name.endswith(BF16):
        method, config = MEMBERS[name.removesuffix(BF16)]
        return method, {**config, "dtype": "bfloat16"}
    return MEMBERS[name]


def with_dtypes(members: list[str], dtypes: list[str]) -> list[str]:
    """The members to race: each one on our trainer followed by its bf16 twin when bfloat16 is asked for."""
    twins = lambda name: [name + BF16] if "bfloat16" in dtypes and MEMBERS[name][0] == "a2c" else []
    return [run for name in members for run in [name, *twins(name)]]


def run_member(name: str, seed: int, args: argparse.Namespace) -> dict:
    method, config = member(name)
    if method == "a2c" and config.get("advantage") in GROUP_ESTIMATORS:
        config = {**config, "group_size": args.group_size}
    row = rl_vs_trl.run(method, args.lr, seed, args, config=config)
    return {**row, "member": name}


def spread(values: list[float], spec: str) -> str:
    """median [min, max] of the values, or '-' for none."""
    if not values:
        return "-"
    return f"{statistics.median(values):{spec}} [{min(values):{spec}}, {max(values):{spec}}]"


def summary(name: str, runs: list[dict]) -> dict:
    hit = [r for r in runs if r["reached_step"] is not None]
    tokens = [r["reached_tokens"] for r in hit if r["reached_tokens"] is not None]
    return {
        "member": name,
        "reached": f"{len(hit)}/{len(runs)}",
        "steps": spread([r["reached_step"] for r in hit], ".0f"),
        "tokens": spread(tokens, ".0f") if tokens or not hit else "n/a",
        "secs": spread([r["reached_s"] for r in hit], ".1f"),
        "median_s": statistics.median(r["reached_s"] for r in hit) if hit else None,
        "kl": spread([r["final_kl"] for r in hit], ".2f"),
        "grammatical": statistics.median(r["final_grammatical"] for r in runs),
        "length": statistics.median(r["final_length"] for r in runs),
        "never": len(runs) - len(hit),
    }


def table(rows: list[dict], args: argparse.Namespace) -> list[str]:
    lines = [
        "| member | reached 90% | steps to 90% | sampled tokens to 90% | train s to 90% | KL to start at 90% "
        "| grammatical (end) | mean length (end, tokens) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in rows:
        lines.append(
            f"| {s['member']} | {s['reached']} | {s['steps']} | {s['tokens']} | {s['secs']} | {s['kl']} "
            f"| {s['grammatical']:.1%} | {s['length']:.1f} |"
        )
    return lines + ["", f"median [min, max] over the seeds that reached 90% (step cap {args.max_steps})."]


def verdicts(rows: list[dict]) -> list[str]:
    """One line per member: how it did against the fastest of ours and against TRL's GRPO."""
    ours = [s for s in rows if member(s["member"])[0] == "a2c" and s["median_s"] is not None]
    best = min(ours, key=lambda s: s["median_s"]) if ours else None
    trl = next((s for s in rows if s["member"] == "trl-grpo" and s["median_s"] is not None), None)
    lines = []
    for s in rows:
        if s["median_s"] is None:
            lines.append(f"{s['member']}: never reached 90% ({s['reached']})")
            continue
        versus = f", {trl['median_s'] / s['median_s']:.2f}x TRL GRPO's speed" if trl else ""
        tag = " (fastest of ours)" if s is best else ""
        never = f", {s['never']} seed(s) never reached it" if s["never"] else ""
        lines.append(f"{s['member']}{tag}: 90% in {s['secs']} s, {s['steps']} steps, KL {s['kl']}{versus}{never}")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", choices=sorted(SHORT), default=sorted(SHORT, key=list(SHORT).index))
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1 for every member")
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--out", type=Path, default=Path("runs/benchmarks/family.md"))
    parser.add_argument("--dtypes", nargs="+", choices=list(DTYPES), default=["float32"], help="float32 always runs")
    family, rest = parser.parse_known_args(argv)
    # the task, evaluator and TRL's settings are rl_vs_trl.py's own options (--max-steps, --group-size, ...)
    args = rl_vs_trl.parse_args(rest + ["--methods", "a2c", "--lrs", str(family.lr), "--out", str(family.out)])
    args.members = with_dtypes([SHORT[m] for m in family.methods], family.dtypes)
    args.seed_count = family.seeds
    args.lr = family.lr
    args.argv = sys.argv[1:] if argv is None else list(argv)
    if any(member(m)[0] != "a2c" for m in args.members):
        from a2c_lessons.trl_bridge import TRL_MISSING, trl_available

        if not trl_available():
            parser.error(TRL_MISSING)
    args.methods = sorted({member(m)[0] for m in args.members})  # what rl_vs_trl's header and TRL section read
    return args


def main(argv: list[str] | None = None) -> str:
    import torch

    args = parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        if not args.no_warmup:  # first-call costs would land on whichever member runs first
            warm = argparse.Namespace(**{**vars(args), "max_steps": 2, "final_samples": 16, "progress": False})
            for name in args.members:
                run_member(name, 0, warm)
        runs = []
        for seed in range(args.seed_count):  # the members side by side per seed: a change of load hits all alike
            for name in args.members:
                runs.append(run_member(name, seed, args))
                r = runs[-1]
                print(
                    f"{name} seed {seed}: reached at step {r['reached_step']}, {r['final_positive']:.1%} positive, "
                    f"KL {r['final_kl']:.2f}, length {r['final_length']:.1f}",
                    flush=True,
                )
    finally:
        torch.set_num_threads(threads)
    rows = [summary(name, [r for r in runs if r["member"] == name]) for name in args.members]
    head = rl_vs_trl.header(args)
    head[-1] = f"command: {' '.join(['python', 'benchmarks/family.py', *args.argv])}; lr {args.lr:g}"
    lines = head + [""] + table(rows, args) + ["", "Verdicts:", ""] + verdicts(rows)
    lines.append(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    text = "\n".join(lines) + "\n"
    print("\n" + text)  # the table, then one verdict line per member
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps({"table": lines, "runs": runs}, indent=1) + "\n")
    print(f"written to {args.out}")
    return text


if __name__ == "__main__":
    main()
