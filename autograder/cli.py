"""`autograder`: parse arguments, call the core, turn domain errors into messages and exit codes."""
from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import time
import traceback
from pathlib import Path

from autograder import __version__

EXIT_OK, EXIT_FAIL_UNDER, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


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


def _common(p, gradebook=True):
    p.add_argument("--config", default=None, help="course.yaml (default: ./course.yaml when it exists)")
    if gradebook:
        p.add_argument("--gradebook", default="gradebook.db", help="SQLite gradebook (default: gradebook.db)")


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
    g.add_argument("--fail-under", type=float, default=None, metavar="POINTS",
                   help="exit 1 when a submission scores below POINTS (for CI)")
    g.add_argument("--regrade", action="store_true", help="grade again what the gradebook already has")
    g.add_argument("--roster", default=None, help="CSV of student ids: flags files that match no student")
    g.add_argument("--id-pattern", default=None, metavar="REGEX",
                   help="take the student id from the file name with this regex's group 'student'")
    g.add_argument("--several", choices=("error", "latest"), default="error",
                   help="when a student has several files: stop (default) or grade the newest")
    g.add_argument("--shard", type=_shard, default=None, metavar="I/N",
                   help="grade only the I-th of N deterministic slices (for parallel CI jobs)")
    g.add_argument("--quiet", action="store_true", help="print only errors and the summary")

    r = sub.add_parser("replay", help="grade one submission again with its recorded seeds (appeals)")
    r.add_argument("id", help="the submission id (student)")
    _common(r)

    e = sub.add_parser("export", help="export the gradebook")
    e.add_argument("format", choices=("csv",))
    _common(e)
    e.add_argument("--out", default="grades.csv", help="per-student CSV (default: grades.csv)")
    e.add_argument("--canvas", default=None, metavar="FILE", help="also write a Canvas/Moodle import CSV")
    e.add_argument("--policy", choices=("latest", "best"), default="latest",
                   help="which of a student's submissions counts (default: latest)")
    e.add_argument("--roster", default=None, help="CSV of student ids: those without a submission get 0")

    d = sub.add_parser("report", help="write the class dashboard (HTML)")
    _common(d)
    d.add_argument("--out", default="report.html", help="the page to write (default: report.html)")
    d.add_argument("--results", default="results", help="the grade command's --out, for links")
    d.add_argument("--policy", choices=("latest", "best"), default="latest")

    m = sub.add_parser("merge", help="combine gradebooks (from shards) into one")
    m.add_argument("target", help="the gradebook to merge into (created when missing)")
    m.add_argument("sources", nargs="+", help="gradebooks to merge from")
    return p


def _config_path(arg: str | None) -> Path | None:
    if arg:
        return Path(arg)
    default = Path("course.yaml")
    return default if default.exists() else None


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
    if args.command in ("grade", "replay"):
        from autograder.worker.launch import Launch
        args.launched = Launch()    # the zygote imports torch while this process imports its own
    # torch's import makes 180,000 objects that live as long as the process; with the
    # collector on, it walks them again and again while they are made (about 0.2 s)
    collecting = gc.isenabled()
    gc.disable()
    from autograder import settings as settings_mod
    from autograder.errors import GradebookError, WorkerError
    from autograder.submission import UsageError
    gc.freeze()
    if collecting:
        gc.enable()

    try:
        config = _config_path(getattr(args, "config", None))
        settings = settings_mod.load(config) if args.command != "merge" else None
        handler = {"grade": _grade, "replay": _replay, "export": _export, "report": _report,
                   "merge": _merge}[args.command]
        return handler(args, settings, config)
    except (settings_mod.ConfigError, UsageError, GradebookError, WorkerError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if args.launched is not None:
            args.launched.close()


# ---- grade ------------------------------------------------------------------------

def _grade(args, settings, config) -> int:
    from autograder import settings as settings_mod
    from autograder.reports import roster as roster_mod
    from autograder.submission import UsageError, discover, in_shard

    if args.lang:
        settings = settings.model_copy(update={"language": args.lang})
    if args.jobs < 1:
        raise UsageError(f"--jobs: expected a whole number of at least 1, got {args.jobs}")
    secret = settings_mod.read_secret(settings, config.parent if config else Path("."), os.environ)
    submissions = discover(args.submissions, args.id_pattern, args.several)
    submissions = [s for s in submissions if in_shard(s.id, args.shard)]
    if args.roster:
        known = roster_mod.read(args.roster)
        for s in submissions:
            if s.id not in known:
                print(f"autograder: warning: {s.path} matches no student of {args.roster} "
                      f"(id {s.id!r}); graded anyway", file=sys.stderr)
    if not secret and any(c.visibility == "hidden" for c in settings.checks.values()):
        print("autograder: warning: no course secret ($AUTOGRADER_SECRET or the secret_file "
              "of course.yaml), so the seeds of the hidden checks are predictable", file=sys.stderr)
    from autograder.batch import Grader       # torch: after what can fail fast
    from autograder.gradebook import Gradebook
    from autograder.reports import progress, table
    from autograder.sandbox import hidden_paths

    out = Path(args.out)
    gradebook = Gradebook(args.gradebook)
    hide = hidden_paths(config, settings, out) + [str(Path(args.gradebook).resolve())]
    grader = Grader(settings, secret, hide, gradebook, args.launched)
    if not args.quiet:
        print(f"autograder: sandbox ({grader.worker.sandbox['mode']} mode): "
              + "; ".join(grader.worker.layers), file=sys.stderr)
    done = progress.Tally(keep_reports=len(submissions) <= 60, fail_under=args.fail_under)
    bar = progress.Bar(len(submissions), enabled=not args.quiet and sys.stderr.isatty())
    start = time.monotonic()

    def on_done(report, skipped):
        done.add(report, skipped)
        bar.advance(report, skipped)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with grader, bar:
            grader.grade_all(submissions, out, args.jobs, on_done, regrade=args.regrade)
    except KeyboardInterrupt:
        print(f"autograder: interrupted; {done.count} of {len(submissions)} submissions were "
              f"graded and written to {out} and {args.gradebook}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - the grader's own fault: say so, keep what is written
        traceback.print_exc()
        print(f"autograder: internal error; {done.count} graded submissions are in {out} "
              f"and {args.gradebook}", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        gradebook.close()
    if not args.quiet and done.reports:
        print(table.render(done.reports))
    print(done.summary(time.monotonic() - start), file=sys.stderr)
    if done.below is not None and done.below:
        return EXIT_FAIL_UNDER
    return EXIT_OK


# ---- replay -------------------------------------------------------------------------

def _replay(args, settings, config) -> int:
    from autograder import grading, settings as settings_mod
    from autograder.batch import spare_cores
    from autograder.gradebook import Gradebook
    from autograder.pool import Worker
    from autograder.sandbox import hidden_paths
    from autograder.submission import UsageError, load

    gradebook = Gradebook(args.gradebook)
    try:
        row = gradebook.counted(settings.assignment, "latest").get(args.id)
        if row is None:
            raise UsageError(f"{args.gradebook}: no graded submission with id {args.id!r} "
                             f"for assignment {settings.assignment!r}")
        recorded = gradebook.report(row)
    finally:
        gradebook.close()
    submission = load(row["path"], args.id)
    if submission.sha256 != row["sha256"]:
        print(f"autograder: warning: {row['path']} changed since it was graded "
              f"(sha256 {row['sha256'][:12]} then, {submission.sha256[:12]} now)", file=sys.stderr)
    secret = settings_mod.read_secret(settings, config.parent if config else Path("."), os.environ)
    with Worker(hidden_paths(config, settings, None), args.launched) as worker:
        report = grading.grade(worker, submission, settings, secret,
                               seeds={"public": row["public_seed"], "hidden": row["hidden_seed"]},
                               parallel=spare_cores())
    before = {r.id: r for r in recorded.results}
    same = True
    print(f"replay of {args.id} ({row['path']}), seeds public {row['public_seed']} "
          f"hidden {row['hidden_seed']}:")
    for r in report.results:
        old = before.get(r.id)
        agree = old is not None and (old.passed, old.score, old.mistake) == (r.passed, r.score, r.mistake)
        same &= agree
        mark = "PASS" if r.passed else "FAIL"
        extra = "" if r.passed else f" [{r.mistake}]"
        change = "" if agree else f"   <- recorded: {'PASS' if old and old.passed else 'FAIL'}" \
                                  f" {old.score if old else '-'}"
        print(f"  {mark} {r.score:g}/{r.max_score:g} {r.name}{extra}{change}")
    print(f"score {report.score:g}/{report.max_score:g}; recorded {recorded.score:g}; "
          + ("identical to the recorded grading" if same else "DIFFERS from the recorded grading"))
    return EXIT_OK


# ---- export, report, merge ---------------------------------------------------------------

def _export(args, settings, config) -> int:
    from autograder.gradebook import Gradebook
    from autograder.reports import export, roster as roster_mod

    gradebook = Gradebook(args.gradebook)
    try:
        roster = roster_mod.read(args.roster) if args.roster else None
        rows = export.rows(gradebook, settings, args.policy, roster)
        export.write_csv(rows, Path(args.out))
        if args.canvas:
            export.write_canvas(rows, Path(args.canvas), settings.assignment)
    finally:
        gradebook.close()
    print(f"autograder: wrote {len(rows)} students to {args.out}"
          + (f" and {args.canvas}" if args.canvas else ""), file=sys.stderr)
    return EXIT_OK


def _report(args, settings, config) -> int:
    from autograder.gradebook import Gradebook
    from autograder.reports import dashboard

    gradebook = Gradebook(args.gradebook)
    try:
        page = dashboard.render(gradebook, settings, Path(args.results), Path(args.out), args.policy)
    finally:
        gradebook.close()
    Path(args.out).write_text(page, encoding="utf-8")
    print(f"autograder: wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def _merge(args, settings, config) -> int:
    from autograder.gradebook import Gradebook

    target = Gradebook(args.target)
    try:
        total = sum(target.merge(source) for source in args.sources)
    finally:
        target.close()
    print(f"autograder: merged {total} submissions into {args.target}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
