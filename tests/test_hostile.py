"""Real hostile submissions: none of them can fool, stall or escape the grader."""
import json
import os
import resource
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from autograder.grader import one, seeds
from autograder.sandbox.far import detect
from autograder.sandbox.far.kernel import SANDBOX_UID_BASE
from autograder.sandbox.client import Zygote
from autograder.sinks import results_json
from autograder.inputs.read import load
from samples import hostile
from tests.conftest import REFERENCE, ROOT, SANDBOXES, children, lost_points, notebook


def require_root() -> None:
    if os.getuid() != 0:
        pytest.skip("container mode drops to a uid of its own: it needs root")


def container_or_default(sandbox: str) -> Zygote:
    """A fresh worker in the default mode, or in container mode (forced here: see conftest)."""
    if sandbox == "container":
        require_root()
        return Zygote(sandbox="container")
    return Zygote()


@pytest.fixture
def quick(course):
    return course.model_copy(update={"limits": course.limits.model_copy(
        update={"probe_seconds": 1.0, "cell_seconds": 2.0, "training_seconds": 3.0})})


def still_full_marks_after(grade, report):
    """The grader still works: the reference, graded right after, gets full marks."""
    again = grade(REFERENCE)
    return again.score == again.max_score


# ---- root's power ------------------------------------------------------------

@pytest.mark.parametrize("attack", [a for a in hostile.ROOT_POWER if a != "network"])
def test_the_child_holds_no_power(grade, attack):
    report = grade(hostile.root_power(attack))
    assert report.score == report.max_score, f"{attack} worked inside the sandbox"


def test_no_network_even_to_the_graders_own_loopback(grade):
    server = socket.create_server(("127.0.0.1", 0))
    try:
        report = grade(hostile.root_power("network", server.getsockname()[1]))
    finally:
        server.close()
    assert report.score == report.max_score


@pytest.mark.parametrize("source", [hostile.KILL_ALL_AT_IMPORT, hostile.KILL_ALL_IN_FUNCTION],
                         ids=["at import", "in sgd"])
def test_kill_minus_one_costs_only_that_submission(sandboxed, source):
    """In container mode there is no PID namespace: kill(-1) reaches every process of the
    submission's own uid, and nothing else."""
    report = sandboxed(source)
    assert report.score < report.max_score          # it did take itself down
    assert still_full_marks_after(sandboxed, report)    # and nothing else: this process, the worker


def worker_started_with(variable: str, value: str, sandbox: str | None = None) -> Zygote:
    """A worker started while the grader's environment has ``variable`` set."""
    os.environ[variable] = value
    try:
        return Zygote(sandbox=None if sandbox == "default" else sandbox)
    finally:
        del os.environ[variable]


def test_user_namespace_mode_also_holds(tmp_path, course):
    """The mode for a grader that is not root, forced here for a test."""
    worker = worker_started_with("AUTOGRADER_SANDBOX", "userns")
    try:
        assert worker.sandbox["mode"] == "userns"
        for attack in ("setuid(0)", "has capabilities", "sees processes outside", "mount"):
            path = tmp_path / f"{attack.replace(' ', '_')}.py"
            path.write_text(hostile.root_power(attack))
            report = one.grade(worker, load(path), course, b"s")
            assert report.score == report.max_score, attack
    finally:
        worker.close()


def _zygote_children(worker) -> dict[int, str]:
    """The warm worker's children: pid -> name."""
    found = {}
    for pid in children(worker.pid):
        try:
            found[pid] = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            pass
    return found


def _gone(pids, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("mode", ["root", "userns"])
def test_the_submissions_first_process_is_its_namespaces_init_in_root_mode(tmp_path, course, mode):
    """As root the init of each submission's PID namespace is a spawned `cat`, not a
    fork of the warm worker, and the runner is forked straight beside it; in a user
    namespace a keeper still sits above the init. Either way the sandbox holds."""
    if mode == "root" and os.getuid() != 0:
        mode = "userns"           # an ordinary user has only the user-namespace mode
    mode_worker = worker_started_with("AUTOGRADER_SANDBOX", mode)
    try:
        path = tmp_path / "slow.ipynb"
        path.write_text(notebook([REFERENCE, "import time\ntime.sleep(1.5)"]))
        seen, inside, init_fds = {}, {}, []
        session = mode_worker.spawn()
        try:
            loading = threading.Thread(target=session.load, args=(load(path).to_dict(),
                                                                  course.limits.model_dump()))
            loading.start()
            time.sleep(0.7)
            seen = _zygote_children(mode_worker)
            inside = {name: detect.namespace_pid(pid) for pid, name in seen.items()}
            init_fds = [os.listdir(f"/proc/{pid}/fd") for pid, name in seen.items() if name == "cat"]
            loading.join()
        finally:
            session.close()
        if mode == "root":
            assert inside == {"cat": "1", "ag-runner": "2"}
            assert [sorted(fds) for fds in init_fds] == [["0", "1", "2"]]   # nothing of the zygote's
        else:
            assert list(seen.values()) == ["ag-keeper"]
        assert _gone(seen)
        report = one.grade(mode_worker, load(path), course, b"s")
        assert report.score == report.max_score
    finally:
        mode_worker.close()


@pytest.mark.skipif(os.getuid() != 0, reason="the spawned init exists in root mode only")
def test_the_namespace_dies_when_the_grader_lets_go_of_its_init(worker):
    """If the grader dies without killing anything, its end of the init's pipe closes:
    the init exits and the kernel kills the rest of the namespace."""
    before = _zygote_children(worker)
    session = worker.spawn()
    try:
        tree = {pid: name for pid, name in _zygote_children(worker).items() if pid not in before}
        assert sorted(tree.values()) == ["ag-zygote", "cat"]     # the runner, before its submission
        os.close(session.life)
        session.life = None
        assert _gone(tree)
    finally:
        session.close()


# ---- exits, interrupts and time ----------------------------------------------

def test_exits_in_notebook_cells_cost_only_those_cells(sandboxed):
    cells = ["import sys\nsys.exit(1)", "raise KeyboardInterrupt", "import os\nos._exit(2)",
             "raise SystemExit", REFERENCE]
    report = sandboxed(notebook(cells), kind="ipynb")
    assert report.score == report.max_score
    assert len(report.notes) == 4


@pytest.mark.parametrize("parallel", [1, 2], ids=["in turn", "side by side"])
@pytest.mark.parametrize("source, cost", [(hostile.SLEEP, 3.0), (hostile.IGNORES_SIGNALS, 1.0)],
                         ids=["sleep", "ignores signals"])
def test_a_hang_costs_one_probe_limit(sandboxed, quick, source, cost, parallel):
    """In turn, training is never started; side by side, it is stopped when linreg's
    limit runs out. Either way training is reported as blocked by linreg. A busy loop
    costs linreg's 1 s of CPU time; a sleep uses none, and costs the wall-clock
    backstop of three times that."""
    start = time.monotonic()
    report = sandboxed(source, settings=quick, parallel=parallel)
    assert set(lost_points(report)) == {"linreg", "training"}
    assert time.monotonic() - start < cost + 2.0   # linreg's limit once, never training's 3 s
    training = [r for r in report.results if r.function == "training"]
    assert [r.mistake for r in training] == ["training.blocked"]
    assert "`linreg`" in training[0].message


# ---- resources -----------------------------------------------------------------

def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_memory_bomb_flood_and_recursion_are_bounded_and_the_grader_stays_flat(sandboxed):
    grade = sandboxed
    grade(REFERENCE)
    before = _rss_mb()
    bomb = grade(hostile.MEMORY_BOMB)
    assert set(lost_points(bomb)) == {"squared_loss", "training"}
    assert {r.mistake for r in bomb.results if r.function == "squared_loss" and not r.passed} <= \
        {"any.raised", "any.crashed"}
    flood = grade(hostile.STDOUT_FLOOD)
    assert flood.score == flood.max_score
    huge = grade(hostile.HUGE_RETURN)
    assert set(lost_points(huge)) == {"squared_loss", "training"}
    assert "too large" in [r for r in huge.results if r.function == "squared_loss"][0].message
    deep = grade(hostile.DEEP_RECURSION)
    assert set(lost_points(deep)) == {"linreg", "training"}
    assert _rss_mb() - before < 50


def test_filling_the_disk_stays_in_the_capped_scratch(sandboxed):
    """In container mode no tmpfs caps the scratch: its total is checked while each statement
    runs, and the statement that takes it past scratch_mb is stopped and its files removed."""
    report = sandboxed(hostile.FILL_DISK)
    assert report.score == report.max_score
    if sandboxed.mode == "container":
        assert any("more than the 100 MB of limits.scratch_mb" in note for note in report.notes), report.notes
    for folder in (Path.cwd(), Path.home(), Path(tempfile.gettempdir()), Path("/var/tmp"), Path("/dev/shm")):
        if folder.is_dir():
            assert not [p for p in folder.iterdir() if p.name.startswith(hostile.MARK)], folder


def test_a_scratch_smaller_than_one_file_still_holds(sandboxed, course):
    """scratch_mb below file_mb: 30 MB of output (kept in the scratch) is over a 10 MB scratch.
    The statement costs only itself, and what follows runs (in container mode the kept output is
    emptied, or every later statement would be over the cap too)."""
    small = course.model_copy(update={"limits": course.limits.model_copy(update={"scratch_mb": 10})})
    source = "import os\nfor _ in range(30):\n    os.write(1, b'x' * 2**20)\n" + REFERENCE
    report = sandboxed(source, settings=small)
    assert report.score == report.max_score, report.notes


def test_a_scratch_of_many_files_does_not_cost_a_correct_training_its_limit(sandboxed):
    """In container mode the scratch's total is measured by walking it. Training's place among
    the five functions changes some 1,200 times a run: walking 12,000 files at each of them
    would take the book's loop past training's limit."""
    source = "for i in range(12000):\n    open(f'empty-{i}', 'w').close()\n" + REFERENCE
    report = sandboxed(source)
    assert report.score == report.max_score, [(r.id, r.message[:200]) for r in report.results if not r.passed]


def test_a_training_that_fills_the_scratch_loses_training_and_is_told_so(sandboxed, course):
    """An sgd that writes half a MB at each step fills a 20 MB scratch during training. In
    container mode the fork leaves when it measures the scratch over its cap: the student
    reads that the files were too many, not that the function called os._exit."""
    small = course.model_copy(update={"limits": course.limits.model_copy(update={"scratch_mb": 20})})
    source = REFERENCE + """
_sgd, _steps = sgd, [0]
def sgd(params, lr, batch_size):
    _steps[0] += 1
    with open(f"step-{_steps[0]}", "wb") as f:
        f.write(b"x" * 2**19)
    return _sgd(params, lr, batch_size)
"""
    report = sandboxed(source, settings=small)
    lost = {r.id: r for r in report.results if not r.passed}
    assert set(lost) == {"training.converges"}, {k: r.message[:200] for k, r in lost.items()}
    training = lost["training.converges"]
    if sandboxed.mode == "container":
        assert training.mistake == "any.filled_scratch", training.message
        assert "more than the 20 MB of limits.scratch_mb" in training.message
    else:                                  # a tmpfs of scratch_mb: the write itself fails
        assert training.mistake == "any.raised" and "OSError" in training.message, training.message


def test_in_container_mode_the_keeper_ends_a_submission_that_bypasses_its_scratch_check(tmp_path, course):
    """The scratch's cap is checked in the submission's own process, which its code can rewrite;
    the keeper, outside it, ends the submission at twice scratch_mb, and removes its files."""
    require_root()
    worker = Zygote(sandbox="container")
    try:
        path = tmp_path / "bypass.ipynb"      # the first cell's effects last: the runner is its fork
        path.write_text(notebook([REFERENCE + """
import sys
sys.modules["autograder.sandbox.far.clock"].SCRATCH = None      # no more checks in this process
""", """
for i in range(1000):
    with open(f"fill-{i}", "wb") as f:
        f.write(b"x" * 2**20)
"""]))
        small = course.model_copy(update={"limits": course.limits.model_copy(update={"scratch_mb": 20})})
        start = time.monotonic()
        report = one.grade(worker, load(path), small, b"s")
        assert report.score == 0 and "ended unexpectedly" in " ".join(report.notes), report.notes
        assert time.monotonic() - start < 10
        # its files are gone (what is left is the empty scratch of the sandbox built ahead)
        left = sum(f.stat().st_size for d in Path(tempfile.gettempdir()).glob(f"autograder-{SANDBOX_UID_BASE // 10**6}*")
                   for f in d.rglob("*") if f.is_file())
        assert left < 2**20
        again = tmp_path / "ok.py"
        again.write_text(REFERENCE)
        assert one.grade(worker, load(again), course, b"s").score == 23
    finally:
        worker.close()


# ---- processes -------------------------------------------------------------------

def _survivors() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "98765" in cmd or hostile.MARK in cmd:
                found.append(cmd)
    return found


def test_no_process_outlives_the_grading_of_its_submission(sandboxed):
    """In container mode there is no PID namespace to die with: the keeper kills every process of
    the submission's uid (programs run there: subprocess works, setsid too)."""
    report = sandboxed(hostile.PROCESSES)
    assert report.score == report.max_score
    deadline = time.monotonic() + 5
    while _survivors() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _survivors() == []


# ---- forgery ---------------------------------------------------------------------

@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_forgery_changes_no_grade_and_writes_nowhere(tmp_path, course, sandbox):
    """In container mode the world-writable folders (/tmp) are writable: what the uid left
    there is removed when its grading ends."""
    out = tmp_path / "out"
    worker = container_or_default(sandbox)
    try:
        path = tmp_path / "forger.py"
        path.write_text(hostile.forgery(str(out)))
        report = one.grade(worker, load(path), course, b"s")
        results_json.write(report, out)
    finally:
        worker.close()
    # patching builtins breaks the forger's own functions too; it never gains a point
    assert "squared_loss" in lost_points(report)
    honest = next(r for r in report.results if r.id == "squared_loss.reshape")
    assert not honest.passed and honest.mistake == "squared_loss.no_reshape"
    assert sorted(p.name for p in out.iterdir()) == ["forger"]
    assert sorted(p.name for p in (out / "forger").iterdir()) == ["results.json", "seeds.json"]
    assert json.loads((out / "forger" / "results.json").read_text())["score"] < report.max_score
    for folder in (Path.cwd(), Path.home(), Path(tempfile.gettempdir())):
        assert not any((folder / name).exists() for name in ("results.json", "autograder-grades.csv", "grades.csv"))


# ---- secrets ---------------------------------------------------------------------

@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_the_graders_environment_never_reaches_student_code(tmp_path, course, sandbox):
    if sandbox == "container":
        require_root()
    worker = worker_started_with("AUTOGRADER_TEST_TOKEN", "s3cret", sandbox)
    try:
        path = tmp_path / "spy.py"
        path.write_text(hostile.env_leak("AUTOGRADER_TEST_TOKEN"))
        report = one.grade(worker, load(path), course, b"s")
    finally:
        worker.close()
    assert report.score == report.max_score
    assert "s3cret" not in json.dumps(report.to_dict())


@pytest.mark.parametrize("target", ["solutions/linreg.py", "solutions", "course.yaml", "samples",
                                    ".git"])
def test_course_files_cannot_be_read(sandboxed, target, tmp_path):
    """In container mode the course's files are out of reach by their folder's mode, not by a
    view: here a copy in a folder only root may enter (the grader refuses course files that any
    uid may read: tests/test_gradescope.py)."""
    path = ROOT / target
    if not path.exists():
        pytest.skip(f"{target} is not in this checkout")
    if sandboxed.mode == "container":
        private = tmp_path / "course"
        private.mkdir(mode=0o700)
        copy = private / target
        copy.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, copy, symlinks=True)
        else:
            shutil.copy(path, copy)
        path = copy
    report = sandboxed(hostile.reads(str(path)))
    assert report.score == report.max_score, f"{target} was readable"


def test_the_read_channel_itself_works(sandboxed):
    """The tests above would pass vacuously if a successful read did not show: it does.
    The standard library is one of the few things a submission can read. In container mode,
    what any uid may read: course.yaml in a folder that any uid may enter (which the grader
    refuses to start with)."""
    if sandboxed.mode == "default":
        report = sandboxed(hostile.reads(os.path.realpath(os.__file__)))
    else:
        shared = Path("/tmp") / f"ag-readable-{os.getpid()}"
        shared.mkdir(exist_ok=True)
        try:
            os.chmod(shared, 0o755)
            shutil.copy(ROOT / "course.yaml", shared / "course.yaml")
            os.chmod(shared / "course.yaml", 0o644)
            report = sandboxed(hostile.reads(str(shared / "course.yaml")))
        finally:
            shutil.rmtree(shared)
    assert set(lost_points(report)) == {"squared_loss", "training"}


def test_the_standard_library_imports_as_in_python(sandboxed):
    """Modules that the warm worker never imported load in the submission's process. In
    container mode the interpreter may lie below a folder that other uids cannot search (Python
    under root's 0700 home, as on this machine and in many images); the runner then reaches it
    through a descriptor that it opened as root (container.reach_imports)."""
    source = hostile.with_function("squared_loss", """
def squared_loss(y_hat, y):
    import colorsys, wave, multiprocessing.popen_fork, xml.dom.minidom
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
""")
    report = sandboxed(source)
    assert report.score == report.max_score, [r.message for r in report.results if not r.passed][:1]


def test_container_mode_opens_no_folder_but_the_libraries(tmp_path, course, monkeypatch):
    """Reaching the libraries below a private folder must not reach anything else: here the
    grader's working folder, first on the warm worker's sys.path, in a folder only root may
    enter, holds a module and a course.yaml that any uid could read if it got there."""
    require_root()
    home = Path("/tmp") / f"ag-home-{os.getpid()}"      # 0700, like a home folder; pytest's are 0700 all the way
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(mode=0o700)
    private = home / "course"
    private.mkdir()
    (private / "course.yaml").write_text("seed: 1\n")
    (private / "helper_mod.py").write_text("X = 1\n")
    for path in private.iterdir():
        os.chmod(path, 0o644)
    os.chmod(private, 0o755)
    monkeypatch.chdir(private)
    worker = Zygote(sandbox="container")
    try:
        path = tmp_path / "look.py"
        path.write_text(hostile.reveals("""
import os
found = []
try:
    import helper_mod
    found.append("imported helper_mod")
except ImportError:
    pass
for fd in os.listdir("/proc/self/fd"):
    for name in ("course.yaml", "course/course.yaml"):
        try:
            found.append(open(f"/proc/self/fd/{fd}/{name}").read())
        except OSError:
            pass
return found
"""))
        report = one.grade(worker, load(path), course, b"s")
    finally:
        worker.close()
        shutil.rmtree(home, ignore_errors=True)
    assert report.score == report.max_score, [r.message for r in report.results if not r.passed][:1]


# ---- hidden inputs ------------------------------------------------------------------

def test_hidden_seeds_differ_per_submission_and_replay_exactly(course):
    a = seeds.hidden_seed(b"secret", "linreg", "alice")
    assert a == seeds.hidden_seed(b"secret", "linreg", "alice")
    assert a != seeds.hidden_seed(b"secret", "linreg", "bob")
    assert a != seeds.hidden_seed(b"other", "linreg", "alice")


def test_an_answer_hard_coded_for_one_seed_fails_on_another(worker, course, tmp_path):
    from autograder.spec import squared_loss
    from autograder.grader.seeds import probe_seed

    seed = probe_seed(seeds.hidden_seed(b"s", "linreg", "alice"), "squared_loss.flat")
    probe = squared_loss.PROBES["flat"](seed)
    y_hat, y = probe.inputs["y_hat"], probe.inputs["y"]
    answer = ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).tolist()
    cheat = REFERENCE.replace("(y_hat - y.reshape(y_hat.shape)) ** 2 / 2",
                              f"torch.tensor({answer}) if y.dim() == 1 else (y_hat - y) ** 2 / 2")
    from autograder.course import CheckSetting
    course = course.model_copy(update={"checks": {    # a course that hides the reshape check
        **course.checks, "squared_loss.reshape": CheckSetting(points=1.0, visibility="hidden")}})
    for name, expected in (("alice", True), ("bob", False)):
        path = tmp_path / f"{name}.py"
        path.write_text(cheat)
        report = one.grade(worker, load(path), course, b"s")
        reshape = [r for r in report.results if r.id == "squared_loss.reshape"][0]
        assert reshape.passed is expected, name


# ---- malformed input ------------------------------------------------------------------

def test_syntax_error_and_wrong_types_get_clear_messages(grade):
    report = grade(hostile.SYNTAX_ERROR)
    assert report.score == 0 and "SyntaxError" in report.notes[0] and "line 1" in report.notes[0]
    assert all(r.mistake in ("any.missing_function", "training.needs_functions") for r in report.results)
    wrong = grade(hostile.WRONG_TYPES)
    assert set(lost_points(wrong)) == {"synthetic_data", "training"}
    assert "returned an object of type str" in [r for r in wrong.results if not r.passed][0].message


def test_a_sandbox_built_ahead_that_died_is_replaced_not_charged(tmp_path, course):
    """The worker builds the next submission's sandbox while this one is graded. If that
    process is gone by the time it is needed (killed here), a fresh one takes its place."""
    worker = Zygote()
    try:
        limits = course.limits.model_dump()
        first = worker.spawn(limits)
        spare = worker._spare.result()              # built in the background
        runners = [name for name in _zygote_children(worker).values() if name != "cat"]
        assert len(runners) == 2                     # this one and the next (beside their inits)
        first.close()
        signal.pidfd_send_signal(spare.pidfd, signal.SIGKILL)
        time.sleep(0.2)
        path = tmp_path / "ok.py"
        path.write_text(REFERENCE)
        report = one.grade(worker, load(path), course, b"s")
        assert report.score == report.max_score
        # a sandbox built with other limits is not used either
        other = course.model_copy(update={"limits": course.limits.model_copy(update={"probe_seconds": 1.5})})
        report = one.grade(worker, load(path), other, b"s")
        assert report.score == report.max_score
    finally:
        worker.close()


@pytest.mark.skipif(os.getuid() != 0, reason="the spawned init exists in root mode only")
def test_a_spawned_init_that_does_not_stay_is_found_out_at_start(tmp_path):
    """An init program that exits at once (here `false`) leaves a namespace that takes no
    runner: the start-up test says so, and the process's next children are born normally."""

    def attempt(program: str) -> str | None:
        own = os.open("/proc/self/ns/pid", os.O_RDONLY)
        try:
            return detect.probe_spawned_init(own, program)
        finally:
            os.close(own)

    def child_is_born() -> bool:
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        return os.WEXITSTATUS(os.waitpid(pid, 0)[1]) == 7

    assert attempt(shutil.which("false")) is not None
    assert child_is_born()
    assert attempt(shutil.which("cat")) is None
    assert child_is_born()


def test_container_modes_keeper_removes_a_tree_deeper_than_a_path_may_be_long(tmp_path):
    """A submission can nest thousands of folders in its scratch for a few MB: too deep for
    shutil.rmtree's recursion and for a path. The keeper's clean-up removes it all the same,
    and removes a link without following it."""
    from autograder.sandbox.far.container import _remove_tree
    top = tmp_path / "scratch"
    top.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kept").write_text("the grader's")
    here = os.getcwd()
    try:
        os.chdir(top)
        for _ in range(3000):
            os.mkdir("a")
            os.chdir("a")
        Path("f").write_text("x")
    finally:
        os.chdir(here)
    (top / "link").symlink_to(outside)
    _remove_tree(str(top))
    assert not top.exists() and (outside / "kept").read_text() == "the grader's"
