"""The grader's side of the sandbox: a warm zygote and one session per submission.

The grader never runs student code. It asks the zygote for a fresh process per
submission, sends it the submission and then one probe at a time, and reads back
data. Every wait has a deadline; a process that misses one is killed with its
whole session, and the probes it still owed fail with a message that says so.
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from autograder.sandbox import protocol
from autograder.errors import SandboxError, WorkerError
from autograder.sandbox.launch import Launch

GRACE = 5.0   # seconds the grader waits beyond a unit's own limit before it kills
SWEEP_WAIT = 10.0   # container mode: the longest wait for a submission's tree to be gone


def _lost(reason: str | None) -> dict:
    return {"status": "lost", "error": {"type": "lost", "message": reason or "its process ended"}}



class Zygote:
    """A warm process with torch imported that forks one child per submission.

    Each child sees only the allowlisted filesystem of ``far/view.py``: nothing of
    the course, its grader or its gradebook is there to be hidden.
    """

    def __init__(self, launched: Launch | None = None, sandbox: str | None = None):
        self._launch = launched or Launch()
        self._launch.choose(sandbox)
        self._proc, self._control = self._launch.proc, self._launch.control
        self._lock = threading.Lock()           # guards _spare
        self._control_lock = threading.Lock()   # one request to the zygote at a time
        self._live: set[Session] = set()
        self._spare: Future | None = None       # a Session: a sandbox built ahead of time (see spawn)
        self._builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-ahead")
        self._control.settimeout(120)
        try:
            hello = json.loads(self._control.recv(4096) or b"{}")
        except (OSError, ValueError) as exc:
            self.close()
            raise WorkerError(f"the warm worker did not start: {exc}") from None
        if hello.get("op") != protocol.READY:
            self.close()
            raise WorkerError(f"the warm worker did not start (exit code {self._proc.poll()})")
        self._launch.greeted = True
        self.torch_version = hello.get("torch")
        self.pid = hello.get("pid")
        box = hello.get("sandbox") or {}
        if not box.get("mode"):
            self.close()
            tried = "; ".join(f"{mode}: {why}" for mode, why in (box.get("problems") or {}).items())
            if self._launch.mode == "container":
                raise SandboxError("cannot build the sandbox's container mode (a dropped uid, "
                                   f"rlimits, a subreaper): {tried or 'nothing worked'}. It needs a "
                                   "grader that runs as root with CAP_SETUID, CAP_SETGID and CAP_CHOWN, "
                                   "as Docker gives by default.")
            raise SandboxError("cannot build the sandbox that student code must run in "
                               f"(a PID namespace and no privileges): {tried or 'nothing worked'}. "
                               "Run as root, or enable unprivileged user namespaces "
                               "(sysctl kernel.unprivileged_userns_clone=1); in a container that "
                               "refuses namespaces (Docker, Gradescope), as root, choose "
                               "`--sandbox container` (or `sandbox: container` in course.yaml), which "
                               "drops to a uid of its own but leaves the network open (README, "
                               "Security model).")
        self.sandbox = {"mode": box["mode"]}
        self.layers = box["layers"]

    def _fork(self) -> "Session":
        try:
            with self._control_lock:
                self._control.send(json.dumps({"op": protocol.SPAWN}).encode())
                msg, fds, _, _ = socket.recv_fds(self._control, 4096, 3)
        except OSError as exc:
            raise WorkerError(f"the warm worker stopped answering: {exc}") from None
        if len(fds) not in (2, 3):
            for fd in fds:
                os.close(fd)
            raise WorkerError("the warm worker stopped answering")
        session = Session(socket.socket(fileno=fds[0]), fds[1], self.sandbox, self._live.discard,
                          life=fds[2] if len(fds) == 3 else None)
        self._live.add(session)
        return session

    def spawn(self, limits: dict | None = None) -> "Session":
        """A fresh submission process. Given the ``limits``, it comes from a sandbox built
        ahead of time with them (namespaces, mounts, a dropped uid, rlimits: about 20 ms),
        and the next one is started on its way in a thread of its own, so that neither
        the building nor the zygote's fork (about 6 ms) delays the next submission."""
        with self._lock:
            pending, self._spare = self._spare, None
            spare = _built(pending)
            if spare is not None and (spare.prepared != limits or not spare.alive()):
                spare.close()
                spare = None
            session = spare or self._fork()
            if limits is not None:
                self._spare = self._builder.submit(self._build, limits)
        return session

    def _build(self, limits: dict) -> "Session":
        session = self._fork()
        session.prepare(limits)
        return session

    def kill_all(self, reason: str) -> None:
        """Abandon every submission in flight (on an interrupt)."""
        for session in list(self._live):
            session.kill(reason)

    def close(self) -> None:
        with self._lock:
            pending, self._spare = self._spare, None
        spare = _built(pending)
        if spare is not None:
            spare.close()
        self._builder.shutdown(wait=True)
        self._launch.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _built(pending: Future | None) -> "Session | None":
    """The session a builder made, or None (none asked, or the zygote failed: the
    caller's own request will then say why)."""
    if pending is None:
        return None
    try:
        return pending.result()
    except WorkerError:
        return None


class Session:
    """The conversation with one submission's process."""

    def __init__(self, sock: socket.socket, pidfd: int, sandbox: dict, on_close=lambda s: None,
                 life: int | None = None):
        self.sock, self.pidfd, self.sandbox = sock, pidfd, sandbox
        self.life = life    # root mode: the init lives while this pipe end is open
        self.dead: str | None = None     # why the process can no longer answer
        self.prepared: dict | None = None  # the limits its sandbox was built with, ahead of time
        self._on_close = on_close

    def prepare(self, limits: dict) -> None:
        """Build the sandbox now, with ``limits``; the submission follows in ``load``."""
        try:
            protocol.send(self.sock, {"op": protocol.PREPARE, "limits": limits, "sandbox": self.sandbox})
            self.prepared = limits
        except OSError as exc:
            self.kill(f"it could not be started ({exc})")

    def alive(self) -> bool:
        """A prepared process says nothing until it gets its submission: anything to
        read (its end of the socket closed) means it is gone."""
        if self.dead:
            return False
        try:
            return not select.select([self.sock], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    def _recv(self, deadline: float):
        try:
            msg = protocol.recv(self.sock, deadline)
        except protocol.Timeout:
            self.kill(f"it stopped answering for more than {GRACE:g} s past its limit")
            return None
        except (protocol.WireError, OSError, ValueError) as exc:
            self.kill(f"its report could not be read ({exc})")
            return None
        if msg is None:
            self.kill("its process ended unexpectedly")
        return msg

    def load(self, submission: dict, limits: dict) -> tuple[list[dict], dict | None]:
        """Run the cells. Returns (cell outcomes, inventory of names or None)."""
        cells: list[dict] = []
        if self.prepared is not None and self.prepared != limits:
            self.kill("its sandbox was built with other limits")
            return cells, None
        try:
            submission = {**submission, "cells": [protocol.as_bytes(c) for c in submission["cells"]]}
            protocol.send(self.sock, {"op": protocol.LOAD, "submission": submission, "limits": limits,
                                  "sandbox": self.sandbox})
        except OSError as exc:
            self.kill(f"it could not be started ({exc})")
            return cells, None
        # the runner ends every cell by the end of the submission's budget
        deadline = time.monotonic() + float(limits["submission_seconds"]) + GRACE
        while True:
            msg = self._recv(deadline)
            if msg is None:
                return cells, None
            if msg.get("op") == protocol.CELL:
                cells.append(msg)
            elif msg.get("op") == protocol.LOADED:
                return cells, msg.get("names") or {}
            else:
                self.kill("it sent something unexpected")
                return cells, None

    def probes(self, groups: list[dict], parallel: int = 1) -> dict[str, dict]:
        """Run groups of probes (see ``sandbox.far.groups.run_groups``); returns id -> outcome."""
        ids = {item["id"]: float(item["limit"]) for g in groups for item in g["items"]}
        if self.dead:
            return {i: _lost(self.dead) for i in ids}
        try:
            protocol.send(self.sock, {"op": protocol.PROBES, "groups": groups, "parallel": parallel})
        except OSError as exc:
            self.kill(f"its process ended unexpectedly ({exc})")
            return {i: _lost(self.dead) for i in ids}
        outcomes: dict[str, dict] = {}
        # the runner enforces each limit; this deadline only catches a runner that is stuck
        patience = max(ids.values(), default=0.0) * protocol.BACKSTOP + GRACE
        while True:
            msg = self._recv(time.monotonic() + patience)
            left = [i for i in ids if i not in outcomes]
            if msg is None:
                return {**outcomes, **{i: _lost(self.dead) for i in left}}
            if msg.get("op") == protocol.PROBES_DONE and not left:
                return outcomes
            if msg.get("op") != protocol.PROBE or msg.get("id") not in left:
                self.kill("it answered a probe that was not asked")
                return {**outcomes, **{i: _lost(self.dead) for i in left}}
            outcomes[msg.pop("id")] = {k: v for k, v in msg.items() if k != "op"}

    def kill(self, reason: str | None = None) -> None:
        """Kill the submission's whole tree: the death of its first process (the init, or
        the keeper above it) takes its PID namespace. In container mode there is no
        namespace: closing the keeper's pipe makes it kill every process of the
        submission's uid and remove its files, and this waits (briefly) until it has."""
        if reason and not self.dead:
            self.dead = reason
        container = self.sandbox.get("mode") == "container"
        if self.pidfd is not None and not container:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except OSError:
                pass                # already gone
        if self.life is not None:
            os.close(self.life)
            self.life = None
        if self.pidfd is not None:
            if container:           # the keeper exits once the tree is gone and its files removed
                try:
                    select.select([self.pidfd], [], [], SWEEP_WAIT)
                except (OSError, ValueError):
                    pass
            os.close(self.pidfd)
            self.pidfd = None
        try:
            self.sock.close()
        except OSError:
            pass

    def close(self) -> None:
        try:
            protocol.send(self.sock, {"op": protocol.BYE})
        except OSError:
            pass
        self.kill()
        self._on_close(self)
