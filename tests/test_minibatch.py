"""Cutting one batch into rows: each process's share, and PPO's minibatches."""

import pytest
import torch

from a2c_lessons.minibatch import minibatch_rows, process_rows, rollout_rows
from a2c_lessons.sampling import sample


def test_each_process_gets_its_own_consecutive_share_and_together_they_cover_the_batch():
    shares = [process_rows(12, 3, index) for index in range(3)]
    assert shares == [slice(0, 4), slice(4, 8), slice(8, 12)]
    rows = [row for share in shares for row in range(12)[share]]
    assert rows == list(range(12))
    assert process_rows(8, 1, 0, group_size=4) == slice(0, 8)


def test_a_share_that_would_split_a_group_or_the_batch_is_refused_naming_the_numbers():
    with pytest.raises(ValueError, match=r"batch_size \(10\) must be divisible by the number of processes \(4\)"):
        process_rows(10, 4, 0)
    # 8 rows over 2 processes is 4 each: a group of 8 would straddle both
    with pytest.raises(ValueError, match=r"each process's batch \(4\) must be a multiple of group_size \(8\)"):
        process_rows(8, 2, 1, group_size=8)


def test_minibatches_partition_the_batch_and_one_minibatch_is_the_batch_in_order():
    generator = torch.Generator().manual_seed(0)
    state = generator.get_state()
    assert [rows.tolist() for rows in minibatch_rows(6, 1, generator)] == [[0, 1, 2, 3, 4, 5]]
    assert torch.equal(generator.get_state(), state)  # no draw: M = 1 leaves the run's RNG where it was
    parts = minibatch_rows(12, 4, generator)
    assert [len(rows) for rows in parts] == [3, 3, 3, 3]
    assert sorted(torch.cat(parts).tolist()) == list(range(12))
    assert torch.cat(parts).tolist() != list(range(12))  # shuffled (for this seed)
    with pytest.raises(ValueError, match=r"the batch \(10\) must be a multiple of minibatches \(4\)"):
        minibatch_rows(10, 4, generator)


def test_rollout_rows_index_every_tensor_and_list_alike(tiny_policy):
    rollout = sample(tiny_policy, ["the food", "i", "the service was", "overall ,"], 6, seed=0)
    rows = torch.tensor([2, 0])
    part = rollout_rows(rollout, rows)
    assert part.prompts == [rollout.prompts[2], rollout.prompts[0]]
    assert part.texts == [rollout.texts[2], rollout.texts[0]]
    for name in ("prompt_ids", "prompt_mask", "response_ids", "logprobs", "mask"):
        assert torch.equal(getattr(part, name), getattr(rollout, name)[rows]), name
    assert part.temperature == rollout.temperature
