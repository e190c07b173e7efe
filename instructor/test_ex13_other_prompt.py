"""Grades ex13: the first-order change of log pi at another prompt, against the library and a real step of the LM."""

import pytest
import torch

from a2c_lessons import dynamics
from a2c_lessons.grading import expect_close, expect_tensor, fail, points
from a2c_lessons.policy import load_policy

EXERCISE = "ex13_other_prompt"
LR = 1e-3
# (the update's prompt, its token, A, the other prompt): shared words, a shared position, an unrelated prompt
CASES = [
    ("the food was", "great", 1.0, "the pizza was very"),
    ("the food was", "bland", -1.5, "the food is"),
    ("the service was", "rude", -2.0, "i loved the"),
]


@pytest.fixture(scope="module")
def model_cases():
    """For each case: z and d at both prompts, the library's prediction and the real SGD step's change."""
    policy = load_policy(device="cpu")
    cases = []
    for prompt, token, advantage, other in CASES:
        step = dynamics.update_direction(policy, prompt, token)
        logits, directions = dynamics.logit_directions(policy, step, [prompt, other])
        after = dynamics.sgd_step(policy, prompt=prompt, token=token, advantage=advantage, lr=LR)
        case = {
            "inputs": (logits[0], directions[0], logits[1], directions[1]),
            "advantage": advantage,
            "words": f"an update on '{token}' after '{prompt}' with A = {advantage:g}, seen at '{other}'",
            "expected": LR * advantage * dynamics.centre(directions[1:], logits[1:])[0],
            "own": LR * advantage * dynamics.centre(directions[:1], logits[:1])[0],
            "actual": dynamics.actual_change(policy, after, [other])[0],
            "vocab": policy.tokenizer.convert_ids_to_tokens(list(range(logits.shape[-1]))),
        }
        cases.append(case)
    return cases


def predict(student, case):
    out = student.call(EXERCISE, "change_at_other_prompt", *case["inputs"], advantage=case["advantage"], lr=LR)
    return expect_tensor(out, "change_at_other_prompt", tuple(case["expected"].shape))


@points(3)
def test_matches_the_first_order_change(student, model_cases):
    """change_at_other_prompt gives lr A (I - 1 pi(x_o)^T) d(x_o) at the other prompt"""
    for case in model_cases:
        other_logits, other_direction = case["inputs"][2], case["inputs"][3]
        wrong = {
            "that is the change at the update's own prompt x_u. The other prompt moves through the shared "
            "weights, by its own J(x_o) g_u: use other_logits and other_direction.": case["own"],
            "the sign of A decides the direction: with A < 0 the step lowers log pi(y_u | x_u), and the other "
            "prompt's tokens move the opposite way to A > 0.": (
                LR * abs(case["advantage"]) * dynamics.centre(other_direction[None], other_logits[None])[0]
            ),
            "that is the change of the logits, not of log pi: log softmax subtracts the change of the log "
            "normaliser, sum_v pi(v | x_o) d_v, from every token.": LR * case["advantage"] * other_direction,
        }
        expect_close(
            predict(student, case), case["expected"], "change_at_other_prompt", case["words"], wrong=wrong, atol=1e-7
        )


@points(2)
def test_agrees_with_a_real_step_of_the_tiny_lm(student, model_cases):
    """change_at_other_prompt predicts which way and how far a real SGD step moves the other prompt's tokens"""
    for case in model_cases:
        got, actual = predict(student, case), case["actual"]
        movers = torch.argsort(actual.abs(), descending=True)[:5]
        for v in movers.tolist():
            if torch.sign(got[v]) != torch.sign(actual[v]):
                way = "up" if actual[v] > 0 else "down"
                fail(f"for {case['words']}, the real step moves '{case['vocab'][v]}' {way}; your prediction does not.")
        off = float((got - actual).norm() / actual.norm())
        if off > 0.05:
            fail(f"for {case['words']}, your prediction is {off:.0%} off the real step's change (allowed: 5%).")
