"""Left padding: how a batch of texts of different lengths becomes one (batch, length) grid.

Place in the data flow: under the whole line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`; the sampler,
the scoring pass, the reward model and the plots all read padded batches through here.

Prompts are padded on the left, so every row's next token sits in the last column.
A model must then see a padded row exactly as it would see it alone:

    position_t = (number of real tokens up to t) - 1      (pads take no position)
    query i attends to key j  iff  j <= i and j is a real token

GPT-2 numbers positions from the first column unless it is given these position ids,
which would shift every left-padded prompt by its number of pads.
"""

from __future__ import annotations

import torch


def position_ids(attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, L) long: the running count of real tokens, so left padding shifts nothing.

    Args:
        attention_mask: (B, L) bool or long, True / 1 on real tokens.
    """
    return (attention_mask.long().cumsum(dim=-1) - 1).clamp_(min=0)


def causal_mask(key_ok: torch.Tensor) -> torch.Tensor:
    """(B, L) bool real tokens -> (B, 1, L, L) bool: query i may attend to real keys j <= i."""
    length, device = key_ok.shape[1], key_ok.device
    causal = torch.ones(length, length, dtype=torch.bool, device=device).tril()
    # a query always sees itself, so padding queries (their outputs unused) stay finite instead of NaN
    return ((causal & key_ok[:, None, :]) | torch.eye(length, dtype=torch.bool, device=device)).unsqueeze(1)


def encode_left_padded(tokenizer, texts: list[str], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokenise and left-pad: (B, L) long ids and (B, L) bool mask (True on real tokens), on `device`."""
    if isinstance(texts, str) or not texts:
        raise ValueError(f"expected a non-empty list of strings (prompts or texts), got {texts!r:.60}")
    if tokenizer.padding_side != "left":
        raise ValueError("the tokenizer must pad on the left (load_policy sets this)")
    enc = tokenizer(list(texts), padding=True, return_tensors="pt")
    return enc.input_ids.to(device), enc.attention_mask.to(device).bool()


def encode_distinct(
    tokenizer, texts: list[str], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Tokenise and left-pad each distinct text once.

    Returns (U, L) long ids and (U, L) bool mask of the U distinct texts, in order of first
    appearance, and copy_of: (B,) long, the distinct text of each of the B texts, so that
    `ids[copy_of]` is what `encode_left_padded(texts)` gives.
    """
    if isinstance(texts, str) or not texts:
        raise ValueError(f"expected a non-empty list of strings (prompts or texts), got {texts!r:.60}")
    first_seen: dict[str, int] = {}
    copy_of = [first_seen.setdefault(text, len(first_seen)) for text in texts]
    ids, mask = encode_left_padded(tokenizer, list(first_seen), device)
    return ids, mask, torch.tensor(copy_of, device=device)


def left_padded_forward(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, *, hidden_states: bool = False):
    """The model's own forward on a left-padded batch, with position ids that count real tokens.

    Args:
        input_ids: (B, L) long; attention_mask: (B, L) bool, True on real tokens.
        hidden_states: also return every layer's hidden states.
    Returns:
        The model's output (`.logits`: (B, L, V), or (B, 1) for a scalar-head reward model).
    """
    return model(
        input_ids=input_ids,
        attention_mask=attention_mask.long(),
        position_ids=position_ids(attention_mask),
        output_hidden_states=hidden_states,
    )


def left_padded_hidden(model, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, L, hidden): the last hidden states of `left_padded_forward`, from the model's body without its LM head."""
    out = model.base_model(
        input_ids=input_ids, attention_mask=attention_mask.long(), position_ids=position_ids(attention_mask)
    )
    return out.last_hidden_state
