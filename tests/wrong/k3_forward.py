"""WRONG: k3 in the loss follows the gradient of KL(pi || pi_ref), the direction its value estimates."""

import math

EXERCISE = "ex18_kl_gradient"


def kl_directions():
    return {"k1_reward": "a", "k1_loss": "c", "k3_loss": "a"}  # BUG: k3's value, not its gradient


def k3_loss_gradient(probs, ref_probs):
    kl = sum(p * math.log(p / q) for p, q in zip(probs, ref_probs))
    return [p * (math.log(p / q) - kl) for p, q in zip(probs, ref_probs)]  # BUG: grad KL(pi || pi_ref)
