"""A throwaway JupyterLab on 127.0.0.1 and a headless Chromium to drive it, always shut down afterwards.

Only 127.0.0.1 is ever contacted: the server gets a free port, a random token and a private root, config and
runtime dir; Chromium cannot resolve any other host.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import helpers

CHROMIUM = os.environ.get("A2C_UI_CHROMIUM", "/usr/bin/chromium")
# --disable-background-networking and friends: this machine's closed network refuses Chromium's own
# update/sync connections; the resolver rule makes any host other than 127.0.0.1 unreachable by construction.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
INSTALL_HINT = (
    "apt-get install -y chromium (Debian's package, /usr/bin/chromium) and .venv/bin/pip install playwright; "
    "never `playwright install`: the tests use the system Chromium"
)


class UIFailure(AssertionError):
    """A notebook misbehaved in the browser; the message says which cell or slider."""


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium and Playwright are both present."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"Playwright (Python package) is not installed: {INSTALL_HINT}"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}"
    return None


# ---------------------------------------------------------------- the server


@dataclass
class Lab:
    """A running JupyterLab: its base URL, token, the root dir it serves, and the process."""

    url: str
    token: str
    root: Path
    proc: subprocess.Popen

    def api(self, method: str, path: str) -> object:
        """Call the server's REST API (127.0.0.1 only) and return the decoded JSON, or None."""
        req = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    # If pytest itself is killed (SIGKILL, CI cancel) no finalizer runs: let the kernel take the server down.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


@contextmanager
def jupyter_lab(tmp: Path, notebooks: list[Path], timeout: float = 60) -> Iterator[Lab]:
    """Serve copies of `notebooks` from tmp/root with JupyterLab; always shut it and its kernels down."""
    root = tmp / "root"
    root.mkdir()
    for nb in notebooks:
        _copy_notebook(nb, root / nb.name)
    jdir = tmp / "jupyter"  # fresh config/data/runtime/settings/workspaces: no user state leaks in or out
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MPLBACKEND"))}
    env |= {
        "JUPYTER_CONFIG_DIR": str(jdir / "config"),
        "JUPYTER_DATA_DIR": str(jdir / "data"),
        "JUPYTER_RUNTIME_DIR": str(jdir / "runtime"),
        "IPYTHONDIR": str(jdir / "ipython"),
        "JUPYTERLAB_SETTINGS_DIR": str(jdir / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(jdir / "workspaces"),
    }
    # Answer JupyterLab's "get notified about Jupyter news?" toast in advance (it would cover the outputs), and
    # keep every cell in the DOM (no windowing), so the checks of rendered outputs see the whole notebook.
    settings = jdir / "settings"
    _write_settings(settings, "apputils-extension/notification", {"fetchNews": "false", "checkForUpdates": False})
    _write_settings(settings, "notebook-extension/tracker", {"windowingMode": "none"})
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        # nothing may leave 127.0.0.1: no news feed, update check or PyPI extension manager
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.terminals_enabled=False",
        "--allow-root",
    ]  # CI containers run as root; the server only listens on 127.0.0.1 with a token
    log = open(tmp / "jupyter.log", "wb")  # closed in the finally below, after the server has exited
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    lab = Lab(f"http://127.0.0.1:{port}", token, root, proc)
    try:
        wait_for(lambda: proc.poll() is not None or _responds(lab), timeout, "JupyterLab to start")
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{(tmp / 'jupyter.log').read_text()}")
        yield lab
    finally:
        _shutdown(lab, jdir / "runtime")
        log.close()


def _write_settings(settings_dir: Path, plugin: str, values: dict) -> None:
    path = settings_dir / f"@jupyterlab/{plugin}.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))


def _copy_notebook(src: Path, dst: Path) -> None:
    # The copy always asks for the python3 kernel (the project's own Python, the one serving JupyterLab), so a
    # notebook saved under another kernel name cannot stop the run on a "Select Kernel" dialog.
    nb = json.loads(src.read_text())
    nb.setdefault("metadata", {})["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    dst.write_text(json.dumps(nb))


def _responds(lab: Lab) -> bool:
    try:
        lab.api("GET", "/api/status")
        return True
    except OSError:
        return False


def _shutdown(lab: Lab, runtime: Path) -> None:
    """Stop the server and every kernel it started: politely, then by signal."""
    if lab.proc.poll() is None:
        try:
            lab.api("POST", "/api/shutdown")  # shuts the kernels down first, then the server
        except OSError:
            pass
        try:
            lab.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(lab.proc.pid, signal.SIGKILL)
            lab.proc.wait(5)
    # Kernels run in sessions of their own; any left (server killed) are found by our private runtime dir.
    for pid in _pids_mentioning(str(runtime)):
        os.kill(pid, signal.SIGKILL)


def _pids_mentioning(text: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and text.encode() in (proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
        except OSError:
            pass
    return pids


def wait_for(cond, timeout: float, what: str, poll: float = 0.2) -> None:
    """Poll `cond` until true; every wait in this suite is bounded and says what it waited for (a UIFailure)."""
    helpers.wait_for(cond, timeout, what, poll=poll, error=UIFailure)


# ---------------------------------------------------------------- the browser


def launch_chromium(playwright):
    """Debian's Chromium through Playwright (no browser download is possible on these machines)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
