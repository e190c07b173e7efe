"""Bad input to `a2c-lessons`: one line on stderr naming the option or path, exit code 2 (or 1), no traceback.

Most cases call `cli.main(argv)` in this process (fast); a few go through the installed
`a2c-lessons` executable, as a user's shell would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from a2c_lessons.cli import main
from a2c_lessons.policy import TINY_LM_PATH

QUICK = ["--steps", "2", "--batch-size", "8", "--eval-samples", "16", "--max-new-tokens", "20"]
EXECUTABLE = Path(sys.executable).with_name("a2c-lessons")


def one_error_line(capsys) -> str:
    """stderr as one line, checked: a single line, and no traceback."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert "Traceback" not in err, err
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    return lines[0]


# (argv, exit code, what the line must name)
USAGE = [
    (["train", "--lr", "-1"], "--lr"),
    (["train", "--lr", "0"], "--lr"),
    (["train", "--lr", "nan"], "--lr"),
    (["train", "--lr", "inf"], "--lr"),
    (["train", "--lr", "fast"], "--lr"),
    (["train", "--steps", "0"], "--steps"),
    (["train", "--steps", "1.5"], "--steps"),
    (["train", "--temperature", "0"], "--temperature"),
    (["train", "--gamma", "2"], "--gamma"),
    (["train", "--lam", "-0.1"], "--lam"),
    (["train", "--kl-coef", "-1"], "--kl-coef"),
    (["train", "--kl-estimator", "k2"], "--kl-estimator"),
    (["train", "--reward", "smiles"], "--reward"),
    (["train", "--batch-size", "0"], "--batch-size"),
    (["train", "--max-new-tokens", "0"], "--max-new-tokens"),
    (["train", "--max-grad-norm", "0"], "--max-grad-norm"),
    (["train", "--seed", "-1"], "--seed"),
    (["train", "--stop-positive", "1.5"], "--stop-positive"),
    (["train", "--stop-window", "0"], "--stop-window"),
    (["train", "--advantage", "ppo"], "--advantage"),
    (["train", "--group-size", "1"], "--group-size"),
    (["train", "--loss-agg", "mean"], "--loss-agg"),
    (["train", "--ppo-epochs", "0"], "--ppo-epochs"),
    (["train", "--minibatches", "0"], "--minibatches"),
    (["train", "--clip", "0"], "--clip"),
    (["train", "--target-kl", "-1"], "--target-kl"),
    (["train", "--value-clip", "nan"], "--value-clip"),
    (["train", "--checkpoint-every", "0"], "--checkpoint-every"),
    (["train", "--checkpoint-every", "many"], "--checkpoint-every"),
    (["train", "--eval-samples", "0"], "--eval-samples"),
    (["train", "--eval-samples", "-5"], "--eval-samples"),
    (["train", "--learning-rate", "1e-3"], "--learning-rate"),
    (["train", "--model", "/nonexistent"], "/nonexistent"),
    (["train", "--model", "gpt2-tiny-typo"], "HF_HUB_OFFLINE"),
    (["train", "--model", "not a hub id"], "not a hub id"),
    (["train", "--resume", "--overwrite"], "--overwrite"),
    (["train", "--override"], "--override"),
    (["sample", "-n", "0"], "-n"),
    (["sample", "-n", "ten"], "-n"),
    (["sample", "--temperature", "0"], "--temperature"),
    (["sample", "--batch-size", "0"], "--batch-size"),
    (["sample", "--max-new-tokens", "0"], "--max-new-tokens"),
    (["sample", "--model", "/nonexistent"], "/nonexistent"),
    (["reward-model", "--steps", "0"], "--steps"),
    (["reward-model", "--seed", "-3"], "--seed"),
    (["pretrain", "--steps", "0"], "--steps"),
    (["frobnicate"], "frobnicate"),
    ([], "command"),
]


@pytest.mark.parametrize(("argv", "named"), USAGE, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_a_bad_option_is_one_line_naming_it_with_exit_code_2(argv, named, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a default --out of runs/... stays in the test's folder
    assert main(argv) == 2
    assert named in one_error_line(capsys)
    assert not (tmp_path / "runs").exists(), "a refused command wrote nothing"


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--advantage", "rloo", "--group-size", "5", "--batch-size", "64"], ("--batch-size", "--group-size")),
        (["--target-kl", "0.05"], ("--target-kl", "--ppo-epochs")),
        (["--minibatches", "3"], ("--batch-size", "--minibatches")),
        (["--advantage", "grpo", "--value-clip", "0.2"], ("--value-clip", "--advantage")),
    ],
)
def test_options_that_do_not_fit_together_are_one_line_naming_both(argv, named, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *argv]) == 2
    line = one_error_line(capsys)
    assert all(name in line for name in named), line
    assert not (tmp_path / "runs").exists(), "a refused command wrote nothing"


def model_folder(tmp_path: Path, without: tuple[str, ...]) -> Path:
    """A copy of the tiny LM without some of its files."""
    folder = tmp_path / "model"
    shutil.copytree(TINY_LM_PATH, folder)
    for name in without:
        (folder / name).unlink()
    return folder


@pytest.mark.parametrize(
    ("without", "expected"),
    [
        (("config.json",), "not a model (it has no config.json)"),
        (("model.safetensors",), "no weights"),
        (("tokenizer.json", "tokenizer_config.json"), "no tokenizer"),
    ],
)
def test_a_folder_that_is_not_a_whole_model_is_named_as_such(without, expected, tmp_path, capsys):
    folder = model_folder(tmp_path, without)
    assert main(["train", "--out", str(tmp_path / "run"), "--model", str(folder)]) == 2
    line = one_error_line(capsys)
    assert str(folder) in line and expected in line
    assert main(["sample", "--model", str(folder)]) == 2
    assert expected in one_error_line(capsys)


def test_a_folder_of_other_files_is_not_a_model(tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("buy milk")
    assert main(["sample", "--model", str(tmp_path / "notes")]) == 2
    assert "is not a model" in one_error_line(capsys)


def test_an_output_path_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "out").write_text("mine")
    for argv in (["train", *QUICK], ["reward-model"], ["pretrain"]):
        assert main([*argv, "--out", str(tmp_path / "out")]) == 2
        assert "--out" in one_error_line(capsys)
    assert (tmp_path / "out").read_text() == "mine"


def test_reward_model_refuses_an_out_folder_of_other_files(tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep")
    assert main(["reward-model", "--out", str(tmp_path / "mine")]) == 2
    assert "not a model" in one_error_line(capsys)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "keep"


def a_run_folder(tmp_path: Path, checkpoint: bytes) -> Path:
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text(json.dumps({"steps": 2}))
    (out / "checkpoint.pt").write_bytes(checkpoint)
    return out


@pytest.mark.parametrize(("content", "expected"), [(b"", "is empty"), (b"PK\x03\x04 not a zip", "damaged")])
def test_resume_from_an_empty_or_damaged_checkpoint_is_one_line(content, expected, tmp_path, capsys):
    out = a_run_folder(tmp_path, content)
    assert main(["train", "--out", str(out), "--resume"]) == 1
    line = one_error_line(capsys)
    assert str(out / "checkpoint.pt") in line and expected in line and "--overwrite" in line


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in: read-only by mode, or (as root, whom modes do not stop) /sys."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except OSError:
        return folder / "run"
    candidate = Path("/sys/a2c-lessons-run")
    try:
        candidate.mkdir()
    except OSError:
        return candidate
    candidate.rmdir()
    pytest.skip("no folder here refuses writes to this user")


def test_a_read_only_out_is_one_line_naming_it(tmp_path, capsys):
    out = _unwritable_folder(tmp_path)
    assert main(["train", "--out", str(out), *QUICK]) == 1
    line = one_error_line(capsys)
    assert f"--out {out}" in line and "cannot write there" in line


def test_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    assert main(["train", "--model", "/nonexistent", "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("a2c-lessons train: error: --model")
    monkeypatch.setenv("A2C_LESSONS_DEBUG", "1")
    assert main(["sample", "--model", "/nonexistent"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_an_unexpected_failure_is_one_line_that_points_to_debug(tmp_path, capsys, monkeypatch):
    from a2c_lessons import cli

    def crash(*args, **kwargs):
        raise KeyError("internal")

    monkeypatch.setattr(cli, "run", crash)
    assert main(["train", "--out", str(tmp_path / "run")]) == 1
    assert "--debug" in one_error_line(capsys)


@pytest.mark.parametrize("command", [["sample"], ["train", "--steps", "1", "--batch-size", "2"]])
def test_a_response_longer_than_the_model_is_refused_naming_the_option(command, tmp_path, capsys):
    argv = [*command, "--max-new-tokens", "100"] + (["--out", str(tmp_path / "run")] if command[0] == "train" else [])
    assert main(argv) == 2
    line = one_error_line(capsys)
    assert "--max-new-tokens 100" in line and "positions" in line


def run_executable(*argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "A2C_LESSONS_DEBUG")} | (env or {})
    return subprocess.run([str(EXECUTABLE), *argv], capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize(
    ("argv", "code", "named"),
    [
        (["train", "--lr", "-1"], 2, "--lr"),
        (["sample", "-n", "0"], 2, "-n"),
        (["reward-model", "--steps", "0"], 2, "--steps"),
        (["train", "--model", "gpt2-tiny-typo"], 2, "gpt2-tiny-typo"),
    ],
)
def test_the_installed_command_gives_one_line_and_the_exit_code(argv, code, named):
    start = time.monotonic()
    done = run_executable(*argv)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert named in done.stderr and len(done.stderr.strip()) < 300, done.stderr
    # a hub id is never fetched: no network retries (the old command spent 47 s on them)
    assert time.monotonic() - start < 30
