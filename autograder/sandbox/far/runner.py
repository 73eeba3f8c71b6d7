"""The submission's process: build its sandbox, run its cells, then answer probes (``groups.py``).

Every unit of work (a cell or a group of probes) runs in a fork of this process,
which keeps the state from before the unit as a checkpoint:

* a group's fork (every probe in turn; or, side by side, the five functions'
  probes in one and training in another) reports what each probe observed and
  exits. Before each probe it restores the namespace and
  torch's settings (``state.State``), so probes never see each other's side
  effects; a crash or hang costs only that probe, and a new fork takes the rest.
  One fork for all the probes, not one each, saves forks and exits of a
  torch-sized process;
* a cell's fork, when the cell finishes in time (even by raising), becomes the
  new runner and this process exits; when it hangs or dies, it is killed and
  this process carries on with the next cell, without the cell's effects.
"""
from __future__ import annotations

import inspect
import os
import socket
import time

from autograder.sandbox import protocol
from autograder.sandbox.far import cells, clock, container, kernel
from autograder.sandbox.far.groups import run_groups
from autograder.sandbox.far.limits import enter as enter_limits
from autograder.sandbox.far.units import Progress, outcome_frame, run_unit

def inventory(ns: dict) -> dict:
    """The callables the submission defined, with their parameter names."""
    found = {}
    for name, value in list(ns.items()):
        if name.startswith("_") or name in cells.PROVIDED or not callable(value):
            continue
        try:
            params = list(inspect.signature(value).parameters)
        except (TypeError, ValueError):
            params = None
        found[name] = {"params": params, "type": type(value).__name__}
    return found


def _run_cell(source: str, filename: str, ns: dict, limit: float, deadline: float,
              budget: float) -> tuple[dict | None, int | None]:
    """Run one cell in a fork, each top-level statement under ``limit`` CPU seconds, and
    all of it by ``deadline``, the end of the submission's ``budget``. A statement
    that hangs is stopped, and the cell runs again from its checkpoint without it (the
    statements before it run again: their effects died with the fork). Returns the
    cell's outcome, with every statement that raised or hung in ``statements``, and the
    descriptor that hands over to the fork that has the cell's effects; (None, None)
    in that fork, which carries on as the runner."""
    hung: dict[int, dict] = {}
    while True:
        progress = Progress()
        unit = run_unit(lambda: cells.run_statements(source, filename, ns, set(hung), progress),
                        limit, continue_in_child=True, progress=progress, deadline=deadline, budget=budget)
        if unit.in_fork:
            return None, None
        outcome = unit.outcome
        step = outcome.pop("step", -1)
        kind = (outcome.get("error") or {}).get("type")
        # a statement stopped at its limit, or for filling the scratch (container mode), is
        # skipped, and the cell runs again without it
        stopped = outcome.get("status") == "timeout" or kind == "scratch"
        if stopped and step >= 0 and step not in hung and kind != "budget":
            where = cells.statement_at(source, step) or {"statement": step, "line": 0, "code": ""}
            hung[step] = {**where, "error": {**outcome["error"], "type": kind if kind == "scratch" else "timeout"},
                          "stopped": True}
            continue
        return _with_statements(outcome, hung), unit.go_fd


def _with_statements(outcome: dict, hung: dict[int, dict]) -> dict:
    """A cell that ran to its end, but with statements that raised or hung, "raised"
    (its first failure), and lists them all in ``statements``."""
    if outcome.get("status") == "ok":
        failed = sorted([*(outcome.pop("result", None) or []), *hung.values()],
                        key=lambda f: f["statement"])
        if failed:
            outcome.update(status="raised", error=failed[0]["error"], statements=failed)
    return outcome


def serve(sock: socket.socket, in_namespace: bool = False, life: int | None = None) -> None:
    """Main loop of the submission's process (never returns). ``in_namespace``: it was
    forked into a PID namespace that has its init already (pidns.spawn_init). ``life``
    (container mode): the read end of the pipe that the grader holds, for the keeper."""
    msg = protocol.recv(sock)
    if not msg or msg.get("op") not in (protocol.PREPARE, protocol.LOAD):
        os._exit(2)
    limits = msg["limits"]
    box = msg["sandbox"]
    if box["mode"] == "container":
        home = container.isolate(close_fds=(sock.fileno(),), life=life, scratch_mb=int(limits["scratch_mb"]))
    else:
        home = kernel.isolate(box["mode"], int(limits["scratch_mb"]),
                              close_fds=(sock.fileno(),), in_namespace=in_namespace)
    scratch = enter_limits(limits, home, count_processes=box["mode"] in ("root", "container")
                           or kernel.counts_processes_per_namespace(),
                           watch_scratch=box["mode"] == "container")
    if msg["op"] == protocol.PREPARE:      # a sandbox made ahead of time: now the submission
        msg = protocol.recv(sock)
        if not msg or msg.get("op") != protocol.LOAD:
            os._exit(2)
    sub = msg["submission"]
    sub["cells"] = [protocol.text_of(cell) for cell in sub["cells"]]
    notebook = sub["kind"] == "ipynb"
    file = None
    if not notebook:        # __file__: a copy of the file in the scratch, under its own name
        file = os.path.join(scratch, os.path.basename(sub["path"]) or "submission.py")
        with open(file, "w", encoding="utf-8") as f:
            f.write(sub["cells"][0] if sub["cells"] else "")
        if clock.SCRATCH is not None:
            clock.SCRATCH.keep.add(file)
    ns = cells.make_namespace("__main__" if notebook else "submission", file)
    budget = float(limits["submission_seconds"])
    deadline = time.monotonic() + budget
    for index, cell in enumerate(sub["cells"]):
        if time.monotonic() >= deadline:      # the budget is spent: the cells left do not run
            left = len(sub["cells"]) - index
            protocol.send(sock, {"op": protocol.CELL, "index": index, "status": "timeout", "error": {
                "type": "budget", "message": ("it did not run" if left == 1 else
                                             f"it and the {left - 1} cells after it did not run") + ": "
                f"the submission had used its whole budget of {budget:g} s (limits.submission_seconds)"}})
            break
        filename = f"<cell {index + 1}>" if notebook else "submission.py"
        source, note = cells.transform(cell) if notebook else (cell, None)
        if source is None:
            protocol.send(sock, {"op": protocol.CELL, "index": index, "status": "skipped", "note": note})
            continue
        if cells.is_declarative(source):     # no student code runs: no checkpoint needed
            outcome = protocol.peek(outcome_frame(lambda: cells.run_statements(source, filename, ns)))
            protocol.send(sock, {"op": protocol.CELL, "index": index, **_with_statements(outcome, {})})
            continue
        outcome, go_fd = _run_cell(source, filename, ns, float(limits["cell_seconds"]), deadline, budget)
        if outcome is None:
            continue   # this process ran the cell in time and is now the runner
        protocol.send(sock, {"op": protocol.CELL, "index": index, **outcome})
        if go_fd is not None:
            os.write(go_fd, b"g")   # hand over to the fork, which has the cell's effects
            os._exit(0)
    protocol.send(sock, {"op": protocol.LOADED, "names": inventory(ns)})
    while True:
        msg = protocol.recv(sock)
        if msg is None or msg.get("op") != protocol.PROBES:
            os._exit(0)
        run_groups(ns, msg["groups"], int(msg.get("parallel") or 1), sock.sendall, deadline, budget)
        protocol.send(sock, {"op": protocol.PROBES_DONE})
