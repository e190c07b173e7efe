"""ex10: how biased is GAE(lambda) against the Monte Carlo truth?

Lesson 3 measured the lambda-return G^lambda_t = A_t + V_t of GAE(lambda) against Q^pi(s_t, y_t). For each token,
K continuations of its prefix give K draws of G^lambda_t, and K rewards whose mean is Q^pi.

First, graded on fresh numbers: `bias_and_variance(draws, rewards)`. Both are lists of N lists of K floats (N tokens,
K continuations each). Return (bias, variance):

    bias     = the root mean square over the N tokens of (mean of the token's draws - mean of its rewards)
    variance = the mean over the N tokens of the sample variance of the token's K draws (divide by K - 1)

Then `least_biased_lambda(table)`: `table` maps each lambda (a float) to its (bias, variance); return the lambda with
the least bias.

Last, what lesson 3 measured: which lambda had the least bias against the Monte Carlo truth? Return one of
"0", "0.5", "0.9", "0.95", "1".
Check it: `pytest exercises -k ex10`, or `check("ex10")` in a notebook.
"""


def bias_and_variance(draws: list[list[float]], rewards: list[list[float]]) -> tuple[float, float]:
    """(bias, variance) of the draws against the truth their rewards' means give, as defined above."""
    ### BEGIN SOLUTION
    errors, variances = [], []
    for token_draws, token_rewards in zip(draws, rewards):
        k = len(token_draws)
        mean = sum(token_draws) / k
        errors.append(mean - sum(token_rewards) / len(token_rewards))
        variances.append(sum((d - mean) ** 2 for d in token_draws) / (k - 1))
    return (sum(e * e for e in errors) / len(errors)) ** 0.5, sum(variances) / len(variances)
    ### END SOLUTION


def least_biased_lambda(table: dict[float, tuple[float, float]]) -> float:
    """The lambda whose (bias, variance) has the least bias."""
    ### BEGIN SOLUTION
    return min(table, key=lambda lam: table[lam][0])
    ### END SOLUTION


def lesson_least_biased() -> str:
    """In lesson 3's measurement, the lambda with the least bias: "0", "0.5", "0.9", "0.95" or "1"."""
    ### BEGIN SOLUTION
    return "1"
    ### END SOLUTION
