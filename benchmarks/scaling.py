"""How the cost grows with the model: the library's fast paths against transformers and TRL at three GPT-2 sizes.

    python benchmarks/scaling.py                               # tiny, 10M, GPT-2 small: float32 and bf16
    python benchmarks/scaling.py --sizes tiny 10M --repeats 2  # a quicker look
    python benchmarks/scaling.py --dtypes float32              # float32 only (a CPU without bf16 arithmetic)

Each size is a GPT-2 built from a config with random weights (timing needs no training) and the
course's tokenizer, so prompts and vocabulary are the course's:

    tiny         2 layers x 128,  4 heads   (the bundled LM's shape, 0.4M parameters)   batch 64
    10M          6 layers x 384,  6 heads   (10.6M without the embedding)              batch 32
    gpt2-small  12 layers x 768, 12 heads   (GPT-2 small's shape, 85M without it)      batch 16

For each size, in one process, the sides of each comparison interleaved (ours, theirs, ours, ...) in
`--repeats` rounds (default 5); each ratio is the median of the per-round ratios, with their range
(benchmarks/rounds.py). With bfloat16 in `--dtypes`, each comparison gains bf16 columns: the library at
`dtype="bfloat16"` (bf16 products over float32 weights, `a2c_lessons.precision`), and `generate` on a bf16
copy of the model (the way transformers runs bf16).

- sample: `sampling.sample` against `model.generate(do_sample=True)`, 24 new tokens, both stopping rows at
  EOS, tokens per second counted up to each row's EOS; in bf16 against generate in float32 and in bf16;
- score: the training step's scoring pass (policy forward + backward, reference forward) on one rollout,
  padding-free (`fastpath.packed_forward`) against the model's own forward;
- step: one A2C step (`A2CTrainer.step`, float32 and bf16) against one step of TRL's GRPO in float32 at the
  same batch, completion length and KL coefficient (GRPO's group of 8 completions per prompt), and where
  the A2C step's time goes (benchmarks/step_split.py: sample, score, backward, optimiser, other);
- peak MB: what one call of the sampler and of generate allocates at most (torch's profiler);
- roofline: the useful FLOPs of a call (a forward over each row's real tokens; x4 for forward + backward
  + reference) divided by its time, as a fraction of this CPU's matmul rate in the call's dtype, measured
  here on an n x n product (`--matmul-n`, 1024) at the thread count the call ran with.

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
import sys
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from a2c_lessons import precision, threads
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.logpi import recompute_logprobs
from a2c_lessons.policy import Policy, load_policy
from a2c_lessons.sampling import sample

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rounds.py and step_split.py, beside this script
from rounds import interleaved, timed  # noqa: E402
from scaling_tables import tables  # noqa: E402
from step_split import StepSplit  # noqa: E402


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
    cfg = GPT2Config(
        **{**tiny.model.config.to_dict(), "n_layer": size.layers, "n_embd": size.width, "n_head": size.heads}
    )
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


def matmul_flops_per_s(n_threads: int, dtype: torch.dtype, n: int = 1024, repeats: int = 3) -> float:
    """This CPU's matmul rate in `dtype` at `n_threads` threads: the best of `repeats` n x n products."""
    before = torch.get_num_threads()
    a = torch.randn(n, n).to(dtype)
    b = torch.randn(n, n).to(dtype)
    torch.set_num_threads(n_threads)
    try:
        a @ b
        best = min(timed(lambda: a @ b) for _ in range(repeats))
    finally:
        torch.set_num_threads(before)
    return 2 * n**3 / best


def at_dtype(policy: Policy, dtype: str) -> Policy:
    """A copy of the policy whose sampling and scoring passes compute in `dtype` (float32 weights)."""
    model = copy.deepcopy(policy.model)
    precision.set_compute_dtype(model, dtype)
    return Policy(model, policy.tokenizer)


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


def sampler_rows(policies: dict[str, Policy], size: Size, new_tokens: int, repeats: int) -> dict[str, dict]:
    """Per-round seconds, tokens/s, FLOPs/s and peak MB of the sampler and of generate at each dtype:
    {"ours" | "generate", then " bf16" when bf16 is measured: row} (one call's work: its last round)."""
    work, calls = {}, {}
    for dtype, policy in policies.items():
        suffix = "" if dtype == "float32" else " bf16"

        def ours(policy=policy, name="ours" + suffix):
            rollout = sample(policy, prompts_for(size.batch), new_tokens, seed=len(work))
            work[name] = (rollout.prompt_mask.sum(1), rollout.mask.sum(1))

        # generate in bf16 runs a bf16 copy of the weights, as `from_pretrained(dtype=torch.bfloat16)` would
        theirs_policy = (
            policy if dtype == "float32" else Policy(copy.deepcopy(policy.model).bfloat16(), policy.tokenizer)
        )

        def theirs(policy=theirs_policy, name="generate" + suffix):
            work[name] = generate_lengths(policy, size.batch, new_tokens)

        calls["ours" + suffix] = ours
        calls["generate" + suffix] = theirs
    times = interleaved(calls, repeats)
    config = next(iter(policies.values())).model.config
    rows = {}
    for name, fn in calls.items():
        prompt_len, response_len = work[name]
        flops = forward_flops(config, prompt_len + response_len, response_len)
        rows[name] = {
            "times": times[name],
            "s": statistics.median(times[name]),
            "tok_s": float(response_len.sum()) / statistics.median(times[name]),
            "flops_s": flops / statistics.median(times[name]),
            "peak_mb": peak_mb(fn),
        }
    return rows


def scoring_rows(policies: dict[str, Policy], size: Size, new_tokens: int, repeats: int) -> dict[str, dict]:
    """Per-round seconds, FLOPs/s and peak MB of the scoring pass: padding-free at each dtype ("packed",
    "packed bf16") and the model's own forward in float32 ("own")."""
    base = policies["float32"]
    rollout = sample(base, prompts_for(size.batch), new_tokens, seed=0)

    def scorer(policy: Policy, packed: bool):
        model, ref_model = copy.deepcopy(policy.model), policy.model

        def score():
            with threads.for_model(model):  # backward included, as inside `A2CTrainer.step`
                model.zero_grad(set_to_none=True)
                recompute_logprobs(model, rollout, fast=packed).sum().backward()
                with torch.no_grad():
                    recompute_logprobs(ref_model, rollout, fast=packed)

        return score

    calls = {"packed": scorer(base, True), "own": scorer(base, False)}
    if "bfloat16" in policies:
        calls["packed bf16"] = scorer(policies["bfloat16"], True)
    times = interleaved(calls, repeats)
    lengths = rollout.prompt_mask.sum(1) + rollout.mask.sum(1)
    flops = 4 * forward_flops(base.model.config, lengths, rollout.mask.sum(1))  # fwd + bwd (x3) + reference
    rows = {}
    for name, fn in calls.items():
        seconds = statistics.median(times[name])
        rows[name] = {"times": times[name], "s": seconds, "flops_s": flops / seconds, "peak_mb": peak_mb(fn)}
    return rows


def step_rows(policies: dict[str, Policy], size: Size, new_tokens: int, repeats: int) -> dict[str, dict]:
    """Per-step seconds of A2C at each dtype ("a2c", "a2c bf16") and of TRL's GRPO in float32 ("grpo"), from
    copies of the same weights, the steps interleaved: each GRPO step ends in a callback that runs one A2C step
    of each dtype outside GRPO's clock. Each A2C row holds its time split ("split": part -> share)."""
    from transformers import PrinterCallback, TrainerCallback

    from a2c_lessons.trainer import A2CConfig, A2CTrainer
    from a2c_lessons.trl_bridge import TRLSettings, make_trl_trainer

    base = policies["float32"]
    cfg = A2CConfig(batch_size=size.batch, max_new_tokens=new_tokens, stop_positive=None)
    split = StepSplit()
    trainers = {}
    for dtype, policy in policies.items():
        name = "a2c" if dtype == "float32" else "a2c bf16"
        trainers[name] = A2CTrainer(replace(cfg, dtype=dtype), policy=at_dtype(policy, dtype))
    for trainer in trainers.values():
        split.watch(trainer)
    times = {name: [] for name in [*trainers, "grpo"]}
    tokens, clock = [], {}

    class Interleave(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            clock["last"] = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            times["grpo"].append(time.perf_counter() - clock["last"])
            for name, trainer in trainers.items():
                start = time.perf_counter()
                row = split.step(name, trainer)
                times[name].append(time.perf_counter() - start)
            tokens.append(row["tokens"])
            clock["last"] = time.perf_counter()

    settings = TRLSettings(
        method="grpo",
        batch_size=size.batch,
        group_size=8,
        max_new_tokens=new_tokens,
        beta=cfg.kl_coef,
        lr=cfg.lr,
        max_steps=repeats + 1,
    )
    grpo = make_trl_trainer(settings, Policy(copy.deepcopy(base.model), base.tokenizer), callbacks=[Interleave()])
    grpo.remove_callback(PrinterCallback)
    with split.installed():
        grpo.train()
    # the same useful work on both sides: sample, policy forward + backward, reference forward (5 forwards)
    mean_prompt = statistics.fmean(len(base.tokenizer(p).input_ids) for p in PROMPTS)
    response = torch.full((size.batch,), statistics.fmean(tokens) / size.batch)
    flops = 5 * forward_flops(base.model.config, response + mean_prompt, response)
    rows = {}
    for name, steps in times.items():
        seconds = statistics.median(steps[1:])  # the first step of each warms up
        rows[name] = {"times": steps[1:], "s": seconds, "flops_s": flops / seconds}
        if name in trainers:
            rows[name]["split"] = split.shares(name)
    return rows


def measure(size: Size, tiny: Policy, args: argparse.Namespace, peaks: dict) -> dict:
    base = build(size, tiny)
    policies = {dtype: base if dtype == "float32" else at_dtype(base, dtype) for dtype in args.dtypes}
    n_threads = threads.threads_for(base.model) or torch.get_num_threads()
    for dtype in args.dtypes:
        if (n_threads, dtype) not in peaks:
            peaks[n_threads, dtype] = matmul_flops_per_s(n_threads, precision.as_dtype(dtype), args.matmul_n)
    print(
        f"{size.name}: {body_params(base.model) / 1e6:.1f}M parameters in the blocks, batch {size.batch}, "
        f"{n_threads} threads in the library's calls",
        flush=True,
    )
    row = {
        "size": size,
        "params": body_params(base.model),
        "threads": n_threads,
        "peak": {dtype: peaks[n_threads, dtype] for dtype in args.dtypes},
    }
    row["sample"] = sampler_rows(policies, size, args.new_tokens, args.repeats)
    row["score"] = scoring_rows(policies, size, args.new_tokens, args.repeats)
    row["step"] = step_rows(policies, size, args.new_tokens, args.repeats)
    return row


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds per measurement, after a warm-up")
    parser.add_argument(
        "--dtypes",
        nargs="+",
        choices=list(precision.DTYPES),
        default=list(precision.DTYPES),
        help="the library's precisions to measure (float32 always: the baseline)",
    )
    parser.add_argument("--matmul-n", type=int, default=1024, help="size of the products that measure the matmul rate")
    parser.add_argument(
        "--batch",
        type=int,
        default=None,
        help="one batch for all sizes, a multiple of 8 (GRPO groups; default: per size)",
    )
    parser.add_argument("--new-tokens", type=int, default=24, help="most new tokens per response")
    parser.add_argument("--out", type=Path, default=Path("runs/benchmarks/scaling.md"))
    args = parser.parse_args(argv)
    args.dtypes = ["float32", *[d for d in args.dtypes if d != "float32"]]
    load = os.getloadavg()
    sizes = [SIZES[name] for name in args.sizes]
    if args.batch is not None:
        sizes = [Size(s.name, s.layers, s.width, s.heads, args.batch) for s in sizes]
    tiny, peaks = load_policy(device="cpu"), {}
    with warnings.catch_warnings():
        # transformers 5.24 deprecates names TRL 1.16 still reads; the warnings say nothing about this benchmark
        warnings.filterwarnings("ignore", message=r".*(gradient_checkpointing|is_gradient_checkpointing).*deprec")
        rows = [measure(size, tiny, args, peaks) for size in sizes]
    lines = [
        f"torch {torch.__version__}, CPU, {os.cpu_count()} cores; load average (1, 5, 15 min) at start "
        f"{', '.join(f'{x:.2f}' for x in load)}, at end {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"{args.repeats} interleaved rounds; random weights; <= {args.new_tokens} new tokens",
        "",
    ]
    lines += tables(rows, torch.get_num_threads(), args.matmul_n)
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"written to {args.out}")
    return text


if __name__ == "__main__":
    main()
