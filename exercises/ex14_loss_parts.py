"""ex14: name each part of the loss.

    L(theta) = - E_{x ~ D, y ~ pi_theta(.|x)} [ U(x, y; theta) ]
    U(x, y; theta) = sum_t  log pi_theta(y_t | x, y_<t) * A(x, y_<t, y_t)

The parts, by the names used as keys below:

    "minus"     the leading minus sign of L
    "E_x"       the expectation over x ~ D
    "y_sample"  y ~ pi_theta(. | x) under the expectation
    "sum_t"     the sum over t in U
    "log_pi"    log pi_theta(y_t | x, y_<t)
    "A"         A(x, y_<t, y_t)

The meanings:

    a. how much better this token turned out than the critic expected
       (return minus baseline)
    b. adds up the contributions of every generated token of one response
    c. the average over prompts drawn from the data set
    d. turns "maximise the utility" into a loss that gradient descent can minimise
    e. the log-probability of the token the model chose: the part the gradient
       flows through
    f. the responses come from the current model itself, so the average is over
       its own samples

Return a dict from each key to one letter, e.g. {"minus": "a", ...}.
Check it: `pytest exercises -k ex14`, or `check("ex14")` in a notebook.
"""


def loss_parts() -> dict[str, str]:
    """Each part's key -> the letter of its meaning."""
    raise NotImplementedError("ex14: your answer to loss_parts goes here")
