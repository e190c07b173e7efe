"""log pi of a rollout, recomputed with gradients: the policy's, pi_ref's, the critic's input, and pi(. | x).

One name per quantity: `vocab_logprobs` is log pi_T(. | x, y_<t) over the whole vocabulary (B, T, V),
`taken_logprobs` its entries at the tokens the rollout took (B, T), and `recompute_logprobs` runs a model
and returns those (B, T) numbers; the sampler's own, without gradients, are `Rollout.logprobs`.

Place in the data flow: prompts -> sample -> Rollout -> score -> **log pi, V** -> gae -> a2c_loss -> step.
The sampler made its tokens without gradients; the loss needs, with gradients and
under the current weights, the same numbers it sampled from:

    log pi_T(y_t | x, y_<t) = log softmax(logits_t / T)[y_t]   (then top-k / top-p, as sampled)

and the critic needs the hidden state h_t that those logits came from, so that actor
and critic read the same state (x, y_<t). With left padding, position ids count real
tokens (`padding`), so each row scores exactly as it would alone.

GPT-2 models in eval mode take `fastpath.packed_forward`, which skips the padding;
any other model (or `fast=False`) runs its own forward. Both give the same numbers.
Every pass runs at the model's precision (`precision`), as the sampler did. Scored with the
weights that sampled, a rollout's tokens have pi_new / pi_old = 1 up to float rounding;
`check_ratio` holds every training step to that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from a2c_lessons import fastpath, precision, threads
from a2c_lessons.padding import encode_left_padded, left_padded_forward, left_padded_hidden
from a2c_lessons.sampling import Rollout, sampling_logprobs

if TYPE_CHECKING:  # importing policy pulls in transformers
    from a2c_lessons.policy import Policy


def response_forward(
    model, rollout: Rollout, *, hidden: bool = True, fast: bool = True
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One forward pass over prompt + response, with gradients.

    Returns:
        logits: (B, T, V) float, the raw logits that predict each response token.
        hidden: (B, T, hidden) float, the last hidden state at the same positions: the
            state (x, y_<t) that a value head maps to V(x, y_<t); None with hidden=False.
    """
    attention_mask = rollout.attention_mask
    window = _response_window(rollout)
    with threads.for_model(model), precision.autocast(model):
        if _packed(model, fast):
            logits, states = fastpath.packed_forward(model, rollout.input_ids, attention_mask, window)
            return logits, (states if hidden else None)
        out = left_padded_forward(model, rollout.input_ids, attention_mask, hidden_states=hidden)
    states = out.hidden_states[-1][:, window] if hidden else None  # (B, T, hidden)
    return out.logits[:, window].float(), states  # (B, T, V)


def response_hidden(model, rollout: Rollout, *, fast: bool = True) -> torch.Tensor:
    """(B, T, hidden): `response_forward`'s hidden states alone, with gradients, for a critic with its own body.

    The LM head is skipped, not computed and dropped: its (B, T, V) logits are the largest tensor of the pass.
    """
    window = _response_window(rollout)
    with threads.for_model(model), precision.autocast(model):
        if _packed(model, fast):
            return fastpath.packed_hidden(model, rollout.input_ids, rollout.attention_mask, window)
        return left_padded_hidden(model, rollout.input_ids, rollout.attention_mask)[:, window]


def _response_window(rollout: Rollout) -> slice:
    """The positions whose logits predict the response: the logits at position i predict token i + 1."""
    prompt_len, time = rollout.prompt_ids.shape[1], rollout.response_ids.shape[1]
    return slice(prompt_len - 1, prompt_len + time - 1)


def _packed(model, fast: bool) -> bool:
    """Whether to take the padding-free forward: it has no dropout, so in train mode only the model's own is exact."""
    return fast and fastpath.supports(model) and not model.training


def vocab_logprobs(logits: torch.Tensor, rollout: Rollout) -> torch.Tensor:
    """(B, T, V) float: log pi_T over the vocabulary at the rollout's temperature, top-k and top-p.

    Args:
        logits: (B, T, V) float, from `response_forward`.
    """
    return sampling_logprobs(logits, temperature=rollout.temperature, top_k=rollout.top_k, top_p=rollout.top_p)


def taken_logprobs(logprobs_full: torch.Tensor, rollout: Rollout) -> torch.Tensor:
    """(B, T) float: log pi_T(y_t) of the rollout's tokens, 0 where masked.

    Args:
        logprobs_full: (B, T, V) float, from `vocab_logprobs`.
    """
    token_logprobs = logprobs_full.gather(-1, rollout.response_ids.unsqueeze(-1)).squeeze(-1)  # (B, T)
    # where(), not multiplication: a pad token may sit at -inf after top-k, and 0 * inf is NaN
    return torch.where(rollout.mask, token_logprobs, 0.0)


def recompute_logprobs(model, rollout: Rollout, *, fast: bool = True) -> torch.Tensor:
    """(B, T) float: log pi_T(y_t | x, y_<t) under `model`'s current weights, with gradients."""
    logits, _ = response_forward(model, rollout, hidden=False, fast=fast)
    return taken_logprobs(vocab_logprobs(logits, rollout), rollout)


def check_ratio(logprobs: torch.Tensor, rollout: Rollout) -> torch.Tensor:
    """(B, T) float: pi_new / pi_old per token (1 on pads), checked to be 1: the loss scores what was sampled.

    Args:
        logprobs: (B, T) float, log pi_T of the rollout's tokens from the scoring pass, before the update.
    Raises RuntimeError when some token's ratio is off 1 by more than the rollout's precision allows
    (`precision.ratio_tolerance`: 1e-4 in float32).
    """
    ratio = torch.exp(logprobs.detach() - rollout.logprobs)  # (B, T)
    deviation = float((ratio - 1).abs().max())
    tolerance = precision.ratio_tolerance(rollout.compute_dtype)
    if deviation > tolerance:
        raise RuntimeError(
            f"pi_new / pi_old is off 1 by {deviation:.2e} (tolerance {tolerance:g}) although the rollout was "
            "sampled with the same weights: the scoring pass does not reproduce the sampler's distribution "
            "(temperature, top-k / top-p, position ids, dropout or a half-precision model)"
        )
    return ratio


# ---------------------------------------------------------------- the next token after a prompt


def next_token_logprobs(policy: Policy, prompts: list[str], *, temperature: float = 1.0) -> torch.Tensor:
    """log pi_T(. | x) of the token after each prompt: (B, V) float, with gradients if enabled.

    The same numbers `sample` draws its first token from: left padding, position ids
    that count real tokens, logits divided by the temperature.
    """
    prompt_ids, prompt_mask = encode_left_padded(policy.tokenizer, prompts, policy.device)
    with threads.for_model(policy.model), precision.autocast(policy.model):
        out = left_padded_forward(policy.model, prompt_ids, prompt_mask)
    return sampling_logprobs(out.logits[:, -1].float(), temperature=temperature)  # (B, V)


@torch.no_grad()
def next_token_probs(policy: Policy, prompts: list[str], *, temperature: float = 1.0) -> torch.Tensor:
    """pi_T(. | x) of the token after each prompt: (B, V) float, rows sum to 1."""
    return next_token_logprobs(policy, prompts, temperature=temperature).exp()


def word_mass(probs: torch.Tensor, tokenizer, words: Sequence[str]) -> torch.Tensor:
    """Total probability of a set of words: (..., V) probs -> (...) float."""
    ids = tokenizer.convert_tokens_to_ids(list(words))
    return probs[..., ids].sum(dim=-1)
