"""The synthetic review grammar: the tiny LM's corpus and the exact reward's oracle.

Place in the data flow: it feeds `pretrain` (the corpus) and `rewards` (the exact
sentiment of any text the grammar can produce).

    review   := [opener] clause ["but" clause] "."
    clause   := "the" NOUN BE ["not"] [INTENSIFIER] ADJECTIVE
              | "i" LIKED "the" NOUN
              | "i" "did" "not" LIKE "the" NOUN

Sentiment rules are context-free on purpose: a rule that ties two clauses together
(both clauses of an "and" must agree) was not learned by the tiny LM in minutes, while
"but" and "not" were. So the polarity of a clause is its adjective's or verb's,
flipped by "not"; with "but" the last clause decides. Every review therefore has an exact label, +1 or -1,
and text the grammar does not produce has none.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

NOUNS = (
    "food", "service", "staff", "movie", "plot", "acting", "room", "price",
    "music", "ending", "book", "hotel", "waiter", "coffee", "pizza",
    "soundtrack", "location", "view", "bed", "menu",
)  # fmt: skip
BE = ("is", "was", "seemed", "felt", "looked")
INTENSIFIERS = ("very", "really", "quite", "so", "truly", "rather", "extremely", "pretty")
POSITIVE = (
    "good", "great", "excellent", "wonderful", "amazing", "delicious", "friendly",
    "lovely", "brilliant", "superb", "pleasant", "fantastic", "charming", "perfect",
    "fresh", "clean", "beautiful", "fun", "helpful", "solid",
)  # fmt: skip
NEGATIVE = (
    "bad", "awful", "terrible", "boring", "rude", "bland", "dirty", "poor", "dull",
    "horrible", "disappointing", "mediocre", "slow", "noisy", "stale", "weak",
    "cold", "messy", "overpriced", "forgettable",
)  # fmt: skip
# "i loved the food" / "i did not love the food": past tense and base form, with polarity.
LIKED = {"loved": 1, "liked": 1, "enjoyed": 1, "adored": 1, "hated": -1, "disliked": -1, "loathed": -1, "regretted": -1}
LIKE = {"love": 1, "like": 1, "enjoy": 1, "hate": -1, "dislike": -1}
OPENERS = (("honestly", ","), ("overall", ","), ("i", "think"), ("to", "be", "fair", ","))

# Choice probabilities of the generator. Polarity is a fair coin per clause, so about
# half of all reviews are positive: RL has room to move the model either way.
P_OPENER, P_BUT, P_LIKE_CLAUSE, P_DID_NOT, P_NOT, P_INTENSIFIER = 0.3, 0.3, 0.3, 0.3, 0.2, 0.4

SENTIMENT_WORDS = {**{w: 1 for w in POSITIVE}, **{w: -1 for w in NEGATIVE}}


def vocabulary() -> list[str]:
    """Every word the grammar can produce, in a fixed order (the tokenizer's order)."""
    words = ["the", "not", "but", ".", "did", "i"]
    for group in (NOUNS, BE, INTENSIFIERS, POSITIVE, NEGATIVE, tuple(LIKED), tuple(LIKE)):
        words += group
    for opener in OPENERS:
        words += opener
    return list(dict.fromkeys(words))  # de-duplicate, keep order


@dataclass(frozen=True)
class Review:
    """One review: its words, its exact sentiment (+1 or -1) and log p under the grammar."""

    words: tuple[str, ...]
    sentiment: int
    logp: float

    @property
    def text(self) -> str:
        return " ".join(self.words)


class _Draw:
    """Draws choices from `rng` while adding up the log-probability of the derivation."""

    def __init__(self, rng: random.Random):
        self.rng, self.logp = rng, 0.0

    def coin(self, p: float) -> bool:
        hit = self.rng.random() < p
        self.logp += math.log(p if hit else 1 - p)
        return hit

    def pick(self, options):
        self.logp -= math.log(len(options))
        return options[self.rng.randrange(len(options))]


def _clause(draw: _Draw) -> tuple[list[str], int]:
    positive = draw.coin(0.5)
    if draw.coin(P_LIKE_CLAUSE):
        if draw.coin(P_DID_NOT):  # "not" flips the verb, so pick a verb of the other polarity
            verb = draw.pick([v for v, s in LIKE.items() if (s > 0) != positive])
            words = ["i", "did", "not", verb]
        else:
            words = ["i", draw.pick([v for v, s in LIKED.items() if (s > 0) == positive])]
        return words + ["the", draw.pick(NOUNS)], 1 if positive else -1
    words = ["the", draw.pick(NOUNS), draw.pick(BE)]
    negated = draw.coin(P_NOT)
    if negated:
        words.append("not")
    if draw.coin(P_INTENSIFIER):
        words.append(draw.pick(INTENSIFIERS))
    words.append(draw.pick(POSITIVE if positive != negated else NEGATIVE))
    return words, 1 if positive else -1


def sample_review(rng: random.Random) -> Review:
    """Draw one review from the grammar with its exact label and log-probability."""
    draw = _Draw(rng)
    words: list[str] = list(draw.pick(OPENERS)) if draw.coin(P_OPENER) else []
    clause, sentiment = _clause(draw)
    words += clause
    if draw.coin(P_BUT):
        clause, sentiment = _clause(draw)  # the last clause decides
        words += ["but"] + clause
    return Review(tuple(words + ["."]), sentiment, draw.logp)


def sample_reviews(n: int, seed: int) -> list[Review]:
    """`n` reviews drawn with `random.Random(seed)`: the same seed, the same corpus."""
    rng = random.Random(seed)
    return [sample_review(rng) for _ in range(n)]


def _clause_sentiment(words: list[str]) -> int | None:
    """Polarity of one clause, or None if the words are not a clause of the grammar."""
    if len(words) == 4 and words[0] == "i" and words[1] in LIKED and words[2] == "the":
        return LIKED[words[1]] if words[3] in NOUNS else None
    if len(words) == 6 and words[:3] == ["i", "did", "not"] and words[4] == "the":
        return -LIKE[words[3]] if words[3] in LIKE and words[5] in NOUNS else None
    if len(words) < 4 or words[0] != "the" or words[1] not in NOUNS or words[2] not in BE:
        return None
    rest = words[3:]
    sign = 1
    if rest[0] == "not":
        sign, rest = -1, rest[1:]
    if len(rest) == 2 and rest[0] in INTENSIFIERS:
        rest = rest[1:]
    if len(rest) != 1 or rest[0] not in SENTIMENT_WORDS:
        return None
    return sign * SENTIMENT_WORDS[rest[0]]


def sentiment(text: str) -> int | None:
    """Exact sentiment of `text`: +1, -1, or None when the grammar cannot produce it."""
    words = text.split()
    if not words or words[-1] != "." or "." in words[:-1]:
        return None
    words = words[:-1]
    for opener in OPENERS:
        if tuple(words[: len(opener)]) == opener:
            words = words[len(opener) :]
            break
    clauses = " ".join(words).split(" but ")
    if len(clauses) > 2:
        return None
    polarities = [_clause_sentiment(c.split()) for c in clauses]
    return None if None in polarities else polarities[-1]


# Prompts of the RL task: beginnings of reviews, of different lengths, none of which
# fixes the sentiment. "" is the bare BOS token.
PROMPTS = (
    "", "the food", "the service was", "the movie", "honestly ,", "i think the plot",
    "overall , the staff", "the hotel was", "i", "to be fair , the pizza", "the music",
    "the room seemed", "i think", "overall ,", "the coffee was", "the ending",
)  # fmt: skip
