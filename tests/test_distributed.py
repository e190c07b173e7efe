"""Data parallel A2C: two CPU processes (gloo) take the same step as one process on the combined batch."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import torch

WORKER = Path(__file__).with_name("ddp_worker.py")
README = Path(__file__).parents[1] / "README.md"


def _run(tmp_path: Path, nproc: int, batch_size: int) -> list[dict]:
    prefix = str(tmp_path / f"n{nproc}_rank")
    if nproc == 1:
        cmd = [sys.executable, str(WORKER), prefix, str(batch_size)]
    else:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            str(nproc),
            "--master_port",
            "29517",
            str(WORKER),
            prefix,
            str(batch_size),
        ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return [torch.load(f"{prefix}{rank}.pt") for rank in range(nproc)]


@pytest.mark.timeout(600)
def test_two_processes_match_one_process_on_the_combined_batch(tmp_path):
    ranks = _run(tmp_path, 2, batch_size=16)
    single = _run(tmp_path, 1, batch_size=16)[0]
    assert torch.equal(ranks[0]["params"], ranks[1]["params"]), "ranks hold different parameters after a step"
    # the gradient is the strong check (Adam's first step is nearly lr * sign(g), blind to its scale)
    grads, expected = ranks[0]["grads"], single["grads"]
    assert (grads - expected).abs().max() <= 1e-4 * expected.abs().max()
    assert (ranks[0]["params"] - single["params"]).abs().max() < 3e-5  # a tenth of one lr-sized step
    assert ranks[0]["metrics"]["reward"] == pytest.approx(single["metrics"]["reward"])
    assert ranks[0]["metrics"]["tokens"] == single["metrics"]["tokens"]


def _train(cmd: list[str], out: Path) -> tuple[str, list[dict], dict]:
    """Run a training command line into `out`; its stdout, metrics rows and final weights."""
    quick = [
        "--steps",
        "2",
        "--batch-size",
        "16",
        "--max-new-tokens",
        "16",
        "--eval-samples",
        "16",
        "--stop-positive",
        "none",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([*cmd, "--out", str(out), *quick], env=env, capture_output=True, text=True, timeout=500)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return done.stdout, rows, torch.load(out / "checkpoint.pt", weights_only=True)["actor_critic"]


@pytest.mark.timeout(900)
def test_the_readmes_data_parallel_command_runs_two_processes_that_equal_one(tmp_path):
    line = next(line for line in README.read_text().splitlines() if "# data parallel" in line)
    cmd = shlex.split(line.partition("#")[0])
    cmd[0] = str(Path(sys.executable).with_name(cmd[0]))  # the launcher of this environment
    del cmd[cmd.index("--out") : cmd.index("--out") + 2]
    printed, rows, weights = _train(cmd, tmp_path / "two")
    assert "A2C on 2 processes" in printed, "the README's command must start two processes"
    printed_one, rows_one, weights_one = _train(
        [str(Path(sys.executable).with_name("a2c-lessons")), "train"], tmp_path / "one"
    )
    assert "A2C on 1 process " in printed_one
    for row, expected in zip(rows, rows_one, strict=True):
        assert {k: row[k] for k in ("step", "reward", "positive", "grammatical", "tokens")} == {
            k: expected[k] for k in ("step", "reward", "positive", "grammatical", "tokens")
        }
        assert row["actor_loss"] == pytest.approx(expected["actor_loss"], rel=1e-4, abs=1e-6)
    assert max((weights[k] - weights_one[k]).abs().max().item() for k in weights_one) < 3e-5
