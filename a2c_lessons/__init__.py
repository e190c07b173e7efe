"""a2c-lessons: RL fine-tuning of language models through the Advantage Actor-Critic loss.

    prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step

    L(theta) = -E_{x ~ D, y ~ pi_theta}[U],   U = sum_t log pi_theta(y_t | x, y_<t) * A_t

One module per step of that line: `policy`, `sampling`, `rewards`, `critic`,
`advantages`, `losses`, `trainer`; `viz` plots the same tensors and `grading`
grades the exercises.
"""

__version__ = "0.1.0"
