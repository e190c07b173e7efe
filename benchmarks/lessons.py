"""Each lesson's run time on a quiet machine and beside two busy processes, side by side in one run.

    python benchmarks/lessons.py                          # every lesson, quiet and loaded: about 8 minutes on 2 cores
    python benchmarks/lessons.py --lessons 05 06          # a subset, by number
    python benchmarks/lessons.py --torch-default          # also loaded with torch's own thread count (the old way)

A student's laptop is rarely idle: a browser and an editor keep cores busy. For each lesson in
turn, this executes `notebooks/NN_*.ipynb` top to bottom in a fresh kernel with nbclient (as
tests/test_notebooks.py does; kernel start included), first on the machine as it is ("quiet"),
then beside `--busy` processes that spin in a loop ("loaded"), and prints loaded / quiet.
The goal: no lesson more than 2x slower when loaded.

The kernels run with the library's thread policy (`a2c_lessons.threads`: one torch thread inside
its heavy calls for the tiny LM). `--torch-default` adds a third run per lesson, loaded, with
A2C_LESSONS_THREADS=0: torch's own thread count everywhere, as before the policy.
Wall-clock: other users of the machine move the numbers, so each row's runs are back to back,
and the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
TIMEOUT_S = 1800  # per notebook: a loaded run with torch's default threads can take minutes


@contextlib.contextmanager
def busy_processes(n: int) -> Iterator[None]:
    """n processes that each keep one core busy for as long as the block runs (or this process lives)."""
    spin = f"import os\nwhile os.getppid() == {os.getpid()}: pass"  # never outlives a killed benchmark
    procs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(n)]
    try:
        time.sleep(0.5 if n else 0)  # let them start spinning before the clock starts
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables (inherited by the kernel) for the block, then restore them."""
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_notebook(path: Path) -> float:
    """Seconds to execute the notebook top to bottom in a fresh kernel; raises if a cell fails."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", nargs="+", default=None, help="lesson numbers, e.g. 01 05 (default: all)")
    parser.add_argument("--busy", type=int, default=2, help="busy background processes in the loaded runs")
    parser.add_argument(
        "--torch-default",
        action="store_true",
        help="add a loaded run with A2C_LESSONS_THREADS=0 (torch's own thread count)",
    )
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOK_DIR, help="folder of NN_*.ipynb lessons")
    parser.add_argument("--out", type=Path, default=Path("runs/benchmarks/lessons.md"))
    args = parser.parse_args(argv)
    paths = sorted(args.notebooks.glob("[0-9][0-9]_*.ipynb"))
    if args.lessons:
        paths = [p for p in paths if p.name[:2] in {n.zfill(2) for n in args.lessons}]
    if not paths:
        parser.error(f"no lesson in {args.notebooks} matches {args.lessons}")

    extra = " | loaded, torch default s | its ratio" if args.torch_default else ""
    lines = [
        f"load average (1, 5, 15 min) at start: {load_average()}; loaded = beside {args.busy} busy "
        f"processes; {os.cpu_count()} cores; A2C_LESSONS_THREADS={os.environ.get('A2C_LESSONS_THREADS', 'unset')}",
        "",
        f"| lesson | quiet s | loaded s | loaded/quiet{extra} |",
        "| --- | --- | --- | ---" + " | --- | ---" * args.torch_default + " |",
    ]
    print("\n".join(lines), flush=True)
    for path in paths:
        quiet = run_notebook(path)
        with busy_processes(args.busy):
            loaded = run_notebook(path)
        row = f"| {path.stem} | {quiet:.1f} | {loaded:.1f} | {loaded / quiet:.2f}x |"
        if args.torch_default:
            with busy_processes(args.busy), environment(A2C_LESSONS_THREADS="0"):
                default = run_notebook(path)
            row += f" {default:.1f} | {default / quiet:.2f}x |"
        lines.append(row)
        print(row, flush=True)
    lines += ["", f"load average at end: {load_average()}"]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"{lines[-1]}\nwritten to {args.out}")
    return text


if __name__ == "__main__":
    main()
