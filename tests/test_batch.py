"""How a batch is scheduled and how the warm worker is started."""
from __future__ import annotations

import platform
import time
from pathlib import Path

import pytest

from autograder import cli
from autograder.grader import many, one
from autograder.grader.many import Grader
from autograder.sandbox.client import Zygote
from autograder.inputs.discover import Source
from autograder.inputs.read import load
from autograder.sinks import Each
from samples import hostile
from tests.conftest import REFERENCE, children, notebook
from samples.mutants import MUTANTS

SIDE_BY_SIDE = {
    "reference": REFERENCE,
    **{m.name: m.source() for m in MUTANTS if m.name in ("no reshape", "drops the last batch",
                                                         "ascends", "no bias")},
    "segfault in data_iter": hostile.with_function(
        "data_iter", "def data_iter(batch_size, features, labels):\n    import ctypes\n"
                     "    ctypes.string_at(0)\n"),
    "memory bomb": hostile.MEMORY_BOMB,
    "exit in sgd": hostile.with_function("sgd", "def sgd(params, lr, batch_size):\n"
                                                "    import os\n    os._exit(3)\n"),
}


def _references(folder: Path, count: int) -> list[Source]:
    """``count`` copies of the reference solution, ok0.py, ok1.py, ..."""
    sources = []
    for i in range(count):
        path = folder / f"ok{i}.py"
        path.write_text(REFERENCE)
        sources.append(Source(path.stem, str(path)))
    return sources


def test_a_hang_does_not_hold_up_the_submissions_behind_it(course, tmp_path):
    """With --jobs 1 the hang is first in line, yet every other submission finishes
    before it: once it has run past the slow mark, the next one starts beside it."""
    settings = course.model_copy(update={"limits": course.limits.model_copy(
        update={"cell_seconds": 6.0})})
    hang = tmp_path / "a_hang.ipynb"
    hang.write_text(notebook(["import time\ntime.sleep(100)", REFERENCE]))
    sources = [Source(hang.stem, str(hang))] + _references(tmp_path, 3)
    order = []
    with Grader(settings, b"x") as grader:
        grader.grade_all(sources, [Each(lambda report, _: order.append(report))], jobs=1)
    assert [r.submission_id for r in order][-1] == "a_hang"
    assert all(r.score == r.max_score for r in order[:-1])
    assert any("was stopped" in line for line in order[-1].notes)   # the hang itself was judged
    assert order[-1].score == order[-1].max_score                     # and lost nothing else


def test_the_judging_of_one_submission_overlaps_the_probes_of_the_next(course, tmp_path, monkeypatch):
    """With --jobs 1 on 2 cores, a submission's slot is free once its processes are gone:
    the next one's sandbox starts while the grader judges it (made slow here, 0.6 s each)."""
    monkeypatch.setattr(many.os, "cpu_count", lambda: 2)
    real = one.results_for

    def slow_judging(*args, **kwargs):
        time.sleep(0.6)
        return real(*args, **kwargs)

    monkeypatch.setattr(one, "results_for", slow_judging)
    sources = _references(tmp_path, 3)
    done = []
    with Grader(course, b"x") as grader:
        grader.grade(load(tmp_path / "ok0.py"))          # warm
        start = time.monotonic()
        grader.grade_all(sources, [Each(lambda report, _: done.append(report))], jobs=1)
        elapsed = time.monotonic() - start
    assert [r.score for r in done] == [r.max_score for r in done] and len(done) == 3
    # in turn it would take 3 x (0.6 + the probes); overlapped, the judging runs side by side
    assert elapsed < 3 * 0.6 + 0.25


def test_without_spare_cores_the_judging_keeps_its_slot(course, tmp_path, monkeypatch):
    """With --jobs 2 on 2 cores the cores are busy already: no overlap, no crowding."""
    monkeypatch.setattr(many.os, "cpu_count", lambda: 2)
    freed = []
    real = many.Grader.grade

    def grade(self, submission, parallel=None, sandbox_done=None):
        freed.append(sandbox_done)
        return real(self, submission, parallel, sandbox_done)

    monkeypatch.setattr(many.Grader, "grade", grade)
    path = tmp_path / "ok.py"
    path.write_text(REFERENCE)
    with Grader(course, b"x") as grader:
        grader.grade_all([Source("ok", str(path))], jobs=2)
        grader.grade_all([Source("ok", str(path))], jobs=1)
    assert freed[0] is None and freed[1] is not None


def test_the_pace_follows_the_typical_grading_between_its_bounds():
    pace = many._Pace()
    assert pace.slow() == many.SLOW                     # nothing graded yet
    for seconds in (0.15, 0.2, 0.16, 9.0):               # a hang does not move the median
        pace.add(seconds)
    assert pace.slow() == pytest.approx(3 * 0.2)
    for _ in range(40):
        pace.add(0.01)
    assert pace.slow() == many.SLOW / 4
    for _ in range(40):
        pace.add(2.0)
    assert pace.slow() == many.SLOW


def test_the_warm_worker_started_early_is_stopped_on_a_configuration_error(tmp_path, capsys):
    (tmp_path / "course.yaml").write_text("limits: {probe_seconds: 0}\n")
    sub = tmp_path / "s.py"
    sub.write_text(REFERENCE)
    before = set(children())
    code = cli.main(["grade", str(sub), "--config", str(tmp_path / "course.yaml"),
                     "--out", str(tmp_path / "out"), "--gradebook", str(tmp_path / "g.db")])
    assert code == cli.EXIT_USAGE
    assert "course.yaml: limits.probe_seconds" in capsys.readouterr().err
    assert set(children()) - before == set()      # the zygote started for the run is gone


def _huge_kb(pid: int) -> int:
    smaps = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return next(int(line.split()[1]) for line in smaps.splitlines()
                if line.startswith("AnonHugePages:"))


def test_the_warm_worker_backs_its_memory_with_huge_pages_where_the_kernel_can(course, tmp_path):
    """Fewer page-table entries make every fork cheaper. The zygote collapses its memory
    into huge pages while it is idle. MADV_COLLAPSE needs Linux 6.1 and transparent
    huge pages not set to never; elsewhere nothing changes, and grading works all the same."""
    worker = Zygote()
    try:
        release = tuple(int(x) for x in platform.release().split(".")[:2] if x.isdigit())
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
        able = release >= (6, 1) and thp.exists() and "[never]" not in thp.read_text()
        deadline = time.monotonic() + 20
        while _huge_kb(worker.pid) < (64 << 10) and time.monotonic() < deadline:
            time.sleep(0.2)
        if able:
            assert _huge_kb(worker.pid) >= 64 << 10     # at least 64 MB of torch's heap
        else:
            assert _huge_kb(worker.pid) == 0
        path = tmp_path / "ok.py"
        path.write_text(REFERENCE)
        report = one.grade(worker, load(path), course, b"x")      # and it still serves
        assert report.score == report.max_score
    finally:
        worker.close()


@pytest.mark.parametrize("name", list(SIDE_BY_SIDE))
def test_probe_groups_side_by_side_give_the_verdicts_of_groups_in_turn(grade, name):
    """With cores to spare, a submission's groups of probes run at once; what each
    check concludes must not change (crashes, re-forks and blocked training included)."""
    in_turn = grade(SIDE_BY_SIDE[name], parallel=1)
    side_by_side = grade(SIDE_BY_SIDE[name], parallel=3)
    assert [(r.id, r.passed, r.mistake) for r in side_by_side.results] == \
        [(r.id, r.passed, r.mistake) for r in in_turn.results]
