"""`autograder`: parse arguments, call the core, turn domain errors into messages and exit codes."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path

from autograder import __version__

EXIT_OK, EXIT_FAIL_UNDER, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"autograder: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="autograder", description=__doc__)
    p.add_argument("--version", action="version", version=f"autograder {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    g = sub.add_parser("grade", help="grade .py and .ipynb submissions")
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help="a .py or .ipynb file, a directory of them, or an nbgrader submitted/ tree")
    g.add_argument("--out", default="results", help="output directory (default: results)")
    g.add_argument("--config", default=None,
                   help="course.yaml (default: ./course.yaml when it exists)")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="submissions graded at once (default: the number of cores)")
    g.add_argument("--lang", choices=("en", "zh"), default=None, help="language of the feedback")
    g.add_argument("--fail-under", type=float, default=None, metavar="POINTS",
                   help="exit 1 when a submission scores below POINTS (for CI)")
    g.add_argument("--quiet", action="store_true", help="print only errors")
    return p


def _config_path(arg: str | None) -> Path | None:
    if arg:
        return Path(arg)
    default = Path("course.yaml")
    return default if default.exists() else None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from autograder import settings as settings_mod
    from autograder.submission import UsageError, discover

    try:
        config = _config_path(args.config)
        settings = settings_mod.load(config)
        if args.lang:
            settings = settings.model_copy(update={"language": args.lang})
        secret = settings_mod.read_secret(settings, config.parent if config else Path("."), os.environ)
        if args.jobs < 1:
            raise UsageError(f"--jobs: expected a whole number of at least 1, got {args.jobs}")
        submissions = discover(args.submissions)
        if not secret and any(c.visibility == "hidden" for c in settings.checks.values()):
            print("autograder: warning: no course secret ($AUTOGRADER_SECRET or the secret_file "
                  "of course.yaml), so the seeds of the hidden checks are predictable",
                  file=sys.stderr)
    except (settings_mod.ConfigError, UsageError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _grade(args, settings, secret, submissions)


def _grade(args, settings, secret, submissions) -> int:
    from autograder.batch import Grader
    from autograder.reports import table

    out = Path(args.out)
    done = []

    def progress(report):
        done.append(report)
        if not args.quiet:
            print(f"[{len(done)}/{len(submissions)}] {report.submission_id}: "
                  f"{report.score:g}/{report.max_score:g} ({report.seconds:.2f} s)", file=sys.stderr)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    from autograder.pool import WorkerError
    from autograder.sandbox import hidden_paths

    hide = hidden_paths(_config_path(args.config), settings, out)
    try:
        grader = Grader(settings, secret, hide)
    except WorkerError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        print(f"autograder: sandbox ({grader.worker.sandbox['mode']} mode): "
              + "; ".join(grader.worker.layers), file=sys.stderr)
    try:
        with grader:
            grader.grade_all(submissions, out, args.jobs, progress)
    except KeyboardInterrupt:
        print(f"autograder: interrupted; {len(done)} of {len(submissions)} submissions were "
              f"graded and written to {out}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - the grader's own fault: say so, keep what is written
        traceback.print_exc()
        print(f"autograder: internal error; {len(done)} graded submissions are in {out}",
              file=sys.stderr)
        return EXIT_INTERNAL
    if not args.quiet:
        print(table.render(done))
    if args.fail_under is not None and any(r.score < args.fail_under for r in done):
        return EXIT_FAIL_UNDER
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
