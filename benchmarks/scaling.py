"""How the cost grows with the model: the library's fast paths against transformers and TRL at three GPT-2 sizes.

    python benchmarks/scaling.py                               # tiny, 10M, GPT-2 small: about 10 minutes on 2 cores
    python benchmarks/scaling.py --sizes tiny 10M --repeats 2  # a quicker look

Each size is a GPT-2 built from a config with random weights (timing needs no training) and the
course's tokenizer, so prompts and vocabulary are the course's:

    tiny         2 layers x 128,  4 heads   (the bundled LM's shape, 0.4M parameters)   batch 64
    10M          6 layers x 384,  6 heads   (10.6M without the embedding)              batch 32
    gpt2-small  12 layers x 768, 12 heads   (GPT-2 small's shape, 85M without it)      batch 16

For each size, in one process, the two sides of each pair interleaved (ours, theirs, ours, ...):

- sample: `sampling.sample` against `model.generate(do_sample=True)`, 24 new tokens, both stopping rows at
  EOS, tokens per second counted up to each row's EOS;
- score: the training step's scoring pass (policy forward + backward, reference forward) on one rollout,
  padding-free (`fastpath.packed_forward`) against the model's own forward;
- step: one A2C step (`A2CTrainer.step`) against one step of TRL's GRPO at the same batch, completion
  length and KL coefficient (GRPO's group of 8 completions per prompt);
- peak MB: what one call of the sampler and of generate allocates at most (torch's profiler);
- roofline: the useful FLOPs of a call (a forward over each row's real tokens; x4 for forward + backward
  + reference) divided by its time, as a fraction of this CPU's float32 matmul rate, measured here on a
  2048 x 2048 product at the thread count the call ran with.

Threads are what a student gets: torch's default, and inside the library's calls (and the TRL trainer
it builds) the count `a2c_lessons.threads` picks for the model; `generate` runs at torch's default.
Random weights rarely draw EOS, so responses run to 24 tokens: what is measured is the cost per token.
Row dropping and the padding saved on responses of different lengths come on top (benchmarks/sampling.py,
with the trained tiny LM). Wall-clock on a machine that may be shared: compare the ratios within a run.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from a2c_lessons import threads
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.policy import Policy, load_policy
from a2c_lessons.sampling import sample
from a2c_lessons.scoring import logprobs_of


@dataclass(frozen=True)
class Size:
    name: str
    layers: int
    width: int
    heads: int
    batch: int


SIZES = {
    s.name: s for s in [Size("tiny", 2, 128, 4, 64), Size("10M", 6, 384, 6, 32), Size("gpt2-small", 12, 768, 12, 16)]
}


def build(size: Size, tiny: Policy) -> Policy:
    """A GPT-2 of this size with random weights, the course's tokenizer and generation settings, in eval mode."""
    torch.manual_seed(0)
    cfg = GPT2Config(**{**tiny.model.config.to_dict(), "n_layer": size.layers, "n_embd": size.width,
                        "n_head": size.heads})  # fmt: skip
    model = GPT2LMHeadModel(cfg).eval()
    model.generation_config = copy.deepcopy(tiny.model.generation_config)  # top_k=0, top_p=1: the full pi
    return Policy(model, tiny.tokenizer)


def body_params(model) -> int:
    """Parameters of the transformer blocks (without the embeddings)."""
    return sum(p.numel() for p in model.transformer.h.parameters())


def forward_flops(cfg, lengths: torch.Tensor, logit_positions: torch.Tensor) -> float:
    """FLOPs of a forward over rows of `lengths` real tokens, with logits at `logit_positions` of them:
    2 per weight per token in the blocks and the LM head, and 2 L(L+1) d per layer for q k^T and a v."""
    length = lengths.double()
    blocks = 2 * length.sum() * 12 * cfg.n_layer * cfg.n_embd**2
    head = 2 * logit_positions.double().sum() * cfg.n_embd * cfg.vocab_size
    attention = 2 * cfg.n_layer * cfg.n_embd * (length * (length + 1)).sum()
    return float(blocks + head + attention)


def prompts_for(batch: int) -> list[str]:
    return [PROMPTS[i % len(PROMPTS)] for i in range(batch)]


def matmul_flops_per_s(n_threads: int, n: int = 2048, repeats: int = 5) -> float:
    """This CPU's float32 matmul rate at `n_threads` threads: the best of `repeats` n x n products."""
    before, a, b = torch.get_num_threads(), torch.randn(n, n), torch.randn(n, n)
    torch.set_num_threads(n_threads)
    try:
        a @ b
        best = min(_timed(lambda: a @ b) for _ in range(repeats))
    finally:
        torch.set_num_threads(before)
    return 2 * n**3 / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(calls: dict, repeats: int) -> dict[str, list[float]]:
    """Seconds of each call per round, after one untimed warm-up round; the calls alternate within a round."""
    for fn in calls.values():
        fn()
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            times[name].append(_timed(fn))
    return times


def peak_mb(fn) -> float:
    """Peak memory one call allocates beyond what was live before it (the profiler's allocations, replayed)."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    live = peak = 0
    for event in sorted(prof.events(), key=lambda e: e.time_range.start):
        live += event.self_cpu_memory_usage
        peak = max(peak, live)
    return peak / 2**20


def generate_lengths(policy: Policy, batch: int, new_tokens: int) -> tuple[torch.Tensor, torch.Tensor]:
    """generate's call on the batch: (B,) real prompt lengths and (B,) response lengths up to each row's EOS."""
    enc = policy.tokenizer(prompts_for(batch), padding=True, return_tensors="pt")
    with torch.no_grad():
        out = policy.model.generate(**enc, max_new_tokens=new_tokens, do_sample=True)
    new = out[:, enc.input_ids.shape[1] :]
    policy.tokenizer.batch_decode(new, skip_special_tokens=True)  # as `sample` decodes its texts
    is_eos = new == policy.tokenizer.eos_token_id
    upto_eos = (is_eos.long().cumsum(1) - is_eos.long()) == 0  # up to and including the first EOS
    return enc.attention_mask.sum(1), upto_eos.sum(1)


def sampler_rows(policy: Policy, size: Size, new_tokens: int, repeats: int) -> tuple[dict, dict]:
    """Tokens/s, FLOPs/s and peak MB of the sampler and of generate (one call's work: its last round)."""
    work = {}

    def ours():
        rollout = sample(policy, prompts_for(size.batch), new_tokens, seed=len(work))
        work["ours"] = (rollout.prompt_mask.sum(1), rollout.mask.sum(1))

    def theirs():
        work["generate"] = generate_lengths(policy, size.batch, new_tokens)

    times = interleaved({"ours": ours, "generate": theirs}, repeats)
    rows = {}
    for name, fn in (("ours", ours), ("generate", theirs)):
        prompt_len, response_len = work[name]
        seconds = statistics.median(times[name])
        flops = forward_flops(policy.model.config, prompt_len + response_len, response_len)
        rows[name] = {"s": seconds, "tok_s": float(response_len.sum()) / seconds, "flops_s": flops / seconds,
                      "peak_mb": peak_mb(fn)}  # fmt: skip
    return rows["ours"], rows["generate"]


def scoring_rows(policy: Policy, size: Size, new_tokens: int, repeats: int) -> tuple[dict, dict]:
    """Seconds, FLOPs/s and peak MB of the scoring pass, padding-free and the model's own forward."""
    rollout = sample(policy, prompts_for(size.batch), new_tokens, seed=0)
    model, ref_model = copy.deepcopy(policy.model), policy.model

    def score(packed: bool):
        with threads.for_model(model):  # backward included, as inside `A2CTrainer.step`
            model.zero_grad(set_to_none=True)
            logprobs_of(model, rollout, fast=packed).sum().backward()
            with torch.no_grad():
                logprobs_of(ref_model, rollout, fast=packed)

    calls = {"packed": lambda: score(True), "own": lambda: score(False)}
    times = interleaved(calls, repeats)
    lengths = rollout.prompt_mask.sum(1) + rollout.mask.sum(1)
    flops = 4 * forward_flops(policy.model.config, lengths, rollout.mask.sum(1))  # fwd + bwd (x3) + reference
    rows = {}
    for name, fn in calls.items():
        seconds = statistics.median(times[name])
        rows[name] = {"s": seconds, "flops_s": flops / seconds, "peak_mb": peak_mb(fn)}
    return rows["packed"], rows["own"]


def step_rows(policy: Policy, size: Size, new_tokens: int, repeats: int) -> tuple[dict, dict]:
    """Seconds per step of A2C and of TRL's GRPO, from copies of the same weights, the steps interleaved:
    each GRPO step ends in a callback that runs one A2C step outside GRPO's clock."""
    from transformers import PrinterCallback, TrainerCallback

    from a2c_lessons.trainer import A2CConfig, A2CTrainer
    from a2c_lessons.trl_bridge import TRLSettings, make_trl_trainer

    cfg = A2CConfig(batch_size=size.batch, max_new_tokens=new_tokens, stop_positive=None)
    a2c = A2CTrainer(cfg, policy=Policy(copy.deepcopy(policy.model), policy.tokenizer))
    times, tokens, clock = {"a2c": [], "grpo": []}, [], {}

    class Interleave(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            clock["last"] = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            times["grpo"].append(time.perf_counter() - clock["last"])
            start = time.perf_counter()
            tokens.append(a2c.step()["tokens"])
            times["a2c"].append(time.perf_counter() - start)
            clock["last"] = time.perf_counter()

    settings = TRLSettings(method="grpo", batch_size=size.batch, group_size=8, max_new_tokens=new_tokens,
                           beta=cfg.kl_coef, lr=cfg.lr, max_steps=repeats + 1)  # fmt: skip
    grpo = make_trl_trainer(settings, Policy(copy.deepcopy(policy.model), policy.tokenizer), callbacks=[Interleave()])
    grpo.remove_callback(PrinterCallback)
    grpo.train()
    # the same useful work on both sides: sample, policy forward + backward, reference forward (5 forwards)
    mean_prompt = statistics.fmean(len(policy.tokenizer(p).input_ids) for p in PROMPTS)
    response = torch.full((size.batch,), statistics.fmean(tokens) / size.batch)
    flops = 5 * forward_flops(policy.model.config, response + mean_prompt, response)
    rows = {}
    for name in ("a2c", "grpo"):
        seconds = statistics.median(times[name][1:])  # the first step of each warms up
        rows[name] = {"s": seconds, "flops_s": flops / seconds}
    return rows["a2c"], rows["grpo"]


def measure(size: Size, tiny: Policy, args: argparse.Namespace, peaks: dict[int, float]) -> dict:
    policy = build(size, tiny)
    n_threads = threads.threads_for(policy.model) or torch.get_num_threads()
    if n_threads not in peaks:
        peaks[n_threads] = matmul_flops_per_s(n_threads)
    print(f"{size.name}: {body_params(policy.model) / 1e6:.1f}M parameters in the blocks, batch {size.batch}, "
          f"{n_threads} threads in the library's calls", flush=True)  # fmt: skip
    row = {"size": size, "params": body_params(policy.model), "threads": n_threads, "peak": peaks[n_threads]}
    row["ours"], row["generate"] = sampler_rows(policy, size, args.new_tokens, args.repeats)
    row["packed"], row["own"] = scoring_rows(policy, size, args.new_tokens, args.repeats)
    row["a2c"], row["grpo"] = step_rows(policy, size, args.new_tokens, args.repeats)
    return row


def roof(cell: dict, row: dict) -> str:
    return f"{cell['flops_s'] / row['peak']:.0%}"


def tables(rows: list[dict], default_threads: int) -> list[str]:
    head = lambda r: f"| {r['size'].name} | {r['params'] / 1e6:.1f}M | {r['size'].batch} | {r['threads']} "
    lines = ["Sampler against generate (tokens/s; roofline = useful FLOP/s / matmul FLOP/s):", "",
             "| size | block params | batch | threads (ours) | ours tok/s | generate tok/s | ours/generate "
             "| peak MB ours | peak MB generate | roofline ours | roofline generate |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in rows:
        ours, gen = r["ours"], r["generate"]
        lines.append(
            head(r) + f"| {ours['tok_s']:.0f} | {gen['tok_s']:.0f} | {ours['tok_s'] / gen['tok_s']:.2f}x "
            f"| {ours['peak_mb']:.1f} | {gen['peak_mb']:.1f} | {roof(ours, r)} | {roof(gen, r)} |"
        )
    lines += ["", "Scoring pass (policy forward + backward, reference forward) on one rollout:", "",
              "| size | block params | batch | threads | padding-free s | own forward s | own/padding-free "
              "| peak MB padding-free | peak MB own | roofline padding-free | roofline own |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in rows:
        packed, own = r["packed"], r["own"]
        lines.append(
            head(r) + f"| {packed['s']:.3f} | {own['s']:.3f} | {own['s'] / packed['s']:.2f}x "
            f"| {packed['peak_mb']:.1f} | {own['peak_mb']:.1f} | {roof(packed, r)} | {roof(own, r)} |"
        )
    lines += ["", "One training step, same batch and completion length (GRPO: groups of 8, KL coef 0.05 as ours):", "",
              "| size | block params | batch | threads | A2C s/step | GRPO s/step | GRPO/A2C | A2C step vs tiny "
              "| roofline A2C | roofline GRPO |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    base = rows[0]["a2c"]["s"] / rows[0]["size"].batch
    for r in rows:
        a2c, grpo = r["a2c"], r["grpo"]
        growth = a2c["s"] / r["size"].batch / base
        lines.append(head(r) + f"| {a2c['s']:.2f} | {grpo['s']:.2f} | {grpo['s'] / a2c['s']:.2f}x "
                     f"| {growth:.0f}x per sample | {roof(a2c, r)} | {roof(grpo, r)} |")  # fmt: skip
    rates = ", ".join(f"{n} thread{'s' * (n > 1)}: {p / 1e9:.0f} GFLOP/s" for n, p in
                      sorted({r["threads"]: r["peak"] for r in rows}.items()))  # fmt: skip
    lines += ["", f"float32 matmul rate (2048 x 2048): {rates}; torch's default: {default_threads} threads, "
              "generate runs at it"]  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds per measurement, after one warm-up")
    parser.add_argument("--batch", type=int, default=None,
                        help="one batch for all sizes, a multiple of 8 (GRPO groups; default: per size)")  # fmt: skip
    parser.add_argument("--new-tokens", type=int, default=24, help="most new tokens per response")
    parser.add_argument("--out", type=Path, default=Path("runs/benchmarks/scaling.md"))
    args = parser.parse_args(argv)
    load = os.getloadavg()
    sizes = [SIZES[name] for name in args.sizes]
    if args.batch is not None:
        sizes = [Size(s.name, s.layers, s.width, s.heads, args.batch) for s in sizes]
    tiny, peaks = load_policy(device="cpu"), {}
    with warnings.catch_warnings():
        # transformers 5.24 deprecates names TRL 1.16 still reads; the warnings say nothing about this benchmark
        warnings.filterwarnings("ignore", message=r".*(gradient_checkpointing|is_gradient_checkpointing).*deprec")
        rows = [measure(size, tiny, args, peaks) for size in sizes]
    lines = [f"torch {torch.__version__}, CPU, {os.cpu_count()} cores; load average (1, 5, 15 min) at start "
             f"{', '.join(f'{x:.2f}' for x in load)}, at end {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
             f"median of {args.repeats} interleaved rounds; random weights; <= {args.new_tokens} new tokens",
             ""]  # fmt: skip
    lines += tables(rows, torch.get_num_threads())
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"written to {args.out}")
    return text


if __name__ == "__main__":
    main()
