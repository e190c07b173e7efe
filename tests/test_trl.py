"""The TRL side by side: our pieces plug into TRL's GRPO/RLOO unchanged, and the benchmark runs.

Tests that need TRL skip, with the install command as the reason, when the optional
`trl` extra is absent; the rest (reward function, import hygiene) run everywhere.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from a2c_lessons import trl_bridge
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.logpi import recompute_logprobs
from a2c_lessons.policy import load_policy
from a2c_lessons.rewards import exact_reward, score
from a2c_lessons.sampling import sample

ROOT = Path(__file__).parents[1]
needs_trl = pytest.mark.skipif(not trl_bridge.trl_available(), reason=trl_bridge.TRL_MISSING)
# transformers 5.24 deprecates a name TRL 1.16 still calls every step; it says nothing about our code
pytestmark = pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")
# small but real: 16 completions per step in groups of 4, so each test stays at a few seconds
SMALL = dict(batch_size=16, group_size=4, max_steps=2)


def small_trainer(tmp_path, *, method: str = "grpo", fix_positions: bool = True, seed: int = 0):
    policy = load_policy(device="cpu")
    settings = trl_bridge.TRLSettings(
        method=method, seed=seed, fix_positions=fix_positions, output_dir=str(tmp_path / method), **SMALL
    )
    return policy, trl_bridge.make_trl_trainer(settings, policy)


# ------------------------------------------------------------------------------------------- without TRL
def test_trl_bridge_imports_neither_trl_nor_datasets():
    code = "import sys, a2c_lessons.trl_bridge; print('trl' in sys.modules, 'datasets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "False"], "importing trl_bridge must not import trl or datasets"


def _imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {f"{node.module or ''}.{alias.name}".lstrip(".") for alias in node.names} | {node.module or ""}
    return names


def test_no_other_module_of_the_package_imports_trl():
    offenders = {
        p.name: sorted(n for n in _imported_modules(p.read_text()) if n.split(".")[0] == "trl" or "trl_bridge" in n)
        for p in (ROOT / "a2c_lessons").rglob("*.py")
        if p.name != "trl_bridge.py"
    }
    offenders = {name: mods for name, mods in offenders.items() if mods}
    assert offenders == {}, f"the core must not depend on the optional trl extra: {offenders}"


def test_reward_func_scores_prompt_plus_completion_by_hand():
    prompts = ["", "the food", "i think", "the service was"]
    completions = ["the food was good .", "was bad .", "the .", " not rude . <eos>"]
    # +1 positive, 0 negative, -1 outside the grammar (the last: "<eos>" is no word of the grammar)
    assert trl_bridge.exact_reward_func(prompts=prompts, completions=completions) == [1.0, 0.0, -1.0, -1.0]
    assert trl_bridge.exact_reward_func(prompts=["the service was"], completions=[" not rude ."]) == [1.0]


def test_reward_func_agrees_with_the_trainers_exact_reward_on_sampled_texts(tiny_policy, seed):
    rollout = sample(tiny_policy, list(PROMPTS) * 16, 24, seed=seed)
    # the A2C trainer scores rollout.reviews; TRL passes prompts and completions decoded its own way
    ours = score(exact_reward, rollout.reviews)
    trl_completions = tiny_policy.tokenizer.batch_decode(rollout.response_ids, skip_special_tokens=True)
    theirs = trl_bridge.exact_reward_func(prompts=rollout.prompts, completions=trl_completions, completion_ids=None)
    assert set(ours.tolist()) >= {0.0, 1.0}, "the sample should hold positive and negative reviews"
    assert theirs == ours.tolist(), "the TRL reward function must equal the A2C trainer's exact reward"


def test_prompt_dataset_refuses_a_written_bos():
    with pytest.raises(ValueError, match="special tokens"):
        trl_bridge.prompt_dataset(("<bos> the food",))


def test_settings_refuse_a_batch_that_does_not_split_into_groups():
    with pytest.raises(ValueError, match="multiple of group_size"):
        trl_bridge.TRLSettings(batch_size=64, group_size=6)


def test_make_trl_trainer_without_trl_says_how_to_install(monkeypatch, tiny_policy):
    monkeypatch.setattr(trl_bridge, "trl_available", lambda: False)
    with pytest.raises(ImportError, match=r"pip install -e \.\[trl\]"):
        trl_bridge.make_trl_trainer(trl_bridge.TRLSettings(), tiny_policy)


def bos_counts(tokenizer, prompts: list[str]) -> list[int]:
    """How many <bos> tokens each prompt holds after tokenizing it the way TRL does.

    TRL 1.16 (`GRPOTrainer._tokenize_prompts`, plain-text prompts) calls
    `processing_class(text=prompts)["input_ids"]`: special tokens on, no padding.
    """
    ids = tokenizer(text=list(prompts))["input_ids"]
    return [row.count(tokenizer.bos_token_id) for row in ids]


# ------------------------------------------------------------------------------------------- with TRL
@needs_trl
def test_tokenized_prompt_holds_exactly_one_bos(tmp_path):
    policy, trainer = small_trainer(tmp_path)
    # the exact call GRPOTrainer makes on plain-text prompts before generating
    prompt_ids, _, _ = trainer._tokenize_prompts(list(PROMPTS))
    bos = policy.tokenizer.bos_token_id
    for prompt, ids in zip(PROMPTS, prompt_ids):
        assert ids.count(bos) == 1 and ids[0] == bos, f"prompt {prompt!r} tokenized as {ids}: want one leading <bos>"
    assert bos_counts(policy.tokenizer, list(PROMPTS)) == [1] * len(PROMPTS)
    # the doubled BOS the check guards against: a prompt that writes its own
    assert bos_counts(policy.tokenizer, ["<bos> the food"]) == [2]


@needs_trl
def test_grpo_takes_two_steps_on_the_tiny_lm_with_our_reward(tmp_path, monkeypatch):
    calls, original = [], trl_bridge.exact_reward_func

    def exact_reward_func(prompts, completions, **kwargs):  # same name: TRL logs rewards under it
        calls.append((trl_bridge.review_texts(prompts, completions), original(prompts, completions, **kwargs)))
        return calls[-1][1]

    monkeypatch.setattr(trl_bridge, "exact_reward_func", exact_reward_func)
    policy, trainer = small_trainer(tmp_path)
    before = [p.detach().clone() for p in policy.model.parameters()]
    assert trainer.generation_config.top_k == 0 and trainer.generation_config.top_p == 1.0
    assert trainer.generation_config.temperature == 1.0 and trainer.generation_config.max_new_tokens == 24
    trainer.train()
    assert trainer.state.global_step == 2
    assert len(calls) == 2 and all(len(reviews) == SMALL["batch_size"] for reviews, _ in calls)
    for reviews, rewards in calls:  # what TRL optimised is what our trainer would have scored
        assert rewards == exact_reward(reviews).tolist()
    assert any(not torch.equal(a, b) for a, b in zip(before, policy.model.parameters())), "no parameter moved"


@needs_trl
def test_position_fix_makes_trl_scoring_equal_our_log_probs(tmp_path, seed):
    rows = []
    for fix in (True, False):
        policy, trainer = small_trainer(tmp_path / str(fix), fix_positions=fix)
        rollout = sample(policy, list(PROMPTS), 24, seed=seed)  # left-padded: prompts of 1 to 7 tokens
        with torch.no_grad():
            ours = recompute_logprobs(policy.model, rollout)
            theirs, _, _ = trainer._get_per_token_logps_and_entropies(
                policy.model, rollout.input_ids, rollout.attention_mask.long(), rollout.response_ids.shape[1]
            )
        rows.append(float((theirs - ours)[rollout.mask].abs().max()))
    assert rows[0] < 1e-4, f"with the fix, TRL's log-probs differ from ours by {rows[0]:.2e}"
    # TRL 1.16 as shipped numbers GPT-2 positions from the first pad; if this fails, TRL now passes
    # position ids and trl_bridge.fix_position_ids can go
    assert rows[1] > 0.1, "TRL's scoring forward now agrees without the fix"


@needs_trl
def test_benchmark_runs_end_to_end_on_a_tiny_setting(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_rl_vs_trl", ROOT / "benchmarks" / "rl_vs_trl.py")
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # its dataclasses look their module up by name
    spec.loader.exec_module(bench)
    out = tmp_path / "table.md"
    text = bench.main(
        [
            "--lrs",
            "3e-4",
            "--seeds",
            "0",
            "--max-steps",
            "2",
            "--eval-every",
            "1",
            "--eval-samples",
            "16",
            "--final-samples",
            "32",
            "--batch-size",
            "16",
            "--group-size",
            "4",
            "--no-warmup",
            "--out",
            str(out),
        ]
    )
    assert out.read_text() == text
    for method in ("a2c", "grpo", "rloo"):
        row = next(line for line in text.splitlines() if line.startswith(f"| {method} | 0.0003 | 0 |"))
        assert float(row.split("|")[6]) > 0, f"{method}: seconds per step missing in {row!r}"
    assert "beta=0.05* (TRL: 0.0)" in text and "bf16=False*" in text and "lr_scheduler_type='constant'*" in text
    assert "load average" in text and "trl 1.16" in text and "target at lr 0.0003" in text
    runs = __import__("json").loads(out.with_suffix(".json").read_text())["runs"]
    assert [len(r["curve"]) for r in runs] == [2, 2, 2], "the evaluator runs at every step of this setting"
