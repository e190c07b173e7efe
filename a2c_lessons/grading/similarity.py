"""`a2c-lessons similarity SUBMISSIONS/ --out similarity/`: pairs of students whose answers are suspiciously alike.

    SUBMISSIONS/alice/ex09_gae.py ...   (as `grade` reads them)
    -> OUT/similarity.html   the top pairs, side by side, the shared code highlighted
       OUT/similarity.csv    every compared pair: exercise, the two students, each one's share in common

Built on copydetect, which fingerprints code as MOSS does: the code is tokenised
(names become one token, so renaming variables changes nothing), its k-grams hashed,
and winnowing keeps one hash per window. For each exercise the starter file (the
student release) and the reference answer are fingerprinted as boilerplate and
their hashes removed from every student's, so what two students share is what they
wrote. A pair's score is the smaller of the two shares of each one's own code that
the other also has. A high score is a reason to read both answers, not a verdict.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import sys
from itertools import combinations
from pathlib import Path

from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from a2c_lessons.grading.release import ReleaseError, build_release, in_clone, is_exercise
from a2c_lessons.grading.report import write_atomic
from a2c_lessons.grading.workspace import submission_folder

NOISE = 25  # k-grams shorter than this many characters of tokens are noise (copydetect's default)
GUARANTEE = 30  # a match this long is always found (copydetect's default): winnowing window 30 - 25 + 1


def _fingerprint(name: str, text: str, boilerplate: list[int] | None = None) -> CodeFingerprint:
    return CodeFingerprint(name, NOISE, GUARANTEE - NOISE + 1, boilerplate, fp=io.StringIO(text))


def boilerplate(source: Path) -> dict[str, tuple[list[int], set[str]]]:
    """exercise -> (the hashes of its starter and reference code, their texts), from the instructor folder."""
    released = build_release(source)
    table = {}
    for path in sorted(p for p in source.iterdir() if is_exercise(p.name)):
        texts = {path.read_text(), released[path.name]}
        hashes = sorted({h for text in texts for h in _fingerprint(path.name, text).hashes})
        table[path.stem] = (hashes, texts)
    return table


def answers(submissions: Path, exercise: str, known: set[str]) -> dict[str, str]:
    """student -> their answer to `exercise`; a file equal to the starter or the reference is no answer."""
    found = {}
    for student in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        path = submission_folder(student) / f"{exercise}.py"
        if path.is_file() and not path.is_symlink():
            text = path.read_text(errors="replace")
            if text not in known:
                found[student.name] = text
    return found


def compare(exercise: str, texts: dict[str, str], hashes: list[int]) -> list[dict]:
    """Every pair of students on one exercise, most alike first."""
    prints = {s: _fingerprint(f"{s}/{exercise}.py", t, hashes) for s, t in texts.items()}
    pairs = []
    for a, b in combinations(sorted(prints), 2):
        overlap, (share_a, share_b), slices = compare_files(prints[a], prints[b])
        pairs.append(
            {
                "exercise": exercise,
                "a": a,
                "b": b,
                "score": float(min(share_a, share_b)),
                "share_a": float(share_a),
                "share_b": float(share_b),
                "tokens": int(overlap),
                "slices": slices,
            }
        )
    return sorted(pairs, key=lambda p: (-p["score"], p["exercise"], p["a"], p["b"]))


def similar_pairs(submissions: Path, source: Path) -> list[dict]:
    """All compared pairs of all exercises, most alike first."""
    pairs = []
    for exercise, (hashes, known) in boilerplate(source).items():
        texts = answers(submissions, exercise, known)
        pairs += compare(exercise, texts, hashes)
    return sorted(pairs, key=lambda p: (-p["score"], p["exercise"], p["a"], p["b"]))


def _code(text: str, slices) -> str:
    if len(slices[0]) == 0:
        return html.escape(text)
    marked, _ = highlight_overlap(text, slices, "<mark>", "</mark>", escape_html=True)
    return marked


def page(pairs: list[dict], texts: dict[tuple[str, str], str], top: int, threshold: float) -> str:
    """The HTML view: the `top` pairs at or above `threshold`, each answer beside the other."""
    shown = [p for p in pairs if p["score"] >= threshold][:top]
    parts = [f"<p>{len(shown)} pairs with a score of at least {threshold:g} (of {len(pairs)} compared).</p>"]
    for rank, p in enumerate(shown, start=1):
        left = _code(texts[p["a"], p["exercise"]], p["slices"][0])
        right = _code(texts[p["b"], p["exercise"]], p["slices"][1])
        parts.append(
            f"<h2>{rank}. {html.escape(p['exercise'])}: {html.escape(p['a'])} and {html.escape(p['b'])}, "
            f"score {p['score']:.2f}</h2><div class='pair'>"
            f"<div><h3>{html.escape(p['a'])} ({p['share_a']:.0%} in common)</h3><pre>{left}</pre></div>"
            f"<div><h3>{html.escape(p['b'])} ({p['share_b']:.0%} in common)</h3><pre>{right}</pre></div></div>"
        )
    style = ".pair{display:flex;gap:1em}.pair>div{flex:1;overflow:auto}mark{background:#fd6}pre{font-size:85%}"
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Similar answers</title>'
        f"<style>body{{font-family:sans-serif;margin:2em}}{style}</style></head>\n<body><h1>Similar answers</h1>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def pairs_csv(pairs: list[dict]) -> str:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["exercise", "student_a", "student_b", "score", "share_a", "share_b", "tokens"])
    for p in pairs:
        shares = [f"{p[k]:.3f}" for k in ("score", "share_a", "share_b")]
        writer.writerow([p["exercise"], p["a"], p["b"], *shares, p["tokens"]])
    return text.getvalue()


def _problem(args: argparse.Namespace) -> str | None:
    if args.source is None:
        return "--source is required: this install has no instructor/ folder beside it (give the instructor folder)"
    if not args.submissions.is_dir():
        return f"SUBMISSIONS {str(args.submissions)!r} is not a folder: give the folder with one subfolder per student"
    students = [p for p in args.submissions.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    if len(students) < 2:
        return f"{str(args.submissions)!r} holds {len(students)} student folder(s): similarity needs at least two"
    if not 0 <= args.threshold <= 1 or args.top < 1:
        return "--threshold must be in [0, 1] and --top >= 1"
    return None


def main(argv: list[str] | None = None) -> int:
    """`a2c-lessons similarity SUBMISSIONS --out DIR`: 0 when written, 2 for unusable inputs."""
    parser = argparse.ArgumentParser(prog="a2c-lessons similarity", description="students whose answers are alike")
    parser.add_argument("submissions", type=Path, help="folder with one subfolder per student")
    parser.add_argument("--out", type=Path, default=Path("similarity"), help="output folder (default ./similarity)")
    parser.add_argument("--source", type=Path, default=in_clone("instructor"), help="instructor folder")
    parser.add_argument("--threshold", type=float, default=0.5, help="the least score shown in the HTML (0.5)")
    parser.add_argument("--top", type=int, default=30, help="at most this many pairs in the HTML (30)")
    args = parser.parse_args(argv)
    problem = _problem(args)
    try:
        pairs = [] if problem else similar_pairs(args.submissions, args.source)
    except ReleaseError as err:
        problem = str(err)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    texts = {}
    for p in pairs[: args.top]:
        for student in (p["a"], p["b"]):
            path = submission_folder(args.submissions / student) / f"{p['exercise']}.py"
            texts[student, p["exercise"]] = path.read_text(errors="replace")
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "similarity.csv", pairs_csv(pairs))
    write_atomic(args.out / "similarity.html", page(pairs, texts, args.top, args.threshold))
    flagged = sum(p["score"] >= args.threshold for p in pairs)
    print(f"compared {len(pairs)} pairs; {flagged} at or above {args.threshold:g}: {args.out / 'similarity.html'}")
    return 0
