"""ex17: the reward of every token, with the KL penalty folded in.

The reward model scores a whole response with one number. The trainer turns that
into one reward per token, and takes a KL penalty off every token so that the
policy stays close to the reference model pi_ref:

    r_t = score * [t is the last real token]  -  beta * (log pi(y_t) - log pi_ref(y_t))

The score sits on the last real token of each response, not on the first pad after
it; the KL term is the k1 estimate log pi - log pi_ref, on every real token; pad
tokens get exactly 0. A positive KL makes the reward smaller: it is a penalty.
Check it: `pytest exercises -k ex17`, or `check("ex17")` in a notebook.
"""

import torch


def kl_penalised_rewards(
    scores: torch.Tensor,
    logprobs: torch.Tensor,
    ref_logprobs: torch.Tensor,
    mask: torch.Tensor,
    *,
    kl_coef: float,
) -> torch.Tensor:
    """The reward r_t of every token.

    Args:
        scores: (batch,) float, one score per response from the reward model.
        logprobs: (batch, time) float, log pi(y_t) under the policy (pads may hold any number).
        ref_logprobs: (batch, time) float, log pi_ref(y_t) under the reference model.
        mask: (batch, time) bool, True on generated, non-pad tokens (a prefix of each row).
        kl_coef: beta >= 0, the weight of the penalty.
    Returns:
        (batch, time) float rewards, 0 where mask is False.
    """
    ### BEGIN SOLUTION
    zeros = torch.zeros_like(logprobs)
    kl = torch.where(mask, logprobs - ref_logprobs, zeros)
    last = mask.sum(dim=1, keepdim=True) - 1  # the index of each row's last real token
    rewards = zeros.scatter(1, last, scores.unsqueeze(1).to(zeros.dtype))
    return torch.where(mask, rewards - kl_coef * kl, zeros)
    ### END SOLUTION
