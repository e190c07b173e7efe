"""tests/wrong/__init__.py's table names every known-wrong file, with the exercise the file says it fails."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import tests.wrong

WRONG = Path(tests.wrong.__file__).parent
ROW = re.compile(r"^\| `(\w+\.py)` \| (ex\d\d) \|", re.M)


def test_every_known_wrong_file_is_in_the_table_once_with_its_exercise():
    rows = ROW.findall(tests.wrong.__doc__)
    files = sorted(p.name for p in WRONG.glob("*.py") if p.name != "__init__.py")
    assert sorted(name for name, _ in rows) == files  # each file once, and no row without its file
    for name, exercise in rows:
        tree = ast.parse((WRONG / name).read_text())
        declared = [
            node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["EXERCISE"]
        ]
        assert [d[:4] for d in declared] == [exercise], name
