"""The instructor's workflow: gradebook, resume after a kill, shards, exports, dashboard, replay."""
import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REFERENCE, ROOT
from samples.mutants import MUTANTS

ENV = dict(os.environ, AUTOGRADER_SECRET="instructor-test")


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "subs"
    folder.mkdir()
    picks = ["no reshape", "no zeroing", "drops the last batch", "no bias", "mean", "ascends"]
    for i in range(4):
        (folder / f"ok{i}.py").write_text(REFERENCE)
    for i, name in enumerate(picks):
        (folder / f"m{i}.py").write_text(next(m for m in MUTANTS if m.name == name).source())
    return folder


def snapshot(db: Path) -> dict:
    """What must survive a kill: submissions, scores, check results (not timings)."""
    con = sqlite3.connect(db)
    out = {}
    for sid, student, sha, score in con.execute("SELECT id, student, sha256, score FROM submissions"):
        checks = sorted(con.execute("SELECT check_id, passed, score, mistake, output, seed FROM results "
                                    "WHERE submission=?", (sid,)).fetchall())
        out[student] = (sha, score, checks)
    con.close()
    return out


@pytest.fixture(scope="module")
def uninterrupted(klass, tmp_path_factory):
    base = tmp_path_factory.mktemp("full")
    proc = run("grade", str(klass), "--out", str(base / "out"), "--gradebook", str(base / "g.db"),
               "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    return base


def test_rerun_skips_unchanged_and_regrade_forces(klass, uninterrupted):
    base = uninterrupted
    again = run("grade", str(klass), "--out", str(base / "out"), "--gradebook", str(base / "g.db"))
    assert "(0 graded, 10 unchanged and skipped)" in again.stderr
    forced = run("grade", str(klass / "ok0.py"), "--out", str(base / "out"), "--gradebook",
                 str(base / "g.db"), "--regrade")
    assert "(1 graded, 0 unchanged" in forced.stderr


def test_a_settings_change_regrades(klass, uninterrupted, tmp_path):
    base = uninterrupted
    db = tmp_path / "g.db"
    shutil.copy(base / "g.db", db)
    (tmp_path / "course.yaml").write_text((ROOT / "course.yaml").read_text().replace(
        "sgd.zero_grad:            {points: 1", "sgd.zero_grad:            {points: 4"))
    proc = run("grade", str(klass / "ok1.py"), "--out", str(tmp_path / "o"), "--gradebook", str(db),
               "--config", str(tmp_path / "course.yaml"))
    assert "(1 graded, 0 unchanged" in proc.stderr, proc.stderr
    assert json.loads((tmp_path / "o" / "ok1" / "results.json").read_text())["score"] == 26


def test_sigkill_midway_then_restart_equals_an_uninterrupted_run(klass, uninterrupted, tmp_path):
    out, db = tmp_path / "out", tmp_path / "g.db"
    cmd = [sys.executable, "-m", "autograder", "grade", str(klass), "--out", str(out),
           "--gradebook", str(db), "--jobs", "1", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/results.json"))) < 3:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = len(snapshot(db))
    assert 3 <= partial < 10
    restart = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    assert restart.returncode == 0, restart.stderr
    assert f"({10 - partial} graded, {partial} unchanged" in restart.stderr
    assert snapshot(db) == snapshot(uninterrupted / "g.db")
    assert sorted(p.parent.name for p in out.glob("*/results.json")) == sorted(snapshot(db))


def test_shards_split_deterministically_and_merge_to_the_full_gradebook(klass, uninterrupted, tmp_path):
    parts = []
    for i in (1, 2, 3):
        db = tmp_path / f"shard{i}.db"
        proc = run("grade", str(klass), "--out", str(tmp_path / "out"), "--gradebook", str(db),
                   "--shard", f"{i}/3", "--quiet")
        assert proc.returncode == 0, proc.stderr
        parts.append(set(snapshot(db)))
    assert set().union(*parts) == set(snapshot(uninterrupted / "g.db"))
    assert sum(len(p) for p in parts) == 10                       # disjoint
    merged = tmp_path / "merged.db"
    proc = run("merge", str(merged), *(str(tmp_path / f"shard{i}.db") for i in (1, 2, 3)))
    assert proc.returncode == 0 and "merged 10 submissions" in proc.stderr
    assert snapshot(merged) == snapshot(uninterrupted / "g.db")
    assert run("grade", str(klass), "--shard", "4/3").returncode == 2


def test_export_csv_roster_and_canvas(uninterrupted, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name\nok0,Ann\nm0,Bo\nabsent,Cy\n")
    proc = run("export", "csv", "--gradebook", str(uninterrupted / "g.db"), "--out", str(tmp_path / "g.csv"),
               "--canvas", str(tmp_path / "canvas.csv"), "--roster", str(roster))
    assert proc.returncode == 0, proc.stderr
    rows = {r["student"]: r for r in csv.DictReader(open(tmp_path / "g.csv"))}
    assert float(rows["ok0"]["score"]) == 23 and float(rows["absent"]["score"]) == 0
    assert rows["absent"]["submitted"] == "no"
    assert rows["m0"]["squared_loss.reshape"] == "0.0" and "squared_loss.no_reshape" in rows["m0"]["mistakes"]
    assert float(rows["m0"]["squared_loss"]) == 2
    assert rows["m1"]["submitted"] == "yes (not on the roster)"
    canvas = list(csv.reader(open(tmp_path / "canvas.csv")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "linreg"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == "23"


def test_replay_reproduces_the_recorded_grading(uninterrupted):
    proc = run("replay", "m1", "--gradebook", str(uninterrupted / "g.db"))
    assert proc.returncode == 0, proc.stderr
    assert "identical to the recorded grading" in proc.stdout
    assert "[sgd.no_zero_grad]" in proc.stdout
    assert run("replay", "nobody", "--gradebook", str(uninterrupted / "g.db")).returncode == 2


def test_corrupt_gradebook_stops_with_a_clear_error(klass, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("not a database at all " * 50)
    proc = run("grade", str(klass / "ok0.py"), "--gradebook", str(bad), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "bad.db: not a gradebook" in proc.stderr
    assert not (tmp_path / "o" / "ok0").exists()


def test_no_progress_bar_when_not_a_terminal(uninterrupted, klass):
    proc = run("grade", str(klass / "ok2.py"), "--out", str(uninterrupted / "out"), "--gradebook",
               str(uninterrupted / "g.db"))
    assert "\r" not in proc.stderr and "━" not in proc.stderr


def test_student_ids_from_a_pattern_and_the_latest_of_several(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    old, new = folder / "hw1_alice_v1.py", folder / "hw1_alice_v2.py"
    old.write_text(next(m for m in MUTANTS if m.name == "no reshape").source())
    new.write_text(REFERENCE)
    os.utime(old, (1, 1))
    args = ["grade", str(folder), "--out", str(tmp_path / "o"), "--gradebook", str(tmp_path / "g.db"),
            "--id-pattern", r"hw1_(?P<student>[a-z]+)_v\d"]
    clash = run(*args)
    assert clash.returncode == 2 and "two submissions have the id 'alice'" in clash.stderr
    proc = run(*args, "--several", "latest")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "o" / "alice" / "results.json").read_text())["score"] == 23


def test_dashboard_in_headless_chromium(uninterrupted, tmp_path):
    page = tmp_path / "report.html"
    proc = run("report", "--gradebook", str(uninterrupted / "g.db"), "--out", str(page),
               "--results", str(uninterrupted / "out"))
    assert proc.returncode == 0, proc.stderr
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is required (make test installs it)"
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                          "--no-first-run", "--disable-background-networking", "--disable-component-update",
                          "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
                          "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert 'data-broken-plots="0"' in dom and 'data-plots="2"' in dom
    con = sqlite3.connect(uninterrupted / "g.db")
    scores = [s for (s,) in con.execute("SELECT score FROM submissions")]
    assert f'<strong id="students">{len(scores)}</strong>' in dom
    assert f'<strong id="mean">{sum(scores) / len(scores):.2f}</strong>' in dom
    assert "squared_loss.no_reshape" in dom
    link = next(uninterrupted.glob("out/m0/feedback.html"))
    assert os.path.relpath(link, tmp_path) in dom
    shot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile2'}",
                    f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000
