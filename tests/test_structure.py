"""The package's shape: no import cycle (function-level imports included), imports point down the
data-flow line, and no module is too long to read in one sitting."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).parents[1] / "a2c_lessons"
MAX_MODULE_LINES = 300

# The data-flow line, bottom first: a module may import its own layer (no cycle allowed) or one below.
# prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step, then the plots and the CLI.
LAYERS = [
    {"masked", "padding", "corpus", "policy", "config", "options", "runfolder", "threads", "precision"},
    {"fastpath"},
    {"sampling"},
    {"logpi"},
    {"critic", "rewards", "preferences", "advantages", "losses", "aggregation", "ppo", "minibatch"},
    {"estimators"},
    {
        "evaluation",
        "step_metrics",
        "pretrain",
        "reward_training",
        "trl_bridge",
        "montecarlo",
        "kl_gradients",
        "dynamics",
    },
    {"trainer", "checkpoint"},
    {"viz", "curves", "widgets", "grading", "truth_viz", "dynamics_viz"},
    {"cli", "training_run"},
]


def module_name(path: Path, root: Path = PACKAGE_DIR) -> str:
    """a2c_lessons/grading/report.py -> a2c_lessons.grading.report; a package's __init__ -> the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(root: Path = PACKAGE_DIR) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def imported_names(source: str, name: str, is_package: bool, known: set[str]) -> set[str]:
    """The package modules that `source` (module `name`) imports anywhere: at the top, inside
    functions, under `if TYPE_CHECKING`, and as `importlib.import_module("...")` string literals."""
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    tree = ast.parse(source)
    calls_import_module = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # a relative import: from .x import y, from .. import z
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import mod` imports the module pkg.mod; `from mod import func` imports mod
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            func_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            calls_import_module = calls_import_module or func_name == "import_module"
    if calls_import_module:  # cli.py maps command names to module names, then imports one by its string
        found.update(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))
    return {m for m in found if m in known and m != name}


def import_graph(root: Path = PACKAGE_DIR) -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    modules = package_modules(root)
    known = set(modules)
    return {
        name: imported_names(path.read_text(), name, path.name == "__init__.py", known)
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph as [a, b, ..., a], or None when it has none (depth-first search)."""
    on_path: list[str] = []
    state: dict[str, str] = {}  # "open" while on the current path, "done" once fully explored

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        on_path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return on_path[on_path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        on_path.pop()
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def layer_of(module: str) -> int:
    if module == "a2c_lessons":  # the package's __init__ imports nothing
        return 0
    short = module.removeprefix("a2c_lessons.").split(".")[0]
    for rank, layer in enumerate(LAYERS):
        if short in layer:
            return rank
    raise AssertionError(f"{module} is in no layer of LAYERS: add it where it sits in the data flow")


# ---------------------------------------------------------------- the checker checks itself


def test_find_cycle_names_the_cycle_of_a_cyclic_toy_graph():
    graph = {"low": set(), "a": {"b", "low"}, "b": {"c"}, "c": {"a"}, "top": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_find_cycle_passes_an_acyclic_toy_graph():
    # a diamond: two paths to one module is not a cycle
    assert find_cycle({"top": {"left", "right"}, "left": {"low"}, "right": {"low"}, "low": set()}) is None


def test_imports_inside_functions_and_by_string_are_found():
    source = (
        "import importlib\n"
        "from a2c_lessons import losses\n"
        "def f():\n"
        "    from a2c_lessons.sampling import sample\n"
        "    from . import trainer\n"
        "    return importlib.import_module({'x': 'a2c_lessons.viz'}['x'])\n"
    )
    known = {"a2c_lessons.losses", "a2c_lessons.sampling", "a2c_lessons.trainer", "a2c_lessons.viz", "a2c_lessons.cli"}
    found = imported_names(source, "a2c_lessons.cli", False, known)
    assert found == {"a2c_lessons.losses", "a2c_lessons.sampling", "a2c_lessons.trainer", "a2c_lessons.viz"}


def test_the_graph_holds_the_packages_function_level_and_string_imports():
    graph = import_graph()
    assert "a2c_lessons.policy" in graph["a2c_lessons.rewards"]  # inside LearnedReward.__init__
    assert "a2c_lessons.pretrain" in graph["a2c_lessons.cli"]  # importlib.import_module("a2c_lessons.pretrain")
    assert "a2c_lessons.grading.batch" in graph["a2c_lessons.cli"]


# ---------------------------------------------------------------- the package


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_imports_point_down_the_data_flow_line():
    upward = [
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
        for module, targets in import_graph().items()
        for target in sorted(targets)
        if layer_of(target) > layer_of(module)
    ]
    assert not upward, "imports that point up the data-flow line:\n" + "\n".join(upward)


@pytest.mark.parametrize("path", sorted(PACKAGE_DIR.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_no_module_is_longer_than_300_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines: split it by concept"


def test_the_readme_module_map_lists_every_module():
    readme = (PACKAGE_DIR.parent / "README.md").read_text()
    listed = set(re.findall(r"^\| `a2c_lessons/(\w+)(?:\.py|/)` \|", readme, flags=re.M))
    modules = {p.stem for p in PACKAGE_DIR.glob("*.py") if p.stem != "__init__"} | {"grading"}
    assert not modules - listed, f"the README's 'What is inside' table misses {sorted(modules - listed)}"


# ---------------------------------------------------------------- formatting

REPO = PACKAGE_DIR.parent
# Tables of data aligned by hand, the one place `# fmt: skip` belongs: word lists, answer keys, lists of cases.
FMT_SKIPS_ALLOWED = {
    "a2c_lessons/corpus.py": 4,
    "instructor/answer_keys.py": 3,
    "tests/grading/test_grading.py": 2,
    "tests/grading/test_grading_plugin.py": 2,
    "tests/security/conftest.py": 2,
    "tests/security/test_attacks.py": 1,
}


def test_ruff_finds_nothing_and_the_code_is_formatted():
    import shutil
    import subprocess
    import sys

    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e .[dev])")
    for command in ([ruff, "check", "--quiet", "."], [ruff, "format", "--check", "--quiet", "."]):
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"`{' '.join(command[1:])}` fails:\n{done.stdout[-3000:]}{done.stderr[-1000:]}"


def tracked_python_files() -> list[Path]:
    import subprocess

    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True)
    return [REPO / name for name in listed.stdout.split()]


def fmt_skips(text: str) -> dict[int, str]:
    """line number -> line, for each line that a `# fmt: skip` comment ends (a string quoting it is not one)."""
    lines = text.splitlines()
    comments = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT]
    return {t.start[0]: lines[t.start[0] - 1] for t in comments if t.string == "# fmt: skip"}


def packed_lines(name: str, text: str) -> list[str]:
    """The `# fmt: skip` marks of one file that do not close a literal on a line of their own."""
    closes_a_literal = re.compile(r"\s*[\]})]+,?\s*# fmt: skip")
    skips = fmt_skips(text).items()
    return [f"{name}:{n} packs code: {line.strip()}" for n, line in skips if not closes_a_literal.fullmatch(line)]


def test_fmt_skip_marks_only_tables_of_data():
    # a line packed by hand to meet the length cap is a smell, not a table: `ruff format` decides layout elsewhere
    found, problems = {}, []
    for path in tracked_python_files():
        if path.parts[len(REPO.parts)] == "exercises":
            continue  # generated from instructor/, which is checked
        name, text = path.relative_to(REPO).as_posix(), path.read_text()
        if fmt_skips(text):
            found[name] = len(fmt_skips(text))
            problems += packed_lines(name, text)
    assert problems == []
    assert found == FMT_SKIPS_ALLOWED


def test_the_fmt_skip_check_finds_a_packed_call():
    text = 'TABLE = {\n    "a": 1,\n}  # fmt: skip\nf(a,\n  b)  # fmt: skip\nx, y = 1, 2  # fmt: skip\n'
    assert packed_lines("packed.py", text) == [
        "packed.py:5 packs code: b)  # fmt: skip",
        "packed.py:6 packs code: x, y = 1, 2  # fmt: skip",
    ]
