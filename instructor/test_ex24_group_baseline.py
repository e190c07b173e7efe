"""Grades ex24: the RLOO and GRPO group baselines, against advantages.group_advantages."""

import torch

from a2c_lessons import advantages
from a2c_lessons.grading import expect_close, expect_tensor, points

EXERCISE = "ex24_group_baseline"


def scores(seed, batch=12):
    return torch.randn(batch, generator=torch.Generator().manual_seed(seed)) * 2 + 0.5


def interleaved(values, group_size, fn):
    """What a version that reads the groups column-wise (view(G, -1)) returns."""
    return fn(values.view(group_size, -1).T.flatten()).view(-1, group_size).T.flatten()


def rloo_wrong(values, group_size):
    groups = values.view(-1, group_size)

    def rloo(v):
        return advantages.group_advantages(v, group_size=group_size, leave_one_out=True)

    return {
        "that subtracts the mean of the whole group, the response itself included; leave it out.": (
            groups - groups.mean(dim=1, keepdim=True)
        ).flatten(),
        "that subtracts the mean of the whole batch; the baseline is the other responses to the same prompt.": (
            values - values.mean()
        ),
        "the groups are read column-wise; rows g*G .. g*G + G - 1 share a prompt (view(-1, G)).": interleaved(
            values, group_size, rloo
        ),
        "the sum of the others is divided by G; there are G - 1 others.": (
            groups - (groups.sum(dim=1, keepdim=True) - groups) / group_size
        ).flatten(),
    }


def grpo_wrong(values, group_size):
    groups = values.view(-1, group_size)
    centred = groups - groups.mean(dim=1, keepdim=True)

    def grpo(v):
        return advantages.group_advantages(v, group_size=group_size, leave_one_out=False)

    return {
        "the advantages are not divided by the group's standard deviation.": centred.flatten(),
        "that uses the standard deviation without Bessel's correction (unbiased=False).": (
            centred / (groups.std(dim=1, unbiased=False, keepdim=True) + 1e-4)
        ).flatten(),
        "that standardises over the whole batch; GRPO standardises within each group.": (
            (values - values.mean()) / (values.std() + 1e-4)
        ),
        "the groups are read column-wise; rows g*G .. g*G + G - 1 share a prompt (view(-1, G)).": interleaved(
            values, group_size, grpo
        ),
    }


def grade_group_advantages(student, fn, values, group_size, wrong):
    expected = advantages.group_advantages(values, group_size=group_size, leave_one_out=fn == "rloo_advantages")
    out = student.call(EXERCISE, fn, values.clone(), group_size=group_size)
    got = expect_tensor(out, fn, tuple(values.shape), hints={(values.shape[0] // group_size,): "One per response."})
    case = f"{values.shape[0]} rewards in groups of {group_size}"
    expect_close(got, expected, fn, case, wrong=wrong(values, group_size))


@points(1)
def test_rloo_hand_worked_case(student):
    """RLOO on the hand-worked case: rewards 1, 0 | 0, 1 in groups of 2 give 1, -1 | -1, 1"""
    grade_group_advantages(student, "rloo_advantages", torch.tensor([1.0, 0.0, 0.0, 1.0]), 2, rloo_wrong)


@points(2)
def test_rloo_matches_library(student):
    """rloo_advantages matches the library"""
    for seed, group_size in ((200, 4), (201, 3), (202, 2)):
        grade_group_advantages(student, "rloo_advantages", scores(seed), group_size, rloo_wrong)


@points(2)
def test_grpo_matches_library(student):
    """grpo_advantages matches the library"""
    for seed, group_size in ((203, 4), (204, 3), (205, 6)):
        grade_group_advantages(student, "grpo_advantages", scores(seed), group_size, grpo_wrong)
