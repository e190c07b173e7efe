"""The benchmark script runs on a tiny setting and writes its table (speed itself is not a test)."""

import importlib.util
import sys
from pathlib import Path

import torch

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "sampling.py"


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
            "1",
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
    assert len(cells) == 8 and cells[3].endswith("x") and float(cells[1]) > 0
    assert "A2C step at batch 2" in table
    scoring = next(line for line in table.splitlines() if line.startswith("Scoring pass at batch 2"))
    assert float(scoring.rsplit(" ", 1)[-1].rstrip("x")) > 0


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


def test_scaling_benchmark_runs_and_writes_its_tables(tmp_path):
    bench = _load("scaling")
    out = tmp_path / "scaling.md"
    table = bench.main(["--sizes", "tiny", "--batch", "8", "--new-tokens", "4", "--repeats", "1", "--out", str(out)])
    assert out.read_text() == table
    rows = [line for line in table.splitlines() if line.startswith("| tiny |")]
    assert len(rows) == 3  # sampler, scoring pass, training step
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2] == "8" and any(c.endswith("x") for c in cells) and cells[-1].endswith("%")
    assert "GFLOP/s" in table


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
    argv = ["--methods", "a2c", "rloo", "ppo-K4-M1", "--seeds", "1", "--max-steps", "1", "--no-warmup",
            "--eval-every", "1", "--eval-samples", "8", "--final-samples", "8", "--batch-size", "8",
            "--group-size", "4", "--out", str(out)]  # fmt: skip
    table = bench.main(argv)
    assert out.read_text() == table
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r.split("|")[1].strip() for r in rows] == ["a2c", "rloo", "ppo K=4 M=1"]
    assert all(r.split("|")[2].strip() in ("0/1", "1/1") for r in rows), "a reached count per member"
    verdicts = table.split("Verdicts:")[1]
    assert all(name in verdicts for name in ("a2c:", "rloo:", "ppo K=4 M=1:"))
