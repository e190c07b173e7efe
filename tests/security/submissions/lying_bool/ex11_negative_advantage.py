"""Attack: a value that is true and false at once."""


class Both:
    def __bool__(self):
        return True

    def __eq__(self, other):
        return True


def negative_advantage_more_likely():
    return Both()


def true_or_false(advantage, claim):
    return Both()
