"""ex20: how sure is "90% positive"?

A policy writes n fresh reviews and k of them are positive. The fraction p_hat = k / n
estimates the policy's true fraction p. Lesson 6 reports it with the 95% Wilson score
interval (z = 1.96):

    centre = (p_hat + z^2 / (2 n)) / (1 + z^2 / n)
    half   = z / (1 + z^2 / n) * sqrt(p_hat (1 - p_hat) / n + z^2 / (4 n^2))
    interval = (centre - half, centre + half)

One training batch of n reviews from a policy whose true fraction is p holds
K ~ Binomial(n, p) positive reviews, P(K = k) = C(n, k) p^k (1 - p)^(n - k). It "passes"
a threshold when K >= m, m the smallest whole number with m >= threshold * n.

Last, a question. A run stops at the first training batch of 64 reviews that is at least
90% positive, and reports "the policy is 90% positive". Which is right?

    a. The claim holds: that batch was at least 90% positive, and it came from the policy.
    b. The claim holds if the fraction positive rose steadily over the batches before it.
    c. The claim is not supported: a policy below 90% shows a batch at or above 90% now
       and then, and the run draws a new batch every step, so it stops on the first lucky
       one. It needs a large fresh sample whose 95% interval lies above 90%.
    d. The claim is not supported: nothing at all can be said about a policy from 64 reviews.
    e. The claim holds as long as the KL to the reference stayed small.

Check it: `pytest exercises -k ex20`, or `check("ex20")` in a notebook.
"""

Z = 1.96


def wilson_interval(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval (low, high) of the fraction k / n, for 0 <= k <= n and n >= 1."""
    ### BEGIN SOLUTION
    import math

    p_hat, scale = k / n, 1 + Z * Z / n
    centre = (p_hat + Z * Z / (2 * n)) / scale
    half = Z / scale * math.sqrt(p_hat * (1 - p_hat) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half
    ### END SOLUTION


def batch_passes(p: float, n: int, threshold: float) -> float:
    """The probability that a batch of n reviews from a policy with true fraction p is at least `threshold` positive."""
    ### BEGIN SOLUTION
    import math

    smallest = math.ceil(threshold * n)
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(smallest, n + 1))
    ### END SOLUTION


def one_batch_claim() -> str:
    """The letter of the right answer to the question above."""
    ### BEGIN SOLUTION
    return "c"
    ### END SOLUTION
