"""Attack: a string equal to every answer."""


class AnyLetter(str):
    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0

    def strip(self, *args):
        return self

    def lower(self):
        return self

    def __len__(self):
        return 1

    def __contains__(self, item):
        return True


def actor_role():
    return AnyLetter("z")


def critic_role():
    return AnyLetter("z")
