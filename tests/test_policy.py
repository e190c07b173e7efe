"""Loading the tiny LM offline, the tokenizer, and clear errors for bad model paths."""

import os
import shutil
import subprocess
import sys

import pytest
import torch

from a2c_lessons import corpus
from a2c_lessons.policy import TINY_LM_PATH, load_policy


def test_tokenizer_round_trips_reviews_and_adds_one_bos(tiny_policy):
    tok = tiny_policy.tokenizer
    for review in corpus.sample_reviews(50, seed=0):
        ids = tok(review.text).input_ids
        assert ids[0] == tok.bos_token_id and tok.bos_token_id not in ids[1:]
        assert tok.decode(ids, skip_special_tokens=True) == review.text
    assert tok.unk_token_id not in tok(" ".join(corpus.vocabulary())).input_ids


def test_special_tokens_are_distinct(tiny_policy):
    tok = tiny_policy.tokenizer
    assert len({tok.pad_token_id, tok.bos_token_id, tok.eos_token_id, tok.unk_token_id}) == 4
    assert tok.padding_side == "left"


def test_model_is_in_eval_mode_without_dropout(tiny_policy):
    assert not tiny_policy.model.training
    cfg = tiny_policy.model.config
    assert cfg.resid_pdrop == cfg.embd_pdrop == cfg.attn_pdrop == 0.0


def test_generation_config_samples_the_full_distribution(tiny_policy):
    # transformers defaults to top_k=50 when unset: the shipped config must say 0 / 1.0
    gen = tiny_policy.model.generation_config
    assert gen.top_k == 0 and gen.top_p == 1.0 and gen.do_sample


def test_load_policy_works_offline():
    code = "from a2c_lessons.policy import load_policy; p = load_policy(); print(p.model.num_parameters())"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.split()[-1]) > 100_000


def test_unknown_hub_id_fails_at_once_naming_it_and_how_to_download(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # unset: the library downloads nothing
    with pytest.raises(ValueError, match="no/such-model.*nor in the Hugging Face cache.*HF_HUB_OFFLINE=0"):
        load_policy("no/such-model")


def test_missing_local_path_names_it(tmp_path):
    with pytest.raises(ValueError, match="not a folder"):
        load_policy(tmp_path / "missing")


def test_corrupted_safetensors_gives_clear_error(tmp_path):
    copy = tmp_path / "tinylm"
    shutil.copytree(TINY_LM_PATH, copy)
    weights = copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # truncated mid-file
    with pytest.raises(ValueError, match="model.safetensors is corrupted"):
        load_policy(copy)
    assert (TINY_LM_PATH / "model.safetensors").stat().st_size > 1_000_000  # the shipped file is untouched


def test_local_folder_loads_same_weights(tiny_policy):
    again = load_policy(TINY_LM_PATH, device="cpu")
    for a, b in zip(tiny_policy.model.parameters(), again.model.parameters()):
        assert torch.equal(a, b)
