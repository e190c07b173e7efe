"""The benchmark script runs on a tiny setting and writes its table (speed itself is not a test)."""

import importlib.util
import re
import sys
from pathlib import Path

import torch

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "sampling.py"
RATIO = re.compile(r"^(\d+\.\d\d)x \((\d+\.\d\d)-(\d+\.\d\d)\)$")  # median (lowest-highest) over rounds


def ratio_cell(text: str) -> tuple[float, float, float]:
    """(median, lowest, highest) from a '1.23x (1.10-1.40)' cell, checked to be in order."""
    match = RATIO.match(text)
    assert match, f"not a ratio with its range: {text!r}"
    median, low, high = (float(g) for g in match.groups())
    assert 0 < low <= median <= high
    return median, low, high


def test_sampling_benchmark_runs_and_writes_its_table(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_sampling", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "table.md"
    table = bench.main(
        [
            "--batches",
            "2",
            "--new-tokens",
            "4",
            "--repeats",
            "3",
            "--a2c-steps",
            "1",
            "--a2c-batch",
            "2",
            "--out",
            str(out),
        ]
    )
    assert out.read_text().strip() == table.strip()
    row = next(line for line in table.splitlines() if line.startswith("| 2 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == 8 and float(cells[1]) > 0
    ratio_cell(cells[3])
    ratio_cell(cells[5])
    assert re.search(r"A2C step at batch 2: [\d.]+ ms \([\d.]+-[\d.]+ over 1 steps\)", table)
    scoring = next(line for line in table.splitlines() if line.startswith("Scoring pass at batch 2"))
    ratio_cell(scoring.split("own/padding-free ")[1])


def test_generate_token_count_stops_at_eos(tiny_policy):
    spec = importlib.util.spec_from_file_location("bench_sampling", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # the count must not include the pads after EOS, or generate would look faster than it is
    assert bench.run_generate(tiny_policy, 16, 24, 0) < 16 * 24


def test_grading_benchmark_runs_and_writes_its_table(tmp_path):
    from tests.security.support import require_sandbox

    require_sandbox()
    spec = importlib.util.spec_from_file_location("bench_grading", SCRIPT.with_name("grading.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "grading.md"
    table = bench.main(["--students", "1", "--jobs", "1", "--out", str(out)])
    assert out.read_text() == table
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r.split("|")[1].strip() for r in rows] == ["sandbox, --jobs 1", "no sandbox, --jobs 1"]
    assert all(float(r.split("|")[2]) >= 0 and float(r.split("|")[5]) > 0 for r in rows)


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", SCRIPT.with_name(f"{name}.py"))
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    return bench


def test_lessons_benchmark_runs_a_lesson_quiet_and_loaded_and_stops_its_busy_processes(tmp_path, monkeypatch):
    import subprocess

    import nbformat

    bench = _load("lessons")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("total = sum(range(1000))")])
    nbformat.write(nb, tmp_path / "01_tiny.ipynb")
    nbformat.write(nb, tmp_path / "02_other.ipynb")
    started = []
    popen = subprocess.Popen

    def recording_popen(command, *args, **kwargs):
        proc = popen(command, *args, **kwargs)
        if "-c" in command:  # a busy process (the kernels are started with -m)
            started.append(proc)
        return proc

    monkeypatch.setattr(bench.subprocess, "Popen", recording_popen)
    out = tmp_path / "lessons.md"
    table = bench.main(["--notebooks", str(tmp_path), "--lessons", "1", "--busy", "1", "--out", str(out)])
    assert out.read_text() == table
    rows = [line for line in table.splitlines() if line.startswith("| 0")]
    assert [r.split("|")[1].strip() for r in rows] == ["01_tiny"]  # --lessons 1 picks lesson 01 only
    quiet, loaded, ratio = (cell.strip() for cell in rows[0].split("|")[2:5])
    assert float(quiet) > 0 and float(loaded) > 0 and ratio.endswith("x")
    assert len(started) == 1 and started[0].poll() is not None  # the busy process ended with the loaded run


# the scaling benchmark at the smallest size it takes, to check its tables, not to time anything
TINY_SCALING = ["--sizes", "tiny", "--batch", "8", "--new-tokens", "4", "--matmul-n", "64"]


def test_scaling_benchmark_runs_and_writes_its_tables(tmp_path):
    bench = _load("scaling")
    out = tmp_path / "scaling.md"
    table = bench.main([*TINY_SCALING, "--repeats", "2", "--out", str(out)])
    assert out.read_text() == table
    rows = [
        [c.strip() for c in line.strip("|").split("|")] for line in table.splitlines() if line.startswith("| tiny |")
    ]
    sampler, scoring, step, *split = rows
    assert [len(sampler), len(scoring), len(step)] == [16, 14, 13]  # with the bf16 columns
    for cells in (sampler, scoring, step):
        assert cells[2] == "8" and cells[-1].endswith("%")
    for ratio in (sampler[6], sampler[13], sampler[14], scoring[6], scoring[12], step[6], step[11]):
        ratio_cell(ratio)
    # the step's time split: one row per dtype, shares of the whole that add up to it
    assert [cells[1] for cells in split] == ["float32", "bfloat16"]
    for cells in split:
        shares = [float(c.rstrip("%")) for c in cells[2:]]
        assert len(shares) == 5 and all(s >= 0 for s in shares) and abs(sum(shares) - 100) <= 3
    assert re.search(r"bfloat16 at 1 thread: [\d.]+ GFLOP/s; float32 at 1 thread: [\d.]+ GFLOP/s", table)


def test_scaling_benchmark_in_float32_only_has_no_bf16_columns(tmp_path):
    bench = _load("scaling")
    table = bench.main([*TINY_SCALING, "--repeats", "1", "--dtypes", "float32", "--out", str(tmp_path / "s.md")])
    rows = [line for line in table.splitlines() if line.startswith("| tiny |")]
    headers = [line for line in table.splitlines() if line.startswith("| size |")]
    assert len(rows) == 4 and len(headers) == 4 and not any("bf16" in line for line in headers)
    assert "bfloat16 at" not in table and "| tiny | float32 |" in table


def test_rounds_give_the_median_and_range_of_per_round_ratios():
    rounds = _load("rounds")
    # theirs took 2, 3, 4 s and ours 1 s each: ratios 2, 3, 4
    assert rounds.ratio_text(rounds.per_round([2.0, 3.0, 4.0], [1.0, 1.0, 1.0])) == "3.00x (2.00-4.00)"
    assert rounds.spread([5.0, 1.0, 2.0, 9.0]) == (3.5, 1.0, 9.0)


def test_forward_flops_count_by_hand():
    from types import SimpleNamespace

    flops = _load("scaling").forward_flops
    cfg = SimpleNamespace(n_layer=1, n_embd=2, vocab_size=3)
    # one row of 2 tokens, logits at 1: blocks 2 * 2 * 12 * 1 * 4 = 192, head 2 * 1 * 2 * 3 = 12,
    # attention 2 * 1 * 2 * (2 * 3) = 24
    assert flops(cfg, torch.tensor([2]), torch.tensor([1])) == 192 + 12 + 24


def test_family_benchmark_runs_every_member_it_is_given_and_writes_its_table(tmp_path):
    bench = _load("family")
    out = tmp_path / "family.md"
    argv = [
        "--methods",
        "a2c",
        "rloo",
        "ppo-K4-M1",
        "--seeds",
        "1",
        "--max-steps",
        "1",
        "--no-warmup",
        "--eval-every",
        "1",
        "--eval-samples",
        "8",
        "--final-samples",
        "8",
        "--batch-size",
        "8",
        "--group-size",
        "4",
        "--out",
        str(out),
    ]
    table = bench.main(argv)
    assert out.read_text() == table
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r.split("|")[1].strip() for r in rows] == ["a2c", "rloo", "ppo K=4 M=1"]
    assert all(r.split("|")[2].strip() in ("0/1", "1/1") for r in rows), "a reached count per member"
    verdicts = table.split("Verdicts:")[1]
    assert all(name in verdicts for name in ("a2c:", "rloo:", "ppo K=4 M=1:"))


def test_length_effect_benchmark_quotes_the_differences_of_its_own_lengths(tmp_path):
    bench = _load("length_effect")
    out = tmp_path / "length_effect.md"
    table = bench.main(["--seeds", "2", "--steps", "1", "--fresh", "32", "--out", str(out)])
    assert out.read_text() == table
    cells = [[c.strip() for c in line.split("|")[1:-1]] for line in table.splitlines() if line.startswith("| ")]
    runs = [c for c in cells if c[0] in ("0", "1")]
    assert [(c[0], c[1]) for c in runs] == [(s, n) for s in ("0", "1") for n in ("GRPO", "Dr. GRPO", "control")]
    length = {(c[0], c[1]): float(c[3]) for c in runs}
    gaps = next(c for c in cells if c[0].startswith("control - Dr. GRPO"))
    per_seed = [float(g) for g in gaps[1].split(", ")]
    for seed, gap in zip(("0", "1"), per_seed):
        assert abs(gap - (length[(seed, "control")] - length[(seed, "Dr. GRPO")])) <= 0.011, (gap, length)
    assert gaps[3] == f"{sum(g > 0 for g in per_seed)}/2", "the count of seeds where the difference is positive"


def test_family_benchmark_gives_each_member_on_our_trainer_a_bf16_twin():
    bench = _load("family")
    args = bench.parse_args(["--methods", "a2c", "trl-grpo", "ppo-K4-M1", "--dtypes", "float32", "bfloat16"])
    assert args.members == ["a2c", "a2c bf16", "trl-grpo", "ppo K=4 M=1", "ppo K=4 M=1 bf16"]
    assert bench.member("ppo K=4 M=1 bf16") == ("a2c", {"ppo_epochs": 4, "minibatches": 1, "dtype": "bfloat16"})
    assert bench.member("ppo K=4 M=1") == ("a2c", {"ppo_epochs": 4, "minibatches": 1})
    assert bench.parse_args(["--methods", "a2c"]).members == ["a2c"]
