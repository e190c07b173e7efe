"""Train the tiny reward model: the tiny LM's backbone with a scalar head, fit by Bradley-Terry.

Place in the data flow: it builds the learned `RewardFn` behind `score` (rewards.py).

For a pair (chosen y+, rejected y-) the Bradley-Terry model says
P(y+ preferred) = sigmoid(r(y+) - r(y-)), and training minimises

    loss = -log sigmoid(r(y+) - r(y-))  +  c * mean(r)^2

Bradley-Terry fixes only differences of scores; the small second term pins their
mean at 0. Two sources of pairs:

- `train`: one positive and one negative review from the grammar, fresh each step;
  accuracy is the fraction of held-out reviews whose score sign matches the exact
  label (this builds the shipped reward model);
- `train_on_preferences`: the pairs a person labelled (`preferences.py`), for a few
  epochs; accuracy is the fraction of held-out pairs ranked as the person ranked them.

    a2c-lessons reward-model                                  # into runs/reward_model, never into the package
    a2c-lessons reward-model --out a2c_lessons/reward_model   # in a clone: rebuild the shipped reward model
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import AutoTokenizer, GPT2ForSequenceClassification
from transformers.utils import logging as hf_logging

from a2c_lessons import corpus, threads
from a2c_lessons.options import Parser, UsageError, check_build_folder, non_negative_int, positive_int
from a2c_lessons.policy import TINY_LM_PATH
from a2c_lessons.preferences import Pair, PreferenceError
from a2c_lessons.preferences import read as read_preferences
from a2c_lessons.rewards import reward_logits, wilson_interval
from a2c_lessons.runfolder import save_model

PACKAGE_DIR = Path(__file__).resolve().parent  # a model learned from someone's labels never lands in here


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


@torch.no_grad()
def scores_of(model, tokenizer, texts: list[str]) -> torch.Tensor:
    """(N,) float: the reward model's score of each text, in batches of 256."""
    model.eval()
    return torch.cat([reward_logits(model, tokenizer, texts[i : i + 256]).float() for i in range(0, len(texts), 256)])


def accuracy(model, tokenizer, reviews: list[corpus.Review]) -> float:
    """Fraction of reviews whose score sign agrees with the exact label."""
    labels = torch.tensor([r.sentiment for r in reviews])
    return ((scores_of(model, tokenizer, [r.text for r in reviews]) > 0) == (labels > 0)).float().mean().item()


def _new_model(seed: int) -> tuple[GPT2ForSequenceClassification, AutoTokenizer]:
    """The tiny LM's backbone with a fresh scalar head, and its left-padding tokenizer."""
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(TINY_LM_PATH)
    tokenizer.padding_side = "left"
    # the fresh head is the point: transformers' load report ("score.weight MISSING ... train on your downstream
    # task") says what we meant, so it is silenced for this one call and the verbosity put back after it
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        model = GPT2ForSequenceClassification.from_pretrained(TINY_LM_PATH, num_labels=1)
    finally:
        hf_logging.set_verbosity(verbosity)
    model.config.pad_token_id = tokenizer.pad_token_id  # the head reads the last non-pad token
    return model.train(), tokenizer


def _fit_step(model, tokenizer, optimizer, chosen: list[str], rejected: list[str], centre_coef: float) -> float:
    """One AdamW step on the Bradley-Terry loss of these pairs, plus the centring term."""
    with threads.for_model(model):  # one thread for the tiny backbone on the CPU, as the A2C step
        scores = reward_logits(model, tokenizer, chosen + rejected)  # (2B,)
        loss = bradley_terry_loss(scores[: len(chosen)], scores[len(chosen) :]) + centre_coef * scores.mean() ** 2
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return loss.item()


def _save(model, tokenizer, out: Path, log: dict) -> None:
    """The model, its tokenizer and its log, swapped in whole (`runfolder.save_model`)."""
    save_model(model.eval(), tokenizer, out, {"reward_model_log.json": json.dumps(log, indent=1) + "\n"})


def train(cfg: RewardModelConfig, out: Path, *, progress: bool = True) -> dict:
    """Fit the reward model on grammar pairs, save it to `out` with its log, and return the log."""
    model, tokenizer = _new_model(cfg.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    rng = random.Random(cfg.seed)
    for _ in tqdm(range(cfg.steps), desc="reward model", disable=not progress):
        loss = _fit_step(model, tokenizer, optimizer, *_pairs(rng, cfg.batch_size), cfg.centre_coef)
    held_out = corpus.sample_reviews(cfg.eval_reviews, seed=cfg.seed + 10_000)
    log = {"config": asdict(cfg), "final_loss": loss, "accuracy": accuracy(model, tokenizer, held_out)}
    _save(model, tokenizer, out, log)
    return log


# ---------------------------------------------------------------- from a person's labels


@dataclass(frozen=True)
class PreferenceConfig:
    seed: int = 0
    """seeds the held-out split, the batches and the head's initial weights"""
    epochs: int = 40
    """passes over the training pairs (there are few: tens to hundreds)"""
    batch_size: int = 16
    """pairs per step"""
    lr: float = 1e-3
    """AdamW learning rate"""
    centre_coef: float = 0.1
    """c: weight of the term that keeps the mean score at 0"""
    held_out: float = 0.2
    """share of the pairs kept out of training, to measure accuracy on"""
    min_pairs: int = 10
    """fewer labels than this are refused: the accuracy would mean nothing"""

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1 or not self.lr > 0 or self.min_pairs < 2:
            raise ValueError("PreferenceConfig: epochs, batch_size >= 1, lr > 0 and min_pairs >= 2")
        if not 0 < self.held_out < 1:
            raise ValueError(f"PreferenceConfig: held_out must be in (0, 1), got {self.held_out}")


def split(pairs: list[Pair], held_out: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """A seeded shuffle of the pairs into (training, held out); at least one pair in each."""
    order = list(pairs)
    random.Random(seed).shuffle(order)
    n_held = min(len(order) - 1, max(1, round(held_out * len(order))))
    return order[n_held:], order[:n_held]


def pair_accuracy(model, tokenizer, pairs: list[Pair]) -> dict[str, float]:
    """Fraction of pairs the model ranks as the labeller did, with its 95% Wilson interval."""
    chosen, rejected = zip(*(p.reviews() for p in pairs))
    right = int((scores_of(model, tokenizer, list(chosen)) > scores_of(model, tokenizer, list(rejected))).sum())
    low, high = wilson_interval(right, len(pairs))
    return {"accuracy": right / len(pairs), "low": low, "high": high, "n": len(pairs)}


def train_on_preferences(
    pairs: list[Pair], out: Path, cfg: PreferenceConfig = PreferenceConfig(), *, progress: bool = True
) -> dict:
    """Fit a reward model to labelled pairs; save it to `out` (a folder `from_pretrained` loads); return its log."""
    if len(pairs) < cfg.min_pairs:
        raise PreferenceError(f"{len(pairs)} pairs are too few for a reward model: label at least {cfg.min_pairs}")
    if Path(out).resolve().is_relative_to(PACKAGE_DIR):
        raise ValueError(f"--out {str(out)!r} is inside the installed package; choose a folder of your own")
    training, held_out = split(pairs, cfg.held_out, cfg.seed)
    model, tokenizer = _new_model(cfg.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    rng = random.Random(cfg.seed)
    for _ in tqdm(range(cfg.epochs), desc="reward model", disable=not progress):
        rng.shuffle(training)
        for start in range(0, len(training), cfg.batch_size):
            batch = [p.reviews() for p in training[start : start + cfg.batch_size]]
            loss = _fit_step(model, tokenizer, optimizer, [c for c, _ in batch], [r for _, r in batch], cfg.centre_coef)
            model.train()
    log = {
        "config": asdict(cfg),
        "pairs": len(pairs),
        "trained_on": len(training),
        "final_loss": loss,
        "held_out": pair_accuracy(model, tokenizer, held_out),
    }
    _save(model, tokenizer, Path(out), log)
    return log


def main(argv: list[str] | None = None) -> dict:
    parser = Parser(prog="a2c-lessons reward-model", description="Train a reward model (Bradley-Terry).")
    parser.add_argument("--out", type=Path, default=Path("runs/reward_model"), help="default runs/reward_model")
    parser.add_argument("--preferences", type=Path, help="a JSONL file of labelled pairs (prompt, chosen, rejected)")
    parser.add_argument("--seed", type=non_negative_int, default=RewardModelConfig.seed)
    parser.add_argument("--steps", type=positive_int, default=RewardModelConfig.steps, help="grammar pairs only")
    parser.add_argument("--epochs", type=positive_int, default=PreferenceConfig.epochs, help="with --preferences")
    args = parser.parse_args(argv)
    check_build_folder(args.out)
    if args.preferences is None:
        log = train(RewardModelConfig(seed=args.seed, steps=args.steps), args.out)
        print(
            f"reward model saved to {args.out}: held-out accuracy {log['accuracy']:.1%}, loss {log['final_loss']:.3f}"
        )
        return log
    cfg = PreferenceConfig(seed=args.seed, epochs=args.epochs)
    try:  # every line is checked before anything is written
        pairs = read_preferences(args.preferences, min_pairs=cfg.min_pairs)
    except PreferenceError as err:
        raise UsageError(f"--preferences: {err}") from None
    log = train_on_preferences(pairs, args.out, cfg)
    held = log["held_out"]
    print(
        f"reward model saved to {args.out}: trained on {log['trained_on']} pairs; held-out accuracy "
        f"{held['accuracy']:.1%} (95% CI {held['low']:.1%}-{held['high']:.1%}, {held['n']} pairs)"
    )
    return log


if __name__ == "__main__":
    main()
