"""WRONG: RLOO's baseline that includes the response itself (the group mean); GRPO is right."""

EXERCISE = "ex20_group_baseline"


def rloo_advantages(scores, *, group_size):
    groups = scores.view(-1, group_size)
    return (groups - groups.mean(dim=1, keepdim=True)).flatten()  # BUG: the mean includes r_i


def grpo_advantages(scores, *, group_size):
    groups = scores.view(-1, group_size)
    centred = groups - groups.mean(dim=1, keepdim=True)
    return (centred / (groups.std(dim=1, keepdim=True) + 1e-4)).flatten()
