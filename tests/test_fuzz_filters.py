"""Fuzzing the run filter language (``where`` / ``order_by`` of search_runs) against a real store.

Any text, and text built from the language's own tokens, gives either a result or an InvalidFilter /
InvalidInput whose message is one line once folded (errors.one_line); never any other exception,
never a DuckDB error leaking through.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jupyter_mlops as ml
from jupyter_mlops.errors import InvalidFilter, InvalidInput, one_line
from jupyter_mlops.tracking.filters import MAX_DEPTH, compile_search

from .conftest import forget_store

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def store_with_runs(tmp_path_factory):
    """A real store with a few runs: metrics (incl. NaN/inf), params, tags, a failed run, a nested run."""
    from jupyter_mlops.tracking import runs

    home = (tmp_path_factory.mktemp("fuzz") / "store").absolute()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLOPS_HOME", str(home))
        patch.setenv("MLOPS_CAPTURE", "0")
        patch.delenv("MLOPS_EXPERIMENT", raising=False)
        patch.delenv("MLOPS_PARENT_RUN_ID", raising=False)
        ml.set_experiment("fuzz")
        for i, (acc, opt, env) in enumerate([(0.9, "adam", "prod"), (float("nan"), "sgd", "dev"),
                                             (float("inf"), "1e-2", "ci"), (0.5, "it's", "")]):
            with ml.start_run(f"run-{i}", tags={"env": env, "my key": "x"}) as run:
                ml.log_params({"optimizer": opt, "lr": 0.01 * (i + 1)})
                ml.log_metrics({"acc": acc, "val/loss": 1.0 - i / 10})
                if i == 1:
                    with ml.start_run("child"):
                        ml.log_metric("acc", 0.1)
        try:
            with ml.start_run("broken"):
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert len(ml.search_runs()) == 6
        yield home
        runs._experiment = None
        forget_store(home)


def check(where=None, order_by=None):
    """Search; a refusal must be InvalidFilter/InvalidInput with a one-line (folded) message."""
    try:
        return ml.search_runs(where=where, order_by=order_by)
    except InvalidInput as exc:
        message = one_line(str(exc))
        assert message and len(message.splitlines()) == 1 and "duckdb" not in message.lower(), message
        return None


FIELDS = ["metrics.acc", "metric.`val/loss`", "params.optimizer", "params.lr", "tags.env", 'tags."my key"',
          "status", "run_name", "start_time", "end_time", "duration", "experiment", "user", "parent_run_id",
          "attributes.run_id", "metrics.missing", "unknown", "foo.bar", "metrics.", "run.status"]
VALUES = ["0.9", "-1", "1e308", "1e999", "-.5", "0", "'adam'", "'it''s'", '"dev"', "TRUE", "FALSE", "'2026-01-02'",
          "'9999-12-31T23:59:59-01:00'", "'0001-01-01T00:00:00+01:00'", "'2026-01-02 10:00:00+05:30'", "''",
          "'%a%'", "'\\'", "'\x00'", "'\ud800'", "'𝔘nicode'", "NULL", "adam"]
OPS = ["=", "!=", "<>", "<", "<=", ">", ">=", "==", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "IN", "NOT IN",
       "IS", "IS NOT", "=<", "!"]
GLUE = ["AND", "OR", "NOT", "(", ")", ",", "", "ASC", "DESC"]


@st.composite
def comparison(draw):
    field, op = draw(st.sampled_from(FIELDS)), draw(st.sampled_from(OPS))
    if op.endswith("IN"):
        values = draw(st.lists(st.sampled_from(VALUES), max_size=4))
        return f"{field} {op} ({', '.join(values)})"
    if op.startswith("IS"):
        return f"{field} {op} {draw(st.sampled_from(['NULL', 'NOT NULL', '1']))}"
    return f"{field} {op} {draw(st.sampled_from(VALUES))}"


@st.composite
def grammar_shaped(draw):
    """Comparisons joined by AND/OR/NOT with parentheses, and now and then a stray token."""
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        part = draw(comparison())
        if draw(st.booleans()):
            part = f"NOT ({part})" if draw(st.booleans()) else f"({part})"
        parts.append(part)
        parts.append(draw(st.sampled_from(["AND", "OR", "and", "Or"])))
    tokens = parts[:-1]
    if draw(st.integers(0, 3)) == 0:
        tokens.insert(draw(st.integers(0, len(tokens))), draw(st.sampled_from(GLUE + VALUES + FIELDS)))
    return " ".join(tokens)


order_items = st.lists(st.builds(lambda f, d: f"{f} {d}".strip(), st.sampled_from(FIELDS),
                                 st.sampled_from(["", "ASC", "DESC", "desc", "UP", ","])), max_size=3)


@FUZZ
@given(where=st.one_of(st.none(), st.text(max_size=200), st.text(st.characters(codec=None), max_size=60)))
def test_any_text_as_a_filter_gives_a_result_or_invalid_filter(store_with_runs, where):
    check(where=where)


@FUZZ
@given(where=grammar_shaped())
def test_grammar_shaped_filters_give_a_result_or_invalid_filter(store_with_runs, where):
    check(where=where)


@FUZZ
@given(order_by=st.one_of(order_items, st.text(max_size=80), st.lists(st.text(max_size=20), max_size=3)))
def test_any_order_by_gives_a_result_or_invalid_filter(store_with_runs, order_by):
    check(order_by=order_by)


@FUZZ
@given(where=st.one_of(st.integers(), st.binary(max_size=10), st.lists(st.text(max_size=5), max_size=2)),
       order_by=st.one_of(st.integers(), st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2)))
def test_filters_of_the_wrong_type_are_invalid_filter(store_with_runs, where, order_by):
    with pytest.raises(InvalidFilter):
        compile_search(where, None)
    with pytest.raises(InvalidFilter):
        compile_search(None, order_by)


def test_known_filters_still_find_the_right_runs(store_with_runs):
    names = lambda frame: sorted(frame["run_name"])  # noqa: E731
    assert names(check("metrics.acc > 0.8 AND metrics.acc < 1e999")) == ["run-0"]
    assert names(check("params.optimizer = 'it''s'")) == ["run-3"]
    assert names(check("params.lr = 0.01")) == ["run-0"]
    assert names(check("status = 'failed'")) == ["broken"]
    assert names(check("tags.env IN ('dev', 'ci') AND NOT tags.\"my key\" IS NULL")) == ["run-1", "run-2"]


@pytest.mark.parametrize("where", [
    "start_time > '9999-12-31T23:59:59-01:00'",  # converting to UTC overflows past year 9999
    "start_time < '0001-01-01T00:00:00+01:00'",  # ... or before year 1
    "params.optimizer = '\ud800'",  # a lone surrogate cannot be sent to DuckDB
    "metrics.`\udcff` > 1",
    "run_name LIKE '\ud800%'",
    "NOT " * (MAX_DEPTH + 1) + "status = 'x'",
    "(" * (MAX_DEPTH + 1) + "status = 'x'" + ")" * (MAX_DEPTH + 1),
])
def test_inputs_fuzzing_found_are_refused_with_invalid_filter(store_with_runs, where):
    with pytest.raises(InvalidFilter):
        ml.search_runs(where=where)
