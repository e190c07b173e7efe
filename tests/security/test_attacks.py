"""The attack suite: every hostile submission in `submissions/`, graded in one batch beside honest classmates.

Each attack is checked for the five things a grade for credit needs:
1. the attacker scores no more than its honest work earns (and an honest student
   with a stray file or one broken exercise loses nothing else);
2. every classmate's grade equals their grade when graded alone, and their files are unchanged;
3. the batch finishes with a grade for every student;
4. nothing outside the sandbox changed (submissions, instructor folder, a canary,
   the host's /tmp, the out folder, a listening port);
5. no process the attack started outlives the batch.
"""

from __future__ import annotations

import pytest

from a2c_lessons.grading.points import MAX_OUTPUT
from a2c_lessons.grading.report import MAX_REPORT_OUTPUT
from tests.security.conftest import ATTACKS, CLASSMATES, TEST_TIMEOUT_S

LIBRARY_RULE = "must be your own code, not the course library's"
NOT_PLAIN = "returned a value of type"

# attack -> (class of attack, what its honest work earns, {exercise: words its feedback must hold}); honest work
# is a number of points (over the stubs), or the exercises an otherwise honest student may lose (over the reference)
ATTACK_TABLE = {
    "patch_result_recorder": ("in-process patching", 1, {}),
    "patch_comparisons": ("in-process patching", 1, {}),
    "patch_builtins": ("in-process patching", 0, {"ex06": "The process running your code exited"}),
    "shadow_pytest": ("module shadowing", 0, {}),
    "shadow_torch": ("module shadowing", 0, {}),
    "site_hooks": ("module shadowing", 0, {}),
    "stray_random": ("module shadowing (honest student)", (), {}),
    "stray_library_name": ("module shadowing (honest student)", (), {}),
    "atexit_results": ("forged result files", 1, {}),
    "write_then_exit": ("forged result files", 0, {"ex05": "exited with code 0"}),
    "fake_pytest_output": ("forged result files", 1, {}),
    "forge_channel": ("forged result files", 0, {}),
    "grades_log_forgery": ("forged result files", 1, {}),
    "read_classmate": ("other students", 0, {}),
    "write_classmate": ("other students", 1, {}),
    "precreate_workspaces": ("other students", 1, {}),
    "rewrite_grades_later": ("other students / escaping children", 1, {}),
    "proc_snoop": ("other students", 0, {}),
    "symlink_to_classmate": ("symlinks in the submission", 0, {"ex04": "is not in the submission"}),
    "exercises_dir_symlink": ("symlinks in the submission", 0, {}),
    "symlink_to_etc": ("symlinks in the submission", 0, {"ex06": "is not in the submission"}),
    "fifo_file": ("symlinks in the submission", 0, {"ex19": "is not in the submission"}),
    "read_instructor": ("instructor files and hidden tests", 0, {}),
    "echo_hidden_tests": ("instructor files and hidden tests", 0, {}),
    "key_bruteforce": ("key brute force", 0, {}),
    "kill_parent": ("killing the grader", 1, {}),
    # kill(-1) spares its caller: in the uid mode the runner lives on, and its a2c_loss (0) earns what 0 earns
    "kill_everything": ("killing the grader", 1, {}),
    "fork_bomb": ("killing the grader", 1, {}),
    "detached_pipe_holder": ("hanging the grader", 1, {}),
    "alarm_disabled_loop": ("hanging the grader (honest elsewhere)", ("ex16",), {"ex16": "did not finish within"}),
    "swallow_everything_loop": ("hanging the grader (honest elsewhere)", ("ex08",), {"ex08": "did not finish"}),
    "segfault": ("killing the grader (honest elsewhere)", ("ex01",), {"ex01": "The process running your code"}),
    "memory_bomb": ("memory bomb (honest elsewhere)", ("ex04",), {"ex04": "MemoryError"}),
    "output_bomb": ("output bomb (honest elsewhere)", ("ex05",), {"ex05": "more characters cut"}),
    "disk_bomb": ("disk bomb (honest elsewhere)", ("ex09",), {}),
    "setsid_daemon": ("escaping children", 1, {}),
    "daemon_at_import": ("escaping children", 0, {}),
    "tensor_subclass": ("lying value types", 0, {"ex04": NOT_PLAIN}),
    "str_subclass": ("lying value types", 0, {"ex06": NOT_PLAIN}),
    "lying_number": ("lying value types", 0, {"ex02": "returned 0"}),  # a float subclass crosses as its number
    "lying_bool": ("lying value types", 0, {"ex11": NOT_PLAIN}),
    "import_library": ("library imports", 0, {"ex09": LIBRARY_RULE}),
    "obfuscated_library": ("library imports", 0, {"ex08": LIBRARY_RULE}),
    "library_source": ("library imports", 0, {}),
    "network_exfiltration": ("network", 1, {}),
    "env_secrets": ("environment", 0, {}),
    "misbehaving": ("misbehaving (honest elsewhere)", ("ex06", "ex04", "ex05", "ex08", "ex16", "ex01", "ex12"),
                    {"ex12": "exited with code 3"}),
}  # fmt: skip
ATTACKERS = sorted(ATTACK_TABLE)


def test_every_attack_folder_is_in_the_table_and_there_are_at_least_30():
    on_disk = {p.name for p in ATTACKS.iterdir()} | {
        "symlink_to_classmate",
        "symlink_to_etc",
        "exercises_dir_symlink",
        "fifo_file",
    }
    assert on_disk == set(ATTACK_TABLE)
    assert len(ATTACK_TABLE) >= 30 and len({kind.split(" (")[0] for kind, _, _ in ATTACK_TABLE.values()}) >= 12


def feedback(results: dict) -> str:
    return "\n".join([results["output"], *(t["output"] for t in results["tests"])])


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_attack_gains_nothing_and_harms_no_one(class_run, attacker):
    kind, honest, words = ATTACK_TABLE[attacker]
    results = class_run.results[attacker]
    # 1. no more than honest work earns; an honest student loses nothing but the broken exercises
    if isinstance(honest, tuple):
        for test in results["tests"]:
            if not test["name"].startswith(honest):
                assert test["status"] == "passed", f"{attacker}: honest work lost {test['name']}: {test['output']}"
    else:
        assert results["score"] <= honest, f"{attacker} ({kind}) scored {results['score']} > {honest}"
    for exercise, text in words.items():
        outputs = [t["output"] for t in results["tests"] if t["name"].startswith(exercise)]
        assert outputs and all(t["score"] == 0 for t in results["tests"] if t["name"].startswith(exercise))
        assert any(text in o for o in outputs), f"{attacker}: no '{text}' in {outputs}"
    # 2. classmates: the grade they get alone, and their files as they were
    for name in CLASSMATES:
        assert grade_view(class_run.results[name]) == grade_view(class_run.alone[name]), name
    assert class_run.after == class_run.before
    # 3. a grade for every student, in the JSON and in grades.csv
    assert attacker in class_run.results and f"\n{attacker}," in class_run.csv_text
    # 4. nothing outside the sandbox changed
    assert class_run.canary.read_text() == "untouched\n" and class_run.pwned == []
    assert class_run.listener.received == []
    assert sorted(p.name for p in class_run.out.iterdir()) == sorted(
        [".grading.json", "grades.csv", *(f"{s}.json" for s in class_run.results)]
    )
    # 5. no process left behind
    assert class_run.escapees == []


def grade_view(results: dict) -> list:
    return [results["score"], [(t["name"], t["status"], t["output"]) for t in results["tests"]]]


def test_feedback_never_shows_secrets_keys_hidden_tests_or_host_paths(class_run):
    answer_key_text = (class_run.source / "answer_keys.py").read_text()
    secrets = [class_run.secret, str(class_run.out), str(class_run.source), str(class_run.submissions)]
    secrets += [line.strip()[:40] for line in answer_key_text.splitlines() if '": "' in line][:20]
    secrets += [p.stem for p in (class_run.source / "hidden_tests").glob("*.py")]
    for student, results in class_run.results.items():
        shown = [t["output"] for t in results["tests"] if t["visibility"] == "visible"]
        visible = "\n".join([results["output"], *shown])
        for secret in secrets:
            assert secret not in visible, f"{student}'s feedback shows {secret!r}"


def test_feedback_is_capped_per_test_and_per_student(class_run):
    for student, results in class_run.results.items():
        assert all(len(t["output"]) <= MAX_OUTPUT + 60 for t in results["tests"]), student
        assert sum(len(t["output"]) for t in results["tests"]) <= MAX_REPORT_OUTPUT + 100, student


def test_one_looping_exercise_costs_that_exercise_once(class_run):
    results = class_run.results["alarm_disabled_loop"]
    ex16 = [t for t in results["tests"] if t["name"].startswith("ex16")]
    assert f"time limit of {TEST_TIMEOUT_S} s" in ex16[0]["output"]
    assert all(t["output"].startswith("Not run: an earlier test") for t in ex16[1:])
    assert all(t["status"] == "passed" for t in results["tests"] if not t["name"].startswith("ex16"))


def test_misbehaving_code_fails_its_tests_with_messages_and_the_rest_is_graded(class_run):
    tests = {t["name"]: t for t in class_run.results["misbehaving"]["tests"]}

    def output(prefix: str) -> str:
        (match,) = [t["output"] for name, t in tests.items() if name.startswith(prefix)]
        return match

    assert "did not finish within the time limit" in output("ex08_discounted_returns: the hand-worked case")
    assert "importing ex05_a2c_loss.py called sys.exit(1)" in output("ex05_a2c_loss: a2c_loss returns one number")
    assert "raised KeyboardInterrupt" in output("ex04_sequence_utility: sequence_utility returns one U")
    assert "NaN or inf" in output("ex01_sampling_step: tempered_logprobs matches")
    assert "returned list, expected a torch.Tensor" in output("ex01_sampling_step: inverse_cdf_draw")
    assert "raised ValueError: not done (ex01_sampling_step.py, line" in output("ex01_sampling_step: sample_step")
    assert "must return one letter" in output("ex06_actor_critic_roles: the actor's role")
    assert "raised SyntaxError" in output("ex16_critic_loss: critic_loss returns one number")
    for exercise in ("ex19", "ex07", "ex22", "ex09"):
        assert all(t["status"] == "passed" for name, t in tests.items() if name.startswith(exercise)), exercise
