"""The ways to install the course agree: environment.yml installs what the Makefile installs, with a torch and a
Python that pyproject.toml accepts; the license is the SPDX one the LICENSE file states."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
MAKEFILE = (REPO / "Makefile").read_text()
ENVIRONMENT = (REPO / "environment.yml").read_text()


def make_extras() -> set[str]:
    """The extras of the Makefile's `pip install -e ".[...]"` for `make train` / `make test` (the .venv stamp)."""
    recipe = MAKEFILE.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    return set(re.search(r'-e "\.\[([\w,]+)\]"', recipe).group(1).split(","))


def environment_pip() -> list[str]:
    """The entries of environment.yml's pip section."""
    section = ENVIRONMENT.split("- pip:", 1)[1]
    return re.findall(r"^\s+- (.+?)\s*$", section, flags=re.M)


def torch_requirement() -> Requirement:
    return next(Requirement(req) for req in PYPROJECT["project"]["dependencies"] if req.startswith("torch"))


def test_environment_yml_installs_the_extras_make_installs():
    editable = [entry for entry in environment_pip() if entry.startswith("-e .")]
    assert len(editable) == 1, f"environment.yml should install the package once, editable: {environment_pip()}"
    extras = set(re.fullmatch(r"-e \.\[([\w,]+)\]", editable[0]).group(1).split(","))
    assert extras == make_extras(), (
        f"environment.yml installs .[{','.join(sorted(extras))}], make .[{','.join(sorted(make_extras()))}]"
    )
    assert extras <= set(PYPROJECT["project"]["optional-dependencies"]), "an extra pyproject.toml does not define"


def test_the_torch_make_pins_satisfies_environment_yml_and_pyproject():
    pinned = Version(re.search(r"^TORCH \?= torch==([\w.+]+)$", MAKEFILE, flags=re.M).group(1))
    environment_torch = next(Requirement(e) for e in environment_pip() if re.match(r"torch\b", e))
    for requirement in (torch_requirement(), environment_torch):
        assert pinned in requirement.specifier, f"make's torch {pinned} is outside {requirement}"
    # environment.yml may be looser than make's pin, but never looser than the package allows
    assert environment_torch.specifier == torch_requirement().specifier


def test_environment_yml_python_is_one_the_package_supports():
    python = re.search(r"^\s+- python=([\d.]+)\s*$", ENVIRONMENT, flags=re.M).group(1)
    assert Version(python) in SpecifierSet(PYPROJECT["project"]["requires-python"])


def test_license_is_the_spdx_mit_of_the_license_file():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) 2026 the a2c-lessons authors" in text
    # SPDX strings need setuptools 77 or newer to build
    setuptools = next(Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools"))
    assert Version("77") in setuptools.specifier and Version("76.1") not in setuptools.specifier
