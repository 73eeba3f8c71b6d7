"""Start the warm zygote early: it imports torch while the grader imports its own.

Kept free of torch so that the grader can call it before its own heavy imports:
the two imports then overlap on two cores instead of following each other.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile

from autograder.sandbox.environment import child_environment


class Launch:
    """A zygote that has been started and not yet greeted. ``Zygote`` takes it over."""

    def __init__(self):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # the zygote (and so every submission) starts from the allowlisted environment:
        # no variable of the grader's ever reaches student code
        env = child_environment(os.environ, home=tempfile.gettempdir())
        if os.environ.get("AUTOGRADER_SANDBOX"):
            env["AUTOGRADER_SANDBOX"] = os.environ["AUTOGRADER_SANDBOX"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.far", str(child.fileno())],
            pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL)
        child.close()
        self.control = parent
        self.greeted = False        # set by Zygote once the zygote said it is ready
        self.mode: str | None = None
        self._chosen = False

    def choose(self, mode: str | None) -> None:
        """Tell the zygote which sandbox to build: "root", "userns", "container", or
        None (or "auto") for the first of root and userns that works here. Sent once,
        while the zygote still imports torch (course.yaml may name the mode, and it is
        read after the zygote was started); later calls change nothing."""
        if self._chosen:
            return
        self._chosen = True
        self.mode = None if mode in (None, "auto") else mode
        try:
            self.control.send(json.dumps({"op": "sandbox", "mode": self.mode}).encode())
        except OSError:
            pass                    # the zygote is gone: greeting it will say so

    def close(self) -> None:
        """Stop the zygote: closing its socket ends it. One that never got to say it
        was ready (the run stopped at a usage error) has nothing to finish: kill it."""
        self.control.close()
        if not self.greeted and self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
