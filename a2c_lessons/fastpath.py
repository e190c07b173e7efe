"""Two GPT-2 forwards written for speed, sharing one block: the sampler's, and the scoring pass's.

Place in the data flow: prompts -> **sample** -> Rollout -> **score** -> values -> gae.
`sampling.sample` steps GPT-2 models (the bundled tiny LM among them) with
`StaticCacheStepper`, and `logpi.response_forward` scores their rollouts with
`packed_forward`; any other causal LM runs its own forward in both places.

Both run the same layer, `gpt2_block`, and differ only in how attention finds its keys:

    h = x + W_o · attn(q, K, V),   x' = h + MLP(LN_2(h)),   q, k, v = W_qkv · LN_1(x)    (GPT-2, pre-norm)

For a tiny model the cost of a sampling step is overhead, not arithmetic: the
generic forward re-derives masks, grows its cache by concatenation and dispatches
through several layers of modules per token. `StaticCacheStepper` allocates the cache
for prompt + all new tokens once, and each step writes one slot in place (gpt-fast's
shape: `prefill` once, then `decode_one_token` per token).

The scoring pass is the opposite case: one forward over the whole batch, where the
arithmetic is the cost. A rollout is about half padding (prompts padded on the left,
responses after EOS on the right), so `packed_forward` runs the layer norms, the
linear maps and the MLP on the real tokens only, and lays them out padded just for
attention, the one place that needs the (B, L) grid. Gradients flow through it as
through the model's own forward.

Both use the model's own weights, so their numbers equal its own forward to float
rounding (tests hold log-probs, hidden states and gradients to 1e-5). Under bf16 autocast
(`precision`) both run their products in bf16 and keep the residual stream and the logits
in float32; the KV cache is then bf16 too.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from a2c_lessons import precision
from a2c_lessons.padding import causal_mask, position_ids

_ACTIVATIONS = {"gelu_new": lambda x: F.gelu(x, approximate="tanh"), "gelu": F.gelu, "relu": F.relu}

Attend = Callable[[torch.Tensor], torch.Tensor]
"""(..., 3 * hidden) fused q, k, v of some tokens -> (..., hidden) attention output, heads merged."""


def supports(model) -> bool:
    """True for a GPT-2 whose options these forwards reproduce exactly."""
    cfg = model.config
    return (
        getattr(cfg, "model_type", None) == "gpt2"
        and getattr(model.lm_head, "bias", None) is None
        and cfg.activation_function in _ACTIVATIONS
        and not cfg.scale_attn_by_inverse_layer_idx
        and cfg.scale_attn_weights
        and not getattr(cfg, "add_cross_attention", False)
    )


def _linear(x: torch.Tensor, conv1d) -> torch.Tensor:
    # GPT-2's Conv1D stores weight as (in, out): y = x @ W + b
    return torch.addmm(conv1d.bias, x.reshape(-1, x.shape[-1]), conv1d.weight).view(*x.shape[:-1], -1)


def gpt2_block(block, x: torch.Tensor, attend: Attend, act: Callable) -> torch.Tensor:
    """One GPT-2 block on x (..., hidden): the layer of the module docstring, attention left to `attend`."""
    h = x + _linear(attend(_linear(block.ln_1(x), block.attn.c_attn)), block.attn.c_proj)
    return h + _linear(act(_linear(block.ln_2(h), block.mlp.c_fc)), block.mlp.c_proj)


def lm_logits(hidden: torch.Tensor, lm_head: torch.Tensor) -> torch.Tensor:
    """(..., V) float32 logits from final states (..., hidden), outside autocast: log pi_T is computed from
    float32 logits at either precision (a bf16 logit near 10 would be rounded to a multiple of 1/16)."""
    with precision.full_precision(hidden.device):
        return F.linear(hidden.float(), lm_head.float())


def cache_dtype(model) -> torch.dtype:
    """The KV cache's dtype: bf16 when the model computes in bf16 (half the bytes each step reads), else
    the weights' dtype."""
    if precision.compute_dtype(model) == torch.bfloat16:
        return torch.bfloat16
    return model.lm_head.weight.dtype


def drops_ended_rows(device: torch.device) -> bool:
    """Whether the stepper stops computing rows that have ended: counting them is a host sync,
    free on the CPU, a pipeline stall on a GPU."""
    return device.type == "cpu"


def gelu_tanh_inplace(x: torch.Tensor) -> torch.Tensor:
    """GPT-2's gelu_new, 0.5 x (1 + tanh(z)) = x sigmoid(2z), z = sqrt(2/pi) (x + 0.044715 x^3), in place
    (no gradients): on the CPU these passes over x take half the time of torch's tanh form."""
    c = 2 * math.sqrt(2 / math.pi)
    y = x * x
    return y.mul_(0.044715 * c).add_(c).mul_(x).sigmoid_().mul_(x)


class StaticCacheStepper:
    """Feeds tokens to a GPT-2 and returns next-token logits, caching K and V in place.

    The cache is (P + max_new_tokens, layers, 2, B, heads, head_dim): slot first, so that a
    step writes one contiguous block and memory is touched only for the slots used. A query
    reads slots 0 .. its own, all written before, so the cache needs no zeros. `key_bias`
    (P + max_new, B, 1) is added to the attention scores: -inf on prompt padding, 0 elsewhere.

    `prompt_ids` are the U distinct prompts; row b of the batch continues prompt `copy_of[b]`,
    so a prompt that repeats in the batch (a group of samples per prompt, the course's 16
    prompts) is prefilled once. On the CPU the stepper also stops computing rows that have
    ended, once half of them have (`drops_ended_rows`). It still returns logits for all B
    rows; those of ended rows are stale.
    """

    def __init__(
        self,
        model,
        prompt_ids: torch.Tensor,
        prompt_mask: torch.Tensor,
        max_new_tokens: int,
        copy_of: torch.Tensor | None = None,
    ):
        cfg = model.config
        self.gpt = model.transformer
        self.lm_head = model.lm_head.weight
        self.act = gelu_tanh_inplace if cfg.activation_function == "gelu_new" else _ACTIVATIONS[cfg.activation_function]
        device = prompt_ids.device
        self.prompt_len = prompt_ids.shape[1]
        self.copy_of = torch.arange(len(prompt_ids), device=device) if copy_of is None else copy_of  # (B,)
        length = self.prompt_len + max_new_tokens
        if length > cfg.n_positions:
            raise ValueError(
                f"prompt_len + max_new_tokens = {length} exceeds the model's n_positions ({cfg.n_positions})"
            )
        self.heads = cfg.n_head
        self.width = cfg.n_embd
        batch = len(self.copy_of)
        shape = (length, cfg.n_layer, 2, batch, self.heads, self.width // self.heads)
        self.cache = torch.empty(shape, dtype=cache_dtype(model), device=device)
        pad_bias = torch.zeros_like(prompt_mask, dtype=self.cache.dtype).masked_fill_(~prompt_mask, float("-inf"))
        self.key_bias = torch.zeros(length, batch, 1, dtype=self.cache.dtype, device=device)
        self.key_bias[: self.prompt_len] = pad_bias[self.copy_of].T.unsqueeze(-1)  # (P, B, 1)
        self.prompt_ids = prompt_ids
        self.prompt_mask = prompt_mask
        self.positions = position_ids(prompt_mask)
        self.next_pos = self.positions[self.copy_of, -1] + 1  # (B,)
        self.t = 0  # new tokens fed so far
        self.drops_rows = drops_ended_rows(device)
        self.rows: torch.Tensor | None = None  # the rows still computed, once some were dropped
        self.all_logits: torch.Tensor | None = None  # (B, V) what decode returns once rows were dropped

    def prefill(self) -> torch.Tensor:
        """Run the U distinct prompts (U, P) through the model, fill cache slots 0 .. P of every row
        from them; return (B, V) logits."""
        distinct, prompt_len = self.prompt_ids.shape
        attn_mask = causal_mask(self.prompt_mask)  # (U, 1, P, P)
        x = self._embed(self.prompt_ids, self.positions)  # (U, P, hidden)
        for layer, block in enumerate(self.gpt.h):
            x = gpt2_block(block, x, self._prompt_attention(layer, attn_mask), self.act)
        prompt_slots = self.cache[:prompt_len]
        prompt_slots.copy_(prompt_slots[:, :, :, :distinct].index_select(3, self.copy_of))  # each row its prompt's
        return self._logits(x[:, -1]).index_select(0, self.copy_of)  # (B, V)

    def decode_one_token(self, tokens: torch.Tensor, done: torch.Tensor) -> torch.Tensor:
        """Feed the last drawn tokens (B,) into the next cache slot; return (B, V) next-token logits.

        done: (B,) bool, rows that have ended: their logits are no longer needed.
        """
        if self.drops_rows:
            self._drop_ended_rows(done)
        if self.rows is not None:
            tokens = tokens[self.rows]
        x = self._embed(tokens, self.next_pos)  # (B, hidden): one token per row, so no time axis
        slot = self.prompt_len + self.t
        for layer, block in enumerate(self.gpt.h):
            x = gpt2_block(block, x, self._token_attention(layer, slot), self.act)
        self.next_pos = self.next_pos + 1
        self.t += 1
        logits = self._logits(x)
        return logits if self.rows is None else self.all_logits.index_copy_(0, self.rows, logits)

    def _drop_ended_rows(self, done: torch.Tensor) -> None:
        """Once half the rows computed have ended, go on with the others only."""
        alive = ~done if self.rows is None else ~done[self.rows]
        if 2 * int(alive.sum()) > len(alive):
            return
        keep = alive.nonzero().squeeze(-1)  # indices into the rows computed so far
        if self.rows is None:
            self.all_logits = torch.zeros(len(done), self.lm_head.shape[0], dtype=torch.float32, device=done.device)
        self.rows = keep if self.rows is None else self.rows[keep]
        filled = self.prompt_len + self.t  # copy the slots written so far, not the whole cache
        kept = self.cache.new_empty(self.cache.shape[:3] + (len(keep),) + self.cache.shape[4:])
        torch.index_select(self.cache[:filled], 3, keep, out=kept[:filled])
        self.cache = kept
        self.key_bias = self.key_bias[:, keep]
        self.next_pos = self.next_pos[keep]

    def _embed(self, ids: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        return self.gpt.wte(ids) + self.gpt.wpe(pos)  # (..., hidden)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:  # (B, hidden) last states -> (B, V)
        return lm_logits(self.gpt.ln_f(x), self.lm_head)

    def _prompt_attention(self, layer: int, attn_mask: torch.Tensor) -> Attend:
        """Attention over the prompts that writes this layer's keys and values into cache slots 0 .. P."""

        def attend(qkv: torch.Tensor) -> torch.Tensor:  # (U, P, 3 * hidden) -> (U, P, hidden)
            rows, prompt_len = qkv.shape[:2]
            q, k, v = qkv.view(rows, prompt_len, 3, self.heads, -1).permute(2, 0, 3, 1, 4)  # (U, heads, P, head_dim)
            # (P, 2, U, heads, head_dim) into the first U rows of slots 0 .. P
            self.cache[:prompt_len, layer, :, :rows] = torch.stack([k, v]).permute(3, 0, 1, 2, 4)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)  # (U, heads, P, head_dim)
            return y.transpose(1, 2).reshape(rows, prompt_len, self.width)

        return attend

    def _token_attention(self, layer: int, slot: int) -> Attend:
        """One new token per row: write its key and value into `slot`, attend to slots 0 .. slot.

        softmax(q K^T / sqrt(d)) V for one query is written as products and sums over the cache:
        batched matrix products of one row cost more in set-up than in arithmetic."""

        def attend(qkv: torch.Tensor) -> torch.Tensor:  # (B, 3 * hidden) -> (B, hidden)
            rows = qkv.shape[0]
            head_dim = self.width // self.heads
            q, key_value = qkv.view(rows, 3, self.heads, head_dim).split([1, 2], dim=1)  # (B, 1 | 2, heads, head_dim)
            self.cache[slot, layer] = key_value.transpose(0, 1)  # (2, B, heads, head_dim)
            keys, values = self.cache[: slot + 1, layer].float().unbind(1)  # (slot + 1, B, heads, head_dim)
            # in float32 whatever the cache holds: the scoring pass's attention accumulates in float32 too
            scores = (keys * q.squeeze(1).float()).sum(-1).mul_(head_dim**-0.5).add_(self.key_bias[: slot + 1])
            weights = scores.softmax(dim=0).unsqueeze(-1)  # (slot + 1, B, heads, 1)
            return (weights * values).sum(0).view(rows, self.width)

        return attend


def packed_forward(
    model, input_ids: torch.Tensor, attention_mask: torch.Tensor, window: slice
) -> tuple[torch.Tensor, torch.Tensor]:
    """A GPT-2 forward over the real tokens only; logits and last hidden states at `window`.

    Args:
        input_ids: (B, L) long; attention_mask: (B, L) bool, True on real tokens.
        window: the positions to return, e.g. those whose logits predict the response.
    Returns:
        logits: (B, W, V) float; hidden: (B, W, hidden), the final (post-LayerNorm) states.
        Padding positions in the window hold hidden = 0 and logits = 0: finite, and masked later.
    """
    hidden = packed_hidden(model, input_ids, attention_mask, window)  # (B, W, hidden)
    return lm_logits(hidden, model.lm_head.weight), hidden


def packed_hidden(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, window: slice) -> torch.Tensor:
    """`packed_forward`'s hidden states alone, (B, W, hidden): no LM head, for a critic that reads only them."""
    gpt = model.transformer
    act = _ACTIVATIONS[model.config.activation_function]
    batch, length = input_ids.shape
    heads = model.config.n_head
    width = model.config.n_embd
    real = attention_mask.reshape(-1).nonzero().squeeze(-1)  # (N,) flat indices of the real tokens
    x = gpt.wte(input_ids.reshape(-1)[real]) + gpt.wpe(position_ids(attention_mask).reshape(-1)[real])  # (N, hidden)
    attn_mask = causal_mask(attention_mask)  # (B, 1, L, L)

    def to_grid(rows: torch.Tensor) -> torch.Tensor:  # (N, d) -> (B * L, d), zeros on padding
        return rows.new_zeros(batch * length, rows.shape[-1]).index_copy(0, real, rows)

    def attend(qkv: torch.Tensor) -> torch.Tensor:  # (N, 3 * hidden) -> (N, hidden), through the (B, L) grid
        q, k, v = to_grid(qkv).view(batch, length, 3, heads, width // heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)  # (B, heads, L, head_dim)
        return y.transpose(1, 2).reshape(batch * length, width)[real]

    for block in gpt.h:
        x = gpt2_block(block, x, attend, act)
    return to_grid(gpt.ln_f(x)).view(batch, length, width)[:, window]  # (B, W, hidden)
