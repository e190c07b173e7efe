"""Grades ex18: which gradient each KL placement follows, and k3-in-the-loss's expected gradient on fresh numbers."""

import math
import random

from a2c_lessons.grading import as_letter_map, as_number, fail, points

EXERCISE = "ex18_kl_gradient"
PLACEMENTS = ("k1_reward", "k1_loss", "k3_loss")


def fresh_distributions(seed: int, n: int = 4, vocab: int = 5) -> list[tuple[list[float], list[float]]]:
    rng = random.Random(seed)

    def softmax(logits):
        top = max(logits)
        weights = [math.exp(v - top) for v in logits]
        return [w / sum(weights) for w in weights]

    return [
        (softmax([rng.gauss(0, 1.5) for _ in range(vocab)]), softmax([rng.gauss(0, 1.5) for _ in range(vocab)]))
        for _ in range(n)
    ]


def forward_kl_gradient(probs, ref_probs):
    """d KL(pi || pi_ref) / dz = pi (log(pi / pi_ref) - KL): what a student gives who takes k3 for k1's gradient."""
    kl = sum(p * math.log(p / q) for p, q in zip(probs, ref_probs))
    return [p * (math.log(p / q) - kl) for p, q in zip(probs, ref_probs)]


@points(3)
def test_which_gradient_each_placement_follows(student, answer_key):
    """which gradient each placement follows: k1 in the reward, k1 in the loss, k3 in the loss"""
    answers = as_letter_map(student.call(EXERCISE, "kl_directions"), PLACEMENTS, "abc", "kl_directions()")
    wrong = [
        answer_key.feedback(f"ex18.{name}", answers[name]) or f"The gradient you gave for {name!r} is not right."
        for name in PLACEMENTS
        if not answer_key.accepts(f"ex18.{name}", answers[name])
    ]
    if wrong:
        fail(" ".join(wrong))


@points(2)
def test_k3_loss_gradient_on_fresh_distributions(student):
    """k3_loss_gradient on fresh distributions"""
    for probs, ref_probs in fresh_distributions(25):
        got = student.call(EXERCISE, "k3_loss_gradient", probs, ref_probs)
        if type(got) not in (list, tuple) or len(got) != len(probs):
            fail(f"k3_loss_gradient must return a list of {len(probs)} floats, one per logit; got {got!r}.")
        got = [as_number(g, "k3_loss_gradient()") for g in got]
        expected = [p - q for p, q in zip(probs, ref_probs)]
        if all(abs(g - e) < 1e-6 for g, e in zip(got, expected)):
            continue
        if all(abs(g - e) < 1e-6 for g, e in zip(got, forward_kl_gradient(probs, ref_probs))):
            fail(
                "That is the gradient of KL(pi || pi_ref), the direction k3's value estimates. Differentiate k3 "
                "itself: d k3 / dz = (1 - rho) d log pi(y) / dz, then take its expectation over y ~ pi."
            )
        if all(abs(g + e) < 1e-6 for g, e in zip(got, expected)):
            fail("The sign is flipped: k3 grows as pi moves away from pi_ref, and so does its gradient.")
        fail(f"k3_loss_gradient({probs}, {ref_probs}) returned {got}: take E_pi[(1 - rho) ([v = y] - pi(v))].")
