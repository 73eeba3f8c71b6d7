"""`autograder`: parse arguments, call the core, turn domain errors into messages and exit codes."""
from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import traceback
from pathlib import Path

from autograder import __version__

EXIT_OK, EXIT_FAIL_UNDER, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_TERMINATED = 143     # SIGTERM, as a shell reports a process that it ended
SANDBOX_MODES = ("auto", "root", "userns", "container")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"autograder: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N such as 2/4, got {text!r}") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"expected 1 <= I <= N, got {text!r}")
    return index, count


def _fail_under(text: str) -> float | str:
    if text == "max":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of points or 'max', got {text!r}") from None


def _common(p, gradebook=True):
    p.add_argument("--config", default=None, help="course.yaml (default: $AUTOGRADER_CONFIG, else the nearest course.yaml in the "
                        "working folder or above it, else the built-in defaults)")
    if gradebook:
        p.add_argument("--gradebook", default="autograder.db", help="SQLite gradebook (default: autograder.db)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="autograder", description="Grade the linear-regression exercise.")
    p.add_argument("--version", action="version", version=f"autograder {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    g = sub.add_parser("grade", help="grade .py and .ipynb submissions")
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help="a .py or .ipynb file, a directory of them, or an nbgrader submitted/ tree")
    g.add_argument("--out", default="results", help="output directory (default: results)")
    _common(g)
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="submissions graded at once (default: the number of cores)")
    g.add_argument("--lang", choices=("en", "zh"), default=None, help="language of the feedback")
    g.add_argument("--fail-under", type=_fail_under, default=None, metavar="POINTS",
                   help="exit 1 when a submission scores below POINTS, or below full marks with 'max' (for CI)")
    g.add_argument("--format", choices=("junit", "github", "json"), default=None,
                   help="also write the run in a machine format to standard output (or --format-out); "
                        "the table then goes to standard error")
    g.add_argument("--format-out", default=None, metavar="FILE", help="write --format's output to FILE")
    g.add_argument("--regrade", action="store_true", help="grade again what the gradebook already has")
    g.add_argument("--roster", default=None, help="CSV of student ids: flags files that match no student")
    g.add_argument("--id-pattern", default=None, metavar="REGEX",
                   help="take the student id from the file name with this regex's group 'student'")
    g.add_argument("--several", choices=("error", "latest"), default="error",
                   help="when a student has several files: stop (default) or grade the newest")
    g.add_argument("--shard", type=_shard, default=None, metavar="I/N",
                   help="grade only the I-th of N deterministic slices (for parallel CI jobs)")
    g.add_argument("--quiet", action="store_true", help="print only errors and the summary")
    g.add_argument("--sandbox", choices=SANDBOX_MODES, default=None,
                   help="the sandbox: auto (root mode, else userns mode; the default, or course.yaml's "
                        "sandbox:), root, userns, or container (Docker, Gradescope: no namespaces)")
    g.add_argument("--results-json", default=None, metavar="PATH",
                   help="also write the one submission's results.json to PATH (Gradescope's "
                        "/autograder/results/results.json)")
    g.add_argument("--id", default=None, help="the student id of the one submission (its hidden seed), "
                                              "instead of the file's stem")

    r = sub.add_parser("replay", help="grade one submission again with its recorded seeds (appeals)")
    r.add_argument("id", help="the submission id (student)")
    _common(r)

    e = sub.add_parser("export", help="export the gradebook")
    e.add_argument("format", choices=("csv",))
    _common(e)
    e.add_argument("--out", default="autograder-grades.csv",
                   help="per-student CSV (default: autograder-grades.csv)")
    e.add_argument("--canvas", default=None, metavar="FILE", help="also write a Canvas/Moodle import CSV")
    e.add_argument("--policy", choices=("latest", "best"), default="latest",
                   help="which of a student's submissions counts (default: latest)")
    e.add_argument("--roster", default=None, help="CSV of student ids: those without a submission get 0")

    d = sub.add_parser("report", help="write the class dashboard (HTML)")
    _common(d)
    d.add_argument("--out", default="report.html", help="the page to write (default: report.html)")
    d.add_argument("--results", default="results", help="the grade command's --out, for links")
    d.add_argument("--policy", choices=("latest", "best"), default="latest")
    d.add_argument("--lang", choices=("en", "zh"), default=None,
                   help="language of the page (default: course.yaml's language)")

    s = sub.add_parser("selftest", help="grade the catalogue of named mistakes and correct variants: "
                                        "the grader's mutation score")
    _common(s, gradebook=False)
    s.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="programs graded at once (default: the number of cores)")

    gs = sub.add_parser("gradescope", help="Gradescope: build the autograder zip, or run it")
    gsub = gs.add_subparsers(dest="action", required=True, parser_class=_Parser)
    gb = gsub.add_parser("build", help="write the autograder zip (setup.sh, run_autograder, wheel, "
                                       "course.yaml, secret, pinned requirements)")
    gb.add_argument("--out", default="autograder.zip", help="the zip to write (default: autograder.zip)")
    _common(gb, gradebook=False)
    gb.add_argument("--wheel", default=None, help="put this wheel of the package in the zip instead of "
                                                  "building one from the checkout")
    gr = gsub.add_parser("run", help="what the zip's run_autograder calls: grade the submission in "
                                     "/autograder and write /autograder/results/results.json")
    gr.add_argument("--root", default=None, help="the tree (default: $AUTOGRADER_ROOT, else /autograder)")

    m = sub.add_parser("merge", help="combine gradebooks (from shards) into one")
    m.add_argument("target", help="the gradebook to merge into (created when missing)")
    m.add_argument("sources", nargs="+", help="gradebooks to merge from")

    n = sub.add_parser("nbgrader", help="an nbgrader course: write it, or copy our grades into its gradebook")
    nsub = n.add_subparsers(dest="nbgrader_command", required=True, parser_class=_Parser)
    ni = nsub.add_parser("init", help="write an nbgrader course: config, grading kernel, source notebook")
    ni.add_argument("course_dir", metavar="COURSE_DIR", help="the course folder (created when missing)")
    _common(ni, gradebook=False)
    ni.add_argument("--exercise", default=None, metavar="FILE",
                    help="the exercise's source, percent format (default: the package's own)")
    ni.add_argument("--solution", default=None, metavar="FILE",
                    help="the reference solution (default: the package's own)")
    ni.add_argument("--force", action="store_true", help="replace files that differ from what init writes")
    ns = nsub.add_parser("sync", help="write our grades and feedback into nbgrader's gradebook")
    ns.add_argument("course_dir", metavar="COURSE_DIR", help="the nbgrader course folder")
    ns.add_argument("--config", default=None, help="course.yaml (default: $AUTOGRADER_CONFIG, else the "
                    "nearest course.yaml in COURSE_DIR or above it)")
    ns.add_argument("--gradebook", default=None, help="our gradebook (default: COURSE_DIR/autograder.db)")
    ns.add_argument("--policy", choices=("latest", "best"), default="latest",
                    help="which of a student's submissions counts (default: latest)")
    return p


def run() -> None:
    """The command's entry point: main(), then leave without tearing down torch's
    modules one by one (about half a second); everything is written and closed by then."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.launched = None
    if args.command == "gradescope" and args.action == "run":
        return _gradescope_run(args)
    if args.command in ("grade", "replay", "selftest"):
        from autograder.grader import start_zygote
        args.launched = start_zygote()  # it imports torch while this process imports its own
    from autograder import course
    from autograder.errors import ConfigError, GradebookError, OutputError, UsageError, WorkerError
    from autograder.sinks.safe import terminal

    try:
        start = Path(args.course_dir) if getattr(args, "nbgrader_command", None) == "sync" else Path.cwd()
        config = course.locate(getattr(args, "config", None), start, os.environ)
        settings = course.load(config) if args.command != "merge" else None
        if config is None and args.command != "merge":
            print(f"autograder: {course.not_found(start)}", file=sys.stderr)
        if args.launched is not None:       # the zygote builds this sandbox (it imports torch meanwhile)
            args.launched.choose(getattr(args, "sandbox", None) or settings.sandbox)
        handler = {"grade": _grade, "replay": _replay, "export": _export, "report": _report,
                   "merge": _merge, "selftest": _selftest, "nbgrader": _nbgrader,
                   "gradescope": _gradescope_build}[args.command]
        return handler(args, settings, config)
    except (ConfigError, UsageError, GradebookError, WorkerError) as exc:
        print(f"autograder: {terminal(exc, lines=True)}", file=sys.stderr)    # it may name a student's file
        return EXIT_USAGE
    except OutputError as exc:     # export, report, or grade before it started: nothing was lost
        print(f"autograder: {terminal(exc, lines=True)}", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if args.launched is not None:
            args.launched.close()


def _import_core(name: str):
    """Import the grading core (and torch, through it) with the garbage collector off.

    torch's import makes 180,000 objects that live as long as the process; with the
    collector on, it walks them again and again while they are made (about 0.2 s).
    Called only after everything that can fail fast has been checked."""
    import importlib

    collecting = gc.isenabled()
    gc.disable()
    try:
        return importlib.import_module(name)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _secret(settings, config) -> bytes:
    from autograder import course

    return course.read_secret(settings, config.parent if config else Path("."), os.environ)


# ---- grade ------------------------------------------------------------------------

class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as an interrupt."""


def _terminated(signum, frame):
    raise _Terminated()


def _writable(folder: Path) -> None:
    """Fail before grading when the output folder cannot be written."""
    from autograder.errors import OutputError
    probe = folder / ".autograder-write-test"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{folder}: the output folder cannot be written: {exc.strerror or exc}") from None


def _kept_from_submissions(args, settings, config, submissions) -> dict:
    """What a submission must not read in container mode: what -> path."""
    kept = {"the working folder": Path.cwd(), "the output folder": Path(args.out),
            "the gradebook": Path(args.gradebook)}
    for suffix in ("-wal", "-shm", "-journal"):
        kept[f"the gradebook's {suffix} file"] = Path(args.gradebook + suffix)
    if config is not None:
        kept["course.yaml"] = config
        if settings.secret_file:
            kept["the secret file"] = config.parent / settings.secret_file
    if args.results_json:
        kept["--results-json"] = Path(args.results_json)
        kept["the folder of --results-json"] = Path(args.results_json).parent
    for s in submissions:
        kept[f"the submission {s.id}"] = Path(s.path)
    return kept


def _refuse(args, submissions, reason: str) -> None:
    """Nothing is graded: every submission's results.json (and --results-json) says why."""
    from autograder.errors import OutputError
    from autograder.model import safe_id
    from autograder.sinks import results_json

    targets = [Path(args.out) / safe_id(s.id) / "results.json" for s in submissions]
    if args.results_json:
        targets.append(Path(args.results_json))
    for target in targets:
        try:
            results_json.write_refusal(target, reason)
        except OutputError:
            pass                    # the refusal itself is the message on the terminal


def _grade(args, settings, config) -> int:
    import dataclasses

    from autograder.errors import OutputError, SandboxError, UsageError
    from autograder.grader import private
    from autograder.inputs import roster as roster_mod
    from autograder.inputs.discover import discover, in_shard
    from autograder.sinks.safe import terminal

    if args.lang:
        settings = settings.model_copy(update={"language": args.lang})
    if args.jobs < 1:
        raise UsageError(f"--jobs: expected a whole number of at least 1, got {args.jobs}")
    if args.format_out and not args.format:
        raise UsageError("--format-out: give --format junit, github or json too")
    secret = _secret(settings, config)
    skipped: list[str] = []
    submissions = discover(args.submissions, args.id_pattern, args.several, settings.assignment, skipped)
    for note in skipped:
        print(f"autograder: note: {terminal(note)}", file=sys.stderr)
    submissions = [s for s in submissions if in_shard(s.id, args.shard)]
    for flag, value in (("--id", args.id), ("--results-json", args.results_json)):
        if value is not None and len(submissions) != 1:
            raise UsageError(f"{flag} is for one submission, and {len(submissions)} were found: "
                             + ", ".join(terminal(s.path) for s in submissions[:5]))
    if args.id is not None:
        submissions = [dataclasses.replace(submissions[0], id=args.id)]
    mode = args.sandbox or settings.sandbox
    if mode == "container":
        private.make_private_by_default()
        why = private.refuse_exposed(_kept_from_submissions(args, settings, config, submissions))
        why = "; ".join(w for w in (why, private.catalogue_exposure()) if w) or None
        if why is not None:
            _refuse(args, submissions, why)
            raise UsageError(why)
    if args.roster:
        known = roster_mod.read(args.roster)
        for s in submissions:
            if s.id not in known:
                print(f"autograder: warning: {terminal(s.path)} matches no student of {args.roster} "
                      f"(id {terminal(repr(s.id))}); graded anyway", file=sys.stderr)
    if not secret and any(c.visibility == "hidden" for c in settings.checks.values()):
        print("autograder: warning: no course secret ($AUTOGRADER_SECRET or the secret_file "
              "of course.yaml), so the seeds of the hidden checks are predictable", file=sys.stderr)
    many = _import_core("autograder.grader.many")     # torch: after what can fail fast
    from autograder.sinks import feedback, progress, results_json, table
    from autograder.store.gradebook import Gradebook

    out = Path(args.out)
    _writable(out)
    if args.format_out:
        _writable(Path(args.format_out).parent)
    machine = _machine_sink(args.format, args.format_out)
    with Gradebook(args.gradebook) as gradebook:
        try:
            grader = many.Grader(settings, secret, gradebook, args.launched)
        except SandboxError as exc:         # Gradescope shows this instead of a failure
            _refuse(args, submissions, str(exc))
            raise
        if not args.quiet:
            print(f"autograder: sandbox ({grader.zygote.sandbox['mode']} mode): "
                  + "; ".join(grader.zygote.layers), file=sys.stderr)
        below = progress.FailUnder(args.fail_under) if args.fail_under is not None else None
        sinks = [results_json.ResultsJson(out, args.results_json), feedback.Feedback(out, settings.language),
                 progress.Bar(len(submissions), enabled=not args.quiet and sys.stderr.isatty(),
                              language=settings.language),
                 *([] if args.quiet else [table.Table(limit=60, language=settings.language,
                                                      stream=sys.stderr if machine else None)]),
                 *([below] if below else []), *([machine] if machine else [])]
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _terminated)     # as SIGINT: say so, keep what is graded
        try:
            with grader:
                summary = grader.grade_all(submissions, sinks, args.jobs, regrade=args.regrade)
        except KeyboardInterrupt as exc:
            how = "terminated (SIGTERM)" if isinstance(exc, _Terminated) else "interrupted"
            print(f"autograder: {how}; {grader.summary.count} of {len(submissions)} submissions "
                  f"were graded and written to {out} and {args.gradebook}", file=sys.stderr)
            return EXIT_TERMINATED if isinstance(exc, _Terminated) else EXIT_INTERRUPTED
        except OutputError as exc:
            print(f"autograder: {terminal(exc)}; {grader.summary.count} graded submissions are in "
                  f"{args.gradebook}. Free the space or fix the folder, then run the same command: "
                  "what is graded is not graded again, and its files are written", file=sys.stderr)
            return EXIT_INTERNAL
        except Exception:  # noqa: BLE001 - the grader's own fault: say so, keep what is written
            traceback.print_exc()
            print(f"autograder: internal error; {grader.summary.count} graded submissions are in "
                  f"{out} and {args.gradebook}", file=sys.stderr)
            return EXIT_INTERNAL
    print(summary.line(settings.language), file=sys.stderr)
    if below is not None and below.below:
        return EXIT_FAIL_UNDER
    return EXIT_OK


def _machine_sink(fmt: str | None, out: str | None):
    """The --format sink: to standard output, or to --format-out."""
    if fmt is None:
        return None
    from autograder.sinks import github, json_out, junit

    return {"junit": junit.JUnit, "github": github.GitHub, "json": json_out.Json}[fmt](out)


# ---- gradescope ----------------------------------------------------------------------

def _gradescope_build(args, settings, config) -> int:
    from autograder.gradescope import build

    secret = _secret(settings, config)
    names = build.build(Path(args.out), config, secret, Path(args.wheel) if args.wheel else None)
    print(f"autograder: wrote {args.out} ({', '.join(names)}); upload it on Gradescope's "
          "Configure Autograder page" + ("" if secret else "; no course secret, so the hidden checks' "
                                          "seeds are predictable"), file=sys.stderr)
    return EXIT_OK


def _gradescope_run(args) -> int:
    """Grade Gradescope's submission with the `grade` command; results.json exists afterwards."""
    from autograder.gradescope import run

    return run.run(run.root_of(args.root, os.environ), main)


# ---- replay -------------------------------------------------------------------------

def _replay(args, settings, config) -> int:
    replay = _import_core("autograder.grader.replay")
    from autograder.sinks.safe import terminal

    done = replay.replay(args.gradebook, args.id, settings, _secret(settings, config),
                         args.launched)
    recorded, report = done.recorded, done.now
    if done.changed_file:
        print(f"autograder: warning: {terminal(recorded.path)} changed since it was graded "
              f"(sha256 {recorded.sha256[:12]} then, {report.sha256[:12]} now)", file=sys.stderr)
    print(f"replay of {terminal(args.id)} ({terminal(recorded.path)}), seeds public {recorded.public_seed} "
          f"hidden {recorded.hidden_seed}:")
    for r in report.results:
        old = done.before(r)
        mark = "PASS" if r.passed else "FAIL"
        extra = "" if r.passed else f" [{r.mistake}]"
        change = "" if done.agrees(r) else f"   <- recorded: {'PASS' if old and old.passed else 'FAIL'}" \
                                           f" {old.score if old else '-'}"
        print(f"  {mark} {r.score:g}/{r.max_score:g} {terminal(r.name)}{terminal(extra)}{change}")
    print(f"score {report.score:g}/{report.max_score:g}; recorded {recorded.score:g}; "
          + ("identical to the recorded grading" if done.identical else "DIFFERS from the recorded grading"))
    return EXIT_OK


# ---- selftest -----------------------------------------------------------------------

def _selftest(args, settings, config) -> int:
    from autograder.errors import UsageError

    if args.jobs < 1:
        raise UsageError(f"--jobs: expected a whole number of at least 1, got {args.jobs}")
    score = _import_core("autograder.selftest.score")
    result = score.run(settings, args.launched, args.jobs)
    print(result.text())
    return EXIT_OK if result.passed else EXIT_FAIL_UNDER


# ---- export, report, merge ---------------------------------------------------------------

def _export(args, settings, config) -> int:
    from autograder.inputs import roster as roster_mod
    from autograder.sinks import export, feed
    from autograder.store.gradebook import Gradebook

    roster = roster_mod.read(args.roster) if args.roster else None
    table = export.Csv(Path(args.out), settings, roster)
    sinks = [table] + ([export.Canvas(Path(args.canvas), settings, roster)] if args.canvas else [])
    with Gradebook(args.gradebook) as gradebook:
        feed(gradebook.counted_reports(settings.assignment, args.policy), sinks)
    print(f"autograder: wrote {len(table.records)} students to {args.out}"
          + (f" and {args.canvas}" if args.canvas else ""), file=sys.stderr)
    return EXIT_OK


def _report(args, settings, config) -> int:
    from autograder.sinks import dashboard, feed
    from autograder.store.gradebook import Gradebook

    with Gradebook(args.gradebook) as gradebook:
        feed(gradebook.counted_reports(settings.assignment, args.policy),
             [dashboard.Page(Path(args.out), settings, Path(args.results), args.lang)])
    print(f"autograder: wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def _merge(args, settings, config) -> int:
    from autograder.store.gradebook import Gradebook

    with Gradebook(args.target) as target:
        total = sum(target.merge(source) for source in args.sources)
    print(f"autograder: merged {total} submissions into {args.target}", file=sys.stderr)
    return EXIT_OK


# ---- nbgrader ----------------------------------------------------------------------------

def _nbgrader(args, settings, config) -> int:
    from autograder.sinks.safe import terminal

    course_dir = Path(args.course_dir)
    if args.nbgrader_command == "init":
        from autograder.nbgrader import course as nbcourse

        exercise, solution = nbcourse.default_files()
        written = nbcourse.init(course_dir, settings, config, Path(args.exercise or exercise),
                                Path(args.solution or solution), _secret(settings, config), args.force)
        for path in written.files:
            print(f"autograder: wrote {path}", file=sys.stderr)
        print(f"autograder: next, in {course_dir}: nbgrader generate_assignment {settings.assignment}; "
              f"after the students submit: autograder grade submitted/, then autograder nbgrader sync .",
              file=sys.stderr)
        return EXIT_OK
    from autograder.nbgrader import sync

    ours = Path(args.gradebook) if args.gradebook else course_dir / "autograder.db"
    done = sync.sync(course_dir, settings, ours, args.policy)
    for note in done.notes:
        print(f"autograder: warning: {terminal(note)}", file=sys.stderr)
    print(f"autograder: wrote {done.grades} grades of {len(done.students)} students into nbgrader's "
          f"gradebook in {course_dir}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
