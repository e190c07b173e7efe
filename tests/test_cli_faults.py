"""Faults a careful user meets with `a2c-lessons train`: kills, Ctrl-C, changed options, a second run,
leftover temporaries, NaN, a huge `sample -n`. No finished step is lost, no run is mixed with another."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from a2c_lessons import runfolder
from a2c_lessons.cli import main
from a2c_lessons.policy import TINY_LM_PATH
from a2c_lessons.rewards import REWARD_MODEL_PATH
from tests.helpers import wait_for

QUICK = ["--batch-size", "8", "--eval-samples", "16", "--max-new-tokens", "20", "--stop-positive", "none"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
# runs the CLI in a child that kills itself (SIGKILL: no handler, no cleanup) at a chosen point
KILLER = """
import os, signal, sys
from a2c_lessons import trainer
from a2c_lessons.cli import main
when, real_init, real_step = sys.argv[1], trainer.A2CTrainer.__init__, trainer.A2CTrainer.step
def init(self, *args, **kwargs):
    if when == "before the trainer":
        os.kill(os.getpid(), signal.SIGKILL)
    real_init(self, *args, **kwargs)
def step(self, *args, **kwargs):
    if when == "in step 2" and self.step_count == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_step(self, *args, **kwargs)
trainer.A2CTrainer.__init__, trainer.A2CTrainer.step = init, step
sys.exit(main(sys.argv[2:]))
"""


def steps_in(out: Path) -> list[int]:
    """The steps in metrics.jsonl, parsed as strict JSON (NaN or Infinity fail the test)."""

    def refuse(token):
        raise AssertionError(f"metrics.jsonl holds {token}, which is not JSON")

    lines = (out / "metrics.jsonl").read_text().splitlines() if (out / "metrics.jsonl").exists() else []
    return [json.loads(line, parse_constant=refuse)["step"] for line in lines]


def saved(out: Path) -> dict:
    return torch.load(out / "checkpoint.pt", map_location="cpu", weights_only=True)


def killed_run(when: str, argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", KILLER, when, *argv], env=ENV, capture_output=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]


def start_cli(argv: list[str]) -> subprocess.Popen:
    """`a2c-lessons ARGV` in its own process, its output piped, as a student's terminal would run it."""
    command = [sys.executable, "-m", "a2c_lessons.cli", *argv]
    return subprocess.Popen(command, env=ENV, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return err.strip().splitlines()[-1]


def test_overwrite_clears_the_old_run_so_a_kill_then_resume_never_resumes_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--steps", "2", *QUICK]) == 0
    new = ["train", "--out", str(out), "--overwrite", "--steps", "3", "--lr", "1e-3", *QUICK]
    killed_run("before the trainer", new)  # the old run is gone; the new one has no checkpoint yet
    assert not (out / "checkpoint.pt").exists() and not (out / "model").exists() and not steps_in(out)
    assert main(["train", "--out", str(out), "--resume"]) == 2
    assert "start the run without --resume" in error_line(capsys)
    killed_run("in step 2", new)  # the new run's step-0 checkpoint, taken before its first step, is what resumes
    assert main(["train", "--out", str(out), "--resume"]) == 0  # the dead run's lock is taken over
    assert saved(out)["config"]["lr"] == 1e-3 and steps_in(out) == [1, 2, 3]
    history = [json.loads(line) for line in (out / "config_history.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history] == [0] and history[0]["set"]["lr"] == 1e-3


def test_resume_refuses_changed_options_then_applies_them_under_override(tmp_path, capsys, monkeypatch):
    from a2c_lessons.trainer import A2CTrainer

    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--steps", "2", *QUICK]) == 0
    before = (out / "checkpoint.pt").read_bytes()
    assert main(["train", "--out", str(out), "--resume", "--steps", "3", "--lr", "1e-3", "--seed", "7"]) == 2
    line = error_line(capsys)
    assert "--seed 0 -> 7, --lr 0.0003 -> 0.001" in line and "--override" in line and "--steps" not in line
    assert (out / "checkpoint.pt").read_bytes() == before, "a refused resume changes nothing"

    seen, real_step = [], A2CTrainer.step

    def recording_step(self, *args, **kwargs):
        seen.append((self.optimizer.param_groups[0]["lr"], self.generator.initial_seed()))
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(A2CTrainer, "step", recording_step)
    argv = ["train", "--out", str(out), "--resume", "--override", "--steps", "3", "--lr", "1e-3", "--seed", "7"]
    assert main([*argv, "--eval-samples", "16"]) == 0
    assert seen == [(1e-3, 7)], "the optimiser steps with the new lr; the batches come from the new seed"
    assert saved(out)["optimizer"]["param_groups"][0]["lr"] == 1e-3 and steps_in(out) == [1, 2, 3]
    last = json.loads((out / "config_history.jsonl").read_text().splitlines()[-1])
    assert last == {"step": 2, "set": {"steps": 3, "lr": 1e-3, "seed": 7}, "was": {"steps": 2, "lr": 3e-4, "seed": 0}}
    assert json.loads((out / "config.json").read_text())["lr"] == 1e-3


def test_resume_refuses_another_model_even_of_the_same_shape(tmp_path, capsys):
    from safetensors.torch import load_file, save_file

    model_a, model_b = tmp_path / "a", tmp_path / "b"
    for folder in (model_a, model_b):
        subprocess.run(["cp", "-r", str(TINY_LM_PATH), str(folder)], check=True)
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--model", str(model_a), "--steps", "1", *QUICK]) == 0
    assert main(["train", "--out", str(out), "--resume", "--override", "--model", str(model_b)]) == 2
    assert "cannot change within a run" in error_line(capsys)
    weights = load_file(model_a / "model.safetensors")  # same path, other weights: the KL reference would move
    save_file({k: v + 0.01 for k, v in weights.items()}, model_a / "model.safetensors", metadata={"format": "pt"})
    assert main(["train", "--out", str(out), "--resume", "--steps", "2"]) == 1
    assert "trained from other weights" in error_line(capsys)


def test_sigint_mid_run_saves_the_last_step_and_resume_misses_and_repeats_none(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--out", str(out), "--steps", "300", *QUICK]
    run = start_cli(argv)
    wait_for(lambda: len(steps_in(out)) >= 2, 240, "two steps saved")
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130 and "Traceback" not in err, err[-2000:]
    stopped = saved(out)["step"]
    assert 2 <= stopped < 25, "saved at the interrupt, not at a periodic checkpoint (every 25)"
    assert f"interrupted after step {stopped}" in err and f"--out {out} --resume" in err
    assert steps_in(out) == list(range(1, stopped + 1))
    assert main(["train", "--out", str(out), "--resume", "--steps", str(stopped + 2)]) == 0
    assert steps_in(out) == list(range(1, stopped + 3))
    samples = (out / "samples.txt").read_text()
    assert samples.count("samples before training") == 1 and samples.count("samples after training") == 1


def test_stale_temporaries_block_neither_overwrite_nor_resume(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--steps", "1", *QUICK]) == 0

    def leave_temporaries():  # what a kill during a save leaves
        (out / ".checkpoint.pt.tmp").write_bytes(b"half a checkpoint")
        (out / ".config.json.tmp").write_text("{")
        (out / "model.tmp").mkdir()
        (out / "model.tmp" / "config.json").write_text("{")

    leave_temporaries()
    assert main(["train", "--out", str(out), "--resume", "--steps", "2"]) == 0
    assert not any(runfolder.is_temp(p.name) for p in out.iterdir()) and steps_in(out) == [1, 2]
    leave_temporaries()
    assert main(["train", "--out", str(out), "--overwrite", "--steps", "1", *QUICK]) == 0
    assert not any(runfolder.is_temp(p.name) for p in out.iterdir()) and steps_in(out) == [1]


def test_a_kill_while_the_model_is_saved_leaves_the_previous_model_whole(tmp_path, monkeypatch):
    from transformers import PreTrainedModel

    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--steps", "1", *QUICK]) == 0
    weights = (out / "model" / "model.safetensors").read_bytes()

    def save_half_then_die(self, folder, *args, **kwargs):
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "model.safetensors").write_bytes(weights[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(PreTrainedModel, "save_pretrained", save_half_then_die)
    assert main(["train", "--out", str(out), "--resume", "--steps", "2"]) == 130
    assert (out / "model" / "model.safetensors").read_bytes() == weights


def test_a_second_run_into_the_folder_is_refused_naming_the_first_runs_pid(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--out", str(out), "--steps", "300", *QUICK]
    first = start_cli(argv)
    wait_for(lambda: len(steps_in(out)) >= 1, 240, "a first step saved")
    for second in (["--overwrite", "--steps", "2", *QUICK], ["--resume"]):
        start = time.monotonic()
        assert main(["train", "--out", str(out), *second]) == 1
        assert f"in use by another run (pid {first.pid})" in error_line(capsys)
        assert time.monotonic() - start < 10, "refused at once, before any model loads"
    first.send_signal(signal.SIGTERM)  # SIGTERM stops as Ctrl-C does
    _, err = first.communicate(timeout=120)
    assert first.returncode == 130, err[-2000:]
    stopped = saved(out)["step"]
    assert steps_in(out) == list(range(1, stopped + 1)), "the refused runs wrote no metrics"
    assert (out / runfolder.LOCK).read_text().strip() == str(first.pid)  # a stale lock: its process is dead
    assert main(["train", "--out", str(out), "--resume", "--steps", str(stopped + 1)]) == 0


def test_the_lock_refuses_a_second_holder_and_takes_over_a_dead_ones(tmp_path):
    (tmp_path / runfolder.LOCK).write_text("999999999\n")  # left by a process that is gone
    with runfolder.locked(tmp_path):
        assert (tmp_path / runfolder.LOCK).read_text() == f"{os.getpid()}\n"
        with pytest.raises(runfolder.RunFolderError, match=f"pid {os.getpid()}"):
            with runfolder.locked(tmp_path):
                pass


def package_fingerprint() -> dict[str, str]:
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in (TINY_LM_PATH, REWARD_MODEL_PATH)
        for path in sorted(folder.iterdir())
    }


def test_reward_model_and_pretrain_without_out_leave_the_package_unchanged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = package_fingerprint()
    assert main(["reward-model", "--steps", "2"]) == 0
    assert main(["pretrain", "--steps", "2"]) == 0
    assert package_fingerprint() == before
    assert (tmp_path / "runs" / "reward_model" / "model.safetensors").is_file()
    assert (tmp_path / "runs" / "tinylm" / "model.safetensors").is_file()
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["reward_model", "tinylm"], "no temporaries left"


def test_non_finite_values_stop_the_run_at_the_last_good_step(tmp_path, capsys, monkeypatch):
    from a2c_lessons import trainer

    calls = []

    def reward_turning_nan(texts):  # a learned reward model that breaks on the third batch
        calls.append(1)
        return torch.full((len(texts),), float("nan") if len(calls) >= 3 else 1.0)

    monkeypatch.setattr(trainer, "get_reward", lambda name: reward_turning_nan)
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--steps", "5", *QUICK]) == 1
    line = error_line(capsys)
    assert "reward function returned NaN" in line and "holds step 2" in line and "--resume" in line
    state = saved(out)
    assert state["step"] == 2 and steps_in(out) == [1, 2]
    assert all(torch.isfinite(v).all() for v in state["actor_critic"].values())


def test_a_huge_kl_coef_stops_with_a_clear_error_and_valid_metrics(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--steps", "3", "--kl-coef", "1e30", *QUICK]) == 1
    line = error_line(capsys)
    assert "non-finite" in line and "--kl-coef" in line and len(line) < 300, line
    assert saved(out)["step"] == 0 and steps_in(out) == []
    argv = ["train", "--out", str(out), "--resume", "--override", "--kl-coef", "0.05"]
    assert main(argv) == 0 and steps_in(out) == [1, 2, 3]


def test_metrics_lines_are_strict_json():
    line = runfolder.json_line({"step": 1, "explained_var": float("nan"), "grad_norm": float("inf"), "kl": 0.5})
    assert json.loads(line) == {"step": 1, "explained_var": None, "grad_norm": None, "kl": 0.5}


@pytest.mark.timeout(900)
def test_sample_streams_in_flat_memory_under_a_6_gb_address_space(tmp_path):
    """`sample -n 20000` runs under RLIMIT_AS = 6 GB, and its peak memory is that of n = 2000."""
    probe = (
        "import resource, sys; from a2c_lessons.cli import main; code = main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)"
    )
    six_gb = 6 * 1024**3

    def peak_mb(n: int) -> float:
        with open(tmp_path / f"reviews_{n}.txt", "w") as stdout:
            done = subprocess.run(
                [sys.executable, "-c", probe, "sample", "-n", str(n)],
                env=ENV,
                stdout=stdout,
                stderr=subprocess.PIPE,
                text=True,
                timeout=800,
                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (six_gb, six_gb)),
            )
        assert done.returncode == 0, done.stderr[-2000:]
        lines = (tmp_path / f"reviews_{n}.txt").read_text().splitlines()
        assert len(lines) == n + 1 and lines[-1].startswith(f"{n} reviews:")
        return int(done.stderr.strip().splitlines()[-1]) / 1024

    small, large = peak_mb(2000), peak_mb(20000)
    assert large < small + 150, f"peak memory grew from {small:.0f} MB (n=2000) to {large:.0f} MB (n=20000)"


def test_the_cli_loads_no_torch_for_help_or_a_bad_option():
    """--help answers in well under a second because the CLI module and its parser import no torch."""
    code = (
        "import sys, contextlib, io\n"
        "from a2c_lessons import cli\n"
        "cli.build_parser().format_help()\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        "    assert cli.main(['train', '--lr', '-1']) == 2\n"
        "    assert cli.main(['train', '--help']) == 0\n"
        "heavy = sorted({'torch', 'transformers', 'accelerate'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
