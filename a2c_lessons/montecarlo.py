"""The truth an advantage estimate is measured against: V^pi, Q^pi and A^pi by Monte Carlo continuations.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step; this module
samples again from every prefix of a rollout to measure what `values` and `gae` only estimate. With the reward
on the last token and gamma = 1 (the course's task, no KL term):

    V^pi(x, y_<t)      = E_{y_t, y_t+1, ... ~ pi}[ R(x, y) ]
    Q^pi(x, y_<t, y_t) = V^pi(x, y_<=t)                  (writing a token moves to the prefix that holds it)
    A^pi_t             = Q^pi - V^pi = V^pi(x, y_<=t) - V^pi(x, y_<t)

K continuations of each prefix, sampled up to the rollout's own horizon, give V^pi within sqrt(Var[R] / K).
The same continuations, valued by a critic V, give the lambda-return G^lambda_t = A_t + V_t that GAE(lambda)
builds on token t, once per continuation: its mean minus Q^pi is its bias, its spread its variance.
Shapes: B = batch, T = time (the rollout's generated tokens), K continuations per prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from a2c_lessons.advantages import gae, terminal_rewards
from a2c_lessons.masked import check_response_mask, check_shape
from a2c_lessons.policy import Policy
from a2c_lessons.rewards import RewardFn, score
from a2c_lessons.sampling import Rollout, sample


@dataclass
class Continuations:
    """K continuations of the prefix x, y_<depth of each rollout row longer than `depth`.

    depth: t, the number of response tokens in the prefix.
    rows: (n,) long, the rollout rows continued; rollout: (n * K, T - t) continuations, K per row in turn;
    rewards: (n * K,) float, R of each finished review (prefix and continuation).
    """

    depth: int
    rows: torch.Tensor
    rollout: Rollout
    rewards: torch.Tensor


def prefix_text(rollout: Rollout, tokenizer, row: int, depth: int) -> str:
    """The prompt and the first `depth` response tokens of one row, as a prompt string the sampler encodes."""
    words = tokenizer.decode(rollout.response_ids[row, :depth].tolist(), skip_special_tokens=True).strip()
    return f"{rollout.prompts[row]} {words}".strip()


def sample_continuations(
    policy: Policy, rollout: Rollout, reward_fn: RewardFn, *, k: int, max_new_tokens: int, seed: int
) -> list[Continuations]:
    """K continuations of every prefix x, y_<t (t = 0 .. length - 1) of every row, each up to the horizon
    `max_new_tokens - t` (the rollout's own), at the rollout's temperature; one sampler call per depth t."""
    if k < 2:
        raise ValueError(f"k must be >= 2 (a variance needs two continuations), got {k}")
    check_response_mask(rollout.mask)
    lengths = rollout.mask.sum(dim=1).cpu()  # (B,)
    if int(lengths.max()) > max_new_tokens:
        raise ValueError(f"max_new_tokens ({max_new_tokens}) is shorter than the rollout's longest response")
    found = []
    for depth in range(int(lengths.max())):
        rows = torch.nonzero(lengths > depth).squeeze(1)  # (n,)
        prompts = [prefix_text(rollout, policy.tokenizer, int(b), depth) for b in rows for _ in range(k)]
        more = sample(policy, prompts, max_new_tokens - depth, temperature=rollout.temperature, seed=seed + depth)
        found.append(Continuations(depth, rows, more, score(reward_fn, more.reviews)))
    return found


def mc_values(found: Sequence[Continuations], scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """V^pi at every prefix: (B, T + 1) float, column t the mean R of the continuations of x, y_<t; column
    length (the finished review) is its own R exactly; 0 past it.

    Args:
        found: `sample_continuations`' output; scores: (B,) float, R of each rollout row; mask: (B, T) bool.
    """
    check_response_mask(mask)
    check_shape(scores, (mask.shape[0],), "scores")
    batch = mask.shape[0]
    values = torch.zeros(batch, mask.shape[1] + 1, dtype=torch.float64)
    values[torch.arange(batch), mask.sum(dim=1).cpu()] = scores.double().cpu()  # V of a finished review is R
    for part in found:
        per_row = part.rewards.double().view(len(part.rows), -1)  # (n, K)
        values[part.rows, part.depth] = per_row.mean(dim=1)
    return values


def true_advantages(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """A^pi_t = V^pi(x, y_<=t) - V^pi(x, y_<t): (B, T) float from `mc_values`' (B, T + 1); 0 where masked."""
    check_shape(values, (mask.shape[0], mask.shape[1] + 1), "values")
    return torch.where(mask.cpu(), values[:, 1:] - values[:, :-1], 0.0)


def critic_values(found: Sequence[Continuations], values_of: Callable[[Rollout], torch.Tensor]) -> dict:
    """depth t -> (n * K, T - t) float64: the critic's V(x, y_<j) along every continuation of depth t > 0.
    `values_of`: rollout -> (batch, time) critic values, e.g. `lambda r: actor_critic(r)[1]`."""
    with torch.no_grad():
        return {part.depth: values_of(part.rollout).double().cpu() for part in found if part.depth}


def lambda_return_draws(found: Sequence[Continuations], values: dict, lam: float) -> dict[int, torch.Tensor]:
    """depth t + 1 -> (n, K) float: G^lambda of token t of each continued row, one per continuation of x, y_<=t.

    With r_t = 0 before the last token and gamma = 1, G^lambda_t = V(x, y_<=t) + lambda * A_0 of the
    continuation, where A_0 is GAE(lambda) of its first token and V(x, y_<=t) its first value.
    `values`: `critic_values`' output.
    """
    draws = {}
    for part in found:
        if part.depth == 0:
            continue  # the prompt itself is no token's next state
        mask = part.rollout.mask.cpu()
        along = values[part.depth]  # (n * K, T - t)
        advantages = gae(terminal_rewards(part.rewards.double(), mask), along, mask, gamma=1.0, lam=lam)
        draws[part.depth] = (along[:, 0] + lam * advantages[:, 0]).view(len(part.rows), -1)  # (n, K)
    return draws


def lambda_return_error(
    found: Sequence[Continuations], values: dict, lams: Sequence[float]
) -> dict[float, dict[str, float]]:
    """For each lambda, over every token that is not its response's last (whose G^lambda is R exactly):
    "bias", the root mean square over tokens of E[G^lambda_t] - Q^pi_t, and "variance", the mean over tokens of
    Var[G^lambda_t], both over the K continuations of x, y_<=t (Q^pi_t is their mean R).
    `values`: `critic_values`' output."""
    truth = {part.depth: part.rewards.double().view(len(part.rows), -1) for part in found if part.depth}
    table = {}
    for lam in lams:
        draws = lambda_return_draws(found, values, lam)
        bias = torch.cat([(draws[d].mean(1) - truth[d].mean(1)) for d in draws])  # (tokens,)
        variance = torch.cat([draws[d].var(1) for d in draws])  # (tokens,)
        # one entry per real token already (no padding): plain means over the token list
        table[lam] = {"bias": float(bias.pow(2).mean().sqrt()), "variance": float(variance.mean())}
    return table
