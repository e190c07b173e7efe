"""Tests for a2c_lessons.losses: slow references, what one SGD step does, gradients, and known-wrong versions.

The reference functions below never import the library: each is the formula
written out over b and t (and v), skipping tokens where mask is False.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from a2c_lessons.losses import (
    A2CLoss,
    a2c_loss,
    a2c_loss_token_mean,
    a2c_total_loss,
    clipped_critic_loss,
    critic_loss,
    kl_k1,
    kl_k3,
    sequence_utility,
    token_entropy,
    token_utility,
)
from tests.wrong import flipped_sign_a2c_loss, undetached_token_utility, unmasked_a2c_loss

FAST = settings(max_examples=40, deadline=None)


# ---------------------------------------------------------------- random batches and slow references


def random_logprobs_and_advantages(
    seed: int, batch: int = 4, time: int = 5
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """logprobs (< 0) and advantages: (B, T) float64 with finite garbage on pads; mask: (B, T) bool prefix."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, time + 1, (batch,), generator=gen)
    lengths[0] = time
    mask = torch.arange(time) < lengths.unsqueeze(1)
    logprobs = -3.0 * torch.rand(batch, time, generator=gen, dtype=torch.float64)
    advantages = torch.randn(batch, time, generator=gen, dtype=torch.float64)
    # pads hold garbage a correct loss never sees
    return logprobs.masked_fill(~mask, -7.0), advantages.masked_fill(~mask, 50.0), mask


def real_tokens(mask):
    return [(b, t) for b in range(mask.shape[0]) for t in range(mask.shape[1]) if mask[b, t]]


def ref_a2c_loss(logprobs, advantages, mask):
    utilities = [0.0] * mask.shape[0]
    for b, t in real_tokens(mask):
        utilities[b] += float(logprobs[b, t]) * float(advantages[b, t])
    return -sum(utilities) / len(utilities)


def ref_a2c_loss_token_mean(logprobs, advantages, mask):
    tokens = real_tokens(mask)
    return -sum(float(logprobs[b, t]) * float(advantages[b, t]) for b, t in tokens) / len(tokens)


def ref_critic_loss(values, returns, mask):
    tokens = real_tokens(mask)
    return 0.5 * sum((float(values[b, t]) - float(returns[b, t])) ** 2 for b, t in tokens) / len(tokens)


def ref_clipped_critic_loss(values, old_values, returns, mask, clip):
    total, tokens = 0.0, real_tokens(mask)
    for b, t in tokens:
        v, old, ret = float(values[b, t]), float(old_values[b, t]), float(returns[b, t])
        clipped = old + min(max(v - old, -clip), clip)
        total += max((v - ret) ** 2, (clipped - ret) ** 2)
    return 0.5 * total / len(tokens)


def ref_entropy(logprobs_full):
    batch, time, vocab = logprobs_full.shape
    out = torch.zeros(batch, time, dtype=torch.float64)
    for b in range(batch):
        for t in range(time):
            logps = [float(logprobs_full[b, t, v]) for v in range(vocab)]
            out[b, t] = -sum(math.exp(lp) * lp for lp in logps if lp != -math.inf)
    return out


# ---------------------------------------------------------------- against the references


def test_token_utility_reproduces_the_seed_example():
    utility = token_utility(torch.tensor([[-3.0, -1.2]]), torch.tensor([[4.0, 2.0]]))
    assert torch.allclose(utility, torch.tensor([[-12.0, -2.4]]))


@pytest.mark.parametrize(
    "loss_fn, passes",
    [(a2c_loss, True), (flipped_sign_a2c_loss, False), (unmasked_a2c_loss, False)],
    ids=["library_passes", "flipped_sign_a2c_loss_fails_reference", "unmasked_a2c_loss_fails_reference"],
)
def test_a2c_loss_matches_reference_loop(loss_fn, passes):
    for seed in range(5):
        logprobs, advantages, mask = random_logprobs_and_advantages(seed)
        close = math.isclose(float(loss_fn(logprobs, advantages, mask)), ref_a2c_loss(logprobs, advantages, mask))
        if not close:
            assert not passes, f"seed {seed}: a2c_loss differs from -mean_b sum_t log pi * A"
            return
    assert passes, "the wrong loss matched the reference on every batch"


def test_sequence_utility_is_the_per_row_sum_of_token_utilities():
    logprobs, advantages, mask = random_logprobs_and_advantages(7)
    expected = [0.0] * mask.shape[0]
    for b, t in real_tokens(mask):
        expected[b] += float(logprobs[b, t]) * float(advantages[b, t])
    assert torch.allclose(sequence_utility(logprobs, advantages, mask), torch.tensor(expected, dtype=torch.float64))


def test_a2c_loss_token_mean_matches_reference_loop():
    logprobs, advantages, mask = random_logprobs_and_advantages(8)
    expected = ref_a2c_loss_token_mean(logprobs, advantages, mask)
    assert math.isclose(float(a2c_loss_token_mean(logprobs, advantages, mask)), expected)


def test_critic_losses_match_reference_loops():
    values, returns, mask = random_logprobs_and_advantages(9)
    old_values = values + 0.3 * torch.randn(
        values.shape, generator=torch.Generator().manual_seed(0), dtype=values.dtype
    )
    assert math.isclose(float(critic_loss(values, returns, mask)), ref_critic_loss(values, returns, mask))
    for clip in [0.0, 0.1, 0.5, 100.0]:
        out = clipped_critic_loss(values, old_values, returns, mask, clip=clip)
        assert math.isclose(float(out), ref_clipped_critic_loss(values, old_values, returns, mask, clip))


def test_token_entropy_matches_reference_loop_with_zero_probability_tokens(seed):
    logits = torch.randn(2, 3, 6, dtype=torch.float64)
    logits[0, 1, :4] = -math.inf  # top-k style: four tokens have probability 0
    logprobs_full = logits.log_softmax(dim=-1)
    assert torch.allclose(token_entropy(logprobs_full), ref_entropy(logprobs_full))
    uniform = torch.full((1, 1, 8), -math.log(8.0), dtype=torch.float64)
    assert torch.allclose(token_entropy(uniform), torch.tensor([[math.log(8.0)]], dtype=torch.float64))


def test_token_entropy_gradient_has_no_nan_where_probability_is_zero(seed):
    logits = torch.randn(2, 3, 6, dtype=torch.float64)
    logits[:, :, 0] = -math.inf
    logits.requires_grad_(True)
    token_entropy(logits.log_softmax(dim=-1)).sum().backward()
    assert bool(torch.isfinite(logits.grad).all())


# ---------------------------------------------------------------- what one SGD step does


def one_sgd_step(loss_fn, advantages: torch.Tensor, mask: torch.Tensor, lr: float = 0.5):
    """A tiny softmax policy, one logit vector per (b, t): probabilities before and after one step, and the grad.

    Returns:
        before, after: (B, T) probabilities of the sampled tokens; grad: (B, T, V) of the logits.
    """
    gen = torch.Generator().manual_seed(0)
    logits = torch.nn.Parameter(0.1 * torch.randn(*mask.shape, 5, generator=gen, dtype=torch.float64))
    tokens = torch.randint(0, 5, mask.shape, generator=gen)  # (B, T) the sampled tokens

    def chosen_logprobs():
        return logits.log_softmax(dim=-1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)  # (B, T)

    before = chosen_logprobs().detach().exp()
    loss_fn(chosen_logprobs(), advantages, mask).backward()
    torch.optim.SGD([logits], lr=lr).step()
    return before, chosen_logprobs().detach().exp(), logits.grad


MASK = torch.tensor([[True, True, True], [True, True, False]])
ADVANTAGES = torch.tensor([[1.0, -1.0, 0.5], [2.0, -0.5, 1e6]], dtype=torch.float64)  # 1e6 sits on the pad


def raises_good_and_lowers_bad(loss_fn) -> bool:
    before, after, _ = one_sgd_step(loss_fn, ADVANTAGES, MASK)
    up, down = (ADVANTAGES > 0) & MASK, (ADVANTAGES < 0) & MASK
    return bool((after[up] > before[up]).all() and (after[down] < before[down]).all())


@pytest.mark.parametrize(
    "loss_fn, passes",
    [(a2c_loss, True), (a2c_loss_token_mean, True), (flipped_sign_a2c_loss, False)],
    ids=["a2c_loss", "a2c_loss_token_mean", "flipped_sign_a2c_loss_fails"],
)
def test_sgd_step_raises_positive_advantage_tokens_and_lowers_negative(loss_fn, passes):
    assert raises_good_and_lowers_bad(loss_fn) == passes


def test_flipped_sign_loss_lowers_positive_advantage_tokens_and_raises_negative():
    before, after, _ = one_sgd_step(flipped_sign_a2c_loss, ADVANTAGES, MASK)
    up, down = (ADVANTAGES > 0) & MASK, (ADVANTAGES < 0) & MASK
    assert bool((after[up] < before[up]).all()) and bool((after[down] > before[down]).all())


@pytest.mark.parametrize("loss_fn", [a2c_loss, a2c_loss_token_mean])
def test_zero_advantages_give_zero_gradient(loss_fn):
    _, _, grad = one_sgd_step(loss_fn, torch.zeros_like(ADVANTAGES), MASK)
    assert bool((grad == 0).all())


@pytest.mark.parametrize(
    "loss_fn, passes",
    [(a2c_loss, True), (a2c_loss_token_mean, True), (unmasked_a2c_loss, False)],
    ids=["a2c_loss", "a2c_loss_token_mean", "unmasked_a2c_loss_fails"],
)
def test_masked_tokens_get_exactly_zero_gradient_even_with_huge_advantage(loss_fn, passes):
    _, _, grad = one_sgd_step(loss_fn, ADVANTAGES, MASK)
    assert bool((grad[~MASK] == 0).all()) == passes


@pytest.mark.parametrize(
    "utility_fn, passes",
    [(token_utility, True), (undetached_token_utility, False)],
    ids=["library_passes", "undetached_token_utility_fails"],
)
def test_advantage_receives_no_gradient(utility_fn, passes):
    logprobs, advantages, _ = random_logprobs_and_advantages(3)
    logprobs.requires_grad_(True)
    advantages.requires_grad_(True)
    utility_fn(logprobs, advantages).sum().backward()
    assert (advantages.grad is None) == passes
    assert logprobs.grad is not None


def test_losses_do_not_backprop_into_advantages_returns_or_old_values():
    logprobs, advantages, mask = random_logprobs_and_advantages(4)
    returns, old_values = advantages.clone().requires_grad_(True), advantages.clone().requires_grad_(True)
    advantages.requires_grad_(True)
    logprobs.requires_grad_(True)
    values = logprobs.detach().clone().requires_grad_(True)
    a2c_loss(logprobs, advantages, mask).backward()
    a2c_loss_token_mean(logprobs, advantages, mask).backward()
    critic_loss(values, returns, mask).backward()
    clipped_critic_loss(values, old_values, returns, mask, clip=0.2).backward()
    assert advantages.grad is None and returns.grad is None and old_values.grad is None
    assert values.grad is not None


def test_a2c_loss_gradient_is_token_mean_gradient_times_tokens_per_sequence():
    logprobs, advantages, mask = random_logprobs_and_advantages(5)
    logprobs.requires_grad_(True)
    (grad_sum,) = torch.autograd.grad(a2c_loss(logprobs, advantages, mask), logprobs)
    (grad_mean,) = torch.autograd.grad(a2c_loss_token_mean(logprobs, advantages, mask), logprobs)
    tokens_per_sequence = mask.sum() / mask.shape[0]  # N / B
    assert torch.allclose(grad_sum, tokens_per_sequence * grad_mean)


def test_gradcheck_losses_in_float64():
    logprobs, advantages, mask = random_logprobs_and_advantages(6, batch=3, time=4)
    old_values = advantages + 0.3 * torch.randn(
        advantages.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    x = logprobs.clone().requires_grad_(True)
    ref = advantages.clone().requires_grad_(True)
    gradcheck = torch.autograd.gradcheck
    assert gradcheck(lambda lp: a2c_loss(lp, advantages, mask), (x,))
    assert gradcheck(lambda lp: a2c_loss_token_mean(lp, advantages, mask), (x,))
    assert gradcheck(lambda lp: sequence_utility(lp, advantages, mask), (x,))
    assert gradcheck(lambda v: critic_loss(v, advantages, mask), (x,))
    assert gradcheck(lambda v: clipped_critic_loss(v, old_values, advantages, mask, clip=0.2), (x,))
    assert gradcheck(kl_k1, (x, ref)) and gradcheck(kl_k3, (x, ref))
    logits = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    assert gradcheck(lambda z: token_entropy(z.log_softmax(dim=-1)), (logits.requires_grad_(True),))


# ---------------------------------------------------------------- KL estimators


def averages_to_true_kl(estimator) -> bool:
    """Mean of estimator over y ~ pi, against KL(pi || pi_ref) = sum_y pi log(pi / pi_ref), within 5 std errors."""
    pi = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    pi_ref = torch.tensor([0.4, 0.3, 0.2, 0.1], dtype=torch.float64)
    true_kl = float((pi * (pi / pi_ref).log()).sum())
    samples = torch.multinomial(pi, 100_000, replacement=True, generator=torch.Generator().manual_seed(0))
    per_token = estimator(pi.log()[samples].unsqueeze(0), pi_ref.log()[samples].unsqueeze(0))  # (1, N)
    standard_error = float(per_token.std()) / math.sqrt(per_token.numel())
    return abs(float(per_token.mean()) - true_kl) < 5 * standard_error


@pytest.mark.parametrize(
    "estimator, passes",
    [(kl_k1, True), (kl_k3, True), (lambda lp, ref: kl_k3(ref, lp), False)],
    ids=["kl_k1", "kl_k3", "kl_k3_with_swapped_arguments_fails"],
)
def test_kl_estimators_average_to_true_kl(estimator, passes):
    assert averages_to_true_kl(estimator) == passes


logprob_floats = st.floats(-30.0, 0.0, width=32)
small_or_large = st.one_of(st.floats(-(2.0**-17), 2.0**-17, width=32), st.floats(-10.0, 10.0, width=32))


@FAST
@given(pairs=st.lists(st.tuples(logprob_floats, small_or_large), min_size=1, max_size=8))
def test_kl_k3_is_never_negative(pairs):
    logprobs = torch.tensor([[lp for lp, _ in pairs]], dtype=torch.float32)
    ref_logprobs = torch.tensor([[lp + delta for lp, delta in pairs]], dtype=torch.float32)
    assert bool((kl_k3(logprobs, ref_logprobs) >= 0).all())


# ---------------------------------------------------------------- all terms together


def test_a2c_total_loss_combines_the_terms_as_its_docstring_says():
    logprobs, advantages, mask = random_logprobs_and_advantages(10)
    values, returns = 0.5 * advantages, advantages
    entropy = token_entropy(torch.randn(*mask.shape, 6, dtype=torch.float64).log_softmax(dim=-1))
    out = a2c_total_loss(logprobs, advantages, values, returns, entropy, mask, vf_coef=0.5, ent_coef=0.01)
    assert isinstance(out, A2CLoss)
    assert torch.equal(out.actor, a2c_loss(logprobs, advantages, mask))
    assert torch.equal(out.critic, critic_loss(values, returns, mask))
    assert math.isclose(float(out.entropy), sum(float(entropy[b, t]) for b, t in real_tokens(mask)) / int(mask.sum()))
    assert torch.allclose(out.total, out.actor + 0.5 * out.critic - 0.01 * out.entropy)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("loss_fn", [sequence_utility, a2c_loss, a2c_loss_token_mean])
def test_mismatched_shapes_raise_naming_the_argument(loss_fn):
    logprobs, advantages, mask = random_logprobs_and_advantages(0, batch=2, time=3)
    with pytest.raises(ValueError, match="advantages"):
        loss_fn(logprobs, advantages[:, :2], mask)
    with pytest.raises(ValueError, match="logprobs"):
        loss_fn(logprobs, advantages, mask[:1])
    with pytest.raises(ValueError, match="advantages"):
        token_utility(logprobs, advantages[:1])


@pytest.mark.parametrize("loss_fn", [a2c_loss, a2c_loss_token_mean])
def test_mask_with_no_true_entry_raises_naming_mask(loss_fn):
    logprobs, advantages, mask = random_logprobs_and_advantages(0, batch=2, time=3)
    with pytest.raises(ValueError, match="mask"):
        loss_fn(logprobs, advantages, torch.zeros_like(mask))
    with pytest.raises(ValueError, match="mask"):
        critic_loss(logprobs, advantages, torch.zeros_like(mask))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_logprobs_on_real_tokens_raise_but_pads_may_hold_anything(bad):
    logprobs, advantages, mask = random_logprobs_and_advantages(0, batch=2, time=3)
    on_pad = logprobs.masked_fill(~mask, bad)
    assert torch.isfinite(a2c_loss(on_pad, advantages, mask))
    logprobs[0, 0] = bad
    with pytest.raises(ValueError, match="logprobs"):
        a2c_loss(logprobs, advantages, mask)


def test_bad_coefficients_and_shapes_raise_naming_the_argument():
    logprobs, advantages, mask = random_logprobs_and_advantages(0, batch=2, time=3)
    entropy = torch.ones_like(logprobs)
    with pytest.raises(ValueError, match="vf_coef"):
        a2c_total_loss(logprobs, advantages, logprobs, advantages, entropy, mask, vf_coef=-1.0, ent_coef=0.0)
    with pytest.raises(ValueError, match="ent_coef"):
        a2c_total_loss(logprobs, advantages, logprobs, advantages, entropy, mask, vf_coef=0.5, ent_coef=math.nan)
    with pytest.raises(ValueError, match="clip"):
        clipped_critic_loss(logprobs, logprobs, advantages, mask, clip=-0.1)
    with pytest.raises(ValueError, match="returns"):
        critic_loss(logprobs, advantages[:1], mask)
    with pytest.raises(ValueError, match="ref_logprobs"):
        kl_k3(logprobs, logprobs[:, :2])
    with pytest.raises(ValueError, match="logprobs_full"):
        token_entropy(logprobs)
    with pytest.raises(ValueError, match="logprobs_full"):
        token_entropy(torch.full((1, 1, 3), math.nan))
