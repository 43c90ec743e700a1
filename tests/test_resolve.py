"""One resolver for "id, unique prefix or name": its rules, fuzzed, and the sites that use it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.resolve import resolve_ref

HEX = st.text("0123456789abcdef", min_size=8, max_size=12)


def _resolve(ref, ids, names=None):
    names = names or {}
    return resolve_ref(
        ref,
        "thing",
        exact=lambda r: [i for i in ids if i == r],
        by_prefix=lambda p: [i for i in ids if i.startswith(p)],
        by_name=(lambda n: [i for i, name in names.items() if name == n]) if names else None,
        candidates=lambda: ids,
        listing="list them with things()",
    )


@settings(max_examples=150, deadline=None)
@given(ids=st.lists(HEX, min_size=1, max_size=8, unique=True), ref=st.text(max_size=12))
def test_a_ref_names_exactly_one_id_or_fails_with_a_typed_error(ids, ref):
    try:
        found = _resolve(ref, ids)
    except NotFound as error:
        assert str(error).startswith(f"no thing {ref!r}") and str(error).endswith("list them with things()")
        assert not any(i.startswith(ref) for i in ids) or len(ref) < 4
    except InvalidInput as error:
        matching = [i for i in ids if i.startswith(ref)]
        assert not ref.strip() or len(ref) < 4 or len(matching) > 1, error
    else:
        assert found == ref or (len(ref) >= 4 and [i for i in ids if i.startswith(ref)] == [found])


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(HEX, min_size=1, max_size=8, unique=True), data=st.data())
def test_every_id_resolves_from_itself_and_from_a_long_enough_unique_prefix(ids, data):
    chosen = data.draw(st.sampled_from(ids))
    assert _resolve(chosen, ids) == chosen
    length = data.draw(st.integers(4, len(chosen)))
    prefix = chosen[:length]
    if sum(i.startswith(prefix) for i in ids) == 1 and prefix not in ids:
        assert _resolve(prefix, ids) == chosen


def test_an_exact_id_wins_over_a_longer_id_it_prefixes():
    assert _resolve("abcd", ["abcd", "abcdef"]) == "abcd"


def test_names_resolve_even_when_short_and_several_of_one_name_are_ambiguous():
    ids = ["aaaa1111", "bbbb2222", "cccc3333"]
    assert _resolve("rf", ids, {"aaaa1111": "rf", "bbbb2222": "lr"}) == "aaaa1111"
    with pytest.raises(
        InvalidInput,
        match=r"'lr' matches several things \(bbbb2222\.\.\., cccc3333\.\.\.\); "
        r"give more of the thing id",
    ):
        _resolve("lr", ids, {"bbbb2222": "lr", "cccc3333": "lr"})


def test_a_near_miss_is_suggested():
    with pytest.raises(NotFound, match=r"no thing 'aaaa1112'; did you mean 'aaaa1111'\?; list them with things\(\)"):
        _resolve("aaaa1112", ["aaaa1111"])


def test_two_runs_of_one_name_are_ambiguous_through_get_run(home):
    import jupyter_mlops as ml

    first = ml.start_run("twin")
    first.end()
    second = ml.start_run("twin")
    second.end()
    with pytest.raises(InvalidInput, match="'twin' matches several runs .*; give more of the run id"):
        ml.get_run("twin")
    assert ml.get_run(first.run_id[:6]).run_id == first.run_id


def test_a_drift_report_prefix_and_its_errors(home):
    import pandas as pd

    import jupyter_mlops as ml

    frame = pd.DataFrame({"x": [float(i) for i in range(50)]})
    report = ml.check_drift(frame, frame)
    assert ml.get_drift_report(report.report_id[:6]).report_id == report.report_id
    with pytest.raises(InvalidInput, match="at least 4 characters"):
        ml.get_drift_report(report.report_id[:3])
    with pytest.raises(NotFound, match="no drift report 'zzzzzz'; list them with drift_history"):
        ml.get_drift_report("zzzzzz")
