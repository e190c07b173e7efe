"""Attack: a tensor whose every comparison says 'equal'."""
import torch


class Agreeable(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal):
            return True
        if func in (torch.isclose, torch.Tensor.__eq__):
            return torch.ones(args[0].shape, dtype=torch.bool)
        return super().__torch_function__(func, types, args, kwargs or {})


def sequence_utility(logprobs, advantages, mask):
    return torch.zeros(logprobs.shape[0]).as_subclass(Agreeable)
