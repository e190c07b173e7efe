"""The autograder graded end to end: one batch run over known submissions, checked from many sides.

Four students go through `a2c-lessons grade` once (a module-scoped fixture): the
reference solutions, the shipped stubs, and two students who hand in known-wrong
versions from `tests/wrong/` (one also leaves files out). Hostile and misbehaving
students have their own suite in `tests/security/`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from a2c_lessons.grading import batch
from a2c_lessons.grading.release import exercise_files
from a2c_lessons.grading.wire import exercise_id
from a2c_lessons.grading.workspace import checksum
from tests.security.support import require_sandbox

REPO = Path(__file__).resolve().parents[2]
INSTRUCTOR, EXERCISES, WRONG = REPO / "instructor", REPO / "exercises", REPO / "tests" / "wrong"
TEST_TIMEOUT_S = 3
LEFT_OUT = ("ex03", "ex07", "ex15", "ex21")  # known_wrong_more hands these in not at all
WRONG_FILES = [  # each student hands in these files of tests/wrong/ as the exercises they are shaped like
    "flipped_sign", "undetached", "off_by_one", "no_baseline", "larger_advantage", "negative_more_likely",
    "no_half", "flipped_direction", "kl_bonus", "ppo_max", "bt_flipped", "runs_confused", "k3_forward", "signed_bias",
    "ignores_context",
]  # fmt: skip
MORE_WRONG_FILES = [
    "unmasked_utility", "unmasked", "gamma_ignored", "lambda_ignored", "undetached_returns", "times_temperature",
    "per_response_direction", "advantage_before_reward", "false_reason", "rloo_with_self", "longer_is_better",
    "wald_interval", "ignores_advantage_sign",
]  # fmt: skip


@dataclass
class BatchRun:
    code: int
    out: Path
    stdout: str
    results: dict[str, dict]  # student -> results.json
    rows: dict[str, dict[str, str]]  # student -> grades.csv row
    header: list[str]
    before: str  # checksum of the submissions folder before grading
    after: str


def _hand_in(folder: Path, files: list[Path], wrong: list[str] = ()) -> None:
    """A student folder: `files`, then each known-wrong file over the exercise it is shaped like."""
    folder.mkdir(parents=True)
    for path in files:
        shutil.copyfile(path, folder / path.name)
    for name in wrong:
        text = (WRONG / f"{name}.py").read_text()
        exercise = text.split('EXERCISE = "')[1].split('"')[0]
        (folder / f"{exercise}.py").write_text(text)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> BatchRun:
    require_sandbox()
    root = tmp_path_factory.mktemp("batch")
    submissions, out = root / "submissions", root / "grades"
    reference = exercise_files(INSTRUCTOR)
    _hand_in(submissions / "reference", reference)
    _hand_in(submissions / "stubs", exercise_files(EXERCISES))
    _hand_in(submissions / "known_wrong", reference, WRONG_FILES)
    handed_in = [p for p in reference if not p.name.startswith(LEFT_OUT)]
    _hand_in(submissions / "known_wrong_more", handed_in, MORE_WRONG_FILES)
    before = checksum(submissions)
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        args = [str(submissions), "--out", str(out), "--timeout", "120", "--test-timeout", str(TEST_TIMEOUT_S)]
        code = batch.main([*args, "--jobs", "2"])
    with open(out / "grades.csv", newline="") as f:
        reader = csv.DictReader(f)
        rows = {row["student"]: row for row in reader}
    results = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json") if not p.name.startswith(".")}
    return BatchRun(code, out, stdout.getvalue(), results, rows, reader.fieldnames, before, checksum(submissions))


def result_of(run: BatchRun, student: str, name: str) -> dict:
    """The one test of `student` whose name starts with `name`."""
    matches = [t for t in run.results[student]["tests"] if t["name"].startswith(name)]
    assert len(matches) == 1, f"{name!r} matches {[t['name'] for t in matches]} in {student}"
    return matches[0]


def exercise_score(run: BatchRun, student: str, exercise: str) -> tuple[float, float]:
    totals = run.results[student]["extra_data"]["exercises"][exercise]
    return totals["score"], totals["max_score"]


# ---------------------------------------------------------------- the batch as a whole


def test_batch_grades_every_student_and_prints_one_summary_line(run):
    assert run.code == 0
    students = ["known_wrong", "known_wrong_more", "reference", "stubs"]
    assert sorted(run.results) == sorted(run.rows) == students
    assert "graded 4 students" in run.stdout and "sandbox bwrap" in run.stdout and "grades.csv" in run.stdout


def test_batch_never_writes_to_the_submissions(run):
    assert run.after == run.before


def test_grades_csv_has_a_column_per_exercise(run):
    exercises = [exercise_id(p.stem) for p in exercise_files(INSTRUCTOR)]
    assert run.header[:3] == ["student", "score", "max_score"] and run.header[-1] == "notes"
    assert [column[:4] for column in run.header[3:-1]] == exercises
    assert run.rows["reference"]["score"] == run.rows["reference"]["max_score"]


def test_results_json_has_the_gradescope_schema_sorted_by_exercise(run):
    for student, results in run.results.items():
        assert isinstance(results["score"], float) and isinstance(results["output"], str), student
        for test in results["tests"]:
            assert set(test) >= {"name", "score", "max_score", "visibility", "output"}, student
            assert test["visibility"] in {"visible", "hidden", "after_published"}
            assert isinstance(test["output"], str) and 0 <= test["score"] <= test["max_score"]
        exercises = [t["name"].split(":")[0] for t in results["tests"]]
        assert exercises == sorted(exercises), student
        assert results["score"] == sum(t["score"] for t in results["tests"])
        assert "all passed" not in results["output"] and "public tests passed" in results["output"]


def test_the_summary_a_student_reads_says_nothing_of_hidden_results(run):
    results = run.results["known_wrong"]  # fails a hidden test (ex09's NaN case) as well as public ones
    hidden = [t for t in results["tests"] if t["visibility"] != "visible"]
    assert hidden and any(t["score"] == 0 for t in hidden)
    public_score = sum(t["score"] for t in results["tests"] if t["visibility"] == "visible")
    public_max = sum(t["max_score"] for t in results["tests"] if t["visibility"] == "visible")
    assert f"public score {public_score:g} / {public_max:g}" in results["output"]
    assert f"{results['score']:g} /" not in results["output"].replace(f"public score {public_score:g}", "")


# ---------------------------------------------------------------- reference and stubs


def test_reference_solutions_score_full_marks_hidden_tests_included(run):
    results = run.results["reference"]
    assert [t["name"] for t in results["tests"] if t["status"] != "passed"] == []
    assert results["score"] == results["extra_data"]["max_score"] == sum(t["max_score"] for t in results["tests"]) > 0
    assert any(t["visibility"] == "after_published" for t in results["tests"])


def test_shipped_stubs_score_zero_each_with_a_message_naming_the_line(run):
    results = run.results["stubs"]
    assert results["score"] == 0
    for test in results["tests"]:
        assert "is not written yet" in test["output"] and "raise NotImplementedError" in test["output"], test


# ---------------------------------------------------------------- known wrong answers

KNOWN_WRONG = [
    # (student, test name, words the message must contain)
    ("known_wrong", "ex05_a2c_loss: a2c_loss matches the library", "the sign is flipped"),
    ("known_wrong", "ex05_a2c_loss: one gradient step", "the probability of a token with advantage +"),
    ("known_wrong", "ex04_sequence_utility: the gradient reaches log pi", "flows into the advantages: detach them"),
    ("known_wrong", "ex08_discounted_returns: the hand-worked case", "off by one"),
    ("known_wrong", "ex08_discounted_returns: discounted_returns matches", "off by one"),
    ("known_wrong", "ex09_gae: gae matches the library", "no baseline"),
    ("known_wrong", "ex02_utility_terms: the token with the larger term", "'innovative' has the larger advantage"),
    ("known_wrong", "ex11_negative_advantage: true or false", "A negative advantage means"),
    ("known_wrong", "ex16_critic_loss: critic_loss matches", "the factor 0.5 is missing"),
    ("known_wrong", "ex12_probability_direction: probability_direction matches", "the direction is flipped"),
    ("known_wrong", "ex17_kl_reward: kl_penalised_rewards matches", "it is a penalty"),
    ("known_wrong", "ex17_kl_reward: the hand-worked case", "it is a penalty"),
    ("known_wrong", "ex23_ppo_clip: ppo_clip_loss matches", "PPO takes the min"),
    ("known_wrong", "ex21_instability: the cause of one unstable run [run3]", "breaks a run within a few steps"),
    ("known_wrong", "ex21_instability: the cause of one unstable run [run6]", "This run has the critic's baseline"),
    ("known_wrong_more", "ex24_group_baseline: RLOO on the hand-worked case", "the response itself included"),
    ("known_wrong_more", "ex24_group_baseline: rloo_advantages matches", "the response itself included"),
    ("known_wrong", "ex25_bradley_terry: bradley_terry_loss matches", "the wrong way round"),
    ("known_wrong", "ex25_bradley_terry: the hand-worked case", "the wrong way round"),
    ("known_wrong_more", "ex26_overoptimisation: why the person's share falls", "kept rising"),
    ("known_wrong_more", "ex26_overoptimisation: the changes that keep", "past the peak"),
    ("known_wrong_more", "ex04_sequence_utility: sequence_utility matches", "the mask is ignored"),
    ("known_wrong_more", "ex05_a2c_loss: a2c_loss matches the library", "the mask is ignored"),
    ("known_wrong_more", "ex05_a2c_loss: one gradient step", "moves the probability of pad tokens"),
    ("known_wrong_more", "ex08_discounted_returns: discounted_returns matches", "gamma is ignored"),
    ("known_wrong_more", "ex09_gae: gae matches the library", "lambda is ignored"),
    ("known_wrong_more", "ex16_critic_loss: the gradient reaches V", "flows into the returns: detach them"),
    ("known_wrong_more", "ex01_sampling_step: tempered_logprobs matches", "multiplied by the temperature"),
    ("known_wrong_more", "ex01_sampling_step: inverse_cdf_draw", "greedy"),
    ("known_wrong_more", "ex19_update_order", "it needs the reward first"),
    ("known_wrong_more", "ex22_why_ppo", "still uses a KL penalty"),
    ("known_wrong_more", "ex22_why_ppo", "the first step on each batch is the A2C step"),
    ("known_wrong_more", "ex12_probability_direction: probability_direction returns", "returned shape (4,), expected"),
    ("known_wrong_more", "ex20_positive_interval: wilson_interval on the hand-worked", "the normal (Wald) interval"),
    ("known_wrong_more", "ex20_positive_interval: wilson_interval matches", "the normal (Wald) interval"),
    ("known_wrong_more", "ex20_positive_interval: batch_passes matches", "off by one"),
    ("known_wrong", "ex18_kl_gradient: which gradient each placement", "its gradient is another matter"),
    ("known_wrong", "ex18_kl_gradient: k3_loss_gradient on fresh", "That is the gradient of KL(pi || pi_ref)"),
    ("known_wrong", "ex10_gae_bias: bias_and_variance on fresh", "errors of both signs cancel"),
    ("known_wrong", "ex10_gae_bias: in lesson 3's measurement", "least *variance*"),
    ("known_wrong", "ex13_other_prompt: change_at_other_prompt gives", "the update's own prompt"),
    ("known_wrong", "ex13_other_prompt: change_at_other_prompt predicts", "the real step moves"),
    ("known_wrong_more", "ex13_other_prompt: change_at_other_prompt gives", "the sign of A decides"),
    ("known_wrong_more", "ex13_other_prompt: change_at_other_prompt predicts", "the real step moves"),
]


@pytest.mark.parametrize(("student", "name", "words"), KNOWN_WRONG)
def test_known_wrong_answer_loses_points_with_the_matching_message(run, student, name, words):
    test = result_of(run, student, name)
    assert test["score"] == 0 < test["max_score"]
    assert words in test["output"], test["output"]


def test_a_wrong_answer_costs_only_its_own_tests(run):
    # undetached advantages give the right values: only the gradient test fails
    gradient = result_of(run, "known_wrong", "ex04_sequence_utility: the gradient reaches log pi")
    score, max_score = exercise_score(run, "known_wrong", "ex04_sequence_utility")
    assert gradient["score"] == 0 and score == max_score - gradient["max_score"] > 0
    score, max_score = exercise_score(run, "known_wrong", "ex06_actor_critic_roles")
    assert score == max_score > 0
    assert result_of(run, "known_wrong", "ex02_utility_terms: the value of each token's term")["status"] == "passed"


def test_concept_feedback_does_not_give_the_key_away(run):
    for name in ("ex02_utility_terms: the token with the larger term", "ex11_negative_advantage: true or false"):
        output = result_of(run, "known_wrong", name)["output"]
        assert "'effective'" not in output and "False" not in output


def test_missing_files_score_zero_with_a_note(run):
    results, row = run.results["known_wrong_more"], run.rows["known_wrong_more"]
    score, max_score = exercise_score(run, "known_wrong_more", "ex07_above_baseline")
    assert score == 0 < max_score
    assert (
        "is not in the submission"
        in result_of(run, "known_wrong_more", "ex21_instability: the cause of one unstable run [run1]")["output"]
    )
    assert "missing from the submission" in row["notes"] and "ex03_minimising_loss.py" in row["notes"]
    _, ex14_max = exercise_score(run, "known_wrong_more", "ex14_loss_parts")
    assert "ex04_sequence_utility.py" not in row["notes"] and row["ex14_loss_parts"] == f"{ex14_max:g}"
    assert results["output"].startswith("missing from the submission")


def test_batch_refuses_a_non_empty_output_folder(run, tmp_path, capsys):
    assert batch.main([str(tmp_path), "--out", str(run.out)]) == 2
    assert "not empty" in capsys.readouterr().err
