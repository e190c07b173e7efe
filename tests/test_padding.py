"""Left padding: position ids that count real tokens, the causal mask over a padded grid, encoding."""

import pytest
import torch

from a2c_lessons.padding import causal_mask, encode_distinct, encode_left_padded, left_padded_forward, position_ids


def test_position_ids_count_real_tokens_by_hand():
    mask = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]]).bool()
    assert position_ids(mask).tolist() == [[0, 0, 0, 1, 2], [0, 1, 2, 3, 4], [0, 0, 1, 1, 2]]


def test_causal_mask_by_hand():
    # row 0: one pad, then two real tokens
    allowed = causal_mask(torch.tensor([[False, True, True]]))
    assert allowed.shape == (1, 1, 3, 3)
    assert allowed[0, 0].int().tolist() == [
        [1, 0, 0],  # the pad query sees only itself (its output is unused, but stays finite)
        [0, 1, 0],  # the first real token sees itself, not the pad
        [0, 1, 1],
    ]


def test_encode_left_padded_pads_on_the_left_and_refuses_a_string(tiny_policy):
    ids, mask = encode_left_padded(tiny_policy.tokenizer, ["the food was", ""], torch.device("cpu"))
    assert mask.dtype == torch.bool and mask[1].tolist() == [False, False, False, True]  # "<bos>" alone, last
    assert ids[1, -1] == tiny_policy.tokenizer.bos_token_id
    with pytest.raises(ValueError, match="prompts"):
        encode_left_padded(tiny_policy.tokenizer, "the food", torch.device("cpu"))


def test_encode_distinct_tokenises_each_text_once_and_maps_every_row_to_it(tiny_policy):
    texts = ["the food", "", "the food", "i think the plot", ""]
    ids, mask, copy_of = encode_distinct(tiny_policy.tokenizer, texts, torch.device("cpu"))
    assert copy_of.tolist() == [0, 1, 0, 2, 1] and ids.shape[0] == 3
    all_ids, all_mask = encode_left_padded(tiny_policy.tokenizer, texts, torch.device("cpu"))
    assert torch.equal(ids[copy_of], all_ids) and torch.equal(mask[copy_of], all_mask)
    with pytest.raises(ValueError, match="prompts"):
        encode_distinct(tiny_policy.tokenizer, "the food", torch.device("cpu"))


def test_left_padded_forward_scores_a_padded_row_as_the_row_alone(tiny_policy):
    ids, mask = encode_left_padded(tiny_policy.tokenizer, ["i think the plot was", "the"], torch.device("cpu"))
    alone_ids, alone_mask = encode_left_padded(tiny_policy.tokenizer, ["the"], torch.device("cpu"))
    with torch.no_grad():
        padded = left_padded_forward(tiny_policy.model, ids, mask).logits[1, mask[1]]
        alone = left_padded_forward(tiny_policy.model, alone_ids, alone_mask).logits[0]
        # known wrong: GPT-2's default positions count the pads
        shifted = tiny_policy.model(input_ids=ids, attention_mask=mask.long()).logits[1, mask[1]]
    assert (padded - alone).abs().max() <= 1e-5
    assert (shifted - alone).abs().max() > 1e-2
