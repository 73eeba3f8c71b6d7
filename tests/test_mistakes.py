import re
from pathlib import Path

from autograder.spec.mistakes import CATALOGUE
from samples.mutants import MUTANTS

PACKAGE = Path(__file__).parents[1] / "autograder"


def test_every_mistake_has_english_and_chinese_text_and_hints():
    for m in CATALOGUE.values():
        assert m.en and m.hint_en and m.zh and m.hint_zh, m.id
        assert re.search(r"[\u4e00-\u9fff]", m.zh + m.hint_zh), m.id
        # both languages use the same facts
        assert set(re.findall(r"{(\w+)}", m.en)) - {"suggestion_en"} == \
            set(re.findall(r"{(\w+)}", m.zh)) - {"suggestion_zh"}, m.id


def test_every_mistake_the_code_names_is_in_the_catalogue():
    named = set()
    for path in PACKAGE.rglob("*.py"):
        named |= set(re.findall(r'"((?:any|synthetic_data|data_iter|linreg|squared_loss|sgd|training)'
                                r'\.[a-z_]+)"', path.read_text()))
    from autograder.spec import CHECKS
    named -= set(CHECKS)          # check ids share the "function.property" form
    named -= {n for n in named if n.rsplit(".", 1)[1] in ("py", "ipynb")}    # file names: linreg.py
    assert named and named <= set(CATALOGUE), named - set(CATALOGUE)


def test_every_function_specific_mistake_has_a_mutant_or_is_a_fallback():
    fallbacks = {"synthetic_data.not_a_pair", "synthetic_data.wrong_shape", "synthetic_data.wrong_dtype",
                 "synthetic_data.hardcoded_features", "synthetic_data.wrong_labels",
                 "data_iter.not_iterable", "data_iter.not_pairs", "data_iter.endless", "data_iter.wrong_batch_size",
                 "data_iter.not_each_once", "data_iter.not_random", "linreg.wrong_shape",
                 "linreg.wrong_value", "linreg.wrong_dtype", "linreg.wrong_gradient",
                 "squared_loss.wrong_shape", "squared_loss.wrong_value", "sgd.wrong_update",
                 "sgd.hardcoded_batch_size", "sgd.not_trainable", "training.not_converged",
                 "training.diverged", "training.needs_functions", "training.blocked",
                 "training.timed_out",   # tests/test_hints.py, with a short limit
                 "training.unverified"}  # forged reports: tests/test_training_forgery.py
    covered = {m.expected for m in MUTANTS}
    specific = {k for k in CATALOGUE if not k.startswith("any.")}
    assert specific - covered - fallbacks == set()
