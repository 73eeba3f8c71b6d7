"""The submission's process: run its cells, then answer probes.

Every unit of work (a cell or a group of probes) runs in a fork of this process,
which keeps the state from before the unit as a checkpoint:

* a group's fork (every probe in turn; or, side by side, the five functions'
  probes in one and training in another) reports what each probe observed and
  exits. Before each probe it restores the namespace and
  torch's settings (``probes.State``), so probes never see each other's side
  effects; a crash or hang costs only that probe, and a new fork takes the rest.
  One fork for all the probes, not one each, saves forks and exits of a
  torch-sized process;
* a cell's fork, when the cell finishes in time (even by raising), becomes the
  new runner and this process exits; when it hangs or dies, it is killed and
  this process carries on with the next cell, without the cell's effects.
"""
from __future__ import annotations

import inspect
import math
import os
import select
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
        isolation.name_process("ag-cell")
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
        isolation.name_process("ag-runner")
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


def _outcome_frame(func, **extra) -> bytes:
    """Run ``func`` (student code somewhere below it) and encode what happened,
    with ``extra`` fields and the seconds it took."""
    start = time.monotonic()
    try:
        payload = {"status": "ok", "result": func()}
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything
        payload = {"status": "raised", "error": executor.describe_exception(exc)}
    seconds = time.monotonic() - start
    try:
        return wire.encode({**extra, **payload, "seconds": seconds})
    except Exception as exc:  # noqa: BLE001
        return wire.encode({**extra, "status": "raised", "seconds": seconds, "error": {
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


def serve(sock: socket.socket, in_namespace: bool = False) -> None:
    """Main loop of the submission's process (never returns). ``in_namespace``: it was
    forked into a PID namespace that has its init already (isolation.spawn_init)."""
    msg = wire.recv(sock)
    if not msg or msg.get("op") not in ("prepare", "load"):
        os._exit(2)
    limits = msg["limits"]
    box = msg["sandbox"]
    home = isolation.isolate(box["mode"], int(limits["scratch_mb"]), box["hide"],
                             close_fds=(sock.fileno(),), in_namespace=in_namespace)
    sandbox.enter(limits, home, own_uid=box["mode"] == "root")
    if msg["op"] == "prepare":      # a sandbox made ahead of time: now the submission
        msg = wire.recv(sock)
        if not msg or msg.get("op") != "load":
            os._exit(2)
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
            sock.sendall(_outcome_frame(lambda: executor.run_source(source, filename, ns),
                                        op="cell", index=index))
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
        run_groups(ns, msg["groups"], int(msg.get("parallel") or 1), sock.sendall)
        wire.send(sock, {"op": "probes_done"})


def _probe(ns: dict, item: dict, state: "probes.State | None" = None):
    if state is not None:
        state.restore()
    probes.seed_everything(int(item["seed"]))
    return probes.PROBES[item["kind"]](ns, item["inputs"])


def _stuck(outcome: dict) -> bool:
    """A timeout or a MemoryError: probing the function again would cost the same."""
    return outcome.get("status") == "timeout" or (outcome.get("error") or {}).get("type") == "MemoryError"


class _Group:
    """Probes run in order in one fork. Each item names the ``function`` it probes and
    the functions it ``needs`` (its own; training needs all five)."""

    def __init__(self, spec: dict):
        self.name = spec["name"]
        self.items = list(spec["items"])    # not yet reported
        self.all_items = list(self.items)
        self.held: dict[str, bytes] = {}    # item id -> report kept until every group has ended
        self.pid: int | None = None
        self.generation = 0                 # counts the group's processes
        self.fd: int | None = None
        self.started = 0.0                  # when the current item started
        self.paused: float | None = None    # when it was paused (see run_groups)

    @property
    def deadline(self) -> float:
        if self.paused is not None:
            return math.inf
        return self.started + float(self.items[0]["limit"])

    def pause(self, now: float) -> None:
        if self.pid is not None and self.paused is None:
            _signal_group(self.pid, signal.SIGSTOP)
            self.paused = now

    def resume(self, now: float) -> None:
        if self.pid is not None and self.paused is not None:
            _signal_group(self.pid, signal.SIGCONT)
            self.started += now - self.paused     # a pause does not count against the limit
        self.paused = None

    def start(self, ns: dict) -> None:
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(res_r)
            os.setpgid(0, 0)
            # every probe starts from the namespace and torch's settings as the cells
            # left them, whatever the probes before it in this process changed
            state = probes.State(ns)
            try:
                for item in self.items:
                    isolation.name_process(f"ag-{item['function']}")
                    wire.write_all(res_w, _outcome_frame(lambda item=item: _probe(ns, item, state),
                                                         op="probe", id=item["id"]))
            except OSError:
                os._exit(70)
            os._exit(0)
        os.close(res_w)
        self.pid, self.fd, self.started, self.paused = pid, res_r, time.monotonic(), None
        self.generation += 1

    def stop(self) -> int | None:
        """Kill and reap the group's process; returns its wait status."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        pid, self.pid, self.paused = self.pid, None, None
        return _stop(pid, kill=True) if pid is not None else None


PATIENCE = 0.1   # seconds: every correct function probe takes under 10 ms (bench/probe_times.py)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except OSError:
        pass


def _pace_dependents(active: list, now: float) -> float:
    """Pause the groups that call other functions (training) while a function's probe
    has run for more than PATIENCE, and resume them once none has; returns when to
    look again. Such a probe is most likely hanging, and training, which calls the
    same function, would then burn a second core until it is stopped as blocked.
    A pause changes no verdict: training's report waits for the others anyway, and
    its limit does not count the pause."""
    independent = [g for g in active if g.items and g.pid is not None and not _others(g.items[0])]
    dependent = [g for g in active if g.items and g.pid is not None and _others(g.items[0])]
    if not dependent:
        return math.inf
    late = any(now - g.started > PATIENCE for g in independent)
    for group in dependent:
        if late:
            group.pause(now)
        else:
            group.resume(now)
    if late:
        return math.inf
    return min((g.started + PATIENCE for g in independent), default=math.inf)


def _others(item: dict) -> set:
    """The functions other than its own that an item calls."""
    return set(item.get("needs") or ()) - {item["function"]}


def run_groups(ns: dict, groups: list[dict], parallel: int, send) -> None:
    """Run groups of probes, each group in a fork of its own, up to ``parallel`` at once.

    ``send(frame)`` gets one encoded ``probe`` message per item, in the order the
    items end. Each item has its own wall-clock limit. When a group's process dies
    in an item, that item is reported and a new fork takes the rest. A timeout or a
    MemoryError means the item's function is not probed again: its remaining items
    get the same outcome, and every item that needs the function (training) is
    stopped, or never started, and reported as blocked by it. A hang costs one
    limit. An item that needs other functions reports only once every group has
    ended, so that its verdict is the same whether it ran beside them or after them.
    """
    queue = [_Group(g) for g in groups]
    everyone = list(queue)
    active: list[_Group] = []
    stuck: dict[str, dict] = {}           # function -> its first timeout or MemoryError

    def deliver(group: _Group, item: dict, frame: bytes) -> None:
        if _others(item):
            group.held[item["id"]] = frame
        else:
            send(frame)

    def report(group: _Group, item: dict, outcome: dict) -> None:
        deliver(group, item, wire.encode({"op": "probe", "id": item["id"], **outcome}))

    def blocker(item: dict) -> str | None:
        """The first function, other than its own, that the item needs and that is stuck."""
        return next((f for f in item.get("needs") or () if f in stuck and f != item["function"]), None)

    def skip(group: _Group) -> None:
        """Drop the leading items that cannot run: their function is stuck (they get its
        outcome) or one they need is (they are reported blocked at the end)."""
        while group.items:
            item = group.items[0]
            first = stuck.get(item["function"])
            if first is not None:
                report(group, item, {"status": first.get("status"), "error": first.get("error"),
                                     "seconds": 0.0})
            elif not blocker(item):
                return
            group.items.pop(0)

    def advance(group: _Group) -> None:
        """After an item ended: go on in the same process, or a new one, or stop."""
        running = group.pid is not None
        before = len(group.items)
        skip(group)
        if not group.items:
            group.stop()
        elif running and len(group.items) != before:
            group.stop()                    # its process would run the skipped items next
            group.start(ns)
        elif not running:
            group.start(ns)
        else:
            group.started = time.monotonic()

    def ended(group: _Group, outcome: dict) -> None:
        """The group's current item ended with ``outcome`` (already reported)."""
        item = group.items.pop(0)
        if _stuck(outcome):
            stuck.setdefault(item["function"], outcome)
            group.stop()
            for other in active:
                if other is not group and other.items and other.pid is not None and \
                        (blocker(other.items[0]) or other.items[0]["function"] in stuck):
                    other.stop()
                    advance(other)
        advance(group)

    def died(group: _Group, outcome: dict | None) -> None:
        """The group's process ended (or lied) in its current item."""
        status = group.stop()
        outcome = outcome or _exit_message(status or 0)
        outcome["seconds"] = time.monotonic() - group.started
        report(group, group.items[0], outcome)
        ended(group, outcome)

    def collect(group: _Group) -> None:
        """Read the report of the group's current item."""
        try:
            frame = wire.read_frame_fd(group.fd, group.deadline)
            body = wire.peek(frame) if frame is not None else None
        except wire.Timeout:
            return                          # the deadline check takes it from here
        except wire.WireError as exc:
            return died(group, {"status": "crashed", "error": {"type": "wire", "message": str(exc)}})
        if body is None:
            return died(group, None)
        if body.get("id") != group.items[0]["id"]:
            return died(group, {"status": "crashed", "error": {"type": "wire", "message":
                                "its report named a probe that was not running"}})
        deliver(group, group.items[0], frame)
        ended(group, body)

    while queue or any(g.items for g in active):
        active = [g for g in active if g.items]
        while queue and len(active) < max(1, parallel):
            group = queue.pop(0)
            advance(group)
            if group.items:
                active.append(group)
        if not active:
            continue
        now = time.monotonic()
        wake = _pace_dependents(active, now)
        left = min([g.deadline for g in active] + [wake]) - now
        ready, _, _ = select.select([g.fd for g in active], [], [], max(0.0, left))
        ready = {id(g): g.generation for g in active if g.fd in ready}
        for group in active:
            # (a group restarted meanwhile has a new process: its readiness is unknown)
            if group.items and ready.get(id(group)) == group.generation:
                collect(group)
            if group.items and time.monotonic() >= group.deadline:
                limit = float(group.items[0]["limit"])
                group.stop()
                outcome = {"status": "timeout", "seconds": time.monotonic() - group.started,
                           "error": {"type": "timeout", "message":
                                     f"it did not finish within the {limit:g} s limit and was stopped"}}
                report(group, group.items[0], outcome)
                ended(group, outcome)
    for group in everyone:           # the held reports, now that everything has ended
        for item in group.all_items:
            function = blocker(item)
            if function is None:
                if item["id"] in group.held:
                    send(group.held[item["id"]])
                continue
            first = stuck[function]
            error = {"function": function, "status": first.get("status"),
                     "message": (first.get("error") or {}).get("message", "")}
            send(wire.encode({"op": "probe", "id": item["id"], "status": "blocked",
                              "error": error, "seconds": 0.0}))
