"""What a probe may change for the next one, put back before each probe: names, attributes, switches.

The probes of several functions share one fork of the submission's process; this
module makes each of them start as if it had a fork of its own.
"""
from __future__ import annotations

import builtins
import gc
import math
import random
import sys
from types import ModuleType

import numpy as np
import torch


_MISSING = object()


def _same(current, saved: dict) -> bool:
    return len(current) == len(saved) and all(current.get(k, _MISSING) is v for k, v in saved.items())


def _version_reader():
    """A reader of a dict's version tag (PEP 509), or None where there is none.

    CPython 3.10 to 3.13 give every dict a tag that changes whenever the dict does.
    Reading it touches only the dict object, where comparing a dict entry by entry
    touches every value: in a fork of the warm worker that is a copy-on-write fault
    per page of objects, about 1,000 for torch, numpy and the builtins. The reader
    is trusted only after it has seen the tag change on each kind of change.
    """
    if sys.implementation.name != "cpython" or not (3, 10) <= sys.version_info[:2] <= (3, 13):
        return None
    import ctypes

    offset = 2 * ctypes.sizeof(ctypes.c_void_p) + ctypes.sizeof(ctypes.c_ssize_t)

    def read(d: dict) -> int:
        return ctypes.c_uint64.from_address(id(d) + offset).value

    class Probe:
        pass

    try:
        test, klass = {"a": 1}, vars(Probe)
        klass_dict = gc.get_referents(klass)[0]
        tags = [read(test)]
        for change in (lambda: test.__setitem__("a", 2), lambda: test.__setitem__("b", 1),
                       lambda: test.pop("a"), lambda: test.update(c=3), lambda: test.clear()):
            change()
            tags.append(read(test))
        before = read(klass_dict)
        Probe.x = 1
        tags_class = [before, read(klass_dict)]
    except Exception:  # noqa: BLE001 - any surprise: compare entry by entry instead
        return None
    if len(set(tags)) != len(tags) or tags_class[0] == tags_class[1] or read(test) != tags[-1]:
        return None
    return read


_version = _version_reader()


def _dict_of(owner) -> dict:
    """The dict behind ``vars(owner)`` (a class's is wrapped in a read-only proxy)."""
    d = vars(owner)
    return d if type(d) is dict else gc.get_referents(d)[0]


def _owners() -> tuple:
    return (builtins, sys, math, random, np, np.random, torch, torch.Tensor,
            torch.nn.functional, torch.autograd)


# (owner, its dict as last saved, that dict's version tag), saved in the warm worker
# before it forks, and again before each run of probes; see remember_pristine
_PRISTINE: list[tuple[object, dict, int]] = []
# [namespace, its copy, its version tag], saved just before the probes' forks; see prepare
_NAMESPACE: list = []


def remember_pristine() -> None:
    """Save the modules and classes that probes restore, as they are now, in the process
    that forks: the warm worker, as imported, and the process that forks the probes
    (``prepare``), as the cells left them.

    Each fork shares this copy. A State then copies only the owners whose version
    tag shows that they changed since. An owner whose tag has not moved since the last
    call is not copied again.
    """
    if _version is not None:
        _PRISTINE[:] = _current_owners()


def _current_owners() -> list[tuple[object, dict, int | None]]:
    """(owner, its attributes, its dict's version tag or None) for each owner: the saved
    copy where the tag has not moved since it was saved, else a copy made now."""
    known = {id(owner): (saved, tag) for owner, saved, tag in _PRISTINE}
    found = []
    for owner in _owners():
        tag = _version(_dict_of(owner)) if _version is not None else None
        saved, seen = known.get(id(owner), (None, None))
        found.append((owner, saved if saved is not None and seen == tag else dict(vars(owner)), tag))
    return found


def prepare(ns: dict) -> None:
    """Save, in the process that forks the probes and before it does, what each fork's
    State would copy: the namespace and the modules' attributes. A copy made in a fork
    touches every object it copies, a copy-on-write fault per page of them (10 ms in a
    student's kernel); a copy made before is shared. ``forget()`` drops it."""
    remember_pristine()
    _NAMESPACE[:] = [ns, dict(ns), _version(ns)] if _tagged(ns) else []


def forget() -> None:
    """Let go of the namespace's copy (what ``prepare`` saved), once the probes have run,
    and of the copies of owners that changed since (``sys``, whose streams check() swaps):
    a student's kernel keeps no objects alive through them."""
    _NAMESPACE.clear()
    if _version is not None:
        _PRISTINE[:] = [(owner, saved, tag) for owner, saved, tag in _PRISTINE
                        if _version(_dict_of(owner)) == tag]


def _tagged(ns) -> bool:
    """A namespace whose version tag can be read: a dict itself (a mapping of another type
    has no tag at that place), where Python has tags."""
    return _version is not None and type(ns) is dict


class State:
    """What one probe could change for the next one in the same process, saved once.

    The probes of several functions run in turn in one fork. Before each probe,
    ``restore()`` puts back the namespace the cells left (names rebound or added by
    a function call), the attributes of the modules and classes that a function
    might patch or delete, and torch's global switches. So a function's side effects never reach
    the probes of another function, as if each had a fork of its own.

    Where dicts have version tags, an owner that the cells left as imported is not
    copied (the warm worker's copy is used), and an owner whose tag has not moved
    since the last restore is not compared.
    """

    def __init__(self, ns: dict):
        self.ns = ns
        self.ns_tag = _version(ns) if _tagged(ns) else None
        prepared = _NAMESPACE and _NAMESPACE[0] is ns and _NAMESPACE[2] == self.ns_tag
        self.saved_ns = _NAMESPACE[1] if prepared else dict(ns)
        # [owner, saved attributes, the version tag they were seen with]
        self.owners = [list(entry) for entry in _current_owners()]
        self.switches = (torch.get_default_dtype(), torch.is_grad_enabled(),
                         torch.is_anomaly_enabled())

    def restore(self) -> None:
        # comparing entry by entry touches every value: only when the tag has moved
        if self.ns_tag is None or _version(self.ns) != self.ns_tag:
            if not _same(self.ns, self.saved_ns):
                self.ns.clear()
                self.ns.update(self.saved_ns)
            if self.ns_tag is not None:
                self.ns_tag = _version(self.ns)
        for entry in self.owners:
            owner, saved, tag = entry
            if tag is not None and _version(_dict_of(owner)) == tag:
                continue            # untouched since it was saved or last restored
            _restore_owner(owner, saved)
            if tag is not None:
                entry[2] = _version(_dict_of(owner))
        dtype, grad, anomaly = self.switches
        if torch.get_default_dtype() != dtype:
            torch.set_default_dtype(dtype)
        torch.set_grad_enabled(grad)
        if torch.is_anomaly_enabled() != anomaly:
            torch.autograd.set_detect_anomaly(anomaly)


def _restore_owner(owner, saved: dict) -> None:
    current = vars(owner)
    if _same(current, saved):
        return
    # an added method shadows the one of a base class; an added module stays
    # (importing a submodule inside a function adds it to its package)
    for name in [k for k, v in current.items() if k not in saved and not isinstance(v, ModuleType)]:
        try:
            delattr(owner, name)
        except (AttributeError, TypeError):
            pass
    for name, value in saved.items():
        if current.get(name, _MISSING) is not value:
            try:
                setattr(owner, name, value)
            except (AttributeError, TypeError):
                pass
