"""Train the tiny reward model: the tiny LM's backbone with a scalar head, fit by Bradley-Terry.

Place in the data flow: it builds the learned `RewardFn` behind `score` (rewards.py).

For a pair (chosen y+, rejected y-) the Bradley-Terry model says
P(y+ preferred) = sigmoid(r(y+) - r(y-)), and training minimises

    loss = -log sigmoid(r(y+) - r(y-))  +  c * mean(r)^2

over pairs of one positive and one negative review from the grammar. Bradley-Terry
fixes only differences of scores; the small second term pins their mean at 0 so
that the sign of r alone tells positive from negative. Accuracy is the fraction of
held-out reviews whose score sign matches the exact label.

    a2c-lessons reward-model                                  # into runs/reward_model, never into the package
    a2c-lessons reward-model --out a2c_lessons/reward_model   # in a clone: rebuild the shipped reward model
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import AutoTokenizer, GPT2ForSequenceClassification

from a2c_lessons import corpus
from a2c_lessons.options import Parser, check_build_folder, non_negative_int, positive_int
from a2c_lessons.policy import TINY_LM_PATH
from a2c_lessons.rewards import LearnedReward, reward_logits
from a2c_lessons.runfolder import replace_folder


@dataclass(frozen=True)
class RewardModelConfig:
    seed: int = 0
    """seeds the pairs, the head's initial weights and the held-out set"""
    steps: int = 300
    """optimiser steps, each on `batch_size` fresh pairs"""
    batch_size: int = 32
    """pairs per step"""
    lr: float = 1e-3
    """AdamW learning rate"""
    centre_coef: float = 0.1
    """c: weight of the term that keeps the mean score at 0"""
    eval_reviews: int = 2000
    """held-out reviews for the reported accuracy"""

    def __post_init__(self):
        if min(self.steps, self.batch_size, self.eval_reviews) < 1 or not self.lr > 0 or self.centre_coef < 0:
            raise ValueError("steps, batch_size and eval_reviews must be >= 1, lr > 0 and centre_coef >= 0")


def bradley_terry_loss(chosen: torch.Tensor, rejected: torch.Tensor) -> torch.Tensor:
    """Mean of -log sigmoid(r+ - r-) over (B,) chosen and rejected scores."""
    return -F.logsigmoid(chosen - rejected).mean()


def _pairs(rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    """n (positive, negative) review pairs drawn from the grammar."""
    chosen, rejected = [], []
    while len(chosen) < n or len(rejected) < n:
        review = corpus.sample_review(rng)
        (chosen if review.sentiment > 0 else rejected).append(review.text)
    return chosen[:n], rejected[:n]


def accuracy(reward: LearnedReward, reviews: list[corpus.Review]) -> float:
    """Fraction of reviews whose score sign agrees with the exact label."""
    logits = torch.cat([reward.logits([r.text for r in reviews[i : i + 256]]) for i in range(0, len(reviews), 256)])
    labels = torch.tensor([r.sentiment for r in reviews])
    return ((logits > 0) == (labels > 0)).float().mean().item()


def train(cfg: RewardModelConfig, out: Path, *, progress: bool = True) -> dict:
    """Fit the reward model, save it to `out` with its log, and return the log."""
    torch.manual_seed(cfg.seed)
    tokenizer = AutoTokenizer.from_pretrained(TINY_LM_PATH)
    tokenizer.padding_side = "left"
    model = GPT2ForSequenceClassification.from_pretrained(TINY_LM_PATH, num_labels=1)
    model.config.pad_token_id = tokenizer.pad_token_id  # the head reads the last non-pad token
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    rng = random.Random(cfg.seed)
    model.train()
    for _ in tqdm(range(cfg.steps), desc="reward model", disable=not progress):
        chosen, rejected = _pairs(rng, cfg.batch_size)
        scores = reward_logits(model, tokenizer, chosen + rejected)  # (2B,)
        loss = bradley_terry_loss(scores[: cfg.batch_size], scores[cfg.batch_size :])
        loss = loss + cfg.centre_coef * scores.mean() ** 2
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    tmp = out.with_name(out.name + ".tmp")  # built beside `out`, then swapped in: a kill never leaves half a model
    shutil.rmtree(tmp, ignore_errors=True)  # a build cut short leaves its files there
    tmp.mkdir(parents=True)
    model.eval().save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    held_out = corpus.sample_reviews(cfg.eval_reviews, seed=cfg.seed + 10_000)
    log = {"config": asdict(cfg), "final_loss": loss.item(), "accuracy": accuracy(LearnedReward(tmp), held_out)}
    (tmp / "reward_model_log.json").write_text(json.dumps(log, indent=1) + "\n")
    replace_folder(tmp, out)
    return log


def main(argv: list[str] | None = None) -> dict:
    parser = Parser(prog="a2c-lessons reward-model", description="Train the tiny reward model (Bradley-Terry).")
    parser.add_argument("--out", type=Path, default=Path("runs/reward_model"), help="default runs/reward_model")
    parser.add_argument("--seed", type=non_negative_int, default=RewardModelConfig.seed)
    parser.add_argument("--steps", type=positive_int, default=RewardModelConfig.steps)
    args = parser.parse_args(argv)
    check_build_folder(args.out)
    log = train(RewardModelConfig(seed=args.seed, steps=args.steps), args.out)
    print(f"reward model saved to {args.out}: held-out accuracy {log['accuracy']:.1%}, loss {log['final_loss']:.3f}")
    return log


if __name__ == "__main__":
    main()
