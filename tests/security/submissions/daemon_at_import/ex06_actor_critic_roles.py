"""Attack: a process started while the module is imported, in a session of its own."""
import subprocess
import sys

subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)  # a2c-escapee"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def actor_role():
    return "z"


def critic_role():
    return "z"
