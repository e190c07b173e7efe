"""a2c-lessons: RL fine-tuning of language models through the Advantage Actor-Critic loss.

    prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step

    L(theta) = -E_{x ~ D, y ~ pi_theta}[U],   U = sum_t log pi_theta(y_t | x, y_<t) * A_t

One module per step of that line: `policy`, `sampling`, `rewards`, `logpi`,
`critic`, `advantages`, `losses`, `trainer`; `padding`, `masked` and `fastpath` hold
what several steps share; `viz`, `curves` and `widgets` plot the same tensors, and
`grading` grades the exercises. The README's "What is inside" lists every module.
"""

__version__ = "0.1.0"
