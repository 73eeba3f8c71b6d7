"""Groups of probes, each in a fork of the submission's process: limits, crashes, hangs and what they block.

Every probe in a group starts from the namespace and torch's settings that the
cells left (``state.State``). A function found hanging or out of memory is not
probed again, and training, which calls it, is paused while it runs long, then
stopped or never started.
"""
from __future__ import annotations

import math
import os
import select
import signal
import sys
import time

from autograder.sandbox import protocol
from autograder.sandbox.far import clock, libc, probes
from autograder.sandbox.far.state import State, forget, prepare
from autograder.sandbox.far.units import Progress, exit_message, outcome_frame, scratch_exit, stop


def _probe(ns: dict, item: dict, state: "State | None" = None):
    if state is not None:
        state.restore()
    probes.seed_everything(int(item["seed"]))
    function = item["function"]
    before = _d2l_calls(function)
    result = probes.PROBES[item["kind"]](ns, item["inputs"])
    if function in _D2L_SAVED and isinstance(result, dict) and (
            _is_d2ls(ns.get(function)) or _d2l_calls(function) > before):
        result["d2l"] = True   # the book's own function, or one that only calls it
    return result


_D2L_SAVED = ("synthetic_data", "linreg", "squared_loss", "sgd")   # the chapter's functions in d2l


def _is_d2ls(fn) -> bool:
    """The book's own function: the stand-in's, or the real d2l's in a student's kernel (check())."""
    return bool(getattr(fn, "__d2l_saved__", False)) or getattr(fn, "__module__", None) == "d2l.torch"


def _d2l_calls(function: str) -> int:
    """How often the book's ``d2l.<function>`` (the sandbox's stand-in) has run in this process."""
    module = sys.modules.get("d2l.torch")
    calls = getattr(module, "CALLS", None)
    return calls.get(function, 0) if isinstance(calls, dict) else 0


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
        self.limit: clock.Limit | None = None   # the current item's, in CPU seconds

    def wake(self, now: float) -> float:
        """The soonest that the current item's limit could run out."""
        if self.paused is not None:
            return self.limit.deadline if self.limit is not None else math.inf
        return self.limit.wake(now) if self.limit is not None else math.inf

    def expired(self, now: float) -> str | None:
        """Why the current item must stop (``clock.Limit.reason``), or None."""
        if self.limit is None or (self.paused is not None and now < self.limit.deadline):
            return None
        return self.limit.reason(now)

    def next_item(self) -> None:
        """The process goes on to the next item: its limit starts now."""
        self.started = time.monotonic()
        self.limit.restart(float(self.items[0]["limit"]))

    def pause(self, now: float) -> None:
        if self.pid is not None and self.paused is None:
            _signal_group(self.pid, signal.SIGSTOP)
            self.paused = now

    def resume(self, now: float) -> None:
        if self.pid is not None and self.paused is not None:
            _signal_group(self.pid, signal.SIGCONT)
            self.started += now - self.paused     # a pause does not count against the limit
            self.limit.shift(now - self.paused)
        self.paused = None

    def start(self, ns: dict, deadline: float, inside: Progress | None = None) -> None:
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(res_r)
            os.setpgid(0, 0)
            probes.INSIDE = inside
            # every probe starts from the namespace and torch's settings as the cells
            # left them, whatever the probes before it in this process changed
            state = State(ns)
            try:
                for item in self.items:
                    libc.name_process(f"ag-{item['function']}")
                    protocol.write_all(res_w, outcome_frame(lambda item=item: _probe(ns, item, state),
                                                         op=protocol.PROBE, id=item["id"]))
            except OSError:
                os._exit(70)
            os._exit(0)
        os.close(res_w)
        self.pid, self.fd, self.started, self.paused = pid, res_r, time.monotonic(), None
        self.limit = clock.Limit(pid, float(self.items[0]["limit"]), deadline)
        self.generation += 1

    def stop(self, wait: bool = True) -> int | None:
        """Kill and reap the group's process; returns its wait status (None when
        ``wait`` is False: a thread reaps it, see ``units.stop``)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        pid, self.pid, self.paused = self.pid, None, None
        return stop(pid, kill=True, wait=wait) if pid is not None else None


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


def run_groups(ns: dict, groups: list[dict], parallel: int, send, deadline: float = math.inf,
               budget: float | None = None, wait: bool = True) -> None:
    """Run groups of probes, each group in a fork of its own, up to ``parallel`` at once.

    ``send(frame)`` gets one encoded ``probe`` message per item, in the order the
    items end. Each item has its own limit in CPU seconds (``clock.Limit``), and
    every item ends by ``deadline``, the submission's budget (``budget`` seconds): the
    items left then are reported as stopped by it, without running. When a group's process dies
    in an item, that item is reported and a new fork takes the rest. A timeout or a
    MemoryError means the item's function is not probed again: its remaining items
    get the same outcome, and every item that needs the function (training) is
    stopped, or never started, and reported as blocked by it. A hang costs one
    limit. An item that needs other functions reports only once every group has
    ended, so that its verdict is the same whether it ran beside them or after them.
    ``wait=False``: a group's process that has reported every item is killed and left
    to a thread to reap (check(), where its exit is time a student waits for).
    """
    prepare(ns)                 # what each fork's State would copy, copied once here
    try:
        _Run(ns, send, deadline, budget, wait).run([_Group(g) for g in groups], parallel)
    finally:
        forget()


class _Run:
    """One ``probes`` request: its groups, the ones running, and the functions found stuck."""

    def __init__(self, ns: dict, send, deadline: float = math.inf, budget: float | None = None,
                 wait: bool = True):
        self.ns, self.send = ns, send
        self.deadline, self.budget, self.wait = deadline, budget, wait
        self.inside = Progress(every=10)    # which function training is inside (probes.INSIDE)
        self.active: list[_Group] = []
        self.stuck: dict[str, dict] = {}      # function -> its first timeout or MemoryError

    def deliver(self, group: _Group, item: dict, frame: bytes) -> None:
        if _others(item):
            group.held[item["id"]] = frame
        else:
            self.send(frame)

    def report(self, group: _Group, item: dict, outcome: dict) -> None:
        self.deliver(group, item, protocol.encode({"op": protocol.PROBE, "id": item["id"], **outcome}))

    def blocker(self, item: dict) -> str | None:
        """The first function, other than its own, that the item needs and that is stuck."""
        return next((f for f in item.get("needs") or () if f in self.stuck and f != item["function"]
                     and self.stuck[f]["error"].get("type") != "budget"), None)

    def skip(self, group: _Group) -> None:
        """Drop the leading items that cannot run: their function is stuck (they get its
        outcome) or one they need is (they are reported blocked at the end)."""
        while group.items:
            item = group.items[0]
            if time.monotonic() >= self.deadline and item["function"] not in self.stuck:
                self.stuck[item["function"]] = clock.stopped(float(item["limit"]), "budget", self.budget)
            first = self.stuck.get(item["function"])
            if first is not None:
                self.report(group, item, {"status": first.get("status"), "error": first.get("error"),
                                          "seconds": 0.0})
            elif not self.blocker(item):
                return
            group.items.pop(0)

    def advance(self, group: _Group) -> None:
        """After an item ended: go on in the same process, or a new one, or stop."""
        running = group.pid is not None
        before = len(group.items)
        self.skip(group)
        if not group.items:
            group.stop(wait=self.wait)
        elif running and len(group.items) != before:
            group.stop()                    # its process would run the skipped items next
            group.start(self.ns, self.deadline, self.inside)
        elif not running:
            group.start(self.ns, self.deadline, self.inside)
        else:
            group.next_item()

    def ended(self, group: _Group, outcome: dict) -> None:
        """The group's current item ended with ``outcome`` (already reported)."""
        item = group.items.pop(0)
        if _stuck(outcome):
            self.stuck.setdefault(item["function"], outcome)
            group.stop()
            for other in self.active:
                if other is not group and other.items and other.pid is not None and \
                        (self.blocker(other.items[0]) or other.items[0]["function"] in self.stuck):
                    other.stop()
                    self.advance(other)
        self.advance(group)

    def died(self, group: _Group, outcome: dict | None) -> None:
        """The group's process ended (or lied) in its current item."""
        status = group.stop()
        if outcome is None and scratch_exit(status):
            outcome = clock.stopped(float(group.items[0]["limit"]), "scratch")
        outcome = outcome or exit_message(status or 0)
        outcome["seconds"] = time.monotonic() - group.started
        self.report(group, group.items[0], outcome)
        self.ended(group, outcome)

    def collect(self, group: _Group) -> None:
        """Read the report of the group's current item."""
        try:
            # a report being written is read in full, or the wall backstop ends it
            frame = protocol.read_frame_fd(group.fd, time.monotonic() + clock.BACKSTOP * group.limit.seconds)
            body = protocol.peek(frame) if frame is not None else None
        except protocol.Timeout:
            return                          # the deadline check takes it from here
        except protocol.WireError as exc:
            return self.died(group, {"status": "crashed", "error": {"type": "wire", "message": str(exc)}})
        if body is None:
            return self.died(group, None)
        if body.get("id") != group.items[0]["id"]:
            return self.died(group, {"status": "crashed", "error": {"type": "wire", "message":
                                     "its report named a probe that was not running"}})
        self.deliver(group, group.items[0], frame)
        self.ended(group, body)

    def run(self, queue: list[_Group], parallel: int) -> None:
        everyone = list(queue)
        while queue or any(g.items for g in self.active):
            self.active = [g for g in self.active if g.items]
            while queue and len(self.active) < max(1, parallel):
                group = queue.pop(0)
                self.advance(group)
                if group.items:
                    self.active.append(group)
            if not self.active:
                continue
            now = time.monotonic()
            wake = _pace_dependents(self.active, now)
            left = min([g.wake(now) for g in self.active] + [wake]) - now
            ready, _, _ = select.select([g.fd for g in self.active], [], [], max(0.0, left))
            ready = {id(g): g.generation for g in self.active if g.fd in ready}
            for group in self.active:
                # (a group restarted meanwhile has a new process: its readiness is unknown)
                if group.items and ready.get(id(group)) == group.generation:
                    self.collect(group)
                reason = group.expired(time.monotonic()) if group.items else None
                if reason is not None:
                    group.stop()
                    outcome = {**clock.stopped(float(group.items[0]["limit"]), reason, self.budget),
                               "seconds": time.monotonic() - group.started}
                    if group.items[0]["function"] == "training" and \
                            0 <= self.inside.current() < len(probes.TRAINING_CALLS):
                        outcome["error"]["inside"] = probes.TRAINING_CALLS[self.inside.current()]
                    self.report(group, group.items[0], outcome)
                    self.ended(group, outcome)
        for group in everyone:           # the held reports, now that everything has ended
            for item in group.all_items:
                function = self.blocker(item)
                if function is None:
                    if item["id"] in group.held:
                        self.send(group.held[item["id"]])
                    continue
                first = self.stuck[function]
                error = {"function": function, "status": first.get("status"),
                         "message": (first.get("error") or {}).get("message", "")}
                self.send(protocol.encode({"op": protocol.PROBE, "id": item["id"], "status": "blocked",
                                           "error": error, "seconds": 0.0}))
