"""The `a2c-lessons` command: a short training run end to end, and it never clobbers a user's files."""

import json

import pytest

from a2c_lessons.cli import main

QUICK = ["--steps", "3", "--batch-size", "8", "--eval-samples", "40", "--max-new-tokens", "20"]


def test_train_writes_a_complete_run_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *QUICK]) == 0
    printed = capsys.readouterr().out
    assert "fresh reviews" in printed and "jupyter lab notebooks/" in printed
    for name in ("config.json", "metrics.jsonl", "checkpoint.pt", "samples.txt", "eval.json", "training_curve.png"):
        assert (out / name).is_file(), name
    assert (out / "model" / "model.safetensors").is_file()
    config = json.loads((out / "config.json").read_text())
    assert config["steps"] == 3 and config["batch_size"] == 8 and config["lr"] == 3e-4
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 3
    assert main(["train", "--out", str(out), "--resume", "--steps", "5", "--eval-samples", "40"]) == 0
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5]


def test_an_interrupted_run_keeps_a_checkpoint_and_resumes_from_it(tmp_path, monkeypatch):
    from a2c_lessons.trainer import A2CTrainer

    out, real_step = tmp_path / "run", A2CTrainer.step

    def step_then_interrupt(self):
        if self.step_count == 3:
            raise KeyboardInterrupt
        return real_step(self)

    monkeypatch.setattr(A2CTrainer, "step", step_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        main(["train", "--out", str(out), *QUICK[:1], "6", *QUICK[2:], "--checkpoint-every", "2"])
    monkeypatch.setattr(A2CTrainer, "step", real_step)
    assert (out / "checkpoint.pt").is_file()
    assert main(["train", "--out", str(out), "--resume", "--eval-samples", "40"]) == 0
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_overwrite_starts_the_samples_and_metrics_afresh(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *QUICK]) == 0
    assert main(["train", "--out", str(out), "--overwrite", *QUICK]) == 0
    assert (out / "samples.txt").read_text().count("samples before training") == 1
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 3


def test_train_refuses_a_non_empty_folder_and_keeps_its_files(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    with pytest.raises(SystemExit, match="not empty"):
        main(["train", "--out", str(out), *QUICK])
    with pytest.raises(SystemExit, match="only replaces a run's own files"):
        main(["train", "--out", str(out), "--overwrite", *QUICK])
    assert (out / "notes.txt").read_text() == "my notes" and sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_train_refuses_an_output_path_that_is_a_file(tmp_path):
    target = tmp_path / "results"
    target.write_text("keep me")
    with pytest.raises(SystemExit, match="is a file"):
        main(["train", "--out", str(target), *QUICK])
    assert target.read_text() == "keep me"


def test_resume_without_a_checkpoint_says_so(tmp_path):
    with pytest.raises(SystemExit, match="checkpoint.pt"):
        main(["train", "--out", str(tmp_path / "new"), "--resume"])


def test_unknown_reward_and_bad_values_are_refused(tmp_path):
    with pytest.raises(ValueError, match="reward"):
        main(["train", "--out", str(tmp_path / "a"), "--reward", "smiles", *QUICK])
    with pytest.raises(ValueError, match="gamma"):
        main(["train", "--out", str(tmp_path / "b"), "--gamma", "2", *QUICK])


def test_every_config_field_is_an_option():
    from dataclasses import fields

    from a2c_lessons.cli import build_parser
    from a2c_lessons.trainer import A2CConfig

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    options = {a.dest for a in train._actions}
    assert {f.name for f in fields(A2CConfig)} <= options


def test_optional_fields_take_none_on_the_command_line():
    from a2c_lessons.cli import _config_from_args, build_parser
    from a2c_lessons.trainer import A2CConfig

    args = build_parser().parse_args(["train", "--stop-positive", "none", "--model", "None"])
    cfg = _config_from_args(args, A2CConfig())
    assert cfg.stop_positive is None and cfg.model is None
    args = build_parser().parse_args(["train", "--stop-positive", "0.9"])
    assert _config_from_args(args, A2CConfig()).stop_positive == 0.9


def test_sample_prints_reviews_and_a_summary(capsys):
    assert main(["sample", "-n", "4", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and lines[-1].startswith("4 reviews:")
