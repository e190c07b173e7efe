"""The thread-count policy: one torch thread for a small model on the CPU inside the library's heavy calls,
the user's setting everywhere else, and the A2C_LESSONS_THREADS override."""

from __future__ import annotations

import pytest
import torch

from a2c_lessons import fastpath, threads
from a2c_lessons.sampling import sample

TWO = 2  # a user's setting other than the one the policy picks for the tiny LM


@pytest.fixture
def user_setting(monkeypatch):
    """torch at 2 threads (the user's setting), no override in the environment; restored afterwards."""
    before = torch.get_num_threads()
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    torch.set_num_threads(TWO)
    yield TWO
    torch.set_num_threads(before)


def big_model() -> torch.nn.Module:
    return torch.nn.Linear(2000, 1001)  # 2,003,001 parameters: just above SMALL_MODEL_PARAMS


def test_a_small_cpu_model_runs_on_one_thread_and_the_users_setting_comes_back(tiny_policy, user_setting):
    with threads.for_model(tiny_policy.model):
        inside = torch.get_num_threads()
    assert inside == 1 and torch.get_num_threads() == user_setting


def test_the_users_setting_comes_back_after_an_error(tiny_policy, user_setting):
    with pytest.raises(RuntimeError, match="boom"), threads.for_model(tiny_policy.model):
        raise RuntimeError("boom")
    assert torch.get_num_threads() == user_setting


def test_a_model_above_the_threshold_or_off_the_cpu_keeps_torchs_setting(user_setting):
    assert sum(p.numel() for p in big_model().parameters()) >= threads.SMALL_MODEL_PARAMS
    with threads.for_model(big_model()):
        assert torch.get_num_threads() == user_setting
    with threads.for_model(torch.nn.Linear(2, 2, device="meta")):  # any device but the CPU
        assert torch.get_num_threads() == user_setting


def test_the_environment_variable_overrides_the_choice(tiny_policy, user_setting, monkeypatch):
    monkeypatch.setenv(threads.ENV_VAR, "0")  # leave torch alone
    with threads.for_model(tiny_policy.model):
        assert torch.get_num_threads() == user_setting
    monkeypatch.setenv(threads.ENV_VAR, "1")  # N threads, whatever the model
    with threads.for_model(big_model()):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == user_setting
    monkeypatch.setenv(threads.ENV_VAR, "two")
    with pytest.raises(ValueError, match=threads.ENV_VAR):
        threads.threads_for(tiny_policy.model)


def test_sample_and_the_training_step_run_on_the_chosen_threads(tiny_policy, user_setting, monkeypatch):
    from a2c_lessons.trainer import A2CConfig, A2CTrainer

    seen = []
    prefill = fastpath.StaticCacheStepper.prefill

    def recording_prefill(self):
        seen.append(torch.get_num_threads())
        return prefill(self)

    monkeypatch.setattr(fastpath.StaticCacheStepper, "prefill", recording_prefill)
    sample(tiny_policy, ["the food"], 4, seed=0)
    assert seen == [1] and torch.get_num_threads() == user_setting
    trainer = A2CTrainer(A2CConfig(batch_size=4, max_new_tokens=4, stop_positive=None))
    backward = trainer.accelerator.backward

    def recording_backward(loss):
        seen.append(torch.get_num_threads())
        return backward(loss)

    monkeypatch.setattr(trainer.accelerator, "backward", recording_backward)
    trainer.step()
    assert seen == [1, 1, 1] and torch.get_num_threads() == user_setting  # its sample, then its backward


def test_a_trl_trainer_runs_on_the_chosen_threads(tiny_policy, user_setting):
    from a2c_lessons.trl_bridge import train_on_chosen_threads

    class FakeTrainer:
        def train(self, resume_from_checkpoint=None):
            return torch.get_num_threads(), resume_from_checkpoint

    trainer = train_on_chosen_threads(FakeTrainer(), tiny_policy.model)
    assert trainer.train(resume_from_checkpoint="x") == (1, "x")
    assert torch.get_num_threads() == user_setting
