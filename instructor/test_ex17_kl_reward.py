"""Grades ex17: per-token rewards r_t = score on the last real token - beta * KL_t, against the library."""

import torch

from a2c_lessons import advantages, losses
from a2c_lessons.grading import expect_close, expect_tensor, fail, full_mask, points, random_batch

EXERCISE = "ex17_kl_reward"


def case(seed):
    """A batch, its reference log-probs and one score per response, all from `seed`."""
    batch = random_batch(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    ref_logprobs = batch.logprobs + 0.5 * torch.randn(batch.shape, generator=gen)
    scores = torch.randn(batch.shape[0], generator=gen)
    return batch, ref_logprobs, scores


def library(scores, logprobs, ref_logprobs, mask, kl_coef):
    kl = losses.kl_k1(logprobs, ref_logprobs)
    return advantages.kl_penalised_rewards(advantages.terminal_rewards(scores, mask), kl, mask, kl_coef=kl_coef)


def known_wrong(scores, logprobs, ref_logprobs, mask, kl_coef):
    """message -> what a known-wrong version returns on these inputs."""
    kl = torch.where(mask, logprobs - ref_logprobs, 0.0)
    score_only = advantages.terminal_rewards(scores, mask)
    lengths = mask.sum(dim=1, keepdim=True)
    first_pad = torch.zeros_like(kl).scatter(1, lengths.clamp(max=mask.shape[1] - 1), scores.unsqueeze(1))
    first_pad = torch.where(lengths == mask.shape[1], 0.0, first_pad)  # a full row has no pad: its score is lost
    k3 = torch.where(mask, losses.kl_k3(logprobs, ref_logprobs), 0.0)
    last_only = torch.where(score_only != 0, score_only - kl_coef * kl, 0.0)
    return {
        "the KL term is added: it is a penalty, r_t = score - beta * KL (yours is a bonus).": score_only + kl_coef * kl,
        "the score sits on the first pad after the response; it belongs on the last real token.": (
            torch.where(mask, -kl_coef * kl, 0.0) + first_pad
        ),
        "the KL penalty is missing: every real token pays -beta * (log pi - log pi_ref).": score_only,
        "the KL penalty is only on the last token; it is on every real token.": last_only,
        "that is the k3 estimate; this exercise asks for k1, log pi - log pi_ref.": score_only - kl_coef * k3,
        "the mask is ignored: pad tokens must get exactly 0.": library(
            scores, logprobs, ref_logprobs, full_mask(mask), kl_coef
        ),
    }


def rewards_of(student, scores, logprobs, ref_logprobs, mask, kl_coef):
    out = student.call(
        EXERCISE,
        "kl_penalised_rewards",
        scores.clone(),
        logprobs.clone(),
        ref_logprobs.clone(),
        mask.clone(),
        kl_coef=kl_coef,
    )
    b, t = mask.shape
    return expect_tensor(out, "kl_penalised_rewards", (b, t), hints={(b,): "Return one reward per token."})


@points(1)
def test_one_reward_per_token(student):
    """kl_penalised_rewards returns one reward per token"""
    batch, ref_logprobs, scores = case(180)
    rewards_of(student, scores, batch.logprobs, ref_logprobs, batch.mask, 0.1)


@points(1)
def test_hand_worked_case(student):
    """the hand-worked case: 2 responses, beta = 0.5"""
    mask = torch.tensor([[True, True, True], [True, True, False]])
    logprobs = torch.tensor([[-1.0, -2.0, -0.5], [-1.0, -1.0, -9.0]])
    ref_logprobs = torch.tensor([[-1.5, -2.0, -1.5], [-0.5, -1.0, 0.0]])
    scores = torch.tensor([1.0, -1.0])
    # row 0: KL = (0.5, 0, 1.0) -> r = (-0.25, 0, 1 - 0.5); row 1: KL = (-0.5, 0) -> r = (0.25, -1 - 0), pad 0
    expected = torch.tensor([[-0.25, 0.0, 0.5], [0.25, -1.0, 0.0]])
    got = rewards_of(student, scores, logprobs, ref_logprobs, mask, 0.5)
    wrong = known_wrong(scores, logprobs, ref_logprobs, mask, 0.5)
    expect_close(got, expected, "kl_penalised_rewards", "the hand-worked case", wrong=wrong, mask=mask)
    if not torch.allclose(expected, library(scores, logprobs, ref_logprobs, mask, 0.5)):
        fail("the grader's hand-worked case disagrees with the library: tell your instructor")


@points(2)
def test_matches_library(student):
    """kl_penalised_rewards matches the library on random batches"""
    for seed, kl_coef in ((181, 0.05), (182, 0.5), (183, 0.0)):
        batch, ref_logprobs, scores = case(seed)
        expected = library(scores, batch.logprobs, ref_logprobs, batch.mask, kl_coef)
        got = rewards_of(student, scores, batch.logprobs, ref_logprobs, batch.mask, kl_coef)
        wrong = known_wrong(scores, batch.logprobs, ref_logprobs, batch.mask, kl_coef)
        description = f"{batch.describe()} with beta={kl_coef}"
        expect_close(got, expected, "kl_penalised_rewards", description, wrong=wrong, mask=batch.mask)
