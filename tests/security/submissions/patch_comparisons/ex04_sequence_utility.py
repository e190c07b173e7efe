"""Attack: make every comparison pass by patching torch in the student's process."""
import torch

torch.allclose = lambda *a, **k: True
torch.isclose = lambda a, b, *x, **k: torch.ones_like(a, dtype=torch.bool)
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)


def sequence_utility(logprobs, advantages, mask):
    return torch.zeros(logprobs.shape[0])
