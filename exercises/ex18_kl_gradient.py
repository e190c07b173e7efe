"""ex18: which gradient does a KL term follow?

A trainer keeps pi near pi_ref with a per-token estimate computed on tokens y ~ pi, with
rho = pi_ref(y) / pi(y), k1 = log pi(y) - log pi_ref(y) and k3 = (rho - 1) - log rho. Three placements:

    "k1_reward": k1 subtracted from the reward (a fixed weight on log pi: no gradient flows through k1),
    "k1_loss":   k1 added to the loss and differentiated,
    "k3_loss":   k3 added to the loss and differentiated (as GRPO and TRL do).

In expectation over y ~ pi, the gradient each gives is the gradient of

    a. KL(pi || pi_ref)
    b. KL(pi_ref || pi)
    c. nothing: it is zero

Return a dict with the three keys above, each a letter.

Then the general case, graded on fresh distributions: `k3_loss_gradient(probs, ref_probs)`, the expected
gradient of "k3 in the loss" with respect to the logits z of pi = softmax(z), where `probs` is pi and
`ref_probs` is pi_ref (two lists of the same length, each summing to one). Return a list of floats, one per
logit. (Hint: d log pi(y) / d z_v = [v = y] - pi(v).)
Check it: `pytest exercises -k ex18`, or `check("ex18")` in a notebook.
"""


def kl_directions() -> dict[str, str]:
    """The letter of the gradient each placement follows: {"k1_reward": ..., "k1_loss": ..., "k3_loss": ...}."""
    raise NotImplementedError("ex18: your answer to kl_directions goes here")


def k3_loss_gradient(probs: list[float], ref_probs: list[float]) -> list[float]:
    """E_{y ~ pi}[d k3(y) / d z] for pi = softmax(z): one float per logit."""
    raise NotImplementedError("ex18: your answer to k3_loss_gradient goes here")
