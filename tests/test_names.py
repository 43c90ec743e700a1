"""One name validation for every kind of name; steps and timestamps refused at the call.

Properties (hypothesis) hold for every validator: for any input it returns the same string or raises
InvalidInput with a one-line message, and what it accepts has no control characters and fits the limit.
"""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import jupyter_mlops as ml
from jupyter_mlops.datasets.refs import check_name as check_dataset_name, parse_ref
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.names import KINDS, ascii_int, check_artifact_path, check_name, digits
from jupyter_mlops.pipelines.params import parse_parameters
from jupyter_mlops.pipelines.schedules import check_schedule_name
from jupyter_mlops.registry.refs import check_alias, check_model_name, check_version, parse_model_ref
from jupyter_mlops.tracking.validation import check_key, step_value, timestamp_value

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}

# Text that hits the edges: ASCII, control and format characters, separators, surrogates, digits
# of other scripts, plus the characters every pattern allows.
hostile_text = st.one_of(
    st.text(),
    st.text(st.characters(codec=None), max_size=300),
    st.text(st.sampled_from(list("aZ09_.-@/ \n\r\t\x00\x7f\x85\u2028\u2029\u200b\u200d\u202e\ufeff²٣ẞ\\")),
            max_size=300),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,140}\n?", fullmatch=True),
)
anything = st.one_of(hostile_text, st.integers(), st.floats(), st.none(), st.binary(max_size=20),
                     st.lists(st.integers(), max_size=3))

VALIDATORS = {
    **{f"check_name[{kind}]": (lambda value, kind=kind: check_name(kind, value)) for kind in KINDS},
    "check_key[metric]": lambda value: check_key("metric", value),
    "check_model_name": check_model_name,
    "check_alias": check_alias,
    "check_dataset_name": check_dataset_name,
    "check_schedule_name": check_schedule_name,
    "check_artifact_path": check_artifact_path,
}

LIMITS = {"check_key[metric]": 250, "check_model_name": 128, "check_alias": 64, "check_dataset_name": 128,
          "check_schedule_name": 128, "check_artifact_path": 1000}


def one_line(message: str) -> bool:
    return len(message.splitlines()) == 1 and len(message) < 1000


@pytest.mark.parametrize("name", sorted(VALIDATORS))
def test_every_validator_returns_the_name_or_a_one_line_invalid_input(name):
    validate = VALIDATORS[name]

    @FUZZ
    @given(anything)
    def property_(value):
        try:
            accepted = validate(value)
        except InvalidInput as exc:
            assert one_line(str(exc)), str(exc)
            return
        assert accepted is value
        assert not any(unicodedata.category(c) in REFUSED_CATEGORIES and c not in "\u200c\u200d" for c in accepted)
        limit = LIMITS.get(name) or KINDS[name[len("check_name["):-1]].max_length
        assert 0 < len(accepted) <= limit
        assert accepted.strip()

    property_()


@FUZZ
@given(anything)
def test_reference_parsers_return_a_reference_or_a_one_line_invalid_input(value):
    for parse in (parse_ref, parse_model_ref, lambda v: check_version(v, "churn"),
                  lambda v: ascii_int(v, "version"), lambda v: parse_parameters([v]) if isinstance(v, str) else None):
        try:
            parse(value)
        except InvalidInput as exc:
            assert one_line(str(exc)), str(exc)


@FUZZ
@given(st.text(max_size=30))
def test_digits_reads_only_ascii_digits(text):
    number = digits(text)
    assert (number is not None) == (0 < len(text) <= 18 and all(c in "0123456789" for c in text))
    if number is not None:
        assert number == int(text)


@pytest.mark.parametrize("kind", ["dataset", "model", "schedule", "alias"])
@pytest.mark.parametrize("bad", ["churn\n", "churn\r", "chu\x00rn", "", " churn", "churn ", "ch urn", "churn²",
                                 "c" * 129, "ẞig", 7, None, b"churn", ["churn"]])
def test_pattern_kinds_refuse_what_only_looked_valid(kind, bad):
    with pytest.raises(InvalidInput, match=f"{KINDS[kind].label} .* is not valid: use .*e\\.g\\. ") as info:
        check_name(kind, bad)
    assert one_line(str(info.value))


@pytest.mark.parametrize("kind,good", [("dataset", "churn_2026"), ("model", "churn.rf-v2"), ("schedule", "nightly-3"),
                                       ("alias", "champion"), ("dataset", "c" * 128), ("alias", "a" * 64),
                                       ("parameter", "alpha_1")])
def test_pattern_kinds_accept_their_names(kind, good):
    assert check_name(kind, good) == good


def test_alias_latest_is_reserved_and_alias_length_is_64():
    with pytest.raises(InvalidInput, match="latest is reserved"):
        check_alias("latest")
    with pytest.raises(InvalidInput, match="1-64"):
        check_alias("a" * 65)


@pytest.mark.parametrize("kind", ["run", "experiment", "pipeline", "metric", "param", "tag"])
@pytest.mark.parametrize("bad,problem", [
    ("name\n", "control character U\\+000A"), ("a\x00b", "U\\+0000"), ("a\x1bb", "U\\+001B"),
    ("rtl\u202eevil", "U\\+202E"), ("zero\u200bwidth", "U\\+200B"), ("line\u2028sep", "U\\+2028"),
    ("", "empty"), ("   ", "empty"), (" pad", "surrounding spaces"), ("x" * 251, "at most 250"),
    (7, "must be a string"), (None, "must be a string"),
])
def test_text_kinds_refuse_control_characters_empty_long_and_non_text(kind, bad, problem):
    with pytest.raises(InvalidInput, match=f"{KINDS[kind].label} must be 1-250 characters.*e\\.g\\. .*{problem}") \
            as info:
        check_name(kind, bad)
    assert one_line(str(info.value))


@pytest.mark.parametrize("good", ["baseline", "résumé run", "训练 1", "نیم\u200cفاصله", "👩\u200d💻 run", "x" * 250])
def test_text_kinds_accept_unicode_names_and_joiners(good):
    assert check_name("run", good) == good


def test_a_ten_megabyte_run_name_is_refused_before_anything_is_stored(home):
    with pytest.raises(InvalidInput, match="run name .*10,000,000 characters, at most 250") as info:
        ml.start_run("r" * 10_000_000)
    assert len(str(info.value)) < 400
    assert ml.search_runs().empty


@pytest.mark.parametrize("bad,match", [
    ("/etc/passwd", "relative"), ("../up.txt", "relative"), ("a/../../b", "relative"), ("..\\win.txt", "relative"),
    ("notes\x00.txt", "U\\+0000"), ("notes\n.txt", "U\\+000A"), ("a/" + "f" * 256, "over 255"),
    ("p" * 1001, "too long"), ("", "file name"), (5, "non-empty string"),
])
def test_artifact_paths_refuse_escapes_control_characters_and_long_names(home, bad, match):
    with ml.start_run() as run:
        with pytest.raises(InvalidInput, match=match):
            run.log_text("x", bad)
        with pytest.raises(InvalidInput, match=match):
            run.log_dict({"a": 1}, bad)
    assert ml.get_run(run.run_id).artifacts == []


def test_a_folder_with_a_bad_file_name_stores_nothing(home, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "good.txt").write_text("ok")
    (folder / "bad\x1bname.txt").write_text("ok")
    with ml.start_run() as run:
        with pytest.raises(InvalidInput, match="U\\+001B"):
            run.log_artifact(folder)
    assert ml.get_run(run.run_id).artifacts == []


def test_text_that_is_not_valid_unicode_is_refused_not_crashed(home):
    with ml.start_run():
        with pytest.raises(InvalidInput, match="not valid Unicode"):
            ml.log_text("bad \ud800", "notes.txt")
        with pytest.raises(InvalidInput, match="not valid Unicode"):
            ml.set_tag("note", "bad \udc80")


def test_versions_are_ascii_digits_within_the_integer_column():
    assert parse_ref("churn@12") == ("churn", 12)
    assert parse_model_ref("churn/7").version == 7
    for bad in ("churn@²", "churn@٣", "churn@0", "churn@99999999999", "churn@1\n"):
        with pytest.raises(InvalidInput, match="positive number"):
            parse_ref(bad)
    for bad in ("churn/²", "churn/٣", "churn/3000000000"):
        with pytest.raises(InvalidInput, match="positive number"):
            parse_model_ref(bad)
    with pytest.raises(InvalidInput, match="positive whole number"):
        check_version("²", "churn")


# -- steps and timestamps: refused at the call, nothing reaches the spool ---------------------------
def spool_bytes(home) -> int:
    return sum(p.stat().st_size for p in home.rglob("*.jsonl"))


NOW_MS = int(time.time() * 1000)


@pytest.mark.parametrize("timestamp,unit", [
    (time.time_ns(), "looks like nanoseconds"), (NOW_MS * 1000, "looks like microseconds"),
    (int(time.time()), "looks like seconds"), (time.time(), "looks like seconds"),
    (2**63, "not epoch milliseconds"), (-(2**63) - 1, "not epoch milliseconds"), (-5, "not epoch milliseconds"),
    (10**30, "not epoch milliseconds"), (float("nan"), "must be epoch milliseconds"),
    (float("inf"), "must be epoch milliseconds"), ("1733000000000", "must be epoch milliseconds"),
    (True, "must be epoch milliseconds"),
])
def test_timestamps_in_other_units_or_outside_int64_are_refused_and_not_spooled(home, timestamp, unit):
    with ml.start_run() as run:
        ml.log_metric("ok", 1.0, timestamp=NOW_MS)
        before = spool_bytes(home)
        with pytest.raises(InvalidInput, match=f"timestamp .*{unit}.*int\\(time.time\\(\\) \\* 1000\\)") as info:
            ml.log_metric("loss", 0.5, timestamp=timestamp)
        with pytest.raises(InvalidInput):
            ml.log_metrics({"a": 1.0}, timestamp=timestamp)
        assert spool_bytes(home) == before
        assert one_line(str(info.value))
    assert ml.get_run(run.run_id).metrics == {"ok": 1.0}


@pytest.mark.parametrize("step", [2**63, -(2**63) - 1, 10**40, 1.5, "3", [1], True])
def test_steps_outside_int64_or_not_whole_are_refused_and_not_spooled(home, step):
    with ml.start_run() as run:
        ml.log_metric("ok", 1.0, step=2**63 - 1)
        before = spool_bytes(home)
        with pytest.raises(InvalidInput, match="step"):
            ml.log_metric("loss", 0.5, step=step)
        assert spool_bytes(home) == before
    assert ml.get_run(run.run_id).metrics == {"ok": 1.0}


def test_the_automatic_step_never_passes_int64(home):
    with ml.start_run():
        ml.log_metric("loss", 0.5, step=2**63 - 1)
        with pytest.raises(InvalidInput, match="give step= explicitly"):
            ml.log_metric("loss", 0.4)


def test_edge_values_are_stored_and_read_back(home):
    import numpy as np

    with ml.start_run() as run:
        ml.log_metric("low", 1.0, step=-(2**63), timestamp=631_152_000_000)
        ml.log_metric("high", 2.0, step=np.int64(2**63 - 1), timestamp=np.int64(7_258_118_400_000))
    history = ml.get_run(run.run_id).metrics
    assert history == {"low": 1.0, "high": 2.0}
    assert ml.search_runs().shape[0] == 1


def test_a_metric_too_large_for_a_float_is_named():
    from jupyter_mlops.tracking.validation import metric_value

    with pytest.raises(InvalidInput, match="too large for a float"):
        metric_value("big", 10**400)


@FUZZ
@given(st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.booleans(), st.none()))
def test_step_and_timestamp_validators_return_an_int_in_range_or_invalid_input(value):
    for validate, low, high in ((step_value, -(2**63), 2**63 - 1), (timestamp_value, 631_152_000_000,
                                                                     7_258_118_400_000)):
        try:
            number = validate(value)
        except InvalidInput as exc:
            assert one_line(str(exc))
            continue
        assert type(number) is int and low <= number <= high
