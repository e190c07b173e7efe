"""Per-token rewards, returns, TD residuals and GAE(gamma, lambda) over a masked batch of responses.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> **gae** -> a2c_loss -> step.

    delta_t = r_t + gamma * V_{t+1} - V_t
    A_t     = sum_{k>=0} (gamma * lambda)^k * delta_{t+k}
    G_t     = sum_{k>=0} gamma^k * r_{t+k}

Every tensor here is (batch, time) = (B, T), with a `mask` that is True on
generated, non-pad tokens. Responses are left-aligned: in each row the True
entries are a prefix starting at t = 0, and the row's last real token sits at
`mask[b].sum() - 1`. The episode ends there, so V after the last real token is 0
and nothing after it is summed. Every output is exactly 0 where mask is False.

Nothing here detaches: the trainer detaches advantages and returns before the loss
(and `losses` detaches them again), so these functions can also be differentiated
in a lesson that wants to.
"""

from __future__ import annotations

import torch

from a2c_lessons.masked import (
    check_coef,
    check_finite,
    check_mask,
    check_response_mask,
    check_shape,
    check_unit_interval,
    masked_input,
    masked_mean,
    masked_var,
    zero_masked,
)

# ---------------------------------------------------------------- rewards


def terminal_rewards(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Put each sequence's score on its last real token: r_t = score if t = last, else 0.

    Args:
        scores: (batch,) float, one reward per sequence.
        mask: (batch, time) bool, True on generated, non-pad tokens (a prefix of each row).
    Returns:
        (batch, time) float rewards, zero everywhere but each row's last real token.
    """
    check_response_mask(mask)
    check_shape(scores, (mask.shape[0],), "scores")
    check_finite(scores, "scores")
    if not scores.is_floating_point():
        scores = scores.to(torch.get_default_dtype())
    last_token_idx = mask.sum(dim=1, keepdim=True) - 1  # (B, 1)
    rewards = torch.zeros(mask.shape, dtype=scores.dtype, device=scores.device)
    # the reward sits on the last real token, not on the first pad after it
    return rewards.scatter(1, last_token_idx, scores.unsqueeze(1))  # (B, T)


def kl_penalised_rewards(
    rewards: torch.Tensor, kl: torch.Tensor, mask: torch.Tensor, *, kl_coef: float
) -> torch.Tensor:
    """Fold a per-token KL penalty into the reward: r'_t = r_t - kl_coef * kl_t.

    Args:
        rewards: (batch, time) float, e.g. from `terminal_rewards`.
        kl: (batch, time) float, a per-token KL estimate (`losses.kl_k1` or `kl_k3`);
            detached here, because the penalty is a reward, not a loss term.
        mask: (batch, time) bool, True on generated, non-pad tokens.
        kl_coef: weight of the penalty, >= 0.
    Returns:
        (batch, time) float, 0 where mask is False.
    """
    check_mask(mask, (rewards, "rewards"), (kl, "kl"))
    check_coef(kl_coef, "kl_coef")
    rewards = masked_input(rewards, mask, "rewards")
    kl = masked_input(kl.detach(), mask, "kl")
    return rewards - kl_coef * kl


# ---------------------------------------------------------------- returns and advantages


def discounted_returns(rewards: torch.Tensor, mask: torch.Tensor, *, gamma: float) -> torch.Tensor:
    """The return G_t = sum_{k>=t} gamma^(k-t) r_k, summed up to the row's last real token.

    Args:
        rewards: (batch, time) float per-token rewards.
        mask: (batch, time) bool, True on generated, non-pad tokens (a prefix of each row).
        gamma: discount in [0, 1].
    Returns:
        (batch, time) float returns, 0 where mask is False.
    """
    check_response_mask(mask, (rewards, "rewards"))
    check_unit_interval(gamma, "gamma")
    rewards = masked_input(rewards, mask, "rewards")
    return _discounted_cumsum(rewards, gamma)  # G_t = r_t + gamma * G_{t+1}


def td_residuals(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float) -> torch.Tensor:
    """The one-step TD error delta_t = r_t + gamma * V_{t+1} - V_t, with V = 0 after the last real token.

    Args:
        rewards: (batch, time) float per-token rewards.
        values: (batch, time) float critic values V(x, y_<t).
        mask: (batch, time) bool, True on generated, non-pad tokens (a prefix of each row).
        gamma: discount in [0, 1].
    Returns:
        (batch, time) float, 0 where mask is False.
    """
    check_response_mask(mask, (rewards, "rewards"), (values, "values"))
    check_unit_interval(gamma, "gamma")
    rewards = masked_input(rewards, mask, "rewards")
    values = masked_input(values, mask, "values")
    # V_{t+1}: pads hold 0, so the shifted value after a row's last real token is 0 (the episode ends)
    next_values = torch.cat([values[:, 1:], torch.zeros_like(values[:, :1])], dim=1)  # (B, T)
    return zero_masked(rewards + gamma * next_values - values, mask)


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float) -> torch.Tensor:
    """Generalised advantage estimate A_t = sum_{k>=0} (gamma * lam)^k * delta_{t+k} (Schulman et al. 2016).

    lam = 0 gives the TD residual delta_t; lam = 1 gives G_t - V_t (`mc_advantages`).

    Args:
        rewards: (batch, time) float per-token rewards.
        values: (batch, time) float critic values V(x, y_<t).
        mask: (batch, time) bool, True on generated, non-pad tokens (a prefix of each row).
        gamma: discount in [0, 1]; lam: the GAE lambda in [0, 1].
    Returns:
        (batch, time) float advantages, 0 where mask is False.
    """
    check_unit_interval(lam, "lam")
    deltas = td_residuals(rewards, values, mask, gamma=gamma)
    return _discounted_cumsum(deltas, gamma * lam)  # A_t = delta_t + gamma * lam * A_{t+1}


def mc_advantages(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float) -> torch.Tensor:
    """The Monte Carlo advantage A_t = G_t - V_t: the whole observed return against the baseline.

    Args:
        rewards: (batch, time) float per-token rewards.
        values: (batch, time) float critic values V(x, y_<t).
        mask: (batch, time) bool, True on generated, non-pad tokens (a prefix of each row).
        gamma: discount in [0, 1].
    Returns:
        (batch, time) float advantages, 0 where mask is False.
    """
    returns = discounted_returns(rewards, mask, gamma=gamma)
    check_shape(values, tuple(mask.shape), "values")
    return returns - masked_input(values, mask, "values")


def whiten(x: torch.Tensor, mask: torch.Tensor, *, shift_mean: bool = True, eps: float = 1e-8) -> torch.Tensor:
    """Normalise over the real tokens of the batch: (x - mean) / sqrt(var + eps).

    mean and var are the masked mean and (Bessel-corrected) variance over all real
    tokens of the batch. With shift_mean=False the mean is added back afterwards,
    (x - mean) / sqrt(var + eps) + mean, as TRL's whiten does: the spread is
    normalised but the batch's mean advantage is kept.

    Args:
        x: (batch, time) float, e.g. advantages.
        mask: (batch, time) bool, True on generated, non-pad tokens; needs >= 2 True entries.
        shift_mean: subtract the mean (True) or keep it (False).
        eps: added to the variance so a constant x does not divide by zero; >= 0.
    Returns:
        (batch, time) float, 0 where mask is False.
    """
    check_mask(mask, (x, "x"))
    check_coef(eps, "eps")
    check_finite(x, "x", mask)
    mean, var = masked_mean(x, mask), masked_var(x, mask)
    whitened = (x - mean) * torch.rsqrt(var + eps)
    if not shift_mean:
        whitened = whitened + mean
    return zero_masked(whitened, mask)


def _discounted_cumsum(x: torch.Tensor, discount: float) -> torch.Tensor:
    """out_t = x_t + discount * out_{t+1}, with out = 0 past the end: sum_{k>=0} discount^k x_{t+k}.

    Args:
        x: (B, T) float, already 0 on pad entries; since pads come after a row's
            last real token, the sum restarts from 0 there (the episode has ended).
    Returns:
        (B, T) float, 0 on pad entries.
    """
    running = torch.zeros_like(x[:, 0])  # (B,) the value of the step after the last one: 0
    reversed_sums = []
    for t in reversed(range(x.shape[1])):
        running = x[:, t] + discount * running
        reversed_sums.append(running)
    return torch.stack(reversed_sums[::-1], dim=1)  # (B, T)


# ---------------------------------------------------------------- critic-free baselines (lesson 8)


def group_advantages(scores: torch.Tensor, *, group_size: int, leave_one_out: bool) -> torch.Tensor:
    """Advantages without a critic: each response against the other responses to the same prompt.

        RLOO (leave_one_out=True):  A_i = r_i - mean_{j != i} r_j
        GRPO (leave_one_out=False): A_i = (r_i - mean_j r_j) / (std_j r_j + 1e-4)

    Args:
        scores: (batch,) float; rows g*group_size .. (g+1)*group_size - 1 share one prompt.
        group_size: responses per prompt, >= 2.
    Returns:
        (batch,) float, one advantage per response (the same for all its tokens).
    """
    if group_size < 2 or scores.dim() != 1 or scores.shape[0] % group_size:
        raise ValueError(
            f"scores must be (batch,) with batch a multiple of group_size >= 2, got "
            f"{tuple(scores.shape)} and group_size={group_size}"
        )
    check_finite(scores, "scores")
    groups = scores.view(-1, group_size)  # (G, group_size)
    if leave_one_out:
        others_mean = (groups.sum(dim=1, keepdim=True) - groups) / (group_size - 1)
        return (groups - others_mean).flatten()
    # std with Bessel's correction over the group, as GRPO's reference implementation takes it
    return ((groups - groups.mean(dim=1, keepdim=True)) / (groups.std(dim=1, keepdim=True) + 1e-4)).flatten()
