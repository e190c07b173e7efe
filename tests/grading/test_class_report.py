"""The class report: a small synthetic class graded once, its report's numbers recomputed here from the JSON.

The class (tests/grading/classroom.py): reference answers, stubs, two students who
hand in every known-wrong file of tests/wrong/ between them (one also leaves four
exercises out), and two mixtures. Every count of the report is computed again below
from the results JSON alone, in a loop that does not import the report; the HTML
page is opened in Chromium.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import defaultdict
from pathlib import Path

import pytest

from a2c_lessons.grading import batch, classreport
from a2c_lessons.grading.workspace import checksum
from tests.grading.classroom import build_class
from tests.grading.test_grading import LEFT_OUT

CLASS_SIZE = 6  # as small as covers every wrong file; `python -m tests.grading.classroom` reports 40


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("class")
    build_class(root / "submissions", CLASS_SIZE)
    args = [str(root / "submissions"), "--out", str(root / "grades"), "--jobs", "2", "--test-timeout", "5"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert batch.main([*args, "--unsafe-no-sandbox"]) == 0  # our own files: trusted
    return root / "grades"


@pytest.fixture(scope="module")
def report(graded, tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("report")
    before = checksum(graded)
    with contextlib.redirect_stdout(io.StringIO()):
        assert classreport.main([str(graded), "--out", str(out)]) == 0
    assert checksum(graded) == before, "the report changed the grades folder"
    return json.loads((out / "report.json").read_text()), out


def _results(graded: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(graded.glob("*.json")) if not p.name.startswith(".")}


def test_summary_equals_the_scores_in_the_json(graded, report):
    results = _results(graded)
    scores = sorted(r["score"] for r in results.values())
    summary = report[0]["summary"]
    assert summary["students"] == CLASS_SIZE == len(results)
    assert summary["mean"] == pytest.approx(sum(scores) / len(scores))
    assert summary["median"] == pytest.approx((scores[2] + scores[3]) / 2)
    assert summary["q1"] <= summary["median"] <= summary["q3"]
    missing = summary["missing_files"]
    assert list(missing) == ["known_wrong_more"]
    assert sorted(m[:4] for m in missing["known_wrong_more"]) == sorted(LEFT_OUT)
    assert summary["stopped_early"] == [] and summary["autograder_failed"] == []


def test_per_exercise_numbers_equal_the_public_tests(graded, report):
    points = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for student, results in _results(graded).items():
        for test in results["tests"]:
            if test["visibility"] == "visible":
                exercise = test["name"].split(":")[0]
                points[exercise][student][0] += test["score"]
                points[exercise][student][1] += test["max_score"]
    table = report[0]["exercises"]
    assert sorted(table) == sorted(points)
    for exercise, per_student in points.items():
        got = list(per_student.values())
        assert table[exercise]["mean_points"] == pytest.approx(sum(s for s, _ in got) / len(got)), exercise
        assert table[exercise]["full_marks"] == pytest.approx(sum(s == m for s, m in got) / len(got)), exercise
        assert table[exercise]["zero"] == pytest.approx(sum(s == 0 for s, _ in got) / len(got)), exercise
    assert table["ex05_a2c_loss"]["hardest_passed"] <= CLASS_SIZE - 3  # stubs and both sign/mask students fail


def _mistakes_by_hand(graded: Path, public: bool) -> dict[str, dict[str, set[str]]]:
    """mistake id -> exercise -> students, straight from the tests' extra_data."""
    found = defaultdict(lambda: defaultdict(set))
    for student, results in _results(graded).items():
        for test in results["tests"]:
            if (test["visibility"] == "visible") != public:
                continue
            for m in test["extra_data"]["mistakes"]:
                if m["kind"] != "answer" or m["title"]:
                    found[m["id"]][test["name"].split(":")[0]].add(student)
    return found


@pytest.mark.parametrize("public", [True, False], ids=["public", "hidden"])
def test_misconception_counts_equal_the_json(graded, report, public):
    expected = _mistakes_by_hand(graded, public)
    ranked = report[0]["misconceptions"] if public else report[0]["hidden"]["misconceptions"]
    assert {m["id"] for m in ranked} == set(expected)
    for m in ranked:
        students = set().union(*expected[m["id"]].values())
        assert m["students"] == len(students), m["title"]
        assert m["exercises"] == {x: len(s) for x, s in expected[m["id"]].items()}, m["title"]
    counts = [m["students"] for m in ranked]
    assert counts == sorted(counts, reverse=True)


def test_the_known_mistakes_of_tests_wrong_are_named(report):
    named = {(x, m["title"] or "") for m in report[0]["misconceptions"] for x in m["exercises"]}

    def has(exercise, words):
        return any(x == exercise and words in title for x, title in named)

    assert has("ex05_a2c_loss", "the sign is flipped") and has("ex05_a2c_loss", "the mask is ignored")
    assert has("ex08_discounted_returns", "off by one") and has("ex08_discounted_returns", "gamma is ignored")
    assert has("ex09_gae", "no baseline") and has("ex09_gae", "lambda is ignored")
    assert has("ex16_critic_loss", "0.5") and has("ex23_ppo_clip", "min")
    assert has("ex11_negative_advantage", "negative advantage") and has("ex21_instability", "")
    assert not any("not written yet" in title for _, title in named)  # a stub is not a misconception


def test_wrong_options_equal_the_json(graded, report):
    chosen = defaultdict(lambda: defaultdict(set))
    for student, results in _results(graded).items():
        for test in results["tests"]:
            for m in test["extra_data"]["mistakes"]:
                if m["kind"] == "answer":
                    chosen[m["question"]][m["answer"]].add(student)
    expected = {q: {a: len(s) for a, s in options.items()} for q, options in chosen.items()}
    assert report[0]["wrong_options"] == expected and "ex21.run3" in expected


def test_hidden_tests_are_kept_apart(graded, report):
    data = report[0]
    hidden = defaultdict(lambda: {"passed": 0, "failed": 0})
    for results in _results(graded).values():
        for test in results["tests"]:
            if test["visibility"] != "visible":
                hidden[test["name"]]["passed" if test["status"] == "passed" else "failed"] += 1
    assert data["hidden"]["tests"] == dict(hidden) and hidden
    assert not any(row["hardest_test"] in hidden for row in data["exercises"].values())


def test_markdown_twin_lists_each_misconception_with_its_count(report):
    data, out = report
    text = (out / "report.md").read_text()
    for rank, m in enumerate(data["misconceptions"], start=1):
        assert f"| {rank} | " in text and f"[{m['id']}] | {m['students']} |" in text
    for name in ("scores", "exercises", "misconceptions"):
        assert f"(figures/{name}.png)" in text and (out / "figures" / f"{name}.png").stat().st_size > 1000


def test_bad_grades_folders_get_one_line_errors(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "grades.csv").write_text("student,score\n")
    assert classreport.main([str(tmp_path / "empty"), "--out", str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert classreport.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "r")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "empty").iterdir()) == ["grades.csv"] and not (tmp_path / "r").exists()


def test_html_opens_in_chromium_with_every_figure_and_no_console_error(report):
    from tests.ui.lab_server import browser_missing, launch_chromium

    why_not = browser_missing()
    if why_not:
        pytest.skip(why_not)
    from playwright.sync_api import sync_playwright

    page_file = report[1] / "report.html"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(page_file.as_uri())
        sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        browser.close()
    assert errors == []
    assert len(sizes) == 3 and all(width > 100 for width in sizes), sizes
