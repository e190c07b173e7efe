"""The `a2c-lessons` command: a short training run end to end, and it never clobbers a user's files."""

import json

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
    assert main(["train", "--out", str(out), *QUICK[:1], "6", *QUICK[2:], "--checkpoint-every", "2"]) == 130
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


def test_train_refuses_a_non_empty_folder_and_keeps_its_files(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    assert main(["train", "--out", str(out), *QUICK]) == 2
    assert "already holds a run; add --overwrite" in capsys.readouterr().err
    assert main(["train", "--out", str(out), "--overwrite", *QUICK]) == 2
    assert "--overwrite only replaces a run's own files" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "my notes" and sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_train_refuses_an_output_path_that_is_a_file(tmp_path, capsys):
    target = tmp_path / "results"
    target.write_text("keep me")
    assert main(["train", "--out", str(target), *QUICK]) == 2
    assert "is a file" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_resume_without_a_checkpoint_says_so(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "new"), "--resume"]) == 2
    assert "checkpoint.pt" in capsys.readouterr().err
    assert not (tmp_path / "new").exists(), "a refused --resume creates no folder"


def test_every_config_field_is_an_option():
    from dataclasses import fields

    from a2c_lessons.cli import build_parser
    from a2c_lessons.config import A2CConfig

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    options = {a.dest for a in train._actions}
    assert {f.name for f in fields(A2CConfig)} <= options


def test_optional_fields_take_none_on_the_command_line():
    from a2c_lessons.cli import build_parser
    from a2c_lessons.options import given_config

    args = build_parser().parse_args(["train", "--stop-positive", "none", "--model", "None"])
    assert given_config(args) == {"stop_positive": None, "model": None}
    args = build_parser().parse_args(["train", "--stop-positive", "0.9"])
    assert given_config(args) == {"stop_positive": 0.9}


def test_sample_prints_reviews_and_a_summary(capsys):
    assert main(["sample", "-n", "4", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and lines[-1].startswith("4 reviews:")
