"""The benchmark script runs on a tiny setting and writes its table (speed itself is not a test)."""

import importlib.util
from pathlib import Path

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
