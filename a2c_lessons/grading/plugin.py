"""The autograder as a pytest plugin: points per test, a time limit per test, a summary table, results.json.

`exercises/conftest.py` loads it (`pytest_plugins = ["a2c_lessons.grading.plugin"]`), so

    pytest exercises/                              a self-check: grades your files, prints points per exercise
    pytest exercises -k utility                    the matching exercises only

The tests run here, in the grader's process; the student's functions run in a
separate runner process (`submission.py`) and only plain values come back. For a
self-check the runner is a plain subprocess on your own files; `a2c-lessons grade`
runs this same plugin with `--submission DIR --sandbox bwrap` (or `uid`), so that
the submission sits in a sandbox and the tests, keys and results stay outside it.

Tests get two fixtures: `student` (a `Submission`: `student.call(module, fn, ...)`)
and `answer_key` (the concept-question keys beside the tests).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from a2c_lessons.grading import mistakes
from a2c_lessons.grading.keys import AnswerKey
from a2c_lessons.grading.points import HIDDEN, VISIBLE, TestResult, exercise_of
from a2c_lessons.grading.report import crash_results, gradescope_results, summary_table, write_json
from a2c_lessons.grading.sandbox import MODES, Sandbox
from a2c_lessons.grading.submission import Submission

DEFAULT_TIMEOUT_S = 10.0
_MAX_OUTPUT_LINES = 30


@dataclass(eq=False)  # a plugin: pluggy keeps its plugins in a set, by identity
class StartedRunner:
    """A runner already started for the submission about to be graded: `pytest.main(args, plugins=[it])`."""

    submission: Submission


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("a2c-lessons grading")
    group.addoption("--grades-json", metavar="PATH", help="write the grades as Gradescope results.json to PATH")
    group.addoption("--grades-log", metavar="PATH", help="append one JSON line per graded test to PATH (batch grading)")
    group.addoption(
        "--grade-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"time limit of each graded test in seconds (default {DEFAULT_TIMEOUT_S:g})",
    )
    group.addoption("--submission", metavar="DIR", help="the student's files (default: the tests' own folder)")
    group.addoption("--sandbox", choices=MODES, default="none", help="how the student's code is confined")
    group.addoption("--sandbox-uid", type=int, default=None, help="the uid student code runs as (grader as root)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n, hidden=False, timeout=None): points, visibility and time limit")
    if not config.pluginmanager.has_plugin("a2c-lessons-grader"):
        config.pluginmanager.register(Grader(config), "a2c-lessons-grader")


def grading_folder(test_path: Path) -> Path:
    """The folder of a test file's exercises: its nearest folder with a conftest.py (hidden tests sit below)."""
    for folder in Path(test_path).resolve().parents:
        if (folder / "conftest.py").is_file():
            return folder
    return Path(test_path).resolve().parent


@pytest.fixture
def student(request: pytest.FixtureRequest) -> Submission:
    """The submission; `student.call("ex04_x", "fn", ...)` runs one student function in the runner."""
    return request.config.pluginmanager.get_plugin("a2c-lessons-grader").submission(request.path)


@pytest.fixture
def answer_key(request: pytest.FixtureRequest) -> AnswerKey:
    """The concept-question keys beside the tests (hashed); a graded release has none: graded by the instructor."""
    return request.config.pluginmanager.get_plugin("a2c-lessons-grader").answer_key(request.path)


def _label(item: pytest.Item) -> str:
    doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
    label = doc[0].rstrip(".") if doc else getattr(item, "originalname", item.name)
    callspec = getattr(item, "callspec", None)
    return f"{label} [{callspec.id}]" if callspec else label


def _failure_text(call: pytest.CallInfo, report: pytest.TestReport) -> str:
    """What the student reads about a failure: our message, or the tail of an unexpected traceback."""
    exc = call.excinfo.value if call.excinfo else None
    if isinstance(exc, pytest.fail.Exception):
        return str(exc.msg)
    if isinstance(exc, AssertionError) and str(exc):
        return str(exc)
    tail = "\n".join(report.longreprtext.splitlines()[-_MAX_OUTPUT_LINES:])
    return f"Error while grading (in {report.when}); the test fails:\n{tail}"


class Grader:
    """Collects one TestResult per selected test and reports them; owns the runners."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.results: dict[str, TestResult] = {}
        self.crashes: list[str] = []
        self.start = time.monotonic()
        self.submissions: dict[Path, Submission] = {}
        self.keys: dict[Path, AnswerKey | None] = {}
        given = config.getoption("submission")
        self.fixed = Path(given).resolve() if given else None
        self.sandbox = Sandbox(config.getoption("sandbox"), config.getoption("sandbox_uid"))
        self.started = [p.submission for p in config.pluginmanager.get_plugins() if isinstance(p, StartedRunner)]

    def submission(self, test_path: Path) -> Submission:
        """The submission a test grades: a runner the caller started for it (batch grading), else a new one."""
        folder = self.fixed or grading_folder(test_path)
        if folder not in self.submissions:
            ahead = [s for s in self.started if s.folder.resolve() == folder and s.sandbox == self.sandbox]
            self.submissions[folder] = ahead[0] if ahead else Submission(folder, self.sandbox)
        return self.submissions[folder]

    def answer_key(self, test_path: Path) -> AnswerKey:
        folder = grading_folder(test_path)
        if folder not in self.keys:
            try:
                self.keys[folder] = AnswerKey.load(folder)
            except FileNotFoundError:
                self.keys[folder] = None
        if self.keys[folder] is None:
            pytest.skip("graded by your instructor: this release has no answer key to check it against")
        return self.keys[folder]

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.fixed is not None:  # batch grading: the runner imports torch while the tests are collected
            self.submission(self.fixed).start()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        for submission in [*self.submissions.values(), *self.started]:
            submission.close()

    def _log(self, entry: dict) -> None:
        path = self.config.getoption("grades_log")
        if path:  # appended and closed per line, so a killed run leaves every finished test behind
            with open(path, "a") as log:
                log.write(json.dumps(entry) + "\n")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.crashes.append(f"collecting {report.nodeid or 'the tests'} failed:\n{report.longreprtext}")

    def pytest_internalerror(self, excrepr) -> None:
        self.crashes.append(f"pytest internal error:\n{excrepr}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            mark = item.get_closest_marker("points")
            n = mark.args[0] if mark and mark.args else 0.0
            hidden = bool(mark and mark.kwargs.get("hidden"))
            module = getattr(item, "module", None)
            exercise = exercise_of(item.path.stem, getattr(module, "EXERCISE", None))
            self.results[item.nodeid] = TestResult(
                item.nodeid, f"{exercise}: {_label(item)}", exercise, float(n), HIDDEN if hidden else VISIBLE
            )
        self._log({"collected": [r.as_dict() for r in self.results.values()]})

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        mark = item.get_closest_marker("points")
        limit = (mark.kwargs.get("timeout") if mark else None) or self.config.getoption("grade_timeout")
        mistakes.take()  # what an earlier test noted is not this test's
        with self.submission(item.path).time_limit(limit):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        result = self.results.get(item.nodeid)
        last_phase = report.when == "call" or (report.when == "setup" and not report.passed)
        if result is not None and (last_phase or (report.when == "teardown" and report.failed)):
            if report.skipped:
                result.record(False, f"skipped: {report.longrepr[2] if isinstance(report.longrepr, tuple) else ''}")
            else:
                result.record(report.passed, "passed" if report.passed else _failure_text(call, report))
                result.mistakes = [] if report.passed else mistakes.take()
            if report.when == "setup" and report.failed:  # no student code runs in setup: the grader is broken
                self.crashes.append(f"setting up {item.nodeid} failed:\n{report.longreprtext}")
            passed = result.status == "passed"
            self._log({"nodeid": item.nodeid, "passed": passed, "output": result.output, "mistakes": result.mistakes})
        return report

    def _report(self) -> dict:
        if self.crashes:
            return crash_results("\n\n".join(self.crashes))
        return gradescope_results(list(self.results.values()), execution_time=time.monotonic() - self.start)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.config.getoption("grades_json")
        if path:
            write_json(Path(path), self._report())

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.crashes:
            terminalreporter.section("autograder failed", red=True)
            terminalreporter.write_line("\n\n".join(self.crashes))
        elif self.results:
            terminalreporter.section("a2c-lessons grades")
            terminalreporter.write_line(summary_table(list(self.results.values())))
