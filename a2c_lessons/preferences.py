"""Preferences: pairs of completions a person ranked, the human half of RLHF.

Place in the data flow: the labels that train a reward model, which `score` then calls:

    prompts -> sample two completions -> a person picks one -> {"prompt", "chosen", "rejected"} (JSONL)
            -> Bradley-Terry reward model r(x, y)  (reward_training.train_on_preferences)  -> A2C against it

The file is the preference format that TRL's reward trainer and `datasets` read: one
JSON object a line, the completions without the prompt. `append` writes each label
the moment it is given, so closing a notebook loses nothing and reopening it goes
on with the same file; `read` checks every line and names the line of a problem.

A `Taste` is a scripted labeller: it picks between two completions as a person with
that taste would, so a lesson runs headless and a student can compare their labels
with it. Its `gold` score (the property, on a review of the grammar) is the truth a
reward model learned from a few labels only approximates.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from a2c_lessons import corpus
from a2c_lessons.policy import Policy
from a2c_lessons.rewards import wilson_interval
from a2c_lessons.sampling import sample

FIELDS = ("prompt", "chosen", "rejected")


class PreferenceError(ValueError):
    """A preferences file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class Pair:
    """One label: for `prompt`, the completion `chosen` was preferred to `rejected` (completions without the prompt)."""

    prompt: str
    chosen: str
    rejected: str

    def reviews(self) -> tuple[str, str]:
        """The full chosen and rejected reviews, prompt included: the texts a reward model scores."""
        return join(self.prompt, self.chosen), join(self.prompt, self.rejected)


def join(prompt: str, completion: str) -> str:
    """A review from its prompt and completion, as `Rollout.reviews` joins them."""
    return f"{prompt} {completion}".strip()


def append(path: str | os.PathLike, pair: Pair) -> int:
    """Add one label to the file (created if needed), on disk before this returns; the number of labels now."""
    if pair.chosen == pair.rejected:
        raise PreferenceError("chosen and rejected are the same completion: there is no preference to learn")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(asdict(pair)) + "\n")
        f.flush()
        os.fsync(f.fileno())  # a kernel that dies with the notebook still leaves this label behind
    return count(path)


def count(path: str | os.PathLike) -> int:
    """How many labels the file holds (0 if it does not exist yet)."""
    path = Path(path)
    return sum(1 for line in path.read_text().splitlines() if line.strip()) if path.is_file() else 0


def read(path: str | os.PathLike, *, min_pairs: int = 1) -> list[Pair]:
    """Every label of the file; PreferenceError naming the line of the first malformed one."""
    path = Path(path)
    if not path.is_file():
        raise PreferenceError(f"preferences file {str(path)!r} does not exist; label some pairs first")
    pairs = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            pairs.append(_parse(line, f"{path.name} line {number}"))
    if len(pairs) < min_pairs:
        raise PreferenceError(f"{path.name} holds {len(pairs)} pairs; at least {min_pairs} are needed: label more")
    return pairs


def _parse(line: str, where: str) -> Pair:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError as err:
        raise PreferenceError(f"{where} is not JSON ({err.msg})") from None
    if not isinstance(entry, dict) or any(type(entry.get(k)) is not str for k in FIELDS):
        raise PreferenceError(f"{where} must be an object with string fields {', '.join(FIELDS)}")
    if entry["chosen"] == entry["rejected"]:
        raise PreferenceError(f"{where}: chosen and rejected are the same completion")
    return Pair(entry["prompt"], entry["chosen"], entry["rejected"])


# ---------------------------------------------------------------- scripted tastes


@dataclass(frozen=True)
class Taste:
    """A scripted labeller: it prefers reviews of the grammar that have its property."""

    name: str
    """what the taste likes, in a few words"""
    words: frozenset[str] = frozenset()
    """the review mentions one of these words (empty: any review)"""
    max_words: int | None = None
    """the review has at most this many words, the final '.' included (None: any length)"""

    def has(self, review: str) -> bool:
        """The property alone, grammatical or not."""
        tokens = review.split()
        mentions = not self.words or any(w in self.words for w in tokens)
        return mentions and (self.max_words is None or len(tokens) <= self.max_words)

    def gold(self, review: str) -> float:
        """The true score: 1 for a review of the grammar with the property, else 0 (broken text is never liked)."""
        return float(corpus.sentiment(review) is not None and self.has(review))

    def reward(self, reviews: list[str]) -> torch.Tensor:
        """The gold score as a reward function (`rewards.RewardFn`): (B,) float, 1 where the taste likes review b."""
        return torch.tensor([self.gold(r) for r in reviews])

    def choose(self, pair_of_reviews: tuple[str, str]) -> int | None:
        """0 or 1, the review this taste prefers; None when it likes both or neither (the pair is skipped)."""
        left, right = (self.gold(r) for r in pair_of_reviews)
        return None if left == right else int(right > left)

    def share(self, reviews: list[str]) -> dict[str, float]:
        """Fraction of reviews with the taste's gold property, with its 95% Wilson interval."""
        hits = sum(self.gold(r) for r in reviews)
        low, high = wilson_interval(int(hits), len(reviews))
        return {"share": hits / max(1, len(reviews)), "low": low, "high": high, "n": len(reviews)}


TASTES = {
    "service": Taste("reviews that talk about the service", frozenset({"service", "staff", "waiter"})),
    "food": Taste("reviews that talk about food", frozenset({"food", "pizza", "coffee", "menu"})),
    "short": Taste("short reviews, six words at most", max_words=6),
}


def sample_completions(policy: Policy, prompt: str, *, seed: int, max_new_tokens: int = 24) -> tuple[str, str]:
    """Two completions of `prompt` drawn from the current policy at temperature 1 (different, if the model allows)."""
    for attempt in range(8):
        rollout = sample(policy, [prompt, prompt], max_new_tokens, seed=seed * 8 + attempt)
        if rollout.texts[0] != rollout.texts[1]:
            break
    return rollout.texts[0], rollout.texts[1]


def label_with_taste(
    policy: Policy,
    taste: Taste,
    n: int,
    path: str | os.PathLike,
    *,
    seed: int = 0,
    prompts: tuple[str, ...] = corpus.PROMPTS,
) -> list[Pair]:
    """Label `n` pairs of fresh completions as `taste` would, appending each to `path`; the pairs written."""
    written, draw = [], 0
    while len(written) < n:
        prompt = prompts[(seed + draw) % len(prompts)]
        completions = sample_completions(policy, prompt, seed=seed * 100_003 + draw)
        draw += 1
        choice = taste.choose(tuple(join(prompt, c) for c in completions))
        if choice is None:
            continue
        pair = Pair(prompt, completions[choice], completions[1 - choice])
        append(path, pair)
        written.append(pair)
    return written


def top_up(policy: Policy, taste: Taste, n: int, path: str | os.PathLike, *, seed: int = 0) -> list[Pair]:
    """Label pairs as `taste` would until `path` holds at least `n` (the labels already there are kept); all of them."""
    missing = n - count(path)
    if missing > 0:
        label_with_taste(policy, taste, missing, path, seed=seed)
    return read(path)


def agreement(pairs: list[Pair], taste: Taste) -> float:
    """Fraction of the pairs where `taste` would have made the same choice (ties count as disagreement)."""
    return sum(taste.choose(p.reviews()) == 0 for p in pairs) / max(1, len(pairs))
