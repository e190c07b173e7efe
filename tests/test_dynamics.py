"""Learning dynamics: the jvp-based first-order change of log pi at another context, held to an explicit
Jacobian on a model small enough to form it, to real SGD and Adam steps, and to known-wrong versions."""

from __future__ import annotations

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from a2c_lessons import dynamics
from a2c_lessons.policy import Policy

UPDATE = ("the food was", "great")
CONTEXTS = ["the food was", "the service was", "i loved the"]


@pytest.fixture(scope="module")
def small_policy(tiny_policy):
    """A one-layer GPT-2 of width 8 on the tiny LM's tokenizer, in float64: its Jacobian (V, ~2k) fits in memory."""
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=tiny_policy.model.config.vocab_size,
        n_positions=16,
        n_embd=8,
        n_layer=1,
        n_head=2,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
    )
    model = GPT2LMHeadModel(config).double().eval()
    with torch.no_grad():  # larger weights than the 0.02 init, so the softmax is far from uniform
        for p in model.parameters():
            p.mul_(5.0)
    return Policy(model, tiny_policy.tokenizer)


def reference_logits(policy: Policy, text: str, params: list[torch.Tensor]) -> torch.Tensor:
    """(V,) z(x) of the token after `text`, alone (no padding), through the model's own forward."""
    ids = policy.tokenizer([text], return_tensors="pt").input_ids
    return policy.model(input_ids=ids).logits[0, -1]


JACOBIANS: dict[tuple[int, str], tuple[torch.Tensor, torch.Tensor]] = {}


def explicit_jacobian(policy: Policy, text: str) -> tuple[torch.Tensor, torch.Tensor]:
    """z(x) (V,) and J(x) = dz / dtheta (V, P), one backward per vocabulary row: the slow, obvious way (cached)."""
    key = (id(policy.model), text)
    if key not in JACOBIANS:
        JACOBIANS[key] = _explicit_jacobian(policy, text)
    return JACOBIANS[key]


def _explicit_jacobian(policy: Policy, text: str) -> tuple[torch.Tensor, torch.Tensor]:
    params = [p for p in policy.model.parameters()]
    logits = reference_logits(policy, text, params)
    rows = []
    for v in range(logits.shape[0]):
        grads = torch.autograd.grad(logits[v], params, retain_graph=True)
        rows.append(torch.cat([g.reshape(-1) for g in grads]))
    return logits.detach(), torch.stack(rows)


def reference_change(policy, *, prompt, token, advantage, lr, context) -> torch.Tensor:
    """lr A (I - 1 pi_o^T) J_o J_u^T (e_y - pi_u), with K formed explicitly."""
    z_u, jac_u = explicit_jacobian(policy, prompt)
    z_o, jac_o = explicit_jacobian(policy, context)
    pi_u = torch.softmax(z_u, -1)
    pi_o = torch.softmax(z_o, -1)
    one_hot = torch.zeros_like(pi_u)
    one_hot[policy.tokenizer.convert_tokens_to_ids(token)] = 1.0
    kernel = jac_o @ jac_u.T  # (V, V): the empirical NTK of the logits
    centring = torch.eye(len(pi_o), dtype=pi_o.dtype) - torch.outer(torch.ones_like(pi_o), pi_o)
    return lr * advantage * centring @ kernel @ (one_hot - pi_u)


# ---------------------------------------------------------------- known-wrong versions, which must fail


def wrong_uncentred(policy, *, prompt, token, advantage, lr, contexts):
    """Forgets the softmax: takes the logits' change lr A J g for the change of log pi."""
    _, directions = dynamics.logit_directions(policy, dynamics.update_direction(policy, prompt, token), contexts)
    return lr * advantage * directions


def wrong_unsigned(policy, *, prompt, token, advantage, lr, contexts):
    """Ignores the sign of A: every update pushes its token up."""
    return dynamics.predicted_change(
        policy, prompt=prompt, token=token, advantage=abs(advantage), lr=lr, contexts=contexts
    )


# ---------------------------------------------------------------- the prediction against an explicit K


@pytest.mark.parametrize("advantage", [1.5, -0.7])
def test_jvp_prediction_equals_explicit_ntk_formula(small_policy, advantage):
    prompt, token = UPDATE
    predicted = dynamics.predicted_change(
        small_policy, prompt=prompt, token=token, advantage=advantage, lr=0.1, contexts=CONTEXTS
    )
    for row, context in enumerate(CONTEXTS):
        expected = reference_change(
            small_policy, prompt=prompt, token=token, advantage=advantage, lr=0.1, context=context
        )
        torch.testing.assert_close(predicted[row], expected, atol=1e-5, rtol=0)
        assert expected.abs().max() > 1e-3, "the reference change is too small to test anything"


def test_uncentred_and_unsigned_versions_miss_the_explicit_formula(small_policy):
    prompt, token = UPDATE
    args = {"prompt": prompt, "token": token, "advantage": -1.0, "lr": 0.1, "contexts": CONTEXTS[:2]}
    expected = reference_change(small_policy, **{k: v for k, v in args.items() if k != "contexts"}, context=CONTEXTS[1])
    for wrong in (wrong_uncentred, wrong_unsigned):
        assert (wrong(small_policy, **args)[1] - expected).abs().max() > 1e-3, f"{wrong.__name__} was not caught"


def test_logit_directions_of_the_update_direction_are_k_times_e_minus_pi(small_policy):
    prompt, token = UPDATE
    step = dynamics.update_direction(small_policy, prompt, token)
    _, directions = dynamics.logit_directions(small_policy, step, ["the service was"])
    z_u, jac_u = explicit_jacobian(small_policy, prompt)
    _, jac_o = explicit_jacobian(small_policy, "the service was")
    one_hot = torch.zeros_like(z_u)
    one_hot[small_policy.tokenizer.convert_tokens_to_ids(token)] = 1.0
    torch.testing.assert_close(
        directions[0], jac_o @ jac_u.T @ (one_hot - torch.softmax(z_u, -1)), atol=1e-10, rtol=1e-9
    )


# ---------------------------------------------------------------- the prediction against real steps


def relative_error(predicted: torch.Tensor, actual: torch.Tensor) -> float:
    return float((predicted - actual).norm() / actual.norm())


def test_first_order_prediction_approaches_the_sgd_change_as_lr_goes_to_zero(small_policy):
    prompt, token = UPDATE
    errors = []
    for lr in (1e-3, 1e-4, 1e-5):
        args = {"prompt": prompt, "token": token, "advantage": 1.0, "lr": lr}
        after = dynamics.sgd_step(small_policy, **args)
        actual = dynamics.actual_change(small_policy, after, CONTEXTS)
        errors.append(relative_error(dynamics.predicted_change(small_policy, **args, contexts=CONTEXTS), actual))
    # the error is second order: it shrinks about tenfold per tenfold smaller lr
    assert errors[1] < errors[0] / 5 and errors[2] < errors[1] / 5, errors
    assert errors[2] < 1e-2, errors


def test_uncentred_prediction_stays_wrong_as_lr_goes_to_zero(small_policy):
    prompt, token = UPDATE
    args = {"prompt": prompt, "token": token, "advantage": 1.0, "lr": 1e-5}
    actual = dynamics.actual_change(small_policy, dynamics.sgd_step(small_policy, **args), CONTEXTS)
    right = relative_error(dynamics.predicted_change(small_policy, **args, contexts=CONTEXTS), actual)
    wrong = relative_error(wrong_uncentred(small_policy, **args, contexts=CONTEXTS), actual)
    assert wrong > 0.03 and wrong > 10 * right, (wrong, right)


def test_positive_advantage_raises_and_negative_lowers_the_updated_token(tiny_policy):
    prompt, token = UPDATE
    great = dynamics.token_id(tiny_policy, token)
    for advantage in (1.0, -1.0):
        args = {"prompt": prompt, "token": token, "advantage": advantage, "lr": 0.01}
        predicted = dynamics.predicted_change(tiny_policy, **args, contexts=[prompt])[0, great]
        actual = dynamics.actual_change(tiny_policy, dynamics.sgd_step(tiny_policy, **args), [prompt])[0, great]
        assert torch.sign(predicted) == torch.sign(actual) == advantage
        wrong = wrong_unsigned(tiny_policy, **args, contexts=[prompt])[0, great]
        assert (torch.sign(wrong) == advantage) == (advantage > 0), "the unsigned version must fail for A < 0"


def test_first_order_change_along_adams_step_matches_the_adam_change(tiny_policy):
    prompt, token = UPDATE
    args = {"prompt": prompt, "token": token, "advantage": 1.0, "lr": 1e-5}
    after = dynamics.adam_step(tiny_policy, **args)
    actual = dynamics.actual_change(tiny_policy, after, CONTEXTS)
    along_adam = dynamics.first_order_change(tiny_policy, dynamics.weight_step(tiny_policy, after), CONTEXTS)
    assert relative_error(along_adam, actual) < 0.05
    # Adam's step is not along g_u: SGD's prediction, rescaled to the best size, still misses
    sgd = dynamics.predicted_change(tiny_policy, **args, contexts=CONTEXTS)
    best = float((sgd * actual).sum() / (sgd * sgd).sum()) * sgd
    assert relative_error(best, actual) > 2 * relative_error(along_adam, actual)


def test_direction_table_gives_softmax_of_moved_logits(tiny_policy):
    updates = [UPDATE, ("the service was", "rude")]
    logits, directions = dynamics.direction_table(tiny_policy, updates, CONTEXTS)
    assert logits.shape == (len(CONTEXTS), 103) and directions.shape == (2, len(CONTEXTS), 103)
    prompt, token = updates[1]
    predicted = dynamics.predicted_change(
        tiny_policy, prompt=prompt, token=token, advantage=-2.0, lr=1e-5, contexts=CONTEXTS
    )
    moved = torch.log_softmax(logits + 1e-5 * -2.0 * directions[1], -1) - torch.log_softmax(logits, -1)
    torch.testing.assert_close(moved, predicted, atol=1e-5, rtol=1e-2)


def test_bad_inputs_get_an_error_naming_the_argument(tiny_policy):
    with pytest.raises(ValueError, match="token"):
        dynamics.update_direction(tiny_policy, "the food was", "gastronomic")
    with pytest.raises(ValueError, match="lr"):
        dynamics.sgd_step(tiny_policy, prompt="the food was", token="great", advantage=1.0, lr=0.0)
    with pytest.raises(ValueError, match="advantage"):
        dynamics.predicted_change(
            tiny_policy, prompt="the food was", token="great", advantage=float("nan"), lr=0.1, contexts=CONTEXTS
        )
    with pytest.raises(ValueError, match="step"):
        dynamics.logit_directions(tiny_policy, {}, CONTEXTS)
