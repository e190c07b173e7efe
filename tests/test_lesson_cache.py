"""The site's cache of executed lessons, which test_notebooks reads instead of executing a lesson twice.

A cached execution counts only while it is fresh: for the lesson's code cells as they are now, under the
library as it is now. These tests build a small cache by hand (no kernel) and change one thing at a time.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "site_src"))
import lesson_cache  # noqa: E402
from test_notebooks import check_execution  # noqa: E402

pytest.importorskip("jupyter_cache", reason="the site's tools are not installed (pip install -e .[site])")
from jupyter_cache import get_cache  # noqa: E402
from jupyter_cache.base import CacheBundleIn  # noqa: E402


def lesson(code: str = "x = 1 + 1\n# Check 1.1: x is two\nassert x == 2") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 1"), nbformat.v4.new_code_cell(code)]
    return nb


def executed_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The lesson as an execution leaves it: an execution count and an output on its code cell."""
    done = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    done.cells[1].execution_count = 1
    done.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    return done


@pytest.fixture
def cache_folder(tmp_path: Path) -> Path:
    """A cache holding one execution of `lesson()`, as myst-nb stores it."""
    folder = tmp_path / "cache"
    get_cache(folder).cache_notebook_bundle(
        CacheBundleIn(executed_copy(lesson()), "lesson.ipynb", data={"execution_seconds": 2.5}),
        check_validity=False,
    )
    return folder


def test_a_fresh_execution_is_found_with_its_outputs_and_time(cache_folder):
    found = lesson_cache.cached_execution(lesson(), cache_folder)
    assert found is not None
    nb, seconds = found
    assert seconds == 2.5
    assert nb.cells[1].execution_count == 1 and nb.cells[1].outputs[0].text == "ran\n"
    check_execution(nb, "lesson.ipynb")


def test_a_changed_code_cell_makes_the_execution_stale(cache_folder):
    changed = lesson("x = 1 + 2\n# Check 1.1: x is two\nassert x == 2")
    assert lesson_cache.cached_execution(changed, cache_folder) is None


def test_prose_alone_does_not_make_it_stale(cache_folder):
    # jupyter-cache matches code cells only, as the site build does: prose changes no output
    nb = lesson()
    nb.cells[0].source = "# Lesson 1, retitled"
    assert lesson_cache.cached_execution(nb, cache_folder) is not None


def test_no_cache_folder_means_no_execution_and_creates_nothing(tmp_path):
    assert lesson_cache.cached_execution(lesson(), tmp_path / "none") is None
    assert not (tmp_path / "none").exists()


def test_a_changed_or_added_library_file_moves_the_cache_folder(tmp_path):
    library = tmp_path / "a2c_lessons"
    shutil.copytree(REPO / "a2c_lessons", library, ignore=shutil.ignore_patterns("__pycache__"))
    before = lesson_cache.cache_path(tmp_path / "cache", library)
    assert before.name == lesson_cache.library_digest()  # the copy hashes as the library does
    (library / "__pycache__").mkdir(exist_ok=True)
    (library / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert lesson_cache.cache_path(tmp_path / "cache", library) == before  # bytecode is not the library
    losses = library / "losses.py"
    losses.write_text(losses.read_text() + "\n# changed\n")
    changed = lesson_cache.cache_path(tmp_path / "cache", library)
    assert changed != before
    (library / "tinylm" / "extra.txt").write_text("a bundled file")
    assert lesson_cache.cache_path(tmp_path / "cache", library) not in (before, changed)


def test_an_execution_cached_under_another_library_is_not_used(cache_folder, tmp_path):
    stale_root = tmp_path / "root"
    (stale_root / "0123456789abcdef").parent.mkdir(parents=True)
    shutil.move(cache_folder, stale_root / "0123456789abcdef")  # as if built before the library changed
    fresh_folder = lesson_cache.cache_path(stale_root)
    assert lesson_cache.cached_execution(lesson(), fresh_folder) is None


def test_check_execution_catches_an_error_output_and_a_check_that_did_not_run():
    failed = executed_copy(lesson())
    failed.cells[1].outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])]
    with pytest.raises(AssertionError, match="cell 1 failed: AssertionError"):
        check_execution(failed, "lesson.ipynb")
    skipped = executed_copy(lesson())
    skipped.cells[1].execution_count = None
    with pytest.raises(AssertionError, match=r"check \(1, 1\) \(x is two\) did not run"):
        check_execution(skipped, "lesson.ipynb")
