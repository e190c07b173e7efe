"""The A2C actor loss, the critic loss, the entropy bonus and the KL estimators.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> **a2c_loss** -> step.

    U(x, y) = sum_t log pi_theta(y_t | x, y_<t) * A_t
    L(theta) = -E[U]

The advantage A is a constant weight: it is detached, so the gradient of L flows
only through log pi, and -dL/dtheta = E[sum_t A_t * grad log pi(y_t)] raises the
probability of tokens with A > 0 and lowers it for A < 0. Minimising +E[U]
instead (the sign bug) does the opposite.

Per-token tensors are (batch, time) = (B, T) with a `mask` that is True on
generated, non-pad tokens; every reduction over tokens goes through it.
"""

from __future__ import annotations

import functools
import math
import typing
from dataclasses import dataclass

import torch

from a2c_lessons.masked import (
    check_coef,
    check_same_shape,
    check_token_inputs,
    check_vocab_logprobs,
    masked_mean,
    masked_sum,
)

# ---------------------------------------------------------------- the actor: U and L = -E[U]


def token_utility(logprobs: torch.Tensor, advantages: torch.Tensor) -> torch.Tensor:
    """The utility of each token, log pi(y_t | x, y_<t) * A_t, with A a constant (detached).

    Example: log pi = -3.0 with A = +4.0 gives -12.0; log pi = -1.2 with A = +2.0 gives -2.4.

    Args:
        logprobs: (batch, time) float, log pi_theta(y_t | x, y_<t); carries the gradient.
        advantages: (batch, time) float, A_t; no gradient flows into it.
    Returns:
        (batch, time) float; pad entries are not zeroed here (the reductions mask them).
    """
    check_same_shape(advantages, logprobs, "advantages", "logprobs")
    return logprobs * advantages.detach()


def sequence_utility(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """U(x, y) = sum_t log pi(y_t | x, y_<t) * A_t over the real tokens of each response.

    Args:
        logprobs: (batch, time) float, log pi_theta of the sampled tokens.
        advantages: (batch, time) float, A_t (detached).
        mask: (batch, time) bool, True on generated, non-pad tokens.
    Returns:
        (batch,) float, one U per sequence.
    """
    check_token_inputs(mask, logprobs=logprobs, advantages=advantages)
    return masked_sum(token_utility(logprobs, advantages), mask, dim=1)


def a2c_loss(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The A2C actor loss L = -E[U], the expectation taken as the mean over the batch of sequences.

    Args:
        logprobs: (batch, time) float, log pi_theta of the sampled tokens.
        advantages: (batch, time) float, A_t (detached).
        mask: (batch, time) bool, True on generated, non-pad tokens.
    Returns:
        () float scalar.
    """
    # a mean over the batch of per-sequence sums: (B,) -> (), no token reduction here
    return -sequence_utility(logprobs, advantages, mask).mean()


def a2c_loss_token_mean(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The actor loss as most RLHF code writes it: L' = -(masked mean of log pi * A over all tokens).

    With N real tokens in a batch of B sequences, L = (N / B) * L'. Within one batch
    the two give the same gradient up to that scale, token by token. Across batches
    they differ: the gradient of `a2c_loss` grows with the mean response length
    (a batch of long responses takes a bigger step), while L' gives every batch the
    same scale. Compared with a per-sequence average of token means, both weigh a
    long response more than a short one, because every token counts the same.

    Args:
        logprobs: (batch, time) float, log pi_theta of the sampled tokens.
        advantages: (batch, time) float, A_t (detached).
        mask: (batch, time) bool, True on generated, non-pad tokens.
    Returns:
        () float scalar.
    """
    check_token_inputs(mask, logprobs=logprobs, advantages=advantages)
    return -masked_mean(token_utility(logprobs, advantages), mask)


# ---------------------------------------------------------------- the critic


def critic_loss(values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Squared error of the value head: 0.5 * E_t[(V_t - G_t)^2] over real tokens, G detached.

    Args:
        values: (batch, time) float, V(x, y_<t); carries the gradient.
        returns: (batch, time) float, the targets (e.g. G_t, or A_t + V_old); detached.
        mask: (batch, time) bool, True on generated, non-pad tokens.
    Returns:
        () float scalar.
    """
    check_token_inputs(mask, values=values, returns=returns)
    return 0.5 * masked_mean((values - returns.detach()) ** 2, mask)


def clipped_critic_loss(
    values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor, *, clip: float
) -> torch.Tensor:
    """PPO's clipped value loss: 0.5 * E_t[max((V - G)^2, (V_old + clamp(V - V_old, -clip, clip) - G)^2)].

    The max makes the loss pessimistic: a step that moves V more than `clip` away
    from the rollout's V_old towards G earns no extra reduction.

    Args:
        values: (batch, time) float, V from the current weights; carries the gradient.
        old_values: (batch, time) float, V_old from the weights that made the rollout; detached.
        returns: (batch, time) float, the targets G_t; detached.
        mask: (batch, time) bool, True on generated, non-pad tokens.
        clip: how far V may move from V_old, >= 0.
    Returns:
        () float scalar.
    """
    check_token_inputs(mask, values=values, old_values=old_values, returns=returns)
    check_coef(clip, "clip")
    old_values, returns = old_values.detach(), returns.detach()
    clipped_values = old_values + (values - old_values).clamp(-clip, clip)
    return 0.5 * masked_mean(torch.maximum((values - returns) ** 2, (clipped_values - returns) ** 2), mask)


def critic_loss_for(uses_critic: bool, *, value_clip: float | None) -> typing.Callable[..., torch.Tensor]:
    """The critic's loss(values, old_values, returns, mask) of a run, chosen once: `clipped_critic_loss` with a
    value_clip, `critic_loss` without, and a constant 0 for an estimator that trains no critic."""
    if not uses_critic:
        return lambda values, old_values, returns, mask: torch.zeros((), device=values.device)
    if value_clip is not None:
        return functools.partial(clipped_critic_loss, clip=value_clip)
    return lambda values, old_values, returns, mask: critic_loss(values, returns, mask)


# ---------------------------------------------------------------- entropy and KL


def token_entropy(logprobs_full: torch.Tensor) -> torch.Tensor:
    """Entropy of each next-token distribution: H_t = -sum_v p_v log p_v.

    Args:
        logprobs_full: (batch, time, vocab) float, log pi over the whole vocabulary;
            -inf where a token has probability 0 (e.g. removed by top-k).
    Returns:
        (batch, time) float, H_t >= 0 (not masked: reduce it with the mask).
    """
    check_vocab_logprobs(logprobs_full, "logprobs_full")
    # p log p -> 0 as p -> 0: put 0 for log p there, or 0 * -inf gives NaN (and a NaN gradient)
    safe_logprobs = logprobs_full.masked_fill(logprobs_full == -math.inf, 0.0)  # (B, T, V)
    return -(logprobs_full.exp() * safe_logprobs).sum(dim=-1)


def kl_k1(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """The k1 estimate of KL(pi || pi_ref) per sampled token: log pi - log pi_ref.

    Unbiased (its mean over y ~ pi is the KL), but a single token's value can be negative.

    Args:
        logprobs: (batch, time) float, log pi_theta of the sampled tokens.
        ref_logprobs: (batch, time) float, log pi_ref of the same tokens.
    Returns:
        (batch, time) float (not masked).
    """
    check_same_shape(ref_logprobs, logprobs, "ref_logprobs", "logprobs")
    return logprobs - ref_logprobs


def kl_k3(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """Schulman's k3 estimate of KL(pi || pi_ref): exp(r) - r - 1 with r = log pi_ref - log pi.

    Unbiased (E_pi[exp(r)] = 1, so its mean is E_pi[-r] = KL) and >= 0 for every
    token, since exp(r) >= 1 + r. Lower variance than k1 when pi is close to pi_ref.

    Args:
        logprobs: (batch, time) float, log pi_theta of the sampled tokens.
        ref_logprobs: (batch, time) float, log pi_ref of the same tokens.
    Returns:
        (batch, time) float, >= 0 (not masked).
    """
    check_same_shape(ref_logprobs, logprobs, "ref_logprobs", "logprobs")
    log_ratio = ref_logprobs - logprobs
    # expm1(r) - r is exp(r) - 1 - r without the cancellation that rounds tiny r below 0
    return torch.expm1(log_ratio) - log_ratio


# ---------------------------------------------------------------- everything together


@dataclass
class A2CLoss:
    """The terms of one A2C update; each a () scalar tensor.

    total = actor + vf_coef * critic - ent_coef * entropy
    (the entropy is a bonus: more entropy lowers the loss).
    """

    total: torch.Tensor
    actor: torch.Tensor
    critic: torch.Tensor
    entropy: torch.Tensor


def a2c_total_loss(
    logprobs: torch.Tensor,
    advantages: torch.Tensor,
    values: torch.Tensor,
    returns: torch.Tensor,
    entropy: torch.Tensor,
    mask: torch.Tensor,
    *,
    vf_coef: float,
    ent_coef: float,
) -> A2CLoss:
    """Actor, critic and entropy terms in one: total = actor + vf_coef * critic - ent_coef * entropy.

    Args:
        logprobs: (batch, time) float, log pi_theta of the sampled tokens.
        advantages: (batch, time) float, A_t (detached).
        values: (batch, time) float, V(x, y_<t) from the critic.
        returns: (batch, time) float, the critic's targets (detached).
        entropy: (batch, time) float, `token_entropy` of the policy at each token.
        mask: (batch, time) bool, True on generated, non-pad tokens.
        vf_coef, ent_coef: weights of the critic loss and the entropy bonus, >= 0.
    Returns:
        A2CLoss; call `.total.backward()`.
    """
    check_coef(vf_coef, "vf_coef")
    check_coef(ent_coef, "ent_coef")
    check_token_inputs(mask, entropy=entropy)
    actor = a2c_loss(logprobs, advantages, mask)
    critic = critic_loss(values, returns, mask)
    mean_entropy = masked_mean(entropy, mask)
    return A2CLoss(actor + vf_coef * critic - ent_coef * mean_entropy, actor, critic, mean_entropy)


# ---------------------------------------------------------------- beyond A2C (lesson 8)


def ppo_clip_loss(
    new_logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip: float = 0.2,
) -> torch.Tensor:
    """PPO's clipped surrogate, summed over tokens and averaged over sequences like `a2c_loss`:

        rho_t = pi_new(y_t) / pi_old(y_t),   L = -E[ sum_t min(rho_t A_t, clip(rho_t, 1-eps, 1+eps) A_t) ]

    At rho = 1 (new weights = old) its gradient equals a2c_loss's; once an update has
    moved rho past 1 +- eps in the direction A favours, the token's gradient is cut to 0,
    which is what lets PPO reuse one rollout for several steps safely.

    Args:
        new_logprobs: (batch, time) float, log pi_theta now; carries the gradient.
        old_logprobs: (batch, time) float, log pi at sampling time (detached).
        advantages: (batch, time) float, A_t (detached). mask: (batch, time) bool.
    Returns:
        () scalar loss.
    """
    check_coef(clip, "clip")
    check_same_shape(old_logprobs, new_logprobs, "old_logprobs", "new_logprobs")
    check_token_inputs(mask, new_logprobs=new_logprobs, old_logprobs=old_logprobs, advantages=advantages)
    ratio = torch.exp(new_logprobs - old_logprobs.detach())
    surrogate = torch.minimum(ratio * advantages.detach(), ratio.clamp(1 - clip, 1 + clip) * advantages.detach())
    return -masked_sum(surrogate, mask, dim=1).mean()
