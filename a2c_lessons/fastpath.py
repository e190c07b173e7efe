"""Two GPT-2 forwards written for speed: the sampler's, and the scoring pass's.

Place in the data flow: prompts -> **sample** -> Rollout -> **values / log pi** -> gae.
`sampling.sample` steps GPT-2 models (the bundled tiny LM among them) with
`StaticCacheStepper`, and `scoring.response_forward` scores their rollouts with
`packed_forward`; any other causal LM runs its own forward in both places.

For a tiny model the cost of a sampling step is overhead, not arithmetic: the
generic forward re-derives masks, grows its cache by concatenation and dispatches
through several layers of modules per token. Here the cache for prompt + all new
tokens is allocated once, each step writes one slot in place, and a layer is

    h = x + W_o · attn(q, K[:t], V[:t]),   x' = h + MLP(LN(h))     (GPT-2, pre-norm)

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

import torch
import torch.nn.functional as F

from a2c_lessons.padding import causal_mask, position_ids

_ACTIVATIONS = {"gelu_new": lambda x: F.gelu(x, approximate="tanh"), "gelu": F.gelu, "relu": F.relu}


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


class StaticCacheStepper:
    """Feeds tokens to a GPT-2 and returns next-token logits, caching K and V in place.

    Cache shapes: (layers, B, heads, P + max_new_tokens, head_dim). `key_ok` (B, P + max_new)
    marks the keys a query may attend to: real prompt tokens, then each new token.
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
        self.heads, self.head_dim = cfg.n_head, cfg.n_embd // cfg.n_head
        dtype, device = self.lm_head.dtype, prompt_ids.device
        shape = (cfg.n_layer, batch, self.heads, length, self.head_dim)
        self.keys, self.values = (
            torch.zeros(shape, dtype=dtype, device=device),
            torch.zeros(shape, dtype=dtype, device=device),
        )
        self.key_ok = torch.zeros(batch, length, dtype=torch.bool, device=device)
        self.key_ok[:, : self.prompt_len] = prompt_mask
        self.prompt_ids, self.positions = prompt_ids, position_ids(prompt_mask)  # (B, P)
        self.next_pos, self.t = self.positions[:, -1:] + 1, 0  # (B, 1)

    def keep(self, rows: torch.Tensor) -> None:
        """Go on with these rows (indices into the current batch) only."""
        self.keys, self.values = self.keys[:, rows], self.values[:, rows]
        self.key_ok, self.next_pos = self.key_ok[rows], self.next_pos[rows]

    def _split(self, x: torch.Tensor) -> torch.Tensor:  # (B, L, hidden) -> (B, heads, L, head_dim)
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_dim).transpose(1, 2)

    def _block(self, i: int, block, x: torch.Tensor, start: int, attn_mask: torch.Tensor) -> torch.Tensor:
        """One GPT-2 block on x (B, L, hidden) whose tokens sit at cache slots start .. start + L."""
        q, k, v = _linear(block.ln_1(x), block.attn.c_attn).split(x.shape[-1], dim=-1)
        end = start + x.shape[1]
        self.keys[i, :, :, start:end], self.values[i, :, :, start:end] = self._split(k), self._split(v)
        y = F.scaled_dot_product_attention(
            self._split(q), self.keys[i, :, :, :end], self.values[i, :, :, :end], attn_mask=attn_mask
        )  # (B, heads, L, head_dim)
        h = x + _linear(y.transpose(1, 2).reshape(x.shape), block.attn.c_proj)
        return h + _linear(self.act(_linear(block.ln_2(h), block.mlp.c_fc)), block.mlp.c_proj)

    def __call__(self, tokens: torch.Tensor | None) -> torch.Tensor:
        """Feed the last drawn tokens (B,) (None: the prompt); return (B, V) next-token logits."""
        if tokens is None:
            ids, pos, start = self.prompt_ids, self.positions, 0
            attn_mask = causal_mask(self.key_ok[:, : self.prompt_len])  # (B, 1, P, P)
        else:
            ids, pos, start = tokens.unsqueeze(-1), self.next_pos, self.prompt_len + self.t
            self.key_ok[:, start] = True
            attn_mask = self.key_ok[:, None, None, : start + 1]  # (B, 1, 1, start + 1)
            self.next_pos, self.t = self.next_pos + 1, self.t + 1
        x = self.gpt.wte(ids) + self.gpt.wpe(pos)  # (B, L, hidden)
        for i, block in enumerate(self.gpt.h):
            x = self._block(i, block, x, start, attn_mask)
        return F.linear(self.gpt.ln_f(x[:, -1]), self.lm_head).float()  # (B, V)


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

    for block in gpt.h:
        qkv = to_grid(_linear(block.ln_1(x), block.attn.c_attn)).view(batch, length, 3, heads, width // heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each (B, heads, L, head_dim)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)  # (B, heads, L, head_dim)
        y = y.transpose(1, 2).reshape(batch * length, width)[real]  # (N, hidden)
        h = x + _linear(y, block.attn.c_proj)
        x = h + _linear(act(_linear(block.ln_2(h), block.mlp.c_fc)), block.mlp.c_proj)
    hidden = to_grid(gpt.ln_f(x)).view(batch, length, width)[:, window]  # (B, W, hidden)
    return F.linear(hidden, model.lm_head.weight).float(), hidden
