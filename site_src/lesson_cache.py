"""The site build's executions of the lessons: where they are kept, and when one is fresh.

`make site` executes each lesson once, through myst-nb, into a jupyter-cache under build/site/jupyter-cache/.
jupyter-cache matches a lesson by its code cells (their sources and metadata) and its kernel spec; the outputs
also depend on the library (its code and bundled models), so each hash of a2c_lessons/ gets its own cache
folder. An execution found there for a lesson as it is now, under the library as it is now, is fresh: the one
the website shows. tests/test_notebooks.py reads it instead of executing the lesson a second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE_ROOT = REPO / "build" / "site" / "jupyter-cache"


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
