"""Where a KL term goes decides its gradient: k1 in the reward, k1 in the loss, k3 in the loss, against the exact
gradients of both KL directions, over one next-token distribution by enumeration.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step; the KL
penalty enters either at `gae` (as a reward, `advantages.kl_penalised_rewards`) or at `a2c_loss` (as a loss
term, as GRPO and TRL do). With y ~ pi and rho = pi_ref(y) / pi(y), grad k1 = grad log pi(y) and
grad k3 = (1 - rho) grad log pi(y), so in expectation over y ~ pi:

    k1 in the reward (a score-function weight):  E[k1 grad log pi] = grad KL(pi || pi_ref)
    k1 in the loss (differentiated):             E[grad log pi]    = 0
    k3 in the loss (differentiated):             E[(1 - rho) grad log pi] = -sum_y pi_ref(y) grad log pi(y)
                                                                          = grad KL(pi_ref || pi)

Every function takes one distribution's log-probs, `log_pi: (vocab,)` with gradients and `log_ref: (vocab,)`
without, and tokens `drawn: (n,)` long with `weights: (n,)` float (1/n each for n samples y ~ pi; every token
of the vocabulary weighted by pi(y), held fixed, for the exact expectation).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from a2c_lessons.losses import kl_k1, kl_k3
from a2c_lessons.masked import check_shape

ESTIMATORS = ("k1 in the reward", "k1 in the loss", "k3 in the loss")
DIRECTIONS = ("KL(pi || pi_ref)", "KL(pi_ref || pi)")


def kl_forward(log_pi: torch.Tensor, log_ref: torch.Tensor) -> torch.Tensor:
    """KL(pi || pi_ref) = sum_y pi(y) (log pi(y) - log pi_ref(y)), exact: () float."""
    check_shape(log_ref, tuple(log_pi.shape), "log_ref")
    return (log_pi.exp() * (log_pi - log_ref)).sum()


def kl_reverse(log_pi: torch.Tensor, log_ref: torch.Tensor) -> torch.Tensor:
    """KL(pi_ref || pi) = sum_y pi_ref(y) (log pi_ref(y) - log pi(y)), exact: () float."""
    check_shape(log_ref, tuple(log_pi.shape), "log_ref")
    return (log_ref.exp() * (log_ref - log_pi)).sum()


def estimator_losses(
    log_pi: torch.Tensor, log_ref: torch.Tensor, drawn: torch.Tensor, weights: torch.Tensor
) -> dict[str, torch.Tensor]:
    """The three surrogates whose gradients the trainer would follow, each () float:

    k1 in the reward: sum_i w_i k1(y_i) log pi(y_i), k1 held fixed (the penalty as a reward, minus its sign);
    k1 in the loss: sum_i w_i k1(y_i); k3 in the loss: sum_i w_i k3(y_i), both differentiated.
    """
    check_shape(weights, tuple(drawn.shape), "weights")
    pi_y = log_pi[drawn].unsqueeze(0)  # (1, n) log pi(y_i)
    ref_y = log_ref[drawn].unsqueeze(0)  # (1, n) log pi_ref(y_i)
    k1 = kl_k1(pi_y, ref_y)[0]  # (n,)
    return {
        "k1 in the reward": (weights * k1.detach() * pi_y[0]).sum(),
        "k1 in the loss": (weights * k1).sum(),
        "k3 in the loss": (weights * kl_k3(pi_y, ref_y)[0]).sum(),
    }


def flat_grad(value: torch.Tensor, parameters: Sequence[torch.Tensor]) -> torch.Tensor:
    """d value / d parameters, flattened into one (n_parameters,) vector (zeros where a parameter is unused)."""
    grads = torch.autograd.grad(value, list(parameters), retain_graph=True, allow_unused=True)
    return torch.cat([(torch.zeros_like(p) if g is None else g).flatten() for p, g in zip(parameters, grads)])


def kl_gradients(
    log_pi: torch.Tensor,
    log_ref: torch.Tensor,
    parameters: Sequence[torch.Tensor],
    drawn: torch.Tensor,
    weights: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """name -> (n_parameters,) gradient: the two exact KL directions (`DIRECTIONS`) and the three estimators
    (`ESTIMATORS`) on the tokens `drawn` with `weights`."""
    exact = {DIRECTIONS[0]: kl_forward(log_pi, log_ref), DIRECTIONS[1]: kl_reverse(log_pi, log_ref)}
    losses = {**exact, **estimator_losses(log_pi, log_ref, drawn, weights)}
    return {name: flat_grad(value, parameters) for name, value in losses.items()}


def cosine_table(gradients: dict[str, torch.Tensor]) -> dict[str, dict[str, float]]:
    """estimator -> direction -> cosine similarity of their gradients, in float64 (0 for a zero gradient).
    A gradient whose expectation is zero (k1 in the loss) has a cosine of noise: read `relative_norms` too."""
    table = {}
    for name in ESTIMATORS:
        g = gradients[name].double()
        table[name] = {}
        for d in DIRECTIONS:
            exact = gradients[d].double()
            table[name][d] = float(g @ exact / (g.norm() * exact.norm())) if g.norm() > 0 else 0.0
    return table


def relative_norms(gradients: dict[str, torch.Tensor]) -> dict[str, float]:
    """estimator -> |its gradient| / |grad KL(pi || pi_ref)|: near 0 for a gradient that is noise around zero."""
    scale = gradients[DIRECTIONS[0]].double().norm()
    return {name: float(gradients[name].double().norm() / scale) for name in ESTIMATORS}
