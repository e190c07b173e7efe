"""Rewards: one number per review, from the grammar's exact sentiment or a learned model.

Place in the data flow: prompts -> sample -> Rollout -> **score** -> values -> gae -> a2c_loss.

A reward function takes the B full review texts and returns scores (B,): the r that
sits on each response's last real token. The exact reward reads the grammar:

    r(x, y) = +1 if the review is positive, 0 if negative, -1 if the grammar cannot produce it

so the model gains by turning reviews positive and loses by leaving the language.
Any Python callable on a list of texts can stand in; `score` checks what it returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import torch

from a2c_lessons import corpus
from a2c_lessons.padding import encode_left_padded, left_padded_forward

POSITIVE_REWARD, NEGATIVE_REWARD, UNGRAMMATICAL_REWARD = 1.0, 0.0, -1.0
REWARD_MODEL_PATH = Path(__file__).parent / "reward_model"


class RewardFn(Protocol):
    """Anything that maps B review texts to B scores (list, array or tensor of floats)."""

    def __call__(self, texts: list[str]) -> Sequence[float] | torch.Tensor: ...


def exact_reward(texts: list[str]) -> torch.Tensor:
    """(B,) float: +1 positive, 0 negative, -1 outside the grammar (see module docstring)."""
    values = {1: POSITIVE_REWARD, -1: NEGATIVE_REWARD, None: UNGRAMMATICAL_REWARD}
    return torch.tensor([values[corpus.sentiment(t)] for t in texts])


def score(reward_fn: RewardFn | Callable, texts: list[str]) -> torch.Tensor:
    """Call `reward_fn` on the texts and check its answer: (B,) finite float32 scores.

    Raises ValueError when it returns the wrong number of values, or NaN / inf.
    """
    raw = reward_fn(list(texts))
    try:
        scores = torch.as_tensor(raw, dtype=torch.float32).detach().cpu().reshape(-1)
    except (TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"reward function returned {type(raw).__name__}, expected B numbers") from err
    if scores.numel() != len(texts):
        raise ValueError(f"reward function returned {scores.numel()} values for {len(texts)} texts")
    bad = (~torch.isfinite(scores)).nonzero().flatten().tolist()
    if bad:
        raise ValueError(f"reward function returned NaN or inf for text {bad[0]}: {texts[bad[0]]!r}")
    return scores


def review_stats(reviews: list[str]) -> dict[str, float]:
    """Fractions of reviews that parse under the grammar and that are positive."""
    labels = [corpus.sentiment(r) for r in reviews]
    n = max(1, len(labels))
    return {"grammatical": sum(x is not None for x in labels) / n, "positive": sum(x == 1 for x in labels) / n}


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a fraction: how sure a '90% positive' claim is."""
    if n == 0:
        return 0.0, 1.0
    p, denom = successes / n, 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


class LearnedReward:
    """The tiny reward model as a reward function: r = sigmoid(score), a number in (0, 1).

    It imitates the exact reward's positive-vs-negative ranking; trained by
    `a2c_lessons.reward_training` with the Bradley-Terry loss, which fixes only differences of
    scores: sigmoid(s_a - s_b) is the modelled chance that text a beats text b. sigmoid(score) is
    therefore the modelled chance of beating a text of score 0, not a calibrated P(positive).
    """

    def __init__(self, path: str | Path = REWARD_MODEL_PATH, device: str | torch.device = "cpu"):
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from a2c_lessons.policy import _check_safetensors

        path = Path(path)
        if not path.is_dir():
            raise ValueError(
                f"reward model path {str(path)!r} is not a folder; build it with `a2c-lessons reward-model`"
            )
        _check_safetensors(path)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.tokenizer.padding_side = "left"
        self.model = AutoModelForSequenceClassification.from_pretrained(path).to(device).eval()

    @torch.no_grad()
    def logits(self, texts: list[str]) -> torch.Tensor:
        """(B,) float: the model's score (the Bradley-Terry logit) of each text."""
        return reward_logits(self.model, self.tokenizer, texts).float().cpu()

    def __call__(self, texts: list[str]) -> torch.Tensor:
        return torch.sigmoid(self.logits(texts))


def reward_logits(model, tokenizer, texts: list[str]) -> torch.Tensor:
    """(B,) scores of left-padded texts; positions count real tokens, so a score does not
    depend on the other texts in the batch (GPT-2 would otherwise count from the first pad)."""
    input_ids, attention_mask = encode_left_padded(tokenizer, texts, model.device)
    return left_padded_forward(model, input_ids, attention_mask).logits[:, 0]


def get_reward(name: str) -> RewardFn:
    """The reward named on the command line: 'exact' or 'model'."""
    if name == "exact":
        return exact_reward
    if name == "model":
        return LearnedReward()
    raise ValueError(f"unknown reward {name!r}: expected 'exact' or 'model'")
