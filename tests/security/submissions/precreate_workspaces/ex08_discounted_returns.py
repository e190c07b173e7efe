"""Attack: create the folders the grader will want for the next students, so that their grading fails."""
import os

for i in range(50):
    for base in ("/tmp", "{{SCRATCH}}", "{{OUT}}"):
        for name in (f"a2c-grade-{i}", f"student-{i}", "reference", "stubs", "classmate", f"classmate.json"):
            try:
                os.makedirs(os.path.join(base, name), exist_ok=True)
            except Exception:
                pass


def discounted_returns(rewards, mask, *, gamma):
    return rewards * 0
