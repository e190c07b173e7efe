"""The tables `scaling.py` prints: sampler, scoring pass, training step and its time split, matmul rates.

Each ratio is the median of the per-round ratios of two interleaved calls, with their range (rounds.py).
"""

from __future__ import annotations

import torch
from rounds import per_round, ratio_text
from step_split import PARTS

from a2c_lessons import precision


def roof(cell: dict, row: dict, dtype: str = "float32") -> str:
    """Useful FLOP/s of a call as a share of this CPU's matmul rate in the call's dtype."""
    return f"{cell['flops_s'] / row['peak'][dtype]:.0%}"


def faster(cells: dict, ours: str, theirs: str, work: float = 1.0) -> str:
    """How many times faster `ours` ran than `theirs`, per round (times `work`: ours' work / theirs')."""
    return ratio_text([work * r for r in per_round(cells[theirs]["times"], cells[ours]["times"])])


def sampler_table(rows: list[dict], bf16: bool) -> list[str]:
    extra = (
        " ours bf16 tok/s | generate bf16 tok/s | ours bf16/generate | ours bf16/generate bf16 | roofline ours bf16 |"
    )
    lines = [
        "Sampler against generate (tokens/s: medians; ratios: median of the rounds' ratios, with their range; "
        "roofline = useful FLOP/s / matmul FLOP/s in the call's dtype):",
        "",
        "| size | block params | batch | threads (ours) | ours tok/s | generate tok/s | ours/generate "
        "| peak MB ours | peak MB generate | roofline ours | roofline generate |" + (extra if bf16 else ""),
        "| --- " * (11 + 5 * bf16) + "|",
    ]
    for r in rows:
        cells = r["sample"]
        ours, gen = cells["ours"], cells["generate"]
        line = (
            head(r) + f"| {ours['tok_s']:.0f} | {gen['tok_s']:.0f} "
            f"| {faster(cells, 'ours', 'generate', tokens(cells, 'ours', 'generate'))} "
            f"| {ours['peak_mb']:.1f} | {gen['peak_mb']:.1f} | {roof(ours, r)} | {roof(gen, r)} |"
        )
        if bf16:
            ours16, gen16 = cells["ours bf16"], cells["generate bf16"]
            line += (
                f" {ours16['tok_s']:.0f} | {gen16['tok_s']:.0f} "
                f"| {faster(cells, 'ours bf16', 'generate', tokens(cells, 'ours bf16', 'generate'))} "
                f"| {faster(cells, 'ours bf16', 'generate bf16', tokens(cells, 'ours bf16', 'generate bf16'))} "
                f"| {roof(ours16, r, 'bfloat16')} |"
            )
        lines.append(line)
    return lines


def tokens(cells: dict, ours: str, theirs: str) -> float:
    """Tokens of one call of `ours` over tokens of one call of `theirs` (each side's own responses)."""
    return (cells[ours]["tok_s"] * cells[ours]["s"]) / (cells[theirs]["tok_s"] * cells[theirs]["s"])


def scoring_table(rows: list[dict], bf16: bool) -> list[str]:
    extra = " padding-free bf16 s | own/padding-free bf16 | roofline padding-free bf16 |"
    lines = [
        "",
        "Scoring pass (policy forward + backward, reference forward) on one rollout:",
        "",
        "| size | block params | batch | threads | padding-free s | own forward s | own/padding-free "
        "| peak MB padding-free | peak MB own | roofline padding-free | roofline own |" + (extra if bf16 else ""),
        "| --- " * (11 + 3 * bf16) + "|",
    ]
    for r in rows:
        cells = r["score"]
        packed, own = cells["packed"], cells["own"]
        line = (
            head(r) + f"| {packed['s']:.3f} | {own['s']:.3f} | {faster(cells, 'packed', 'own')} "
            f"| {packed['peak_mb']:.1f} | {own['peak_mb']:.1f} | {roof(packed, r)} | {roof(own, r)} |"
        )
        if bf16:
            packed16 = cells["packed bf16"]
            line += f" {packed16['s']:.3f} | {faster(cells, 'packed bf16', 'own')} | {roof(packed16, r, 'bfloat16')} |"
        lines.append(line)
    return lines


def step_table(rows: list[dict], bf16: bool) -> list[str]:
    extra = " A2C bf16 s/step | GRPO/A2C bf16 | roofline A2C bf16 |"
    lines = [
        "",
        "One training step, same batch and completion length (GRPO in float32: groups of 8, KL coef 0.05 as ours):",
        "",
        "| size | block params | batch | threads | A2C s/step | GRPO s/step | GRPO/A2C | A2C step vs tiny "
        "| roofline A2C | roofline GRPO |" + (extra if bf16 else ""),
        "| --- " * (10 + 3 * bf16) + "|",
    ]
    base = rows[0]["step"]["a2c"]["s"] / rows[0]["size"].batch
    for r in rows:
        cells = r["step"]
        a2c, grpo = cells["a2c"], cells["grpo"]
        growth = a2c["s"] / r["size"].batch / base
        line = (
            head(r) + f"| {a2c['s']:.2f} | {grpo['s']:.2f} | {faster(cells, 'a2c', 'grpo')} "
            f"| {growth:.0f}x per sample | {roof(a2c, r)} | {roof(grpo, r)} |"
        )
        if bf16:
            a2c16 = cells["a2c bf16"]
            line += f" {a2c16['s']:.2f} | {faster(cells, 'a2c bf16', 'grpo')} | {roof(a2c16, r, 'bfloat16')} |"
        lines.append(line)
    lines += [
        "",
        "Where an A2C step's time goes (share of the timed steps' total):",
        "",
        "| size | dtype | " + " | ".join(PARTS) + " |",
        "| --- " * (2 + len(PARTS)) + "|",
    ]
    for r in rows:
        for name in [n for n in ("a2c", "a2c bf16") if n in r["step"]]:
            shares = r["step"][name]["split"]
            dtype = "bfloat16" if name.endswith("bf16") else "float32"
            lines.append(f"| {r['size'].name} | {dtype} | " + " | ".join(f"{shares[p]:.0%}" for p in PARTS) + " |")
    return lines


def head(r: dict) -> str:
    return f"| {r['size'].name} | {r['params'] / 1e6:.1f}M | {r['size'].batch} | {r['threads']} "


def tables(rows: list[dict], default_threads: int, matmul_n: int) -> list[str]:
    bf16 = "bfloat16" in rows[0]["peak"]
    lines = sampler_table(rows, bf16) + scoring_table(rows, bf16) + step_table(rows, bf16)
    rates = "; ".join(
        f"{dtype} at {n} thread{'s' * (n > 1)}: {rate / 1e9:.1f} GFLOP/s"
        for n, dtype, rate in sorted({(r["threads"], d, p) for r in rows for d, p in r["peak"].items()})
    )
    native = "in hardware" if precision.bf16_is_native(torch.device("cpu")) else "emulated (no AVX512-BF16 or AMX)"
    lines += [
        "",
        f"matmul rate ({matmul_n} x {matmul_n}): {rates}; bf16 on this CPU: {native}; torch's default: "
        f"{default_threads} threads, generate runs at it",
    ]
    return lines
