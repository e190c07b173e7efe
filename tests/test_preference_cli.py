"""RLHF from the command line: labelled pairs -> `reward-model --preferences` -> `train --reward-model`."""

from __future__ import annotations

import json

import pytest

from a2c_lessons import cli, preferences

SERVICE = preferences.TASTES["service"]


@pytest.fixture(scope="module")
def labels(tiny_policy, tmp_path_factory):
    path = tmp_path_factory.mktemp("prefs") / "labels.jsonl"
    preferences.label_with_taste(tiny_policy, SERVICE, 60, path, seed=2)
    return path


def test_labels_to_reward_model_to_a2c_raise_the_share_of_the_taste(labels, tmp_path, capsys):
    rm, run = tmp_path / "rm", tmp_path / "run"
    assert cli.main(["reward-model", "--preferences", str(labels), "--out", str(rm)]) == 0
    printed = capsys.readouterr().out
    accuracy = float(printed.split("held-out accuracy ")[1].split("%")[0])
    assert accuracy > 50 and (rm / "config.json").is_file() and (rm / "model.safetensors").is_file()
    # at --kl-coef 0.02 the run buys the taste with grammar (87% grammatical after 150 steps); 0.05 keeps it (97%)
    args = ["train", "--reward-model", str(rm), "--taste", "service", "--out", str(run), "--steps", "150"]
    args += ["--kl-coef", "0.05", "--eval-samples", "200"]
    assert cli.main(args) == 0
    summary = capsys.readouterr().out
    before, after = (json.loads((run / f"eval_{when}.json").read_text()) for when in ("before", "after"))
    assert after["gold"] >= 1.75 * before["gold"] and after["grammatical"] >= 0.9, (before, after)
    assert after["proxy"] > before["proxy"]
    assert f"reviews with the taste 'service' {before['gold']:.1%} -> {after['gold']:.1%}" in summary
    assert "positive (last batch)" not in summary  # sentiment is not what this run aims at
    config = json.loads((run / "config.json").read_text())
    assert config["reward_model"] == str(rm) and config["taste"] == "service"


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        (['{"prompt": "", "chosen": "a .", "rejected": "b ."}'] * 3, "holds 3 pairs; at least 10"),
        (['{"prompt": "", "chosen": "a .", "rejected": "b ."}', "not json"], "line 2 is not JSON"),
        (['{"prompt": "", "chosen": "a .", "rejected": "a ."}'], "line 1: chosen and rejected are the same"),
    ],
    ids=["too-few", "malformed", "same-completion"],
)
def test_a_bad_preferences_file_is_one_line_and_writes_nothing(tmp_path, capsys, lines, words):
    prefs, out = tmp_path / "labels.jsonl", tmp_path / "rm"
    prefs.write_text("\n".join(lines) + "\n")
    assert cli.main(["reward-model", "--preferences", str(prefs), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and "--preferences" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and not out.exists() and not out.with_name("rm.tmp").exists()


def test_a_taste_needs_a_reward_model_and_a_reward_model_must_be_a_model(tmp_path, capsys):
    assert cli.main(["train", "--taste", "service", "--out", str(tmp_path / "run")]) == 2
    assert "--taste" in capsys.readouterr().err
    assert cli.main(["train", "--reward-model", str(tmp_path / "nothing"), "--out", str(tmp_path / "run")]) == 2
    assert "--reward-model" in capsys.readouterr().err
    assert cli.main(["train", "--taste", "spicy", "--reward-model", str(tmp_path), "--out", str(tmp_path / "r")]) == 2
    assert "--taste" in capsys.readouterr().err
