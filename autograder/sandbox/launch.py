"""Start the warm zygote early: it imports torch while the grader imports its own.

Kept free of torch so that the grader can call it before its own heavy imports:
the two imports then overlap on two cores instead of following each other.
"""
from __future__ import annotations

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
