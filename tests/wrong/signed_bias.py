"""WRONG: the bias as the mean of signed errors (they cancel), and lambda = 0 called the least biased."""

EXERCISE = "ex10_gae_bias"


def bias_and_variance(draws, rewards):
    errors, variances = [], []
    for token_draws, token_rewards in zip(draws, rewards):
        k = len(token_draws)
        mean = sum(token_draws) / k
        errors.append(mean - sum(token_rewards) / len(token_rewards))
        variances.append(sum((d - mean) ** 2 for d in token_draws) / (k - 1))
    return sum(errors) / len(errors), sum(variances) / len(variances)  # BUG: signed errors cancel


def least_biased_lambda(table):
    return min(table, key=lambda lam: table[lam][0])


def lesson_least_biased():
    return "0"  # BUG: lambda = 0 has the least variance, not the least bias
