"""The site build's executions of the lessons: where they are kept, when one is fresh, and running the stale ones.

`make site` executes each lesson once into a jupyter-cache under build/site/jupyter-cache/. jupyter-cache matches
a lesson by its code cells (their sources and metadata) and its kernel spec; the outputs also depend on the library
(its code and bundled models), so each hash of a2c_lessons/ gets its own cache folder. An execution found there for
a lesson as it is now, under the library as it is now, is fresh: the one the website shows. tests/test_notebooks.py
reads it instead of executing the lesson a second time.

Before Sphinx reads the pages, `python site_src/lesson_cache.py --jobs 2` executes the stale lessons two at a time,
each exactly as myst-nb would (jupyter-cache's `single_nb_execution`, in notebooks/, the same cell timeout) and
caches them the way myst-nb does; myst-nb then finds every lesson cached. The lessons are small models driven from
Python, so one lesson keeps about one core busy: two at once use both cores of a 2-core machine. A lesson that fails
here is left uncached, and the Sphinx build runs it again and fails on it with its traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE_ROOT = REPO / "build" / "site" / "jupyter-cache"
LESSONS = REPO / "notebooks"
# Per cell: a bound for a hung cell, not a speed limit (conf.py gives myst-nb the same). The training cells take
# seconds to minutes alone, and several times longer when other jobs share the machine's 2 cores.
CELL_TIMEOUT_S = 600


def digest(paths: Iterable[Path], base: Path = REPO) -> str:
    """A hash of files' names (relative to `base`) and contents; __pycache__ is left out."""
    hashed = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.relative_to(base).parts:
            hashed.update(path.relative_to(base).as_posix().encode())
            hashed.update(path.read_bytes())
    return hashed.hexdigest()[:16]


def library_digest(library: Path = REPO / "a2c_lessons") -> str:
    """The hash of the library's files, code and bundled models: a change to any of them re-runs every lesson."""
    return digest(library.rglob("*"), base=library.parent)


def cache_path(root: Path = CACHE_ROOT, library: Path = REPO / "a2c_lessons") -> Path:
    """The cache folder of the library as it is now."""
    return root / library_digest(library)


def cached_execution(notebook, folder: Path | None = None):
    """(executed notebook, seconds it took) from the site's cache, or None when there is no fresh one.

    Args:
        notebook: the lesson as committed (nbformat 4, no outputs).
        folder: the cache folder; default the current library's (`cache_path`).
    Returns None when the site's tools are not installed, the library's folder does not exist (the library
    changed since the site was built, or it never was) or holds no execution of these code cells.
    """
    folder = cache_path() if folder is None else folder
    try:
        from jupyter_cache import get_cache
    except ImportError:  # the site's tools (pyproject's `site` extra) are not installed
        return None
    if not (folder / "global.db").is_file():  # get_cache would create an empty cache
        return None
    cache = get_cache(folder)
    try:
        pk, executed = cache.merge_match_into_notebook(notebook)
    except KeyError:
        return None
    seconds = cache.get_cache_record(pk).data.get("execution_seconds")
    return executed, seconds


def _execute(path: Path):
    """(path, executed notebook, seconds, error text or None): one lesson run as myst-nb runs it, in its folder."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    notebook = nbformat.read(path, as_version=4)
    result = single_nb_execution(notebook, cwd=str(path.parent), timeout=CELL_TIMEOUT_S, allow_errors=False)
    return path, notebook, result.time, None if result.err is None else result.exc_string


def execute_stale(paths: list[Path], jobs: int, folder: Path | None = None) -> tuple[list[str], list[str]]:
    """Execute the lessons with no fresh execution in the cache, `jobs` at a time, and cache each that succeeds.

    Returns (names executed and cached, names that failed: left for the Sphinx build to run and report)."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    folder = cache_path() if folder is None else folder
    stale = [p for p in paths if cached_execution(nbformat.read(p, as_version=4), folder) is None]
    if not stale:
        return [], []
    cache = get_cache(folder)  # written from this process only: the workers return their notebooks
    done, failed = [], []
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for path, notebook, seconds, error in pool.map(_execute, stale):
            if error is not None:
                failed.append(path.name)
                continue
            # as myst-nb's cache mode stores it: the project record's uri is the lesson's path
            uri = cache.add_nb_to_project(str(path)).uri
            bundle = CacheBundleIn(notebook, uri, data={"execution_seconds": seconds})
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
            done.append(path.name)
            print(f"executed {path.name} in {seconds:.0f} s", flush=True)
    return done, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute the stale lessons into the site's cache, N at a time.")
    parser.add_argument("--jobs", type=int, default=2, help="lessons executed at once (default 2)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    done, failed = execute_stale(sorted(LESSONS.glob("[0-9][0-9]_*.ipynb")), args.jobs)
    left = f"; failed, left to the Sphinx build: {', '.join(failed)}" if failed else ""
    print(f"lessons: {len(done)} executed and cached in {time.monotonic() - start:.0f} s, {args.jobs} at a time{left}")
    return 0  # a failure is the Sphinx build's to report, with its traceback


if __name__ == "__main__":
    sys.exit(main())
