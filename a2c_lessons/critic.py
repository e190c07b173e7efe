"""The critic V(x, y_<t): a value head on the LM's hidden states, and the actor-critic pair.

Place in the data flow: prompts -> sample -> Rollout -> score -> **values** -> gae -> a2c_loss.

The critic predicts the return from the state (x, y_<t), the prompt and the tokens
so far. It reads the hidden state at the position whose logits predict y_t, so
actor and critic see the same state:

    V(x, y_<t) = w . h_t + b,   h_t = last hidden state of the LM before y_t

The head starts at zero (w = 0, b = 0): V = 0 at first, so the first GAE(gamma, lambda)
advantages are the lambda-discounted returns, A_t = sum_k (gamma lambda)^k r_{t+k} (the
returns themselves only at lambda = 1), and the critic learns the baseline from there. How
much of the returns' variance V explains (`explained_variance`) says how far it has got.
"""

from __future__ import annotations

import torch
from torch import nn

from a2c_lessons.logpi import response_forward, response_hidden
from a2c_lessons.masked import masked_var
from a2c_lessons.sampling import Rollout


class ValueHead(nn.Module):
    """Linear map from hidden states (B, T, hidden) to values (B, T), zero at start."""

    def __init__(self, hidden: int):
        super().__init__()
        self.linear = nn.Linear(hidden, 1)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.linear(hidden_states.float()).squeeze(-1)  # (B, T)


class ActorCritic(nn.Module):
    """The actor (a causal LM) and the critic (a value head) in one module.

    With `critic_model=None` the head sits on the actor's own backbone (shared:
    one forward pass gives logits and values, and the critic loss shapes the
    features too). Pass a second causal LM to give the critic a backbone of its own.
    """

    def __init__(self, actor: nn.Module, critic_model: nn.Module | None = None):
        super().__init__()
        self.actor = actor
        self.critic_model = critic_model
        self.value_head = ValueHead((critic_model or actor).config.hidden_size)

    def forward(self, rollout: Rollout) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns logits (B, T, V) that predict each response token, and values (B, T)."""
        logits, hidden = response_forward(self.actor, rollout, hidden=self.critic_model is None)
        if self.critic_model is not None:
            hidden = response_hidden(self.critic_model, rollout)
        values = self.value_head(hidden)
        return logits, torch.where(rollout.mask, values, 0.0)


def explained_variance(values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor) -> float:
    """1 - Var[R - V] / Var[R] over real tokens: 1 is a perfect critic, 0 no better than a constant."""
    var_returns = masked_var(returns, mask, unbiased=False)
    return float(1 - masked_var(returns - values, mask, unbiased=False) / var_returns) if var_returns > 0 else 0.0
