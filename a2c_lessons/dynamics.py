"""Learning dynamics: how one update on one token moves the next-token distribution at every other context.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> **step**, seen
from the model's side: what the step does to pi(. | x_o) at a context x_o it was not taken on.

One SGD step of size eta on the A2C term -A log pi(y_u | x_u) moves the weights by eta A g_u, with
g_u = grad_theta log pi(y_u | x_u) = J(x_u)^T (e_{y_u} - pi(x_u)), J(x) = dz(x) / dtheta the (V, P) Jacobian of
the logits z(x) at context x. To first order the logits at x_o move by eta A J(x_o) g_u, and the log-probs by

    Delta log pi(. | x_o) ~ eta A (I - 1 pi(x_o)^T) K(x_o, x_u) (e_{y_u} - pi(x_u)),   K = J(x_o) J(x_u)^T

(K is the empirical neural tangent kernel of the logits, (V, V)). Nothing here forms J or K: one backward
gives g_u, and one forward-mode product (`torch.func.jvp`) over a batch of contexts gives d = J(x_o) g_u, V floats
per context. Because the first-order change is linear in eta A, d is all a static page needs to redraw
softmax(z(x_o) + eta A d) for any slider setting.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import torch
from torch.func import functional_call, jvp
from torch.nn.attention import SDPBackend, sdpa_kernel

from a2c_lessons.padding import encode_left_padded, position_ids
from a2c_lessons.policy import Policy

Step = dict[str, torch.Tensor]  # a displacement of the weights: parameter name -> tensor of that parameter's shape


def token_id(policy: Policy, token: str) -> int:
    """The vocabulary id of one word; ValueError naming `token` if the tokenizer does not hold it."""
    ids = policy.tokenizer.convert_tokens_to_ids([token])
    if not isinstance(token, str) or ids[0] is None or ids[0] == policy.tokenizer.unk_token_id:
        raise ValueError(f"token must be one word of the vocabulary, got {token!r}")
    return int(ids[0])


def _weights(policy: Policy) -> dict[str, torch.Tensor]:
    """The trainable weights by name (tied weights once), detached: the point theta the derivatives are taken at."""
    return {name: p.detach() for name, p in policy.model.named_parameters()}


def _context_logits_fn(policy: Policy, contexts: Sequence[str]):
    """theta -> z(x_o; theta), (O, V): the logits of the token after each context, as a function of the weights."""
    if policy.model.training:
        raise ValueError("policy.model must be in eval mode: dropout makes z(x) random and J meaningless")
    ids, mask = encode_left_padded(policy.tokenizer, list(contexts), policy.device)
    kwargs = {"input_ids": ids, "attention_mask": mask.long(), "position_ids": position_ids(mask)}

    def logits(weights: dict[str, torch.Tensor]) -> torch.Tensor:
        # the fused attention kernels have no forward-mode derivative; the plain one computes the same numbers
        with sdpa_kernel(SDPBackend.MATH):
            return functional_call(policy.model, weights, args=(), kwargs=kwargs).logits[:, -1]  # (O, V)

    return logits


def context_logits(policy: Policy, contexts: Sequence[str]) -> torch.Tensor:
    """z(x_o): (O, V) float, the logits of the next token after each of the O contexts (temperature 1)."""
    with torch.no_grad():
        return _context_logits_fn(policy, contexts)(_weights(policy))


def update_direction(policy: Policy, prompt: str, token: str) -> Step:
    """g_u = grad_theta log pi(y_u | x_u) (one backward): SGD on -A log pi moves the weights by lr * A * g_u."""
    weights = {name: w.clone().requires_grad_(True) for name, w in _weights(policy).items()}
    logprobs = torch.log_softmax(_context_logits_fn(policy, [prompt])(weights)[0], dim=-1)  # (V,)
    grads = torch.autograd.grad(logprobs[token_id(policy, token)], list(weights.values()))
    return dict(zip(weights, grads, strict=True))


def logit_directions(policy: Policy, step: Step, contexts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """z(x_o) and J(x_o) step for each context, by one forward-mode product (no Jacobian is formed).

    Returns:
        logits: (O, V) float, z(x_o) at the current weights.
        directions: (O, V) float, d = J(x_o) step: the first-order change of z(x_o) per unit of `step`.
    """
    weights = _weights(policy)
    if set(step) != set(weights):
        raise ValueError("step must hold one tensor per trainable parameter of policy.model (see update_direction)")
    tangents = {name: step[name].to(w.dtype) for name, w in weights.items()}
    logits, directions = jvp(_context_logits_fn(policy, contexts), (weights,), (tangents,))
    return logits.detach(), directions.detach()


def centre(directions: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """(I - 1 pi^T) d: a change d of the logits, as the change of log softmax it makes to first order.

    Args:
        directions: (O, V) float, d; logits: (O, V) float, z (pi = softmax(z)).
    Returns (O, V) float, d - sum_v pi_v d_v: adding the same number to every logit changes no probability.
    """
    return directions - (torch.softmax(logits, dim=-1) * directions).sum(dim=-1, keepdim=True)


def predicted_change(
    policy: Policy, *, prompt: str, token: str, advantage: float, lr: float, contexts: Sequence[str]
) -> torch.Tensor:
    """First-order Delta log pi(. | x_o) = lr A (I - 1 pi(x_o)^T) J(x_o) g_u of one SGD step on -A log pi(y_u | x_u).

    Returns (O, V) float, one row per context, one column per vocabulary token.
    """
    _check_step_args(advantage, lr)
    logits, directions = logit_directions(policy, update_direction(policy, prompt, token), contexts)
    return lr * advantage * centre(directions, logits)


def first_order_change(policy: Policy, step: Step, contexts: Sequence[str]) -> torch.Tensor:
    """(O, V) float: (I - 1 pi(x_o)^T) J(x_o) step, the first-order Delta log pi of any weight displacement `step`."""
    logits, directions = logit_directions(policy, step, contexts)
    return centre(directions, logits)


# ---------------------------------------------------------------- real steps, to hold the prediction to


def _check_step_args(advantage: float, lr: float) -> None:
    if not math.isfinite(advantage):
        raise ValueError(f"advantage must be a finite number, got {advantage}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr}")


def _step_copy(policy: Policy, optimizer_class, *, prompt: str, token: str, advantage: float, lr: float) -> Policy:
    """A copy of `policy` after one optimiser step on the A2C term -A log pi(token | prompt); `policy` is unchanged."""
    _check_step_args(advantage, lr)
    after = Policy(copy.deepcopy(policy.model), policy.tokenizer)
    params = [p for p in after.model.parameters() if p.requires_grad]
    optimizer = optimizer_class(params, lr=lr)
    ids, mask = encode_left_padded(after.tokenizer, [prompt], after.device)
    logits = after.model(input_ids=ids, attention_mask=mask.long(), position_ids=position_ids(mask)).logits[0, -1]
    loss = -advantage * torch.log_softmax(logits, dim=-1)[token_id(after, token)]
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return after


def sgd_step(policy: Policy, *, prompt: str, token: str, advantage: float, lr: float) -> Policy:
    """A copy of `policy` after one plain SGD step on -A log pi(token | prompt): theta + lr A g_u."""
    return _step_copy(policy, torch.optim.SGD, prompt=prompt, token=token, advantage=advantage, lr=lr)


def adam_step(policy: Policy, *, prompt: str, token: str, advantage: float, lr: float) -> Policy:
    """A copy of `policy` after one fresh Adam step on -A log pi(token | prompt).

    Adam's first step is lr * m_hat / (sqrt(v_hat) + eps) = lr * g / (|g| + eps) per coordinate: about lr times
    the sign of each coordinate of A g_u, whatever |A| is. Its direction is not g_u's.
    """
    return _step_copy(policy, torch.optim.Adam, prompt=prompt, token=token, advantage=advantage, lr=lr)


def weight_step(before: Policy, after: Policy) -> Step:
    """theta_after - theta_before, by parameter name: the step an optimiser actually took."""
    after_weights = _weights(after)
    return {name: after_weights[name] - w for name, w in _weights(before).items()}


def actual_change(before: Policy, after: Policy, contexts: Sequence[str]) -> torch.Tensor:
    """(O, V) float: log pi_after(. | x_o) - log pi_before(. | x_o), the exact change a step made."""
    logprobs = [torch.log_softmax(context_logits(p, contexts), dim=-1) for p in (before, after)]
    return logprobs[1] - logprobs[0]


# ---------------------------------------------------------------- what a static page needs


def direction_table(
    policy: Policy, updates: Sequence[tuple[str, str]], contexts: Sequence[str]
) -> tuple[torch.Tensor, torch.Tensor]:
    """For every update (x_u, y_u) and context x_o: the logits z(x_o) and the direction d = J(x_o) g_u.

    Then softmax(z(x_o) + lr A d) is pi(. | x_o) after one SGD step of lr on -A log pi(y_u | x_u), with the
    logits moved to first order, for any lr and A.

    Returns:
        logits: (O, V) float, z(x_o).
        directions: (U, O, V) float, d for update u at context o.
    """
    if not updates:
        raise ValueError("updates must hold at least one (prompt, token) pair")
    rows = [logit_directions(policy, update_direction(policy, prompt, token), contexts) for prompt, token in updates]
    return rows[0][0], torch.stack([directions for _, directions in rows])  # (O, V), (U, O, V)
