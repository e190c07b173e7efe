"""Data parallel A2C: two CPU processes (gloo) take the same step as one process on the combined batch."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

WORKER = Path(__file__).with_name("ddp_worker.py")


def _run(tmp_path: Path, nproc: int, batch_size: int) -> list[dict]:
    prefix = str(tmp_path / f"n{nproc}_rank")
    if nproc == 1:
        cmd = [sys.executable, str(WORKER), prefix, str(batch_size)]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(nproc),
               "--master_port", "29517", str(WORKER), prefix, str(batch_size)]  # fmt: skip
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
