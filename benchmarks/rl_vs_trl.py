"""Our A2C beside TRL's GRPO and RLOO on the course's task: steps and seconds to 90% positive reviews.

    python benchmarks/rl_vs_trl.py           # lr 3e-4 and 1e-3, seed 0: about 2 minutes on 2 CPU cores
    python benchmarks/rl_vs_trl.py --full    # lr 3e-4 and 1e-3, seeds 0 1 2: about 5 minutes
    python benchmarks/rl_vs_trl.py --methods a2c grpo --lrs 3e-4 --seeds 0 --max-steps 2   # a smoke run

All three start from the bundled tiny LM and are trained on the same prompt set with the
same exact reward (+1 positive, 0 negative, -1 outside the grammar), 64 completions per
optimiser step, at most 24 new tokens, KL coefficient 0.05 and the same learning rate.
What differs is the method:

    A2C (ours)  A_t = GAE over r_t = score - 0.05 * k1_t, baseline V(x, y_<t) from a critic
    GRPO (TRL)  A_i = (r_i - mean_group r) / std_group r, no critic; 0.05 * k3_t added to the loss
    RLOO (TRL)  A_i = r_i - mean_{j != i} r_j over the group, r_i = score - 0.05 * sum_t k1_t; no critic

One evaluator judges every run, every 10 steps: 256 fresh reviews at temperature 1,
untruncated, their fraction positive and their per-sequence KL (k1) to the starting model.
Evaluation time is not training time. A run has reached 90% at the first evaluation at
or above 90% + margin (default 3 points, 1.6 standard errors at 256 reviews, so a policy
still below 90% rarely passes on a lucky batch); training stops there, and a
fresh 2,000-review evaluation reports the fraction positive and the KL at that point.
Steps are the robust number; seconds are wall-clock and move with the machine's load (printed
per run), so compare the ratios within one run. torch runs on one thread by default: the
0.4M-parameter model gains little from a second one, and two stall on each other on shared cores.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch

from a2c_lessons.corpus import PROMPTS
from a2c_lessons.evaluation import evaluate_policy
from a2c_lessons.policy import Policy, load_policy
from a2c_lessons.sampling import sample

METHODS = ("a2c", "grpo", "rloo")
EVAL_SEED, FINAL_SEED = 10_000, 99_999


# ---------------------------------------------------------------------------------------------- the one evaluator
@dataclass
class Tracker:
    """Training clock and evaluation schedule, shared by all methods: seconds exclude evaluation."""

    policy: Policy
    ref_model: torch.nn.Module
    args: argparse.Namespace
    curve: list[dict] = field(default_factory=list)
    reached_step: int | None = None
    reached_s: float | None = None
    reached_tokens: int | None = None
    tokens: int | None = None  # sampled tokens so far, where the trainer reports them (ours; TRL's do not)
    steps: int = 0
    train_s: float = 0.0
    step_s: list[float] = field(default_factory=list)
    _start: float = 0.0
    _last: float = 0.0
    _eval_s: float = 0.0

    def start(self) -> None:
        self._start = self._last = time.perf_counter()
        self._eval_s = 0.0

    def after_step(self, step: int) -> bool:
        """Record step `step`; evaluate when due; True once the run has reached the target."""
        now = time.perf_counter()
        self.steps, self.train_s = step, now - self._start - self._eval_s
        self.step_s.append(now - self._last)
        self._last = now
        if step % self.args.eval_every and step < self.args.max_steps:
            return False
        row = evaluate_policy(
            self.policy,
            self.ref_model,
            self.args.eval_samples,
            seed=EVAL_SEED + step,
            max_new_tokens=self.args.max_new_tokens,
        )
        self.curve.append(
            {
                "step": step,
                "train_s": self.train_s,
                "positive": row["positive"],
                "kl": row["kl"],
                "grammatical": row["grammatical"],
            }
        )
        self._last = time.perf_counter()
        self._eval_s += self._last - now
        if self.args.progress:
            print(
                f"  step {step}: {row['positive']:.1%} positive, KL {row['kl']:.2f}, {self.train_s:.1f} s", flush=True
            )
        if row["positive"] >= self.args.target + self.args.margin:
            self.reached_step, self.reached_s, self.reached_tokens = step, self.train_s, self.tokens
            return True
        return False


# ---------------------------------------------------------------------------------------------- the three methods
def train_a2c(policy: Policy, tracker: Tracker, lr: float, seed: int, config: dict | None = None) -> None:
    """Our trainer; `config` sets other A2CConfig fields (another member of the family: benchmarks/family.py)."""
    from a2c_lessons.trainer import A2CConfig, A2CTrainer

    args = tracker.args
    cfg = A2CConfig(
        seed=seed,
        lr=lr,
        steps=args.max_steps,
        batch_size=args.batch_size,
        max_new_tokens=args.max_new_tokens,
        kl_coef=args.kl_coef,
        stop_positive=None,
        **(config or {}),
    )
    trainer = A2CTrainer(cfg, policy=policy)
    tracker.tokens = 0
    tracker.start()
    for step in range(1, args.max_steps + 1):
        tracker.tokens += int(trainer.step()["tokens"])
        if tracker.after_step(step):
            break


def trl_settings(method: str, lr: float, seed: int, args: argparse.Namespace):
    from a2c_lessons.trl_bridge import TRLSettings

    return TRLSettings(
        method=method,
        lr=lr,
        seed=seed,
        batch_size=args.batch_size,
        group_size=args.group_size,
        max_new_tokens=args.max_new_tokens,
        beta=args.kl_coef,
        max_steps=args.max_steps,
        fix_positions=not args.trl_as_shipped,
    )


def train_trl(method: str, policy: Policy, tracker: Tracker, lr: float, seed: int) -> None:
    from transformers import PrinterCallback, TrainerCallback

    from a2c_lessons.trl_bridge import make_trl_trainer

    class Evaluate(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            tracker.start()

        def on_step_end(self, args, state, control, **kwargs):
            if tracker.after_step(state.global_step):
                control.should_training_stop = True

    trainer = make_trl_trainer(trl_settings(method, lr, seed, tracker.args), policy, callbacks=[Evaluate()])
    trainer.remove_callback(PrinterCallback)  # logging is off, but train() would still print its summary
    assert trainer.model is policy.model, "TRL must train the policy the evaluator samples from"
    trainer.train()


def run(method: str, lr: float, seed: int, args: argparse.Namespace, config: dict | None = None) -> dict:
    """One training run from the starting tiny LM; returns its row of the table and its curve. `config`: for
    method "a2c", other A2CConfig fields (the family's other members)."""
    torch.manual_seed(seed)
    policy = load_policy(dtype=(config or {}).get("dtype"))  # the trainer refuses a policy at another dtype
    ref_model = copy.deepcopy(policy.model).eval().requires_grad_(False)  # pi_ref: the starting weights
    tracker, load = Tracker(policy, ref_model, args), os.getloadavg()[0]
    if method == "a2c":
        train_a2c(policy, tracker, lr, seed, config)
    else:
        train_trl(method, policy, tracker, lr, seed)
    final = evaluate_policy(policy, ref_model, args.final_samples, seed=FINAL_SEED, max_new_tokens=args.max_new_tokens)
    lengths = sample(policy, list(PROMPTS) * 16, args.max_new_tokens, seed=FINAL_SEED).mask.sum(dim=1).float()
    return {
        "method": method,
        "lr": lr,
        "seed": seed,
        "steps_run": tracker.steps,
        "train_s": tracker.train_s,
        "reached_step": tracker.reached_step,
        "reached_s": tracker.reached_s,
        "reached_tokens": tracker.reached_tokens,
        "final_length": float(lengths.mean()),
        "s_per_step": statistics.median(tracker.step_s),
        "final_positive": final["positive"],
        "final_low": final["positive_low"],
        "final_grammatical": final["grammatical"],
        "final_kl": final["kl"],
        "load_1min": load,
        "curve": tracker.curve,
    }


# ---------------------------------------------------------------------------------------------- the report
def summarise(runs: list[dict]) -> dict:
    """Mean over seeds of one (method, lr) cell; steps and seconds over the runs that reached the target."""
    hit = [r for r in runs if r["reached_step"] is not None]
    mean = lambda key, rows: statistics.fmean(r[key] for r in rows) if rows else None
    return {
        "reached": f"{len(hit)}/{len(runs)}",
        "steps": mean("reached_step", hit),
        "secs": mean("reached_s", hit),
        "s_per_step": mean("s_per_step", runs),
        "kl": mean("final_kl", runs),
        "positive": mean("final_positive", runs),
    }


def fmt(x, spec: str = ".2f", none: str = "-") -> str:
    return none if x is None else format(x, spec)


def ratio(ours, theirs) -> str:
    return "-" if ours is None or not theirs else f"{ours / theirs:.2f}"


def table(runs: list[dict], args: argparse.Namespace) -> list[str]:
    """Per-run rows, then per-(method, lr) means with ratios ours/theirs."""
    target = f"{args.target:.0%}"
    lines = [
        f"| method | lr | seed | steps to {target} | train s to {target} | median s/step | steps run "
        f"| positive ({args.final_samples}, 95% low) | KL/seq | grammatical | load 1m |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in runs:
        not_reached = f">{r['steps_run']}"
        lines.append(
            f"| {r['method']} | {r['lr']:g} | {r['seed']} | {fmt(r['reached_step'], 'd', not_reached)} "
            f"| {fmt(r['reached_s'], '.1f')} | {r['s_per_step']:.3f} | {r['steps_run']} "
            f"| {r['final_positive']:.1%} ({r['final_low']:.1%}) | {r['final_kl']:.2f} "
            f"| {r['final_grammatical']:.1%} | {r['load_1min']:.2f} |"
        )
    lines += [
        "",
        f"Means over seeds (steps and seconds over the runs that reached {target}); ratios are ours/theirs "
        "(below 1: ours needs fewer steps, fewer seconds, less KL).",
        "",
        "| lr | method | reached | steps | train s | median s/step | KL/seq | steps ours/theirs "
        "| train s ours/theirs | s/step ours/theirs | KL ours/theirs |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for lr in args.lrs:
        cells = {m: summarise([r for r in runs if r["method"] == m and r["lr"] == lr]) for m in args.methods}
        ours = cells.get("a2c")
        for m, c in cells.items():
            keys = ("steps", "secs", "s_per_step", "kl")
            rel = ["-"] * 4 if m == "a2c" or ours is None else [ratio(ours[k], c[k]) for k in keys]
            lines.append(
                f"| {lr:g} | {m} | {c['reached']} | {fmt(c['steps'], '.0f')} | {fmt(c['secs'], '.1f')} "
                f"| {fmt(c['s_per_step'], '.3f')} | {fmt(c['kl'])} | {' | '.join(rel)} |"
            )
    return lines


def target_verdict(runs: list[dict], args: argparse.Namespace, lr: float = 3e-4) -> str:
    """The issue's target at lr 3e-4: A2C reaches 90% in no more steps than GRPO, >= 1.3x sooner, KL no larger."""
    cells = {m: summarise([r for r in runs if r["method"] == m and r["lr"] == lr]) for m in ("a2c", "grpo")}
    ours, grpo = cells["a2c"], cells["grpo"]
    if ours["steps"] is None or grpo["steps"] is None:
        return f"target at lr {lr:g}: undetermined (a2c reached {ours['reached']}, grpo {grpo['reached']})"
    checks = {
        f"steps {ours['steps']:.0f} <= {grpo['steps']:.0f}": ours["steps"] <= grpo["steps"],
        f"speed-up {grpo['secs'] / ours['secs']:.2f}x >= 1.3x": grpo["secs"] >= 1.3 * ours["secs"],
        f"KL {ours['kl']:.2f} <= {grpo['kl']:.2f}": ours["kl"] <= grpo["kl"],
    }
    parts = "; ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in checks.items())
    return f"target at lr {lr:g} (A2C vs GRPO): {'MET' if all(checks.values()) else 'NOT MET'}: {parts}"


def overrides_section(args: argparse.Namespace) -> list[str]:
    """Every TRL config field the benchmark sets, beside TRL's own default."""
    import trl

    from a2c_lessons.trl_bridge import trl_overrides

    lines = ["TRL settings (set explicitly; * marks a TRL default overridden):", ""]
    for method, cls in (("grpo", trl.GRPOConfig), ("rloo", trl.RLOOConfig)):
        if method not in args.methods:
            continue
        fields = {f.name: f for f in dataclasses.fields(cls)}
        shown = []
        for key, value in trl_overrides(trl_settings(method, args.lrs[0], 0, args)).items():
            f = fields[key]
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            star = "*" if key not in ("seed", "max_steps", "learning_rate") and value != default else ""
            shown.append(f"{key}={value!r}{star} (TRL: {default!r})")
        lines.append(f"- {cls.__name__}: " + ", ".join(shown))
    lines.append(
        "- kept TRL defaults: GRPO loss_type='dapo', scale_rewards='group', num_iterations=1 (so the clip "
        "at epsilon=0.2 never binds: one step per batch, ratio 1, as ours); RLOO normalize_advantages=False"
    )
    if args.trl_as_shipped:
        lines.append("- TRL scoring forward as shipped: GPT-2 position ids count pads (see a2c_lessons/trl_bridge.py)")
    else:
        lines.append(
            "- position ids: TRL's scoring forward gets GPT-2 positions counted over real tokens, as generate "
            "uses (trl_bridge.fix_position_ids; --trl-as-shipped turns this off)"
        )
    return lines


def header(args: argparse.Namespace) -> list[str]:
    import transformers

    versions = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    for name in ("trl", "datasets", "accelerate"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = "absent"
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else (platform.processor() or "cpu")
    return [
        f"device: {device} ({'cuda' if torch.cuda.is_available() else 'cpu'}, {os.cpu_count()} cores, "
        f"{args.threads} torch threads); " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        f"load average (1, 5, 15 min) at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; timings are "
        "wall-clock on a machine that may be shared, so compare ratios within this run, not across runs",
        f"task: batch {args.batch_size} completions/step, <= {args.max_new_tokens} new tokens, KL coef "
        f"{args.kl_coef}, group size {args.group_size} (TRL), evaluation every {args.eval_every} steps on "
        f"{args.eval_samples} reviews, reached = first evaluation >= {args.target + args.margin:.0%}, "
        f"step cap {args.max_steps}",
        f"command: {' '.join(['python', 'benchmarks/rl_vs_trl.py', *args.argv])}",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--lrs", type=float, nargs="+", default=[3e-4, 1e-3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--full", action="store_true", help="the full grid: seeds 0 1 2 (with the --lrs given)")
    parser.add_argument("--max-steps", type=int, default=300, help="step cap: a run stops here even below target")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--group-size", type=int, default=8, help="TRL's num_generations: completions per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=24)
    parser.add_argument("--kl-coef", type=float, default=0.05, help="our kl_coef and TRL's beta")
    parser.add_argument("--eval-every", type=int, default=10)
    parser.add_argument("--eval-samples", type=int, default=256)
    parser.add_argument("--final-samples", type=int, default=2000)
    parser.add_argument("--target", type=float, default=0.90)
    parser.add_argument("--margin", type=float, default=0.03, help="reached = an evaluation >= target + margin")
    parser.add_argument(
        "--trl-as-shipped", action="store_true", help="do not fix GPT-2 position ids in TRL's scoring forward"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads; 1 by default: a 0.4M-parameter model gains little from a second "
        "thread, and two threads stall on each other when the cores are shared",
    )
    parser.add_argument("--progress", action="store_true", help="print every evaluation")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed 2-step run of each method")
    parser.add_argument("--out", type=Path, default=Path("runs/benchmarks/rl_vs_trl.md"))
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    if args.full:
        args.seeds = [0, 1, 2]
    if any(m != "a2c" for m in args.methods):
        from a2c_lessons.trl_bridge import TRL_MISSING, trl_available

        if not trl_available():
            parser.error(TRL_MISSING)
    return args


def run_grid(args: argparse.Namespace) -> list[dict]:
    """Every (lr, seed), the methods side by side in turn, so a change in load hits all of them alike."""
    if not args.no_warmup:  # first-call costs (imports, allocator, kernels) would land on whichever method runs first
        warm = argparse.Namespace(**{**vars(args), "max_steps": 2, "final_samples": 16, "progress": False})
        for method in args.methods:
            run(method, args.lrs[0], 0, warm)
    runs = []
    for lr in args.lrs:
        for seed in args.seeds:
            for method in args.methods:
                runs.append(run(method, lr, seed, args))
                r = runs[-1]
                print(
                    f"{method} lr {lr:g} seed {seed}: reached at step {r['reached_step']} after "
                    f"{fmt(r['reached_s'], '.1f')} s, {r['final_positive']:.1%} positive, KL {r['final_kl']:.2f}",
                    flush=True,
                )
    return runs


def main(argv: list[str] | None = None) -> str:
    args = parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        with warnings.catch_warnings():
            # transformers 5.24 deprecates names TRL 1.16 still reads; the warnings say nothing about this benchmark
            warnings.filterwarnings("ignore", message=r".*(gradient_checkpointing|is_gradient_checkpointing).*deprec")
            lines = header(args) + [""]
            if any(m != "a2c" for m in args.methods):
                lines += overrides_section(args) + [""]
            print("\n".join(lines), flush=True)
            runs = run_grid(args)
    finally:
        torch.set_num_threads(threads)
    lines += table(runs, args)
    if "a2c" in args.methods and "grpo" in args.methods and 3e-4 in args.lrs:
        lines += ["", target_verdict(runs, args)]
    lines.append(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps({"table": lines, "runs": runs}, indent=1) + "\n")
    print(f"written to {args.out}")
    return text


if __name__ == "__main__":
    main()
