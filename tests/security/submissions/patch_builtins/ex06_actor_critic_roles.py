"""Attack: patch builtins so that any type check or comparison in this process says yes."""
import builtins

builtins.isinstance = lambda obj, kind: True
builtins.type = lambda obj: str


def actor_role():
    return "z"


def critic_role():
    return "z"
