"""Run by test_distributed.py under torchrun: one A2C step, then each rank writes its parameters."""

import sys

import torch

from a2c_lessons.trainer import A2CConfig, A2CTrainer


def main(out_prefix: str, batch_size: int) -> None:
    trainer = A2CTrainer(A2CConfig(batch_size=batch_size, max_new_tokens=16, stop_positive=None))
    row = trainer.step()
    module = trainer.accelerator.unwrap_model(trainer.actor_critic)
    params = torch.cat([p.detach().flatten() for p in module.parameters()])
    grads = torch.cat([p.grad.flatten() for p in module.parameters()])  # after DDP's all-reduce
    rank = trainer.accelerator.process_index
    torch.save({"params": params, "grads": grads, "metrics": row}, f"{out_prefix}{rank}.pt")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
