"""Sampling and A2C-step speed of a2c_lessons, side by side with transformers' generate.

    python benchmarks/sampling.py                      # batch 1, 8, 64, 256; 32 new tokens
    python benchmarks/sampling.py --batches 64 --repeats 10

For each batch size, in one process and interleaved (ours, theirs, ours, theirs ...),
it times `a2c_lessons.sampling.sample` against `model.generate(do_sample=True)` on the
same model, prompts, and number of new tokens, and prints tokens per second and the
ratio ours/theirs: the median over `--repeats` rounds (default 5) of the ratio within
each round, and its range (benchmarks/rounds.py). Both sides pay for tokenising and decoding; "generate+logprobs"
also turns generate's logits into the per-token log-probs an RL loss needs, which
`sample` returns anyway. Tokens are counted up to and including each row's EOS.
Then the scoring pass of a training step (policy forward + backward, reference
forward) on one rollout, padding-free (`fastpath.packed_forward`) against the model's
own forward, interleaved; and one A2C training step (sample + score + advantages +
loss + backward + step).
Peak memory: CUDA's allocator on a GPU; on the CPU, the running total of the
allocations and frees that torch's profiler records during one call.
Threads are what a student gets: `generate` runs at torch's count (OMP_NUM_THREADS,
else every core), the library's calls at the count `a2c_lessons.threads` picks (one for
the tiny LM). `A2C_LESSONS_THREADS=0 OMP_NUM_THREADS=1` compares both on one thread.
Wall-clock: on a shared machine compare the ratios of one run; the load average is printed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import transformers

from a2c_lessons import threads
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.logpi import recompute_logprobs
from a2c_lessons.policy import load_policy
from a2c_lessons.sampling import sample

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rounds.py, beside this script
from rounds import per_round, ratio_text, spread  # noqa: E402


def prompts_for(batch: int) -> list[str]:
    return [PROMPTS[i % len(PROMPTS)] for i in range(batch)]


def run_ours(policy, batch: int, new_tokens: int, seed: int) -> int:
    rollout = sample(policy, prompts_for(batch), new_tokens, seed=seed)
    return int(rollout.mask.sum())


def run_generate(policy, batch: int, new_tokens: int, seed: int, *, logprobs: bool = False) -> int:
    torch.manual_seed(seed)
    enc = policy.tokenizer(prompts_for(batch), padding=True, return_tensors="pt").to(policy.device)
    with torch.no_grad():
        out = policy.model.generate(
            **enc, max_new_tokens=new_tokens, do_sample=True, output_logits=logprobs, return_dict_in_generate=True
        )
    new = out.sequences[:, enc.input_ids.shape[1] :]  # (B, T)
    if logprobs:  # what an RL loss needs: log pi(y_t) of each drawn token
        logits = torch.stack(out.logits, dim=1).float()  # (B, T, V)
        logits.log_softmax(-1).gather(-1, new.unsqueeze(-1))
    policy.tokenizer.batch_decode(new, skip_special_tokens=True)
    eos = policy.tokenizer.eos_token_id
    # count up to and including each row's EOS, as the sampler's mask does
    before_eos = (new == eos).long().cumsum(dim=1) - (new == eos).long() == 0
    return int(before_eos.sum())


METHODS = {
    "ours": run_ours,
    "generate": run_generate,
    "generate+logprobs": lambda *a: run_generate(*a, logprobs=True),
}


def tokens_per_second(policy, batch: int, new_tokens: int, repeats: int) -> dict[str, list[float]]:
    """Tokens/s of every method in each of `repeats` rounds, the methods interleaved within a round."""
    for fn in METHODS.values():  # warm-up
        fn(policy, batch, new_tokens, 0)
    rates = {name: [] for name in METHODS}
    for rep in range(repeats):
        for name, fn in METHODS.items():
            if policy.device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            tokens = fn(policy, batch, new_tokens, rep + 1)
            if policy.device.type == "cuda":
                torch.cuda.synchronize()
            rates[name].append(tokens / (time.perf_counter() - start))
    return rates


def peak_memory_mb(policy, method: str, batch: int, new_tokens: int) -> float:
    """Peak memory one call of `method` allocates beyond what was live before it, in MB."""
    if policy.device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        METHODS[method](policy, batch, new_tokens, 0)
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    # the CPU allocator keeps no peak: replay the profiler's allocations and frees in time order
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
        METHODS[method](policy, batch, new_tokens, 0)
    live = peak = 0
    for event in sorted(prof.events(), key=lambda e: e.time_range.start):
        live += event.self_cpu_memory_usage
        peak = max(peak, live)
    return peak / 2**20


def scoring_ms(policy, batch: int, new_tokens: int, repeats: int) -> dict[bool, list[float]]:
    """Milliseconds of a step's scoring pass on one rollout per round: {packed: [ms]}, packed and own forward
    interleaved, after a warm-up round."""
    rollout = sample(policy, prompts_for(batch), new_tokens, seed=0)
    model, ref_model = copy.deepcopy(policy.model), policy.model

    def score_once(packed: bool) -> None:
        with threads.for_model(model):  # backward included, as inside `A2CTrainer.step`
            model.zero_grad(set_to_none=True)  # as the trainer does before each backward
            recompute_logprobs(model, rollout, fast=packed).sum().backward()
            with torch.no_grad():
                recompute_logprobs(ref_model, rollout, fast=packed)

    times = {True: [], False: []}
    for rep in range(repeats + 1):
        for packed in times:
            start = time.perf_counter()
            score_once(packed)
            if rep:  # the first round warms up
                times[packed].append(1000 * (time.perf_counter() - start))
    return times


def a2c_step_ms(batch: int, steps: int) -> tuple[list[float], float]:
    """Milliseconds of each of `steps` A2C steps at this batch size (after one warm-up step), and tokens/s."""
    from a2c_lessons.trainer import A2CConfig, A2CTrainer

    trainer = A2CTrainer(A2CConfig(batch_size=batch, stop_positive=None))
    trainer.step()  # warm-up
    rows = [trainer.step() for _ in range(steps)]
    seconds = [row["tokens"] / row["tokens_per_s"] for row in rows]
    return [1000 * s for s in seconds], sum(r["tokens"] for r in rows) / sum(seconds)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 64, 256])
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds, after one warm-up round")
    parser.add_argument("--a2c-steps", type=int, default=10)
    parser.add_argument("--a2c-batch", type=int, default=64, help="batch of the timed A2C steps (the course's)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory column")
    parser.add_argument("--out", type=Path, default=Path("runs/benchmarks/sampling.md"))
    args = parser.parse_args(argv)

    policy = load_policy()
    device = policy.device.type
    lines = [
        f"device: {torch.cuda.get_device_name() if device == 'cuda' else platform.processor() or 'cpu'} "
        f"({device}; generate on {torch.get_num_threads()} threads, ours on "
        f"{threads.threads_for(policy.model) or torch.get_num_threads()}); torch {torch.__version__}, "
        f"transformers {transformers.__version__}; {args.new_tokens} new tokens, {args.repeats} repeats; load "
        f"average at start {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        "Tokens/s: medians over the rounds; ratios: the median of each round's ratio, and their range.",
        "",
        "| batch | ours tok/s | generate tok/s | ours/generate | generate+logprobs tok/s | ours/(generate+logprobs) "
        "| peak MB ours | peak MB generate |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for batch in args.batches:
        speed = tokens_per_second(policy, batch, args.new_tokens, args.repeats)
        mem = ["-", "-"]
        if not args.no_memory:
            mem = [f"{peak_memory_mb(policy, m, batch, args.new_tokens):.1f}" for m in ("ours", "generate")]
        median = {name: statistics.median(rates) for name, rates in speed.items()}
        lines.append(
            f"| {batch} | {median['ours']:.0f} | {median['generate']:.0f} "
            f"| {ratio_text(per_round(speed['ours'], speed['generate']))} | {median['generate+logprobs']:.0f} "
            f"| {ratio_text(per_round(speed['ours'], speed['generate+logprobs']))} | {mem[0]} | {mem[1]} |"
        )
        print(lines[-1] if batch != args.batches[0] else "\n".join(lines), flush=True)
    scoring = scoring_ms(policy, args.a2c_batch, 24, args.repeats)
    lines += [
        "",
        f"Scoring pass at batch {args.a2c_batch} (policy forward + backward, reference forward): "
        f"padding-free {statistics.median(scoring[True]):.1f} ms, model's own forward "
        f"{statistics.median(scoring[False]):.1f} ms, own/padding-free "
        f"{ratio_text(per_round(scoring[False], scoring[True]))}",
    ]
    print("\n".join(lines[-2:]))
    step_ms, tps = a2c_step_ms(args.a2c_batch, args.a2c_steps)
    ms, low, high = spread(step_ms)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines += [
        f"A2C step at batch {args.a2c_batch}: {ms:.1f} ms ({low:.1f}-{high:.1f} over {args.a2c_steps} steps), "
        f"{tps:.0f} tokens/s",
        f"load average at end: {load}",
    ]
    print("\n".join(lines[-2:]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    (args.out.with_suffix(".json")).write_text(json.dumps({"table": lines}, indent=1) + "\n")
    print(f"written to {args.out}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
