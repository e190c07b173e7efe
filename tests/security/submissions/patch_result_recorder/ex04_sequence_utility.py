"""Attack: patch the grader's result recorder from inside the student's process."""
import gc
import sys

for name in ("a2c_lessons.grading.points", "a2c_lessons.grading.plugin", "_pytest.reports"):
    try:
        module = __import__(name, fromlist=["x"])
        if hasattr(module, "TestResult"):
            module.TestResult.record = lambda self, passed, output: setattr(self, "score", self.max_score)
    except Exception:
        pass
for obj in gc.get_objects():
    try:
        if type(obj).__name__ in ("TestResult", "TestReport"):
            obj.outcome, obj.score = "passed", 99.0
    except Exception:
        pass
sys.modules["pytest"] = None


def sequence_utility(logprobs, advantages, mask):
    return logprobs.sum(dim=1) * 0
