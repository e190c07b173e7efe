"""Grades ex06: the roles of the actor and the critic."""

from a2c_lessons.grading import as_letter, points

EXERCISE = "ex06_actor_critic_roles"


@points(1)
def test_actor_role(student, answer_key):
    """the actor's role"""
    answer = as_letter(student.call(EXERCISE, "actor_role"), "abcde", "actor_role()")
    answer_key.matches("ex06.actor", answer, otherwise="That sentence does not describe the actor.")


@points(1)
def test_critic_role(student, answer_key):
    """the critic's role"""
    answer = as_letter(student.call(EXERCISE, "critic_role"), "abcde", "critic_role()")
    answer_key.matches("ex06.critic", answer, otherwise="That sentence does not describe the critic.")
