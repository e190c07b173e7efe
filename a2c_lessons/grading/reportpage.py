"""The class report as pages: three figures, an HTML page with them inside it, and its markdown twin.

The figures (matplotlib, PNG): the histogram of total scores; each exercise's mean
share of its public points; the misconceptions, by how many students showed each.
The HTML page embeds them as base64 data, so it opens from the disk with nothing
else; the markdown links the same PNGs in `figures/`. Both show the numbers of
`classreport.class_report`, written beside them as report.json.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display, no server
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from a2c_lessons.grading import wire  # noqa: E402
from a2c_lessons.grading.report import write_atomic  # noqa: E402

TOP = 15  # misconceptions in the figure (the tables list them all)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def score_histogram(report: dict[str, Any]) -> bytes:
    """Total scores of the class, one bar per score range, with the mean and median marked."""
    s = report["summary"]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(list(s["scores"].values()), bins=min(20, max(5, s["students"] // 2)), range=(0, s["max_score"] or 1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.axvline(s["mean"], color="k", linestyle="--", label=f"mean {s['mean']:.1f}")
    ax.axvline(s["median"], color="tab:orange", label=f"median {s['median']:.1f}")
    ax.set(xlabel=f"total score (points, of {s['max_score']:g})", ylabel="students", title="Scores")
    ax.legend()
    return _png(fig)


def exercise_bars(report: dict[str, Any]) -> bytes:
    """Each exercise's mean public points as a share of its public points."""
    rows = report["exercises"]
    names = list(rows)
    shares = [rows[n]["mean_points"] / rows[n]["max_points"] if rows[n]["max_points"] else 0 for n in names]
    fig, ax = plt.subplots(figsize=(7, 0.25 * len(names) + 1))
    ax.barh(names[::-1], shares[::-1])
    ax.set(xlim=(0, 1), xlabel="mean share of the public points", title="Exercises")
    return _png(fig)


def misconception_bars(report: dict[str, Any]) -> bytes:
    """The most frequent misconceptions: students who showed each (public tests), labelled with their exercises."""
    top = report["misconceptions"][:TOP]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(top) + 1))
    labels = [
        f"{', '.join(wire.exercise_id(x) for x in m['exercises'])}: {_short(m['title'] or m['id'], 60)}" for m in top
    ]
    rows = list(range(len(top)))[::-1]  # numeric rows: two mistakes with the same words stay two bars
    ax.barh(rows, [m["students"] for m in top], color="tab:red")
    ax.set_yticks(rows, labels)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="students", title=f"Misconceptions (top {len(top)})")
    if not top:
        ax.text(0.5, 0.5, "no known mistake was made", ha="center", va="center", transform=ax.transAxes)
    return _png(fig)


FIGURES = {"scores.png": score_histogram, "exercises.png": exercise_bars, "misconceptions.png": misconception_bars}


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def sections(report: dict[str, Any]) -> list[tuple[str, str | None, list[str], list[list[str]]]]:
    """(heading, figure file or None, table header, table rows) for each part of the report, in order."""
    s = report["summary"]
    missing = "; ".join(f"{n} ({', '.join(m)})" for n, m in s["missing_files"].items()) or "none"
    summary_rows = [
        ["students", str(s["students"])],
        ["mean / median", f"{s['mean']:.1f} / {s['median']:.1f} of {s['max_score']:g}"],
        ["quartiles (Q1, Q3)", f"{s['q1']:.1f}, {s['q3']:.1f}"],
        [f"missing files ({len(s['missing_files'])})", missing],
        [f"stopped early ({len(s['stopped_early'])})", ", ".join(s["stopped_early"]) or "none"],
        [f"autograder failed ({len(s['autograder_failed'])})", ", ".join(s["autograder_failed"]) or "none"],
    ]
    exercises = [
        [
            x,
            f"{r['mean_points']:.2f} / {r['max_points']:g}",
            _pct(r["full_marks"]),
            _pct(r["zero"]),
            f"{r['hardest_test'].split(': ', 1)[-1]} ({r['hardest_passed']} of {r['graded']} passed)",
        ]
        for x, r in report["exercises"].items()
    ]
    hidden = report["hidden"]
    return [
        ("Scores", "scores.png", ["", ""], summary_rows),
        (
            "Exercises (public tests)",
            "exercises.png",
            ["exercise", "mean points", "full marks", "zero", "hardest test"],
            exercises,
        ),
        (
            "Misconceptions (public tests)",
            "misconceptions.png",
            ["rank", "mistake", "students", "exercises (students)"],
            _mistake_rows(report["misconceptions"]),
        ),
        (
            "Concept questions: wrong options chosen",
            None,
            ["question", "option", "students"],
            [[q, a, str(n)] for q, options in report["wrong_options"].items() for a, n in options.items()],
        ),
        (
            "Hidden tests (instructor view only)",
            None,
            ["hidden test", "passed", "failed"],
            [[name, str(c["passed"]), str(c["failed"])] for name, c in hidden["tests"].items()],
        ),
        (
            "Misconceptions found by hidden tests",
            None,
            ["rank", "mistake", "students", "exercises (students)"],
            _mistake_rows(hidden["misconceptions"]),
        ),
    ]


def _mistake_rows(ranked: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            str(i),
            f"{m['title'] or m['id']} [{m['id']}]",
            str(m["students"]),
            ", ".join(f"{x} ({n})" for x, n in m["exercises"].items()),
        ]
        for i, m in enumerate(ranked, start=1)
    ]


def markdown(report: dict[str, Any]) -> str:
    lines = ["# Class report", ""]
    for heading, figure, header, rows in sections(report):
        lines += [f"## {heading}", ""]
        if figure:
            lines += [f"![{heading}](figures/{figure})", ""]
        if not rows:
            lines += ["None.", ""]
            continue
        cells = [[c.replace("|", "/").replace("\n", " ") for c in row] for row in [header, *rows]]
        lines += ["| " + " | ".join(cells[0]) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]] + [""]
    return "\n".join(lines)


def page(report: dict[str, Any], figures: dict[str, bytes]) -> str:
    parts = []
    for heading, figure, header, rows in sections(report):
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if figure:
            data = base64.b64encode(figures[figure]).decode()
            parts.append(f'<img alt="{html.escape(heading)}" src="data:image/png;base64,{data}">')
        if not rows:
            parts.append("<p>None.</p>")
            continue
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    style = "body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{border:1px solid #ccc;padding:2px 6px}"
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Class report</title>'
        f"<style>{style}table{{border-collapse:collapse}}</style></head>\n<body><h1>Class report</h1>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def write_report(report: dict[str, Any], out: Path) -> Path:
    """Write report.html, report.md, figures/*.png and report.json into `out`; return the HTML page's path."""
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    figures = {name: draw(report) for name, draw in FIGURES.items()}
    for name, data in figures.items():
        (out / "figures" / name).write_bytes(data)
    write_atomic(out / "report.json", json.dumps(report, indent=1) + "\n")
    write_atomic(out / "report.md", markdown(report))
    write_atomic(out / "report.html", page(report, figures))
    return out / "report.html"
