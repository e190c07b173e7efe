"""Grades ex19: the order of events in one training instance."""

from a2c_lessons.grading import as_letter_list, fail, points

EXERCISE = "ex19_update_order"


@points(3)
def test_update_order(student, answer_key):
    """the order of events in one update"""
    order = as_letter_list(student.call(EXERCISE, "update_order"), "abcdef", "update_order()")
    if answer_key.accepts("ex19.order", ",".join(order)):
        return
    # every pair the student put the wrong way round, explained by the rule it breaks
    broken = [
        answer_key.feedback("ex19.before", f"{earlier}<{later}") or "Two events are swapped."
        for i, earlier in enumerate(order)
        for later in order[i + 1 :]
        if answer_key.accepts("ex19.before", f"{later}<{earlier}")
    ]
    fail(" ".join(["Some events are out of order.", *broken]))
