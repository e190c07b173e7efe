"""Attack: a pytest.py that reports every test as passed if the grader imported it."""
import sys

print("==================== 40 passed in 0.01s ====================")
sys.exit(0)
