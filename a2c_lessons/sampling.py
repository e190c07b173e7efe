"""Sampling y ~ pi_theta(. | x) for a batch of prompts, and the `Rollout` it returns.

Place in the data flow: prompts -> **sample** -> Rollout -> score -> values -> gae -> a2c_loss.

Each new token is drawn from the sampling distribution

    pi_T(. | x, y_<t) = softmax(logits / T), then top-k / top-p truncated and renormalised,

and `Rollout.logprobs` holds log pi_T(y_t | x, y_<t) of the drawn tokens: the same
numbers `logpi.recompute_logprobs` recomputes with gradients for the loss. Prompts are
padded on the left (`padding`), so a padded prompt sees exactly what it would see alone.

The loop has gpt-fast's shape: a stepper runs `prefill()` on the prompts once, then
`decode_one_token()` per new token, each returning next-token logits. A prompt that
repeats in the batch is tokenised once, and GPT-2 models, which take
`fastpath.StaticCacheStepper` (a preallocated cache; on the CPU it stops computing
rows that have ended), prefill it once; any other causal LM runs `PlainStepper`, its
own forward with its own cache (`fast=False` forces this plain path).

The forward passes run at the model's precision (`precision`: float32, or bf16 products
under autocast); the logits, log pi_T and the draws are float32 either way.

Everything stays on the model's device. Whether the batch is done takes a host sync:
on the CPU that is free, so the loop asks every token and stops as soon as the last
row ends; on a GPU it asks every `_DONE_CHECK_EVERY` tokens, since a per-token sync
would stall the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import torch
import torch.nn.functional as F

from a2c_lessons import fastpath, precision, threads
from a2c_lessons.masked import check_shape
from a2c_lessons.padding import encode_distinct, position_ids

if TYPE_CHECKING:  # importing policy pulls in transformers: seconds the grader need not spend
    from a2c_lessons.policy import Policy

_DONE_CHECK_EVERY = 8  # tokens between the GPU loop's checks for the end of the batch


@dataclass(kw_only=True)  # ten fields, several of one type: built by name, never by position
class Rollout:
    """A batch of sampled responses. Shapes: B = batch, P = prompt_len, T = time.

    prompt_ids: (B, P) long, prompts padded on the left with the pad token.
    prompt_mask: (B, P) bool, True on real prompt tokens.
    response_ids: (B, T) long, sampled tokens; the pad token after a row's EOS.
    logprobs: (B, T) float, log pi_T(y_t | x, y_<t) at sampling temperature; 0 where masked.
    mask: (B, T) bool, True on generated, non-pad tokens (a row's EOS included).
    prompts: the B prompt strings; texts: the B decoded responses (special tokens dropped).
    temperature, top_k, top_p: the settings that made `logprobs`, needed to remake them.
    compute_dtype: the precision of the forward passes that made `logprobs` (`precision`).
    """

    prompt_ids: torch.Tensor
    prompt_mask: torch.Tensor
    response_ids: torch.Tensor
    logprobs: torch.Tensor
    mask: torch.Tensor
    prompts: list[str]
    texts: list[str]
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    compute_dtype: torch.dtype = torch.float32

    @property
    def input_ids(self) -> torch.Tensor:
        """(B, P + T) long: prompt and response, the sequence the model reads."""
        return torch.cat([self.prompt_ids, self.response_ids], dim=1)

    @property
    def attention_mask(self) -> torch.Tensor:
        """(B, P + T) bool: real prompt tokens and generated tokens."""
        return torch.cat([self.prompt_mask, self.mask], dim=1)

    @property
    def last_token_idx(self) -> torch.Tensor:
        """(B,) long: index in time of each row's last generated token (where the reward sits)."""
        return self.mask.sum(dim=1) - 1

    @property
    def reviews(self) -> list[str]:
        """Prompt and response joined: the full text a reward judges."""
        return [f"{p} {t}".strip() for p, t in zip(self.prompts, self.texts)]


def check_sampling_args(temperature: float, top_k: int | None, top_p: float | None) -> None:
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be a positive integer or None, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")


def sampling_logprobs(
    logits: torch.Tensor, *, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> torch.Tensor:
    """log pi_T over the vocabulary: tempered, then truncated, then renormalised.

    Args:
        logits: (..., V) float, raw next-token logits.
    Returns:
        (..., V) float log-probabilities; -inf on tokens top-k / top-p removed.
    """
    if temperature != 1:
        logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and top_p < 1:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        sorted_probs = sorted_logits.softmax(dim=-1)
        # drop a token once the tokens before it already hold top_p of the mass
        drop_sorted = (sorted_probs.cumsum(dim=-1) - sorted_probs) >= top_p
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return F.log_softmax(logits, dim=-1)


def draw(logprobs: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF draw: the token whose CDF interval holds u.

    Args:
        logprobs: (B, V) float, log pi_T of the next token.
        uniforms: (B,) float in [0, 1).
    Returns:
        (B,) long token ids; a token of probability 0 is never drawn.
    """
    cdf = logprobs.exp().cumsum(dim=-1)  # (B, V)
    # scale u by the total so rounding in the cumsum cannot push u past the last token
    u = uniforms.unsqueeze(-1) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp_(max=logprobs.shape[-1] - 1)


class Stepper(Protocol):
    """Runs a model over the prompts, then one new token at a time; each call returns (B, V) logits."""

    def prefill(self) -> torch.Tensor: ...

    def decode_one_token(self, tokens: torch.Tensor, done: torch.Tensor) -> torch.Tensor: ...


class PlainStepper:
    """Any causal LM: its own forward and its own (dynamic) KV cache; every row is computed to the end."""

    def __init__(self, model, prompt_ids: torch.Tensor, prompt_mask: torch.Tensor):
        self.model, self.prompt_ids, self.cache = model, prompt_ids, None
        self.attention_mask, self.positions = prompt_mask.long(), position_ids(prompt_mask)  # (B, P)
        self.next_pos = self.positions[:, -1:] + 1  # (B, 1)

    def prefill(self) -> torch.Tensor:
        """Run the prompts (B, P); return (B, V) logits of the first new token."""
        return self._forward(self.prompt_ids, self.positions)

    def decode_one_token(self, tokens: torch.Tensor, done: torch.Tensor) -> torch.Tensor:
        """Feed the last drawn tokens (B,); return (B, V) logits. `done` is unused: this cache keeps every row."""
        self.attention_mask = F.pad(self.attention_mask, (0, 1), value=1)
        logits = self._forward(tokens.unsqueeze(-1), self.next_pos)
        self.next_pos = self.next_pos + 1
        return logits

    def _forward(self, ids: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        out = self.model(
            input_ids=ids, attention_mask=self.attention_mask, position_ids=pos, cache=self.cache, use_cache=True
        )
        self.cache = out.cache
        return out.logits[:, -1].float()


def make_stepper(
    model,
    prompt_ids: torch.Tensor,
    prompt_mask: torch.Tensor,
    max_new_tokens: int,
    *,
    fast: bool,
    copy_of: torch.Tensor | None = None,
) -> Stepper:
    """The static-cache stepper for a GPT-2 (with fast=True), the model's own forward otherwise.

    prompt_ids, prompt_mask: (U, P) the distinct prompts; copy_of: (B,) long, the prompt of each
    row of the batch (default: each prompt once).
    """
    if fast and fastpath.supports(model):
        return fastpath.StaticCacheStepper(model, prompt_ids, prompt_mask, max_new_tokens, copy_of)
    if copy_of is not None:
        prompt_ids, prompt_mask = prompt_ids[copy_of], prompt_mask[copy_of]
    return PlainStepper(model, prompt_ids, prompt_mask)


def done_check_every(device: torch.device) -> int:
    """Tokens between the loop's checks for the end of the batch: each check is a host sync,
    free on the CPU, a pipeline stall on a GPU."""
    return 1 if device.type == "cpu" else _DONE_CHECK_EVERY


def _uniforms(uniforms, seed, generator, shape: tuple[int, int], device: torch.device) -> torch.Tensor:
    """(B, T) float in [0, 1): the given draws, checked, or fresh ones from the generator / seed."""
    if seed is not None and generator is not None:  # one would silently win over the other
        raise ValueError("give seed or generator, not both (the generator's state would replace the seed)")
    if uniforms is not None and (seed is not None or generator is not None):
        raise ValueError("uniforms are the draws themselves: give them without seed or generator")
    if uniforms is None:
        if generator is None and seed is not None:
            generator = torch.Generator(device).manual_seed(seed)
        uniforms = torch.rand(*shape, generator=generator, device=device)
    check_shape(uniforms, shape, "uniforms")
    return uniforms


@torch.no_grad()  # not inference_mode: rollout tensors later meet tensors that need grad
def sample(
    policy: Policy,
    prompts: list[str],
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    uniforms: torch.Tensor | None = None,
    fast: bool = True,
) -> Rollout:
    """Sample one response per prompt with a KV cache, stopping each row at EOS.

    Args:
        prompts: B strings (the tokenizer adds BOS); lengths may differ.
        max_new_tokens: T, the most tokens drawn per row.
        seed / generator: the randomness; the same seed gives the same tokens.
        uniforms: (B, T) float in [0, 1), the draws themselves (tests pass them to
            replay one row of a batch alone); default drawn from the generator.
        fast: use the static-cache fast path when the model supports it.
    Returns:
        A `Rollout` with (B, T) response ids, log-probs and mask.
    """
    check_sampling_args(temperature, top_k, top_p)
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
    distinct_ids, distinct_mask, copy_of = encode_distinct(policy.tokenizer, prompts, policy.device)
    uniforms = _uniforms(uniforms, seed, generator, (len(copy_of), max_new_tokens), copy_of.device)
    with threads.for_model(policy.model), precision.autocast(policy.model):
        stepper = make_stepper(policy.model, distinct_ids, distinct_mask, max_new_tokens, fast=fast, copy_of=copy_of)
        response_ids, logprobs, mask = _draw_responses(
            stepper, uniforms, policy.tokenizer, temperature=temperature, top_k=top_k, top_p=top_p
        )
    texts = policy.tokenizer.batch_decode(response_ids, skip_special_tokens=True)
    return Rollout(
        prompt_ids=distinct_ids[copy_of],
        prompt_mask=distinct_mask[copy_of],
        response_ids=response_ids,
        logprobs=logprobs,
        mask=mask,
        prompts=list(prompts),
        texts=[s.strip() for s in texts],
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        compute_dtype=precision.compute_dtype(policy.model),
    )


def _draw_responses(
    stepper: Stepper, uniforms: torch.Tensor, tokenizer, *, temperature: float, top_k: int | None, top_p: float | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The token loop: draw y_t from pi_T with the t-th uniforms (B,), until every row has drawn EOS.

    Returns (B, T') response ids, log-probs and mask, T' <= T the tokens drawn before every row had ended.
    """
    (batch, max_new_tokens), device = uniforms.shape, uniforms.device
    eos, check_every = tokenizer.eos_token_id, done_check_every(device)
    response_ids = torch.empty(batch, max_new_tokens, dtype=torch.long, device=device)
    logprobs = torch.empty(batch, max_new_tokens, device=device)
    mask = torch.empty(batch, max_new_tokens, dtype=torch.bool, device=device)
    done = torch.zeros(batch, dtype=torch.bool, device=device)
    logits = stepper.prefill()  # (B, V)
    for t in range(max_new_tokens):
        token_logprobs = sampling_logprobs(logits, temperature=temperature, top_k=top_k, top_p=top_p)  # (B, V)
        tokens = draw(token_logprobs, uniforms[:, t])  # (B,)
        # ended rows draw from stale logits too; the mask below blanks what they drew
        response_ids[:, t] = tokens
        torch.gather(token_logprobs, 1, tokens.unsqueeze(-1), out=logprobs[:, t : t + 1])
        torch.logical_not(done, out=mask[:, t])
        done |= tokens == eos
        if t + 1 == max_new_tokens or ((t + 1) % check_every == 0 and bool(done.all())):
            break  # no forward after the last token, nor once every row has ended
        logits = stepper.decode_one_token(tokens, done)
    drawn = t + 1  # the loop stops early once every row has ended
    mask = mask[:, :drawn]
    # the pad token after each row's EOS; log-prob 0 where masked
    response_ids = response_ids[:, :drawn].masked_fill_(~mask, tokenizer.pad_token_id)
    return response_ids, logprobs[:, :drawn].masked_fill_(~mask, 0.0), mask
