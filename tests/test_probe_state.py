"""sandbox.far.state.State: each probe in a shared process starts from the state the cells left.

These run in a fork of the test process, as probes run in a fork of the runner,
so that a restore that fails cannot leave torch patched for the other tests.
"""
from __future__ import annotations

import os
import pickle
import sys

import pytest
import torch

from autograder.sandbox.far import state as probe_state


def in_fork(fn):
    """fn()'s return value, computed in a child process (its exception re-raised here)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = ("ok", fn())
        except BaseException as exc:  # noqa: BLE001
            out = ("raised", f"{type(exc).__name__}: {exc}")
        with os.fdopen(w, "wb") as f:
            pickle.dump(out, f)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        status, value = pickle.load(f)
    os.waitpid(pid, 0)
    if status != "ok":
        raise AssertionError(value)
    return value


@pytest.mark.skipif(sys.implementation.name != "cpython" or sys.version_info >= (3, 14),
                    reason="dict version tags exist on CPython 3.10 to 3.13 only")
def test_dict_version_tags_are_read_where_python_has_them():
    """The cheap path is the one these tests take: a tag moves with every change."""
    assert probe_state._version is not None
    d = {"a": 1}
    before = probe_state._version(d)
    d["a"] = 2
    assert probe_state._version(d) != before


def _patch_everything():
    torch.matmul = lambda a, b: "patched"
    torch.Tensor.reshape = lambda self, *shape: "patched"
    del torch.normal
    torch.added_by_probe = 1


def _restored_after_patch(pristine: bool):
    if pristine:
        probe_state.remember_pristine()
    original = torch.matmul, torch.Tensor.reshape, torch.normal
    ns = {"x": 1}
    state = probe_state.State(ns)
    _patch_everything()
    ns["x"] = 2
    state.restore()
    first = ((torch.matmul, torch.Tensor.reshape, torch.normal) == original,
             hasattr(torch, "added_by_probe"), ns)
    _patch_everything()             # a second probe patches again: restored again
    state.restore()
    second = (torch.matmul, torch.Tensor.reshape, torch.normal) == original
    return first, second


@pytest.mark.parametrize("pristine", [True, False], ids=["warm worker's copy", "own copy"])
def test_restore_puts_back_patched_deleted_and_added_attributes(pristine):
    first, second = in_fork(lambda: _restored_after_patch(pristine))
    assert first == (True, False, {"x": 1})
    assert second is True


def _cells_state_kept():
    probe_state.remember_pristine()      # the warm worker saw torch as imported...
    helper = lambda: "the cells' helper"           # noqa: E731
    torch.cells_helper = helper                    # ...then the cells added to it
    torch.matmul_of_cells = torch.matmul
    state = probe_state.State({})
    del torch.cells_helper                         # a probe deletes it
    state.restore()
    return getattr(torch, "cells_helper", None) is helper


def test_restore_returns_to_what_the_cells_left_not_to_the_import():
    """An owner that the cells changed is copied as they left it: the warm worker's
    copy of it would lose the cells' changes."""
    assert in_fork(_cells_state_kept) is True


def _prepared(change_after: bool):
    """A probe's fork takes the namespace saved before it was made (``prepare``), unless
    the namespace changed since."""
    ns = {"x": 1}
    probe_state.prepare(ns)
    if change_after:
        ns["y"] = 2                                # a name the prepared copy does not have
    state = probe_state.State(ns)
    shared = state.saved_ns is probe_state._NAMESPACE[1]
    ns["x"] = "changed by a probe"
    ns["z"] = "added by a probe"
    state.restore()
    after_first = dict(ns)
    ns.pop("x")                                    # a second probe deletes a name
    state.restore()
    probe_state.forget()
    return shared, after_first, dict(ns), probe_state._NAMESPACE


@pytest.mark.skipif(sys.implementation.name != "cpython" or sys.version_info >= (3, 14),
                    reason="dict version tags exist on CPython 3.10 to 3.13 only")
def test_a_fork_uses_the_namespace_saved_before_it_and_restores_from_it():
    shared, first, second, left = in_fork(lambda: _prepared(change_after=False))
    assert shared is True
    assert first == {"x": 1} and second == {"x": 1}
    assert left == []                              # forget() lets go of the copy


def test_a_namespace_changed_after_prepare_is_copied_again():
    """A stale saved namespace would lose the cells' last name."""
    shared, first, second, _ = in_fork(lambda: _prepared(change_after=True))
    assert shared is False
    assert first == {"x": 1, "y": 2} and second == {"x": 1, "y": 2}


def _remembered_twice():
    probe_state.remember_pristine()
    copies = {id(owner): saved for owner, saved, _ in probe_state._PRISTINE}
    torch.added_between = 1                        # a cell changes torch between two runs
    probe_state.remember_pristine()
    again = {id(owner): saved for owner, saved, _ in probe_state._PRISTINE}
    kept = [again[k] is copies[k] for k in copies if k != id(torch)]
    return all(kept), "added_between" in again[id(torch)], again[id(torch)] is copies[id(torch)]


@pytest.mark.skipif(sys.implementation.name != "cpython" or sys.version_info >= (3, 14),
                    reason="dict version tags exist on CPython 3.10 to 3.13 only")
def test_remembering_again_copies_only_what_changed():
    unchanged_kept, sees_change, torch_kept = in_fork(_remembered_twice)
    assert unchanged_kept is True and sees_change is True and torch_kept is False


def _mapping_namespace():
    """A namespace that is a mapping but not a dict has no version tag: it is compared."""
    from collections import UserDict
    ns = UserDict({"x": 1})
    probe_state.prepare(ns)
    state = probe_state.State(ns)
    ns["x"] = 2
    ns["z"] = 3
    state.restore()
    probe_state.forget()
    return dict(ns)


def test_a_namespace_that_is_not_a_dict_is_restored_too():
    assert in_fork(_mapping_namespace) == {"x": 1}


def _forgotten():
    probe_state.prepare({})
    saved = {id(owner) for owner, _, _ in probe_state._PRISTINE}
    sys.changed_by_the_run = 1                     # what check() does to sys.stdout, in short
    probe_state.forget()
    left = {id(owner) for owner, _, _ in probe_state._PRISTINE}
    return id(sys) in saved, id(sys) in left, id(torch) in left


@pytest.mark.skipif(sys.implementation.name != "cpython" or sys.version_info >= (3, 14),
                    reason="dict version tags exist on CPython 3.10 to 3.13 only")
def test_forget_drops_the_copies_of_what_changed_during_the_run():
    """A student's kernel keeps nothing alive through a copy that the next run would not use."""
    assert in_fork(_forgotten) == (True, False, True)
