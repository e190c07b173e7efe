"""The similarity report: a copied answer with renamed variables ranks first; honest answers do not.

Five students answer ex09 (GAE) in the starter file: three honest answers written
independently (a loop over time, a discount matrix, a per-row recursion), one
original answer and a copy of it with every variable renamed and comments changed.
A sixth student hands in the reference answer untouched: boilerplate, never a pair.
"""

from __future__ import annotations

import contextlib
import csv
import io
import textwrap
from pathlib import Path

import pytest

from a2c_lessons.grading import similarity
from a2c_lessons.grading.workspace import checksum

REPO = Path(__file__).resolve().parents[2]
STUB = (REPO / "exercises" / "ex09_gae.py").read_text()
LOOP = """
    out = torch.zeros_like(rewards)
    for b in range(rewards.shape[0]):
        running = 0.0
        n = int(mask[b].sum())
        for t in range(n - 1, -1, -1):
            v_next = values[b, t + 1] if t + 1 < n else 0.0
            delta = rewards[b, t] + gamma * v_next - values[b, t]
            running = delta + gamma * lam * running
            out[b, t] = running
    return out
"""
MATRIX = """
    T = rewards.shape[1]
    m = mask.to(rewards.dtype)
    r, v = rewards * m, values * m
    v_next = torch.nn.functional.pad(v[:, 1:], (0, 1))
    d = (r + gamma * v_next - v) * m
    steps = torch.arange(T)
    power = (steps[None, :] - steps[:, None]).clamp(min=0).to(rewards.dtype)
    weights = torch.triu((gamma * lam) ** power)
    return (d @ weights.T) * m
"""
RECURSION = """
    def row(rs, vs):
        if len(rs) == 0:
            return []
        later = row(rs[1:], vs[1:])
        after = vs[1] if len(vs) > 1 else 0.0
        first = rs[0] + gamma * after - vs[0] + gamma * lam * (later[0] if later else 0.0)
        return [first] + later
    result = torch.zeros_like(rewards)
    for i in range(rewards.shape[0]):
        k = int(mask[i].sum())
        result[i, :k] = torch.tensor(row(rewards[i, :k].tolist(), values[i, :k].tolist()))
    return result
"""
ORIGINAL = """
    # keep only real tokens, then walk backwards accumulating the residuals
    keep = mask.float()
    rew = rewards.masked_fill(~mask, 0.0)
    val = values.masked_fill(~mask, 0.0)
    shifted = torch.roll(val, shifts=-1, dims=1)
    shifted[:, -1] = 0.0
    resid = rew + gamma * shifted - val
    acc = torch.zeros(rewards.shape[0])
    adv = []
    for step in range(rewards.shape[1] - 1, -1, -1):
        acc = resid[:, step] + gamma * lam * acc * keep[:, min(step + 1, rewards.shape[1] - 1)]
        adv.insert(0, acc * keep[:, step])
    return torch.stack(adv, dim=1)
"""
RENAMED = """
    # zero the padding first and go through time from the end
    real = mask.float()
    rr = rewards.masked_fill(~mask, 0.0)
    vv = values.masked_fill(~mask, 0.0)
    vnext = torch.roll(vv, shifts=-1, dims=1)
    vnext[:, -1] = 0.0
    td = rr + gamma * vnext - vv
    total = torch.zeros(rewards.shape[0])
    answer = []
    for i in range(rewards.shape[1] - 1, -1, -1):
        total = td[:, i] + gamma * lam * total * real[:, min(i + 1, rewards.shape[1] - 1)]
        answer.insert(0, total * real[:, i])
    return torch.stack(answer, dim=1)
"""


def _answer(body: str) -> str:
    stub_line = next(line for line in STUB.splitlines() if "raise NotImplementedError" in line)
    return STUB.replace(stub_line, textwrap.indent(textwrap.dedent(body).strip(), "    "))


@pytest.fixture
def submissions(tmp_path) -> Path:
    answers = {"honest_loop": LOOP, "honest_matrix": MATRIX, "honest_recursion": RECURSION}
    answers |= {"original": ORIGINAL, "copier": RENAMED}
    for student, body in answers.items():
        (tmp_path / "class" / student).mkdir(parents=True)
        (tmp_path / "class" / student / "ex09_gae.py").write_text(_answer(body))
    (tmp_path / "class" / "reference").mkdir()
    (tmp_path / "class" / "reference" / "ex09_gae.py").write_text((REPO / "instructor" / "ex09_gae.py").read_text())
    return tmp_path / "class"


def _run(submissions: Path, out: Path) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return similarity.main([str(submissions), "--out", str(out)])


def test_a_copy_with_renamed_variables_ranks_first_and_honest_answers_do_not(submissions, tmp_path):
    before = checksum(submissions)
    assert _run(submissions, tmp_path / "out") == 0
    assert checksum(submissions) == before
    with open(tmp_path / "out" / "similarity.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    pairs = {frozenset((r["student_a"], r["student_b"])): float(r["score"]) for r in rows}
    top = rows[0]
    assert {top["student_a"], top["student_b"]} == {"copier", "original"} and top["exercise"] == "ex09_gae"
    assert float(top["score"]) > 0.8
    honest = {"honest_loop", "honest_matrix", "honest_recursion", "original"}
    others = [score for pair, score in pairs.items() if pair <= honest]
    assert len(others) == 6 and max(others) < 0.3, pairs
    assert not any("reference" in pair for pair in pairs)  # the reference answer is boilerplate, not a student's
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert page.count("<h2>") == 1 and "<mark>" in page and "copier" in page


def test_one_student_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "class" / "alone").mkdir(parents=True)
    assert similarity.main([str(tmp_path / "class"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "at least two" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()
