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

from autograder.sandbox import protocol
from autograder.sandbox.far import cells, kernel
from autograder.sandbox.far.groups import run_groups
from autograder.sandbox.far.limits import enter as enter_limits
from autograder.sandbox.far.units import outcome_frame, run_unit

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


def serve(sock: socket.socket, in_namespace: bool = False) -> None:
    """Main loop of the submission's process (never returns). ``in_namespace``: it was
    forked into a PID namespace that has its init already (pidns.spawn_init)."""
    msg = protocol.recv(sock)
    if not msg or msg.get("op") not in (protocol.PREPARE, protocol.LOAD):
        os._exit(2)
    limits = msg["limits"]
    box = msg["sandbox"]
    home = kernel.isolate(box["mode"], int(limits["scratch_mb"]), box["hide"],
                             close_fds=(sock.fileno(),), in_namespace=in_namespace)
    enter_limits(limits, home, own_uid=box["mode"] == "root")
    if msg["op"] == protocol.PREPARE:      # a sandbox made ahead of time: now the submission
        msg = protocol.recv(sock)
        if not msg or msg.get("op") != protocol.LOAD:
            os._exit(2)
    sub = msg["submission"]
    notebook = sub["kind"] == "ipynb"
    ns = cells.make_namespace("__main__" if notebook else "submission")
    for index, cell in enumerate(sub["cells"]):
        filename = f"<cell {index + 1}>" if notebook else "submission.py"
        source, note = cells.transform(cell) if notebook else (cell, None)
        if source is None:
            protocol.send(sock, {"op": protocol.CELL, "index": index, "status": "skipped", "note": note})
            continue
        if cells.is_declarative(source):     # no student code runs: no checkpoint needed
            sock.sendall(outcome_frame(lambda: cells.run_source(source, filename, ns),
                                        op=protocol.CELL, index=index))
            continue
        unit = run_unit(lambda: cells.run_source(source, filename, ns),
                        float(limits["cell_seconds"]), continue_in_child=True)
        if unit.in_fork:
            continue   # this process ran the cell in time and is now the runner
        protocol.send(sock, {"op": protocol.CELL, "index": index, **unit.outcome})
        if unit.go_fd is not None:
            os.write(unit.go_fd, b"g")   # hand over to the fork, which has the cell's effects
            os._exit(0)
    protocol.send(sock, {"op": protocol.LOADED, "names": inventory(ns)})
    while True:
        msg = protocol.recv(sock)
        if msg is None or msg.get("op") != protocol.PROBES:
            os._exit(0)
        run_groups(ns, msg["groups"], int(msg.get("parallel") or 1), sock.sendall)
        protocol.send(sock, {"op": protocol.PROBES_DONE})
