"""Sphinx configuration of the course website: `make site` builds it into site/.

The pages are the lessons themselves (notebooks/NN_*.ipynb, reached through the `notebooks` link in this
folder), executed during the build by myst-nb, plus the landing page index.md. Everything the browser needs is
served from the site: the theme's assets, MathJax (npm, installed by `make site` into build/site/npm) and the
figures. Nothing is fetched from another host when the site is built or read.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BUILD = REPO / "build" / "site"
sys.path.insert(0, str(HERE))  # the course_site extension and lesson_cache live next to this file

import lesson_cache  # noqa: E402

project = "a2c-lessons"
author = "the a2c-lessons authors"
copyright = "2026, the a2c-lessons authors"

extensions = ["myst_nb", "sphinx.ext.mathjax", "course_site", "course_dynamics"]
root_doc = "index"
# Only the landing page, the explorable and the numbered lessons are pages: not notebooks/README.md, not checkpoints.
include_patterns = ["index.md", "explorable.md", "notebooks/[0-9][0-9]_*.ipynb"]
exclude_patterns = ["**/.ipynb_checkpoints"]

# ---------------------------------------------------------------- executing the lessons


# jupyter-cache matches a lesson by its code cells only, so a change to one lesson re-runs that lesson alone. The
# outputs also depend on the library (code and bundled models), so the cache, and through course_site_library
# Sphinx's environment, is keyed by the library's hash (lesson_cache.py, which tests/test_notebooks.py reads the
# same way): changing a2c_lessons/ re-runs every lesson instead of leaving stale figures. Sphinx does not track its
# extensions either: a change to them re-reads every page.
course_site_library = lesson_cache.library_digest()
course_site_extension = lesson_cache.digest(HERE.glob("course_*.py"))
nb_execution_mode = "cache"
nb_execution_cache_path = str(lesson_cache.cache_path())
course_site_outputs = str(BUILD / "jupyter_execute")  # not beside site/, where myst-nb would put them
# Per cell: a bound for a hung cell, not a speed limit (240 s was too little for lesson 7 on a shared machine).
nb_execution_timeout = lesson_cache.CELL_TIMEOUT_S
nb_execution_raise_on_error = True  # a lesson that fails fails the build, rather than publishing a traceback
nb_execution_in_temp = False  # run each lesson in notebooks/, where it finds ../exercises, as a student would
# Every lesson runs in the python3 kernel, which jupyter_client starts with this very interpreter (.venv's).
nb_kernel_rgx_aliases = {".*": "python3"}
# No widget JavaScript from a CDN: course_site draws each widget's figure for its default values instead.
nb_ipywidgets_js: dict = {}
nb_merge_streams = True

# ---------------------------------------------------------------- markdown and maths

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
# MathJax 3 from npm (site_src/package-lock.json), copied into _static/mathjax/ by html_static_path below.
MATHJAX_MODULES = BUILD / "npm" / "node_modules"
mathjax_path = "mathjax/es5/tex-chtml.js"
if not (MATHJAX_MODULES / "mathjax" / "es5" / "tex-chtml.js").is_file():
    raise RuntimeError(f"MathJax is missing from {MATHJAX_MODULES}: build the site with `make site`")

# ---------------------------------------------------------------- HTML

html_title = "a2c-lessons: RL fine-tuning of language models with A2C"
html_theme = "sphinx_book_theme"
# MathJax's folder becomes _static/mathjax/; _static/ holds the explorable's script (course_dynamics adds its data)
html_static_path = [str(MATHJAX_MODULES), str(HERE / "_static")]
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "navigation_with_keys": False,
}
html_favicon = "favicon.svg"
html_last_updated_fmt = None
html_show_sphinx = False
