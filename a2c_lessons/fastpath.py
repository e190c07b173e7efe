"""Two GPT-2 forwards written for speed, sharing one block: the sampler's, and the scoring pass's.

Place in the data flow: prompts -> **sample** -> Rollout -> **score** -> values -> gae.
`sampling.sample` steps GPT-2 models (the bundled tiny LM among them) with
`StaticCacheStepper`, and `scoring.response_forward` scores their rollouts with
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
rounding (tests hold log-probs, hidden states and gradients to 1e-5).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

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


def drops_ended_rows(device: torch.device) -> bool:
    """Whether the stepper stops computing rows that have ended: counting them is a host sync,
    free on the CPU, a pipeline stall on a GPU."""
    return device.type == "cpu"


class StaticCacheStepper:
    """Feeds tokens to a GPT-2 and returns next-token logits, caching K and V in place.

    Cache shapes: (layers, B, heads, P + max_new_tokens, head_dim). `key_ok` (B, P + max_new)
    marks the keys a query may attend to: real prompt tokens, then each new token.

    On the CPU it also stops computing rows that have ended, once half of them have
    (`drops_ended_rows`). It still returns logits for all B rows; those of ended rows are stale.
    """

    def __init__(self, model, prompt_ids: torch.Tensor, prompt_mask: torch.Tensor, max_new_tokens: int):
        cfg, self.gpt = model.config, model.transformer
        self.lm_head, self.act = model.lm_head.weight, _ACTIVATIONS[cfg.activation_function]
        batch, self.prompt_len = prompt_ids.shape
        length = self.prompt_len + max_new_tokens
        if length > cfg.n_positions:
            raise ValueError(
                f"prompt_len + max_new_tokens = {length} exceeds the model's n_positions ({cfg.n_positions})"
            )
        self.heads, self.width = cfg.n_head, cfg.n_embd
        dtype, device = self.lm_head.dtype, prompt_ids.device
        shape = (cfg.n_layer, batch, self.heads, length, self.width // self.heads)
        self.keys = torch.zeros(shape, dtype=dtype, device=device)
        self.values = torch.zeros(shape, dtype=dtype, device=device)
        self.key_ok = torch.zeros(batch, length, dtype=torch.bool, device=device)
        self.key_ok[:, : self.prompt_len] = prompt_mask
        self.prompt_ids, self.positions = prompt_ids, position_ids(prompt_mask)  # (B, P)
        self.next_pos, self.t = self.positions[:, -1:] + 1, 0  # (B, 1)
        self.drops_rows = drops_ended_rows(device)
        self.rows: torch.Tensor | None = None  # the rows still computed, once some were dropped
        self.all_logits: torch.Tensor | None = None  # (B, V) what decode returns once rows were dropped

    def prefill(self) -> torch.Tensor:
        """Run the prompts (B, P) through the model, filling cache slots 0 .. P; return (B, V) logits."""
        attn_mask = causal_mask(self.key_ok[:, : self.prompt_len])  # (B, 1, P, P)
        return self._forward(self.prompt_ids, self.positions, 0, attn_mask)

    def decode_one_token(self, tokens: torch.Tensor, done: torch.Tensor) -> torch.Tensor:
        """Feed the last drawn tokens (B,) into the next cache slot; return (B, V) next-token logits.

        done: (B,) bool, rows that have ended: their logits are no longer needed.
        """
        if self.drops_rows:
            self._drop_ended_rows(done)
        if self.rows is not None:
            tokens = tokens[self.rows]
        slot = self.prompt_len + self.t
        self.key_ok[:, slot] = True
        attn_mask = self.key_ok[:, None, None, : slot + 1]  # (B, 1, 1, slot + 1)
        logits = self._forward(tokens.unsqueeze(-1), self.next_pos, slot, attn_mask)
        self.next_pos, self.t = self.next_pos + 1, self.t + 1
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
        self.keys, self.values = self.keys[:, keep], self.values[:, keep]
        self.key_ok, self.next_pos = self.key_ok[keep], self.next_pos[keep]

    def _forward(self, ids: torch.Tensor, pos: torch.Tensor, start: int, attn_mask: torch.Tensor) -> torch.Tensor:
        """ids, pos (B, L) at cache slots start .. start + L -> (B, V) logits of the last position."""
        x = self.gpt.wte(ids) + self.gpt.wpe(pos)  # (B, L, hidden)
        for layer, block in enumerate(self.gpt.h):
            x = gpt2_block(block, x, self._cached_attention(layer, start, attn_mask), self.act)
        return F.linear(self.gpt.ln_f(x[:, -1]), self.lm_head).float()  # (B, V)

    def _cached_attention(self, layer: int, start: int, attn_mask: torch.Tensor) -> Attend:
        """Attention that writes this layer's new keys and values into the cache, then reads slots 0 .. end."""

        def attend(qkv: torch.Tensor) -> torch.Tensor:  # (B, L, 3 * hidden) -> (B, L, hidden)
            q, k, v = (self._split_heads(part) for part in qkv.split(self.width, dim=-1))
            end = start + q.shape[2]
            self.keys[layer, :, :, start:end], self.values[layer, :, :, start:end] = k, v
            keys, values = self.keys[layer, :, :, :end], self.values[layer, :, :, :end]
            y = F.scaled_dot_product_attention(q, keys, values, attn_mask=attn_mask)  # (B, heads, L, head_dim)
            return y.transpose(1, 2).reshape(*qkv.shape[:-1], self.width)

        return attend

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:  # (B, L, hidden) -> (B, heads, L, head_dim)
        return x.view(x.shape[0], x.shape[1], self.heads, self.width // self.heads).transpose(1, 2)


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
    gpt, act = model.transformer, _ACTIVATIONS[model.config.activation_function]
    batch, length = input_ids.shape
    heads, width = model.config.n_head, model.config.n_embd
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
    hidden = to_grid(gpt.ln_f(x)).view(batch, length, width)[:, window]  # (B, W, hidden)
    return F.linear(hidden, model.lm_head.weight).float(), hidden
