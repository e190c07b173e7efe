"""Build the tiny LM: a word-level tokenizer and a small GPT-2, trained on the review grammar.

Place in the data flow: it makes the `policy` that every later step starts from,
and the reference model pi_ref the KL term measures against.

Pretraining minimises the next-token cross-entropy  -1/N sum log p_theta(w_i | w_<i)
over reviews drawn fresh from `corpus` each step; its floor is the grammar's own
entropy per token, which the log reports beside the loss. The same seed rebuilds
the shipped files bit for bit (same torch version and thread count).

    a2c-lessons pretrain                              # into runs/tinylm (never into the installed package)
    a2c-lessons pretrain --out a2c_lessons/tinylm     # in a clone: rebuild the shipped tiny LM
"""

from __future__ import annotations

import json
import math
import random
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from tqdm.auto import tqdm
from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from a2c_lessons import corpus
from a2c_lessons.options import Parser, check_build_folder, non_negative_int, positive_int
from a2c_lessons.runfolder import save_model

SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>", "<unk>")


@dataclass(frozen=True)
class PretrainConfig:
    seed: int = 0
    """seeds the corpus, the initial weights and the evaluation samples"""
    steps: int = 1600
    """optimiser steps; each sees `batch_size` fresh reviews"""
    batch_size: int = 64
    """reviews per step"""
    lr: float = 3e-3
    """peak AdamW learning rate (linear warm-up, then cosine decay to 10%)"""
    warmup_steps: int = 100
    """steps of linear warm-up"""
    n_layer: int = 2
    """transformer blocks"""
    n_embd: int = 128
    """hidden width"""
    n_head: int = 4
    """attention heads"""
    n_positions: int = 64
    """longest sequence the model reads (prompt + response)"""
    eval_samples: int = 1000
    """reviews sampled at the end to measure grammaticality and positivity"""

    def __post_init__(self):
        if self.steps < 1 or self.batch_size < 1 or self.eval_samples < 0:
            raise ValueError("steps and batch_size must be >= 1 and eval_samples >= 0")
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")


def build_tokenizer() -> PreTrainedTokenizerFast:
    """Word-level tokenizer over the grammar's vocabulary; it adds BOS in front of every text."""
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *corpus.vocabulary()])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", vocab["<bos>"])])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        padding_side="left",
        clean_up_tokenization_spaces=False,  # keep "good ." apart: the grammar needs it
    )


def build_model(cfg: PretrainConfig, tokenizer: PreTrainedTokenizerFast) -> GPT2LMHeadModel:
    """A GPT-2 with no dropout: the corpus is endless, and RL needs dropout off anyway."""
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=cfg.n_positions,
        n_embd=cfg.n_embd,
        n_layer=cfg.n_layer,
        n_head=cfg.n_head,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    return GPT2LMHeadModel(config)


def generation_config(tokenizer: PreTrainedTokenizerFast) -> GenerationConfig:
    # transformers samples with top_k=50 when top_k is unset: 0 and 1.0 make
    # "temperature 1" mean the model's full distribution, in generate and our sampler alike
    return GenerationConfig(
        do_sample=True,
        top_k=0,
        top_p=1.0,
        temperature=1.0,
        max_new_tokens=24,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )


def review_batch(reviews: list[corpus.Review], tokenizer) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, L) ids "<bos> review <eos>" right-padded, and (B, L) labels with -100 on padding."""
    rows = [tokenizer(r.text).input_ids + [tokenizer.eos_token_id] for r in reviews]
    length = max(map(len, rows))
    ids = torch.full((len(rows), length), tokenizer.pad_token_id)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
    return ids, ids.masked_fill(ids == tokenizer.pad_token_id, -100)


def grammar_entropy_per_token(n: int = 20000, seed: int = 12345) -> float:
    """Monte-Carlo estimate of the grammar's entropy in nats per predicted token (the loss floor)."""
    reviews = corpus.sample_reviews(n, seed)
    return -statistics.fmean(r.logp for r in reviews) / statistics.fmean(len(r.words) + 1 for r in reviews)


def lr_at(step: int, cfg: PretrainConfig) -> float:
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(
    cfg: PretrainConfig, *, progress: bool = True, stop_after: int | None = None
) -> tuple[GPT2LMHeadModel, PreTrainedTokenizerFast, list[float]]:
    """Pretrain from scratch; return the model, the tokenizer and the loss per step.

    `stop_after` ends the run early on the same schedule (tests replay the first steps).
    """
    torch.manual_seed(cfg.seed)
    tokenizer = build_tokenizer()
    model = build_model(cfg, tokenizer)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    rng = random.Random(cfg.seed)
    losses = []
    bar = tqdm(range(cfg.steps if stop_after is None else stop_after), desc="pretrain", disable=not progress)
    for step in bar:
        ids, labels = review_batch([corpus.sample_review(rng) for _ in range(cfg.batch_size)], tokenizer)
        loss = model(input_ids=ids, attention_mask=(ids != tokenizer.pad_token_id).long(), labels=labels).loss
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, cfg)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        if step % 50 == 0:
            bar.set_postfix(loss=f"{statistics.fmean(losses[-50:]):.3f}")
    model.eval()
    return model, tokenizer, losses


def save(model, tokenizer, out: Path, log: dict) -> None:
    """Write config, model.safetensors, tokenizer, generation config and the training log: into a folder
    beside `out`, then swapped in, so that a kill never leaves `out` half written."""
    model.generation_config = generation_config(tokenizer)
    save_model(model, tokenizer, out, {"pretrain_log.json": json.dumps(log, indent=1) + "\n"})


def main(argv: list[str] | None = None) -> dict:
    parser = Parser(prog="a2c-lessons pretrain", description="Pretrain the tiny LM on the review grammar.")
    parser.add_argument("--out", type=Path, default=Path("runs/tinylm"), help="folder to write (default runs/tinylm)")
    parser.add_argument("--seed", type=non_negative_int, default=PretrainConfig.seed)
    parser.add_argument("--steps", type=positive_int, default=PretrainConfig.steps)
    args = parser.parse_args(argv)
    check_build_folder(args.out)
    from a2c_lessons.policy import Policy
    from a2c_lessons.rewards import review_stats
    from a2c_lessons.sampling import sample

    cfg = PretrainConfig(seed=args.seed, steps=args.steps)
    model, tokenizer, losses = train(cfg)
    policy = Policy(model, tokenizer)
    rollout = sample(policy, [""] * cfg.eval_samples, 24, seed=cfg.seed)
    stats = review_stats(rollout.reviews)
    floor = grammar_entropy_per_token()
    final_loss = statistics.fmean(losses[-100:])
    log = {
        "config": asdict(cfg),
        "torch": torch.__version__,
        "losses": losses,
        "final_loss": final_loss,
        "grammar_entropy": floor,
        **stats,
    }
    save(model, tokenizer, args.out, log)
    print(
        f"tiny LM saved to {args.out}: loss {final_loss:.3f} (grammar entropy {floor:.3f}), "
        f"{stats['grammatical']:.1%} grammatical, {stats['positive']:.1%} positive of {cfg.eval_samples} samples"
    )
    return log


if __name__ == "__main__":
    main()
