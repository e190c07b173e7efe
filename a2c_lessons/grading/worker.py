"""The trusted grader process: runs the official tests on one student after another.

    batch (Worker.grade)  --{"submission", "results", "log", ...}-->  worker (serve: pytest.main)
                          <--{"done": exit code}--------------------

One worker per `--jobs` slot imports pytest, torch and the library once and then
grades student after student with `pytest.main` on the official folder (its test
modules stay imported: they are the same for the whole class). Only our code runs
here; each student's functions run in the sandboxed runner the plugin starts. While
one student is graded, the next student's runner is already starting (importing
torch) in a sandbox of its own; consecutive students take turns between two uids,
so that cleaning up after one never touches the next. The batch waits for each
student with a time limit; past it, the worker and its sandboxes are killed, the
tests it finished are kept (from its log), and the next student gets a fresh worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from a2c_lessons.grading import sandbox as sandboxes
from a2c_lessons.grading.report import AUTOGRADER_FAILED, crash_results, gradescope_results, results_from_log
from a2c_lessons.grading.submission import terminate
from a2c_lessons.grading.workspace import Note, Outcome


class Worker:
    """The batch's handle on one worker process (started on first use, replaced after a failure)."""

    def __init__(self, official: Path, mode: str, slot: int, test_timeout: float):
        self.official, self.test_timeout = official, test_timeout
        self.boxes = sandboxes.sandbox_pair(mode, slot)
        self.turn = 0
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
            cmd = [sys.executable, "-I", "-m", "a2c_lessons.grading.worker", str(self.official), str(os.getpid())]
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.official,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                bufsize=0,
            )
        return self.proc

    def stop(self) -> None:
        if self.proc is not None:
            terminate(self.proc)
            self.proc = None
        for box in self.boxes:
            box.kill_all()

    def grade(
        self, inputs: Path, private: Path, *, timeout: float, following: Path | None = None
    ) -> tuple[dict, list[Note]]:
        """Grade the files copied into `inputs` (its runner may start `following`'s); never raises for a student."""
        box, next_box = self.boxes[self.turn], self.boxes[1 - self.turn]
        self.turn = 1 - self.turn
        box.prepare(inputs)
        results, log, output = private / "results.json", private / "progress.jsonl", private / "pytest.txt"
        request = {
            "submission": str(inputs),
            "results": str(results),
            "log": str(log),
            "output": str(output),
            "sandbox": box.mode,
            "uid": box.uid,
            "test_timeout": self.test_timeout,
            "next": following and str(following),
            "next_uid": next_box.uid,
        }
        start = time.monotonic()
        proc = self._start()
        reply = None
        try:
            proc.stdin.write((json.dumps(request) + "\n").encode())
            if select.select([proc.stdout], [], [], timeout)[0]:
                reply = proc.stdout.readline()
        except OSError:
            pass
        finally:
            box.kill_all()
        if reply and results.is_file():
            return json.loads(results.read_text()), []
        timed_out = not reply and proc.poll() is None
        self.stop()  # past its time, or dead: the next student gets a fresh worker
        note = (
            f"grading stopped at the submission's time limit of {timeout:g} s"
            if timed_out
            else "the grading process ended early"
        )
        partial = results_from_log(log, f"Not graded: {note}.")
        if partial is None:
            tail = output.read_text(errors="replace")[-4000:] if output.is_file() else ""
            failed = [Note(Outcome.STOPPED, note), Note(Outcome.AUTOGRADER_FAILED, AUTOGRADER_FAILED)]
            return crash_results(f"{note}\n\npytest output:\n{tail}"), failed
        results = gradescope_results(partial, execution_time=time.monotonic() - start, notes=[note])
        results["extra_data"]["stopped_early"] = "time_limit" if timed_out else "ended"  # for the class report
        return results, [Note(Outcome.STOPPED, note)]


def _watch_parent(parent: int) -> None:
    """A batch grader killed outright takes its workers with it, and they their sandboxes (die-with-parent)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(3)


def _pytest_args(official: Path, request: dict) -> list[str]:
    """The trusted pytest's command line for one student: the official tests, that student's files and sandbox."""
    args = [str(official), "-q", "-p", "no:cacheprovider", "--rootdir", str(official)]
    args += ["--grades-json", request["results"], "--grades-log", request["log"]]
    args += ["--grade-timeout", str(request["test_timeout"])]
    args += ["--submission", request["submission"], "--sandbox", request["sandbox"]]
    if request["uid"] is not None:
        args += ["--sandbox-uid", str(request["uid"])]
    return args


def serve(official: Path, parent: int) -> None:
    """Read one request per line; grade it with pytest.main; answer with one line."""
    import pytest

    from a2c_lessons.grading.plugin import StartedRunner
    from a2c_lessons.grading.submission import Submission

    channel = os.fdopen(os.dup(1), "w")  # pytest's own output goes to each student's log, not the channel
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    ahead: Submission | None = None  # the runner started for the next student while this one is graded
    for line in sys.stdin:
        request = json.loads(line)
        current = ahead if ahead is not None and str(ahead.folder) == request["submission"] else None
        if ahead is not None and current is None:
            ahead.close()
        args = _pytest_args(official, request)
        ahead = None
        if request["next"]:  # the next student's runner imports torch while this student is graded
            ahead = Submission(Path(request["next"]), sandboxes.Sandbox(request["sandbox"], request["next_uid"]))
            ahead.start()
        plugins = [StartedRunner(current)] if current is not None else []
        with open(request["output"], "w") as out, contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = pytest.main(args, plugins=plugins)
        channel.write(json.dumps({"done": int(code)}) + "\n")
        channel.flush()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))
