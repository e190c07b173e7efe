"""The student release: solution markers become stubs, bad markers are refused, keys ship only as hashes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from a2c_lessons.grading import keys, release
from a2c_lessons.grading.release import ReleaseError, build_release, exercise_files, stub_solutions

REPO = Path(__file__).resolve().parents[2]
INSTRUCTOR, EXERCISES = REPO / "instructor", REPO / "exercises"
IGNORED = {"__pycache__", ".pytest_cache"}

SOURCE = '''def utility_term(logprob, advantage):
    """A docstring."""
    ### BEGIN SOLUTION
    product = logprob * advantage
    return product
    ### END SOLUTION
'''


def test_committed_exercises_equal_a_fresh_release():
    fresh = build_release(INSTRUCTOR)
    shipped = {p.name: p.read_bytes() for p in EXERCISES.iterdir() if p.name not in IGNORED}
    assert sorted(shipped) == sorted(fresh), "run `a2c-lessons release` and commit exercises/"
    for name, text in fresh.items():
        assert shipped[name] == text.encode(), f"exercises/{name} differs from a fresh release"


def test_release_replaces_a_solution_region_with_one_stub_line():
    stubbed = stub_solutions(SOURCE, "ex02_utility_terms.py")
    assert stubbed.splitlines()[2:] == ['    raise NotImplementedError("ex02: your answer to utility_term goes here")']
    assert "product" not in stubbed


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (SOURCE.replace("    return product\n", "    ### BEGIN SOLUTION\n"), "cannot nest"),
        (SOURCE.replace("    ### END SOLUTION\n", ""), "never closed"),
        (SOURCE.replace("    ### BEGIN SOLUTION\n", ""), "without a ### BEGIN SOLUTION"),
        (SOURCE.replace("    ### END SOLUTION", "  ### END SOLUTION"), "indented differently"),
        (SOURCE.replace("    ### END SOLUTION", "    return 0  ### END SOLUTION"), "a line of its own"),
    ],
    ids=["nested", "unclosed", "end-without-begin", "indentation", "inline"],
)
def test_release_refuses_bad_markers_naming_file_and_line(text, words):
    with pytest.raises(ReleaseError, match=re.escape(words)) as err:
        stub_solutions(text, "ex02_utility_terms.py")
    assert re.match(r"ex02_utility_terms\.py:\d+: ", str(err.value))


def test_release_command_writes_nothing_when_a_file_has_bad_markers(tmp_path, capsys):
    source, out = tmp_path / "instructor", tmp_path / "out"
    source.mkdir()
    (source / "answer_keys.py").write_text('SALT = "s"\nKEYS = {"ex06.a": {"accept": ["b"]}}\n')
    (source / "ex06_bad.py").write_text(SOURCE.replace("    ### END SOLUTION\n", ""))
    assert release.main(["--source", str(source), "--out", str(out)]) == 2
    assert "ex06_bad.py:3" in capsys.readouterr().err and not out.exists()


def test_release_command_is_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert release.main(["--out", str(first)]) == release.main(["--out", str(second)]) == 0
    assert {p.name: p.read_bytes() for p in first.iterdir()} == {p.name: p.read_bytes() for p in second.iterdir()}


def test_shipped_stubs_raise_not_implemented_with_their_exercise_number():
    for path in exercise_files(EXERCISES):
        text = path.read_text()
        assert "SOLUTION" not in text, path.name
        stubs = re.findall(r'raise NotImplementedError\("(ex\d+):', text)
        assert stubs and set(stubs) == {path.name[:4]}, path.name


def test_answer_keys_ship_only_as_hashes_and_sealed_messages():
    salt, answer_keys = keys.load_source(INSTRUCTOR / keys.KEYS_SOURCE)
    shipped = "\n".join(p.read_text() for p in EXERCISES.iterdir() if p.is_file())
    key_json = json.loads((EXERCISES / keys.KEYS_JSON).read_text())
    for question, entry in answer_keys.items():
        compiled = key_json["questions"][question]
        assert all(re.fullmatch(r"[0-9a-f]{24}", d) for d in compiled["accept"]), question
        for answer, message in entry.get("feedback", {}).items():
            assert message[:40] not in shipped, f"feedback of {question} is readable in exercises/"
            token = compiled["feedback"][keys.digest(salt, question, answer)]
            assert keys.unseal(token, salt, question, answer) == message
    stored = json.dumps(list(key_json["questions"].values()))  # question ids name the tokens; the answers must not show
    for word in ("effective", "bonus", "-12.00", "d,f,a,c,e,b", "a:true"):
        assert word not in stored


def test_a_sealed_message_does_not_open_with_another_answer():
    token = keys.seal("explained", "salt", "ex06.actor", "a")
    assert keys.unseal(token, "salt", "ex06.actor", "a") == "explained"
    wrong = keys._key_stream("salt", "ex06.actor", "b", len("explained"))
    assert wrong != keys._key_stream("salt", "ex06.actor", "a", len("explained"))


def test_answer_key_refuses_an_answer_that_is_both_right_and_wrong():
    with pytest.raises(ValueError, match="both accepted"):
        keys.compile_keys("s", {"ex06.a": {"accept": ["b"], "feedback": {"b": "no"}}})


def test_release_refuses_to_replace_edited_files_without_overwrite(tmp_path, capsys):
    out = tmp_path / "exercises"
    assert release.main(["--out", str(out)]) == 0
    answer = out / "ex05_a2c_loss.py"
    answer.write_text("def a2c_loss(logprobs, advantages, mask):\n    return 0  # my answer\n")
    assert release.main(["--out", str(out)]) == 2
    assert "ex05_a2c_loss.py" in capsys.readouterr().err
    assert "my answer" in answer.read_text()
    assert release.main(["--out", str(out), "--overwrite"]) == 0
    assert "NotImplementedError" in answer.read_text()


def test_a_graded_release_ships_no_answer_key_and_its_self_check_says_who_grades(tmp_path):
    out = tmp_path / "graded"
    assert release.main(["--out", str(out), "--graded"]) == 0
    assert not (out / keys.KEYS_JSON).exists()
    shipped = "\n".join(p.read_text() for p in out.iterdir())
    assert (
        keys.compile_keys(*keys.load_source(INSTRUCTOR / keys.KEYS_SOURCE))["questions"]["ex06.actor"]["accept"][0]
        not in shipped
    )
    shutil.copyfile(INSTRUCTOR / "ex06_actor_critic_roles.py", out / "ex06_actor_critic_roles.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "ex06", "-rs"],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "graded by your instructor" in done.stdout, done.stdout[-2000:]


def test_generated_test_files_say_where_to_edit_them():
    for path in sorted(EXERCISES.glob("test_*.py")) + [EXERCISES / "conftest.py"]:
        assert path.read_text().startswith(f"# Generated by `a2c-lessons release` from instructor/{path.name}"), path
    for path in exercise_files(EXERCISES):
        assert not path.read_text().startswith("# Generated"), path  # the student's own file
