"""The submission's process: run its cells, then answer probes.

Every unit of work (a cell or a probe) runs in a fork of this process, which
keeps the state from before the unit as a checkpoint:

* a probe's fork reports what it observed and exits, so probes never see each
  other's side effects, and a crash or hang costs only that probe;
* a cell's fork, when the cell finishes in time (even by raising), becomes the
  new runner and this process exits; when it hangs or dies, it is killed and
  this process carries on with the next cell, without the cell's effects.
"""
from __future__ import annotations

import inspect
import os
import signal
import socket
import time
from dataclasses import dataclass

from autograder import wire
from autograder.worker import executor, probes
from autograder import isolation, sandbox

_SIGNAL_NAMES = {signal.SIGSEGV: "a segmentation fault (SIGSEGV)", signal.SIGABRT: "an abort (SIGABRT)",
                 signal.SIGBUS: "a bus error (SIGBUS)", signal.SIGFPE: "a floating-point exception (SIGFPE)",
                 signal.SIGKILL: "SIGKILL (often: out of memory)", signal.SIGXCPU: "the CPU time limit (SIGXCPU)"}


def _exit_message(status: int) -> dict:
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return {"status": "exited", "error": {"type": "exit", "code": code,
                "message": f"the process exited with code {code} (os._exit or a C-level exit)"}}
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    name = _SIGNAL_NAMES.get(sig, f"signal {sig}")
    return {"status": "crashed", "error": {"type": "signal", "code": sig,
            "message": f"the process was killed by {name}"}}


@dataclass
class Unit:
    outcome: dict | None
    in_fork: bool                 # True in the fork that ran the unit and carries on
    go_fd: int | None = None      # write b"g" here to let a finished cell's fork carry on


def run_unit(func, limit: float, continue_in_child: bool) -> Unit:
    """Run ``func`` in a fork with a wall-clock limit and report its outcome."""
    res_r, res_w = os.pipe()
    go_r, go_w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the unit's process
        os.close(res_r)
        os.close(go_w)
        os.setpgid(0, 0)
        try:
            wire.write_all(res_w, _outcome_frame(func))
            os.close(res_w)
        except OSError:
            os._exit(70)
        if not continue_in_child:
            os._exit(0)
        if os.read(go_r, 1) != b"g":   # the old runner died: nobody is listening
            os._exit(0)
        os.close(go_r)
        return Unit(None, True)
    os.close(res_w)
    os.close(go_r)
    outcome = _read_outcome(res_r, start, limit)
    os.close(res_r)
    if _finished(outcome) and continue_in_child:
        outcome["seconds"] = time.monotonic() - start
        return Unit(outcome, False, go_w)
    status = _stop(pid, kill=not _finished(outcome))
    outcome = outcome or _exit_message(status)
    os.close(go_w)
    outcome["seconds"] = time.monotonic() - start
    return Unit(outcome, False)


def _outcome_frame(func) -> bytes:
    """Run ``func`` (student code somewhere below it) and encode what happened."""
    try:
        payload = {"status": "ok", "result": func()}
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything
        payload = {"status": "raised", "error": executor.describe_exception(exc)}
    try:
        return wire.encode(payload)
    except Exception as exc:  # noqa: BLE001
        return wire.encode({"status": "raised", "error": {
            "type": "UnreportableResult",
            "message": f"the result could not be reported: {exc or type(exc).__name__}", "where": None}})


def _read_outcome(fd: int, start: float, limit: float) -> dict | None:
    """The next outcome from a unit's pipe; None when the unit died without one."""
    try:
        frame = wire.read_frame_fd(fd, start + limit)
        return wire.decode(frame) if frame is not None else None
    except wire.Timeout:
        return {"status": "timeout", "error": {"type": "timeout", "message":
                f"it did not finish within the {limit:g} s limit and was stopped"}}
    except wire.WireError as exc:
        return {"status": "crashed", "error": {"type": "wire", "message": str(exc)}}


def _finished(outcome: dict | None) -> bool:
    return outcome is not None and outcome.get("status") in ("ok", "raised")


def _stop(pid: int, kill: bool) -> int:
    """Reap a unit's process (killing its process group first); returns its wait status."""
    if kill:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    return os.waitpid(pid, 0)[1]


def inventory(ns: dict) -> dict:
    """The callables the submission defined, with their parameter names."""
    found = {}
    for name, value in list(ns.items()):
        if name.startswith("_") or name in executor.PROVIDED or not callable(value):
            continue
        try:
            params = list(inspect.signature(value).parameters)
        except (TypeError, ValueError):
            params = None
        found[name] = {"params": params, "type": type(value).__name__}
    return found


def serve(sock: socket.socket) -> None:
    """Main loop of the submission's process (never returns)."""
    msg = wire.recv(sock)
    if not msg or msg.get("op") != "load":
        os._exit(2)
    limits = msg["limits"]
    box = msg["sandbox"]
    home = isolation.isolate(box["mode"], int(limits["scratch_mb"]), box["hide"],
                             close_fds=(sock.fileno(),))
    sandbox.enter(limits, home, own_uid=box["mode"] == "root")
    sub = msg["submission"]
    notebook = sub["kind"] == "ipynb"
    ns = executor.make_namespace("__main__" if notebook else "submission")
    for index, cell in enumerate(sub["cells"]):
        filename = f"<cell {index + 1}>" if notebook else "submission.py"
        source, note = executor.transform(cell) if notebook else (cell, None)
        if source is None:
            wire.send(sock, {"op": "cell", "index": index, "status": "skipped", "note": note})
            continue
        if executor.is_declarative(source):     # no student code runs: no checkpoint needed
            start = time.monotonic()
            outcome = wire.decode(_outcome_frame(lambda: executor.run_source(source, filename, ns)))
            outcome["seconds"] = time.monotonic() - start
            wire.send(sock, {"op": "cell", "index": index, **outcome})
            continue
        unit = run_unit(lambda: executor.run_source(source, filename, ns),
                        float(limits["cell_seconds"]), continue_in_child=True)
        if unit.in_fork:
            continue   # this process ran the cell in time and is now the runner
        wire.send(sock, {"op": "cell", "index": index, **unit.outcome})
        if unit.go_fd is not None:
            os.write(unit.go_fd, b"g")   # hand over to the fork, which has the cell's effects
            os._exit(0)
    wire.send(sock, {"op": "loaded", "names": inventory(ns)})
    while True:
        msg = wire.recv(sock)
        if msg is None or msg.get("op") != "probes":
            os._exit(0)
        run_batch(ns, msg["items"], lambda outcome: wire.send(sock, {"op": "probe", **outcome}))
        wire.send(sock, {"op": "probes_done"})


def _probe(ns: dict, item: dict):
    probes.seed_everything(int(item["seed"]))
    return probes.PROBES[item["kind"]](ns, item["inputs"])


def run_batch(ns: dict, items: list[dict], send) -> None:
    """Run the probes of one function in one fork, each with its own wall-clock limit.

    The fork reports each probe as it finishes. When it dies in a probe, that probe
    is reported and a new fork takes the rest. A timeout or a MemoryError ends the
    batch: the grader does not probe that function again.
    """
    pending = list(items)
    while pending:
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(res_r)
            os.setpgid(0, 0)
            try:
                for item in pending:
                    wire.write_all(res_w, _outcome_frame(lambda item=item: _probe(ns, item)))
            except OSError:
                os._exit(70)
            os._exit(0)
        os.close(res_w)
        done, stop = 0, False
        for item in pending:
            start = time.monotonic()
            outcome = _read_outcome(res_r, start, float(item["limit"]))
            if not _finished(outcome):
                status = _stop(pid, kill=True)
                pid = None
                outcome = outcome or _exit_message(status)
            outcome["seconds"] = time.monotonic() - start
            send({"id": item["id"], **outcome})
            done += 1
            stop = outcome["status"] == "timeout" or (outcome.get("error") or {}).get("type") == "MemoryError"
            if pid is None or stop:
                break
        os.close(res_r)
        if pid is not None:
            _stop(pid, kill=True)
        pending = [] if stop else pending[done:]
