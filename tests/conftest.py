"""Shared fixtures: a fixed seed for every test, the bundled tiny LM loaded once."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def seed() -> int:
    """The seed every randomised test starts from; torch's global RNG is set to it."""
    torch.manual_seed(1234)
    return 1234


@pytest.fixture(scope="session")
def tiny_policy():
    """The bundled tiny LM on the CPU (loaded once per test session; do not train it in place)."""
    from a2c_lessons.policy import load_policy

    return load_policy(device="cpu")
