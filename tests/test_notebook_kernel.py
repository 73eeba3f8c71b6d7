"""Both exercise notebooks, run in a real Jupyter kernel (nbclient, ipykernel), as a student runs them.

Filled with the reference, every check() shows ✅ and check() draws its two plots; filled with
one classic mistake, the check of that function, and no other, shows ❌ and names it.
"""
from __future__ import annotations

import ast
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import FUNCTIONS, exercise
from samples.mutants import MUTANTS
from tests.conftest import REFERENCE, ROOT

CLASSIC = {"no reshape": ("squared_loss", "squared_loss.no_reshape"),
           "no zeroing": ("sgd", "sgd.no_zero_grad"),
           "no shuffle": ("data_iter", "data_iter.not_shuffled")}
PASSED = {"en": "checks passed.", "zh": "项检查全部通过"}


def definitions(module: str) -> dict[str, str]:
    return {n.name: ast.get_source_segment(module, n)
            for n in ast.parse(module).body if isinstance(n, ast.FunctionDef)}


def filled(language: str, module: str) -> nbformat.NotebookNode:
    """The exercise notebook of one language with each stub replaced by the module's function."""
    source = exercise.SOURCE.read_text(encoding="utf-8")
    mine = definitions(module)
    stubs = [(n.name, ast.get_source_segment(source, n)) for n in ast.parse(source).body
             if isinstance(n, ast.FunctionDef)]
    for name, segment in stubs:
        source = source.replace(segment, mine[name])
    return exercise.build(source, language)


def run(nb: nbformat.NotebookNode, folder) -> nbformat.NotebookNode:
    shutil.copy(ROOT / "course.yaml", folder / "course.yaml")   # as in a course's folder
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def check_cells(nb) -> dict[str, dict]:
    """What each check(...) cell displayed: its name ("all" for check()) -> output bundle."""
    shown = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("check("):
            call = ast.parse(cell.source).body[0].value
            name = call.args[0].value if call.args else "all"
            [result] = [o for o in cell.outputs if o.output_type == "execute_result"]
            shown[name] = result["data"]
    return shown


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_reference_passes_every_check_and_check_draws_both_plots(language, tmp_path):
    nb = run(filled(language, REFERENCE), tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    shown = check_cells(nb)
    assert set(shown) == set(FUNCTIONS) | {"training", "all"}
    assert shown["training"]["text/html"].count('<figure class="plot"') == 2
    for name, data in shown.items():
        assert "❌" not in data["text/plain"] and "✅" in data["text/plain"], (name, data["text/plain"])
        assert PASSED[language] in data["text/plain"], (name, data["text/plain"])
        assert "✅ **" not in data["text/plain"] and "\\*" not in data["text/plain"]   # clean text, not Markdown
        assert data["text/html"].startswith('<div class="autograder-check">')
        if language == "zh":      # the checks' titles too, not only the counts
            assert re.search(r"[\u4e00-\u9fff]", data["text/plain"].splitlines()[0]), data["text/plain"]
    everything = shown["all"]["text/html"]
    plots = everything.count('<figure class="plot"')
    assert plots == 2 and everything.count("<svg") == 2, everything[:500]
    assert 'data-plot="loss"' in everything and 'data-plot="fit"' in everything
    assert "1 more check runs when your work is graded" in shown["all"]["text/plain"] or language == "zh"
    assert '<figure class="plot"' not in shown["sgd"]["text/html"]     # only training draws
    # the notebook's own last plot: the data with the fitted line, drawn by matplotlib inline
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 1


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("mistake", sorted(CLASSIC))
def test_a_classic_mistake_shows_a_cross_in_its_own_check_only(mistake, language, tmp_path):
    function, named = CLASSIC[mistake]
    mutant = next(m for m in MUTANTS if m.name == mistake)
    shown = check_cells(run(filled(language, mutant.source()), tmp_path))
    assert "❌" in shown[function]["text/plain"] and named in shown[function]["text/plain"]
    assert "❌" in shown[function]["text/html"]
    for other in set(FUNCTIONS) - {function}:
        assert "❌" not in shown[other]["text/plain"], (other, shown[other]["text/plain"])
    assert "❌" in shown["all"]["text/plain"] and named in shown["all"]["text/plain"]
    if language == "zh":
        assert "项检查中有" in shown[function]["text/plain"]
    # training still ran (these mistakes do not stop it), so check() still draws its plots
    assert shown["all"]["text/html"].count('<figure class="plot"') == 2
