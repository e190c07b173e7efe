"""PPO's pieces for reusing one batch: the clipped token utility, the clip fraction, the approximate KL to pi_old.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> **a2c_loss** -> step, repeated
K epochs x M minibatches on one batch. With rho_t = pi(y_t) / pi_old(y_t), pi_old the policy that sampled it:

    L^clip = -E[ sum_t min(rho_t A_t, clip(rho_t, 1 - eps, 1 + eps) A_t) ]        (Schulman et al. 2017)

The min takes the clipped term exactly where rho has moved past 1 +- eps in the direction A favours (rho > 1 + eps
with A > 0, rho < 1 - eps with A < 0): there the token's gradient is 0; elsewhere it is rho_t A_t grad log pi_t.
`clipped_token_utility` writes that gradient in the form of A2C's utility, rho_t (detached) * log pi_t * A_t, so at
rho = 1 (the first pass over a batch) its value and its gradient are A2C's token utility, bit for bit. The clip
is a leash to pi_old, the sampler of this batch; the KL penalty in the rewards is the leash to pi_ref.

Per-token tensors are (batch, time) with a `mask` True on generated, non-pad tokens.
"""

from __future__ import annotations

import torch

from a2c_lessons.masked import check_coef, check_token_inputs, masked_mean, zero_masked


def clip_active(ratio: torch.Tensor, advantages: torch.Tensor, *, clip: float) -> torch.Tensor:
    """(batch, time) bool: True where PPO's min picks the clipped term (rho past 1 +- clip in A's direction)."""
    return ((advantages > 0) & (ratio > 1 + clip)) | ((advantages < 0) & (ratio < 1 - clip))


def clipped_token_utility(
    new_logprobs: torch.Tensor, old_logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor, *, clip: float
) -> torch.Tensor:
    """rho_t * log pi_t * A_t with rho detached, 0 where the clip is active: the gradient of PPO's clipped surrogate.

    Args:
        new_logprobs: (batch, time) float, log pi_theta now; carries the gradient.
        old_logprobs: (batch, time) float, log pi_old, the sampler of the batch (detached).
        advantages: (batch, time) float, A_t (detached).
        mask: (batch, time) bool, True on generated, non-pad tokens.
        clip: PPO's epsilon, >= 0.
    Returns:
        (batch, time) float token terms (0 on pads) for an aggregation (`aggregation.AGGREGATIONS`).
    """
    check_coef(clip, "clip")
    check_token_inputs(mask, new_logprobs=new_logprobs, old_logprobs=old_logprobs, advantages=advantages)
    ratio = torch.exp(new_logprobs - old_logprobs.detach()).detach()  # (B, T); exactly 1 when the weights match
    advantages = advantages.detach()
    weight = torch.where(clip_active(ratio, advantages, clip=clip), torch.zeros_like(ratio), ratio)
    return zero_masked(weight * new_logprobs * advantages, mask)


def clip_fraction(
    new_logprobs: torch.Tensor, old_logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor, *, clip: float
) -> torch.Tensor:
    """The fraction of real tokens whose gradient the clip cuts to 0. () float in [0, 1]; 0 at rho = 1."""
    check_token_inputs(mask, new_logprobs=new_logprobs, old_logprobs=old_logprobs, advantages=advantages)
    ratio = torch.exp(new_logprobs.detach() - old_logprobs.detach())
    return masked_mean(clip_active(ratio, advantages.detach(), clip=clip).float(), mask)


def approx_kl(new_logprobs: torch.Tensor, old_logprobs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """k3 estimate of KL(pi_old || pi) per token, averaged over real tokens: E[(rho - 1) - log rho]. () float >= 0.

    The sampled tokens come from pi_old, so this estimates how far the updates on this batch have moved the policy
    from the one that sampled it (not from pi_ref); `target_kl` stops the epochs on it."""
    check_token_inputs(mask, new_logprobs=new_logprobs, old_logprobs=old_logprobs)
    log_ratio = (new_logprobs - old_logprobs).detach()
    # expm1(r) - r is exp(r) - 1 - r without the cancellation that rounds tiny r below 0
    return masked_mean(torch.expm1(log_ratio) - log_ratio, mask)
