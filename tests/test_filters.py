"""Tests for jupyter_mlops.tracking.filters: every query runs against a real in-memory DuckDB."""

from __future__ import annotations

import random

import duckdb
import pytest

from jupyter_mlops.errors import InvalidFilter
from jupyter_mlops.tracking.filters import CompiledQuery, Join, compile_search

SCHEMA = """
CREATE TABLE experiments(experiment_id INTEGER, name VARCHAR);
CREATE TABLE runs(run_id VARCHAR, experiment_id INTEGER, run_name VARCHAR, parent_run_id VARCHAR,
                  status VARCHAR, start_time TIMESTAMP, end_time TIMESTAMP, user_name VARCHAR,
                  host VARCHAR, error VARCHAR, deleted_at TIMESTAMP);
CREATE TABLE latest_metrics(run_id VARCHAR, key VARCHAR, value DOUBLE, step BIGINT,
                            timestamp TIMESTAMP);
CREATE TABLE params(run_id VARCHAR, key VARCHAR, value VARCHAR);
CREATE TABLE tags(run_id VARCHAR, key VARCHAR, value VARCHAR);
"""
EXPERIMENTS = [(1, "vision"), (2, "nlp")]
RUNS = [  # run_id, experiment, name, parent, status, start, end (durations 30 s, 1 h, -, 2 min), user, host
    ("r1", 1, "alpha", None, "FINISHED", "2026-01-01 10:00:00", "2026-01-01 10:00:30", "ana", "gpu1"),
    ("r2", 1, "beta", "r1", "FAILED", "2026-01-02 09:00:00", "2026-01-02 10:00:00", "bob", "gpu2"),
    ("r3", 2, "Gamma ray", None, "RUNNING", "2026-01-03 12:00:00", None, "ana", "cpu1"),
    ("r4", 2, "delta", "r1", "FINISHED", "2026-01-04 00:00:00", "2026-01-04 00:02:00", "carl", "gpu1"),
]
METRICS = {
    "r1": {"acc": 0.9, "loss": 0.3, "val/loss": 0.35, "准确率": 0.8, "my key": 1.0},
    "r2": {"acc": 0.5, "loss": 0.9},
    "r3": {"acc": 0.7, "val/loss": 0.1},
    "r4": {"loss": 0.2, "my key": 0.0},
}
PARAMS = {  # lr '1e-2' looks numeric and equals 0.01 as a number, but not as text
    "r1": {"lr": "0.01", "optimizer": "adam", "model.depth": "50", "a b": "x y", "flag": "True"},
    "r2": {"lr": "1e-2", "optimizer": "sgd", "flag": "false"},
    "r3": {"lr": "0.1", "optimizer": "Adam", "model.depth": "101"},
    "r4": {"lr": "auto", "optimizer": "adamw"},
}
TAGS = {
    "r1": {"env": "prod", "ключ": "значение", "note": "it's"},
    "r2": {"env": "dev"},
    "r3": {"env": "ci"},
    "r4": {},
}
TABLES = ["experiments", "runs", "latest_metrics", "params", "tags"]
ALL = ["r1", "r2", "r3", "r4"]


@pytest.fixture(scope="module")
def db():
    con = duckdb.connect()
    con.execute(SCHEMA)
    con.executemany("INSERT INTO experiments VALUES (?, ?)", EXPERIMENTS)
    con.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)", RUNS)
    for table, data in (("params", PARAMS), ("tags", TAGS)):
        rows = [(run, k, v) for run, kv in data.items() for k, v in kv.items()]
        con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", rows)
    rows = [(run, k, v) for run, kv in METRICS.items() for k, v in kv.items()]
    con.executemany("INSERT INTO latest_metrics VALUES (?, ?, ?, 0, NULL)", rows)
    yield con
    con.close()


def counts(db) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def sql_text(q: CompiledQuery) -> str:
    return " ".join([q.join_sql()[0], q.where_sql, q.order_sql])


def run(db, where=None, order_by=None) -> list[str]:
    """Compile, check the SQL text holds no literal, and return the matching run ids in order."""
    q = compile_search(where, order_by)
    join_sql, join_params = q.join_sql()
    text = sql_text(q)
    assert not any(bad in text for bad in ("'", '"', "`", ";", "--")), text
    order = f"{q.order_sql}, r.run_id" if q.order_sql else "r.run_id"
    sql = (f"SELECT r.run_id FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id "
           f"{join_sql} WHERE {q.where_sql} ORDER BY {order}")
    return [row[0] for row in db.execute(sql, join_params + q.where_params).fetchall()]


def check_error(exc: InvalidFilter, text: str, column: int) -> None:
    lines = str(exc).splitlines()
    assert f"column {column}" in lines[0], str(exc)
    if len(text) <= 100 and text.isprintable():
        assert lines[1] == "  " + text
        assert lines[2].index("^") == column + 1, str(exc)


@pytest.mark.parametrize("where, expected", [
    # metrics: DOUBLE
    ("metrics.acc = 0.9", ["r1"]),
    ("metrics.acc != 0.9", ["r2", "r3"]),
    ("metrics.acc <> 0.9", ["r2", "r3"]),
    ("metrics.acc < 0.7", ["r2"]),
    ("metrics.acc <= 0.7", ["r2", "r3"]),
    ("metrics.acc > 0.7", ["r1"]),
    ("metrics.acc >= 0.7", ["r1", "r3"]),
    ("metrics.acc IN (0.5, 0.9)", ["r1", "r2"]),
    ("metrics.acc NOT IN (0.5, 0.9)", ["r3"]),
    ("metrics.acc IS NULL", ["r4"]),
    ("metrics.acc IS NOT NULL", ["r1", "r2", "r3"]),
    ("metric.loss >= 3e-1", ["r1", "r2"]),
    ("metrics.loss > -1", ["r1", "r2", "r4"]),
    ("METRICS.acc > .8", ["r1"]),
    ("metrics.val/loss < 0.2", ["r3"]),
    ("metrics.准确率 > 0.5", ["r1"]),
    ("metrics.`my key` = 1", ["r1"]),
    ('metrics."my key" = TRUE', ["r1"]),
    ("metrics.`my key` = false", ["r4"]),
    ("metrics.`my key` IN (TRUE, FALSE)", ["r1", "r4"]),
    ("metrics.nope > 0", []),
    # params: text, numeric when compared with a number
    ("params.optimizer = 'adam'", ["r1"]),
    ('params.optimizer = "sgd"', ["r2"]),
    ("params.optimizer != 'adam'", ["r2", "r3", "r4"]),
    ("params.optimizer < 'b'", ["r1", "r3", "r4"]),
    ("params.optimizer >= 'adamw'", ["r2", "r4"]),
    ("params.optimizer LIKE 'adam%'", ["r1", "r4"]),
    ("params.optimizer NOT LIKE 'adam%'", ["r2", "r3"]),
    ("params.optimizer ILIKE 'adam'", ["r1", "r3"]),
    ("params.optimizer NOT ILIKE 'ADAM%'", ["r2"]),
    ("params.lr = 0.01", ["r1", "r2"]),
    ("params.lr = '0.01'", ["r1"]),
    ("params.lr != 0.01", ["r3"]),
    ("params.lr > 0.05", ["r3"]),
    ("params.lr >= 0.01", ["r1", "r2", "r3"]),
    ("params.lr < 1", ["r1", "r2", "r3"]),
    ("params.lr <= 0.05", ["r1", "r2"]),
    ("params.lr IN (0.01, 0.1)", ["r1", "r2", "r3"]),
    ("params.lr IN ('auto', '0.1')", ["r3", "r4"]),
    ("params.lr NOT IN ('auto')", ["r1", "r2", "r3"]),
    ("params.model.depth = 50", ["r1"]),
    ("param.model.depth > 60", ["r3"]),
    ('params."a b" = \'x y\'', ["r1"]),
    ("params.flag = TRUE", ["r1"]),
    ("params.flag = false", ["r2"]),
    ("params.flag != true", ["r2"]),
    ("params.flag IS NULL", ["r3", "r4"]),
    ("params.flag IS NOT NULL", ["r1", "r2"]),
    # tags: text
    ("tags.env = 'prod'", ["r1"]),
    ("tags.env != 'prod'", ["r2", "r3"]),
    ("tags.env < 'dev'", ["r3"]),
    ("tags.env <= 'ci'", ["r3"]),
    ("tags.env > 'ci'", ["r1", "r2"]),
    ("tags.env >= 'dev'", ["r1", "r2"]),
    ("tags.env IN ('dev', 'ci')", ["r2", "r3"]),
    ("tags.env NOT IN ('dev', 'ci')", ["r1"]),
    ("tags.env LIKE '%o%'", ["r1"]),
    ("tags.env ILIKE 'PROD'", ["r1"]),
    ("tags.env IS NULL", ["r4"]),
    ("tags.ключ = 'значение'", ["r1"]),
    ("tag.note = 'it''s'", ["r1"]),
    ('tags.note = "it\'s"', ["r1"]),
    # attributes
    ("status = 'FINISHED'", ["r1", "r4"]),
    ("STATUS = 'FINISHED'", ["r1", "r4"]),
    ("`status` = 'FAILED'", ["r2"]),
    ("attributes.status != 'FINISHED'", ["r2", "r3"]),
    ("status > 'G'", ["r3"]),
    ("status <= 'FINISHED'", ["r1", "r2", "r4"]),
    ("run.status IN ('RUNNING', 'FAILED')", ["r2", "r3"]),
    ("attr.run_name LIKE '%a'", ["r1", "r2", "r4"]),
    ("run_name NOT LIKE '%a'", ["r3"]),
    ("name ILIKE 'gamma%'", ["r3"]),
    ("attribute.run_id = 'r2'", ["r2"]),
    ("user = 'ana'", ["r1", "r3"]),
    ("host LIKE 'gpu%'", ["r1", "r2", "r4"]),
    ("parent_run_id = 'r1'", ["r2", "r4"]),
    ("parent_run_id IS NULL", ["r1", "r3"]),
    ("experiment = 'nlp'", ["r3", "r4"]),
    ("attributes.experiment != 'nlp'", ["r1", "r2"]),
    # timestamps
    ("start_time >= '2026-01-03'", ["r3", "r4"]),
    ("start_time < '2026-01-02 09:00:00'", ["r1"]),
    ("start_time <= '2026-01-02 09:00:00'", ["r1", "r2"]),
    ("start_time = '2026-01-02T09:00:00'", ["r2"]),
    ("start_time != '2026-01-01 10:00:00'", ["r2", "r3", "r4"]),
    ("start_time > '2026-01-02T08:00:00-01:00'", ["r3", "r4"]),
    ("start_time IN ('2026-01-01 10:00:00', '2026-01-04')", ["r1", "r4"]),
    ("end_time < '2026-01-02'", ["r1"]),
    ("end_time IS NULL", ["r3"]),
    # duration in seconds
    ("duration > 60", ["r2", "r4"]),
    ("duration <= 30", ["r1"]),
    ("duration = 120", ["r4"]),
    ("duration < 1e4", ["r1", "r2", "r4"]),
    ("duration IS NULL", ["r3"]),
    # boolean logic
    ("metrics.acc > 0.6 OR tags.env = 'dev' AND status = 'RUNNING'", ["r1", "r3"]),
    ("(metrics.acc > 0.6 OR tags.env = 'dev') AND status = 'RUNNING'", ["r3"]),
    ("NOT status = 'FINISHED' AND user = 'ana'", ["r3"]),
    ("NOT (status = 'FINISHED' AND user = 'ana')", ["r2", "r3", "r4"]),
    ("not metrics.acc > 0.6 or user = 'carl'", ["r2", "r4"]),
    ("NOT tags.env = 'prod'", ["r2", "r3", "r4"]),
    ("NOT NOT tags.env = 'prod'", ["r1"]),
    ("NOT (tags.env IN ('dev', 'ci') OR tags.env IS NULL)", ["r1"]),
    ("metrics.acc > 0.6 and (params.optimizer ilike 'adam' or tags.env = 'dev')", ["r1", "r3"]),
    ("metrics.acc > 0.6 AND NOT params.optimizer = 'adam'", ["r3"]),
    ("((status = 'FAILED'))", ["r2"]),
    ("status = 'FAILED' OR status = 'RUNNING' OR status = 'FINISHED'", ALL),
    ("status='FAILED'or(metrics.acc>=0.9)", ["r1", "r2"]),
    ("", ALL),
    ("   ", ALL),
    (None, ALL),
])
def test_where(db, where, expected):
    assert run(db, where) == expected


@pytest.mark.parametrize("order_by, expected", [
    ("metrics.acc DESC", ["r1", "r3", "r2", "r4"]),
    ("metrics.acc", ["r2", "r3", "r1", "r4"]),
    ("metrics.acc asc", ["r2", "r3", "r1", "r4"]),
    ("tags.env DESC", ["r1", "r2", "r3", "r4"]),
    ("tags.env", ["r3", "r2", "r1", "r4"]),
    ("params.lr", ["r1", "r3", "r2", "r4"]),  # text order
    ("start_time DESC", ["r4", "r3", "r2", "r1"]),
    ("duration DESC", ["r2", "r4", "r1", "r3"]),
    ("metrics.`my key` DESC", ["r1", "r4", "r2", "r3"]),
    ("status, duration DESC", ["r2", "r4", "r1", "r3"]),
    (["status ASC", "duration DESC"], ["r2", "r4", "r1", "r3"]),
    ("experiment, run_name", ["r3", "r4", "r1", "r2"]),
    ("experiment DESC, run_name DESC", ["r2", "r1", "r4", "r3"]),
    (["metrics.loss desc", "", "  "], ["r2", "r1", "r4", "r3"]),
    ("", ALL),
    ([], ALL),
])
def test_order_by(db, order_by, expected):
    assert run(db, None, order_by) == expected


def test_filter_and_order_share_one_join(db):
    q = compile_search("metrics.acc > 0.6", "metric.acc DESC")
    assert q.joins == [Join("metric", "acc", "m0")]
    assert q.join_sql() == (
        "LEFT JOIN latest_metrics m0 ON m0.run_id = r.run_id AND m0.key = ?", ["acc"])
    assert q.order_sql == "m0.value DESC NULLS LAST"
    assert run(db, "metrics.acc > 0.6", "metric.acc DESC") == ["r1", "r3"]
    assert run(db, "metrics.acc < 0.8", ["metrics.acc DESC"]) == ["r3", "r2"]


def test_compiled_shape():
    q = compile_search("metrics.acc > 0.9 AND params.opt = 'adam'", None)
    assert q.where_sql == "(m0.value > ? AND p0.value = ?)"
    assert q.where_params == [0.9, "adam"]
    assert q.order_sql == ""
    q = compile_search("metrics.a > 1 OR tags.x = 'y' OR metrics.b < 2 OR params.c = 'd'",
                       ["tags.z", "params.c DESC"])
    assert [j.alias for j in q.joins] == ["m0", "t0", "m1", "p0", "t1"]
    assert q.join_sql()[1] == ["a", "x", "b", "c", "z"]
    assert q.order_sql == "t1.value ASC NULLS LAST, p0.value DESC NULLS LAST"
    empty = compile_search(None, None)
    assert (empty.where_sql, empty.where_params, empty.order_sql, empty.joins) == ("TRUE", [], "", [])
    assert empty.join_sql() == ("", [])
    assert "CAST(? AS TIMESTAMP)" in compile_search("start_time > '2026-01-01'", None).where_sql


def test_params_follow_placeholder_order(db):
    where = "tags.env IN ('ci', 'dev') AND (params.lr > 0.001 OR NOT metrics.acc <= 0.1)"
    q = compile_search(where, None)
    assert q.where_params == ["ci", "dev", 0.001, 0.1]
    assert q.where_sql.count("?") == 4
    assert run(db, where) == ["r2", "r3"]


def test_limits_still_run_in_duckdb(db):
    deep_not = "NOT " * 64 + "status = 'FAILED'"
    assert run(db, deep_not) == ["r2"]
    deep_parens = "(" * 64 + "status = 'FAILED'" + ")" * 64
    assert run(db, deep_parens) == ["r2"]
    long_or = " OR ".join(["status = 'nope'"] * 500 + ["status = 'RUNNING'"])
    assert len(long_or) <= 10_000 and run(db, long_or) == ["r3"]
    many_keys = " OR ".join(f"metrics.k{i} > 0" for i in range(63)) + " OR metrics.acc = 0.5"
    assert run(db, many_keys) == ["r2"]


INJECTIONS = [
    ("tags.env = '''; DROP TABLE runs; --'", "DROP"),
    ("tags.env = \"x' OR '1'='1\"", "'1'='1"),
    ("status = 'x'') OR (''1''=''1'", "'1'"),
    ("run_name LIKE '%'';--'", ";--"),
    ("params.`x'; DROP TABLE runs; --` = 'a'", "DROP"),
    ("metrics.`a\"; DELETE FROM runs; --` > 0", "DELETE"),
    ("tags.\"evil\"\" OR 1=1 --\" = 'x'", "evil"),
    ("params.`a``b; DROP TABLE tags` IN ('1', '2')", "DROP"),
    ("experiment = 'x' UNION SELECT run_id FROM runs", "UNION"),
    ("status = 'x'; DROP TABLE runs; --", "DROP"),
    ("status = 'x' -- comment", "comment"),
    ("metrics.acc > (SELECT 1)", "SELECT"),
    ("1=1", "1=1"),
    ("status = 'x' OR 1=1", "1=1"),
    ("status = '\\'; DROP TABLE runs; --'", "DROP"),
]


@pytest.mark.parametrize("where, marker", INJECTIONS)
def test_injection_in_filter_matches_nothing_or_raises(db, where, marker):
    before = counts(db)
    try:
        q = compile_search(where, None)
    except InvalidFilter:
        pass
    else:
        assert marker not in sql_text(q)
        assert run(db, where) == []
    assert counts(db) == before


@pytest.mark.parametrize("order_by, marker", [
    ("metrics.`acc; DROP TABLE runs` DESC", "DROP"),
    (["tags.`x' OR '1'='1`", "params.\"; DELETE FROM runs\""], "DELETE"),
    ("status DESC; DROP TABLE runs", "DROP"),
    ("r.run_id; DROP TABLE runs", "DROP"),
    ("(SELECT 1)", "SELECT"),
])
def test_injection_in_order_by(db, order_by, marker):
    before = counts(db)
    try:
        q = compile_search(None, order_by)
    except InvalidFilter:
        pass
    else:
        assert marker not in sql_text(q)
        assert sorted(run(db, None, order_by)) == ALL
    assert counts(db) == before


def test_user_text_only_in_params():
    q = compile_search("params.`sekrit key` = 'sekrit value' AND metrics.准确率 > 0.5",
                       "tags.`sekrit tag` DESC")
    text = sql_text(q)
    assert "sekrit" not in text and "准确率" not in text
    assert q.join_sql()[1] == ["sekrit key", "准确率", "sekrit tag"]
    assert q.where_params == ["sekrit value", 0.5]


@pytest.mark.parametrize("where, column", [
    ("metrics.acc >> 0.9", 13),
    ("metrics.acc == 0.9", 13),
    ("metrics.acc > 'x'", 15),
    ("metrics.acc LIKE 'a%'", 13),
    ("metrics.acc < TRUE", 13),
    ("metrics.acc", 12),
    ("metrics. > 1", 1),
    ("metrix.acc > 1", 1),
    ("acc > 1", 1),
    ("attributes.stauts = 'x'", 12),
    ("tags.env = 'abc", 12),
    ('tags.env = "abc', 12),
    ("params.`a = 1", 8),
    ("params.x IN ()", 14),
    ("params.x NOT IN ()", 18),
    ("params.x IN 'a'", 13),
    ("status IN ('a' 'b')", 16),
    ("status IN ('a',", 16),
    ("params.a IN (1, 'x')", 17),
    ("params.a LIKE 5", 15),
    ("status = 'a' garbage", 14),
    ("status = 'a' )", 14),
    ("(status = 'a'", 14),
    ("()", 2),
    ("metrics.acc > 1 AND", 20),
    ("metrics.acc > 1 OR", 19),
    ("metrics.acc > 1 AND AND status = 'x'", 21),
    ("NOT", 4),
    ("status = FINISHED", 10),
    ("status = 5", 10),
    ("status = TRUE", 10),
    ("status IS 'x'", 11),
    ("status NOT = 'x'", 12),
    ("'x' = status", 1),
    ("start_time > 'soon'", 14),
    ("start_time > 5", 14),
    ("duration > '5'", 12),
    ("duration = TRUE", 12),
    ("metrics.acc > 0.5 ; x", 19),
    ("metrics.acc > 1 @", 17),
    ("x" * 10_001, 10_001),
    ("NOT " * 65 + "status = 'x'", 257),
    ("(" * 65 + "status = 'x'" + ")" * 65, 65),
    (" OR ".join(f"metrics.k{i} > 0" for i in range(65)), 1 + len(" OR ".join(
        f"metrics.k{i} > 0" for i in range(64))) + 4),
])
def test_filter_errors(where, column):
    with pytest.raises(InvalidFilter) as info:
        compile_search(where, None)
    check_error(info.value, where, column)
    assert "in filter" in str(info.value).splitlines()[0]


def test_error_messages_are_helpful():
    with pytest.raises(InvalidFilter, match="'>>'(.|\n)*expected one of: =, !=, <"):
        compile_search("metrics.acc >> 0.9", None)
    with pytest.raises(InvalidFilter, match="did you mean 'metrics'"):
        compile_search("metrix.acc > 1", None)
    with pytest.raises(InvalidFilter, match="did you mean 'status'(.|\n)*run_name"):
        compile_search("attributes.stauts = 'x'", None)
    with pytest.raises(InvalidFilter, match="metrics.acc"):
        compile_search("acc > 0.5", None)
    with pytest.raises(InvalidFilter, match="quote it: 'FINISHED'"):
        compile_search("status = FINISHED", None)
    with pytest.raises(InvalidFilter, match="too long"):
        compile_search("x" * 10_001, None)
    with pytest.raises(InvalidFilter, match="empty IN list"):
        compile_search("params.x IN ()", None)
    with pytest.raises(InvalidFilter, match="unterminated"):
        compile_search("tags.env = 'abc", None)


@pytest.mark.parametrize("order_by, column", [
    ("metrics.acc DESC DESC", 18),
    ("metrics.acc,", 13),
    ("metrix.acc", 1),
    ("status > 1", 8),
    ("bogus DESC", 1),
    (["status", "bogus"], 1),
    ("`unterminated", 1),
    ("r.run_id; DROP TABLE runs", 9),
    ("r.run_id DESC", 1),
])
def test_order_by_errors(order_by, column):
    with pytest.raises(InvalidFilter) as info:
        compile_search(None, order_by)
    text = order_by if isinstance(order_by, str) else order_by[-1]
    check_error(info.value, text, column)
    assert "in order_by" in str(info.value).splitlines()[0]


@pytest.mark.parametrize("where, order_by", [
    (5, None), (b"status = 'x'", None), (None, 5), (None, ["status", 3]), (None, {"status": "asc"}),
    (None, ["status"] * 2000),
])
def test_wrong_argument_types(where, order_by):
    with pytest.raises(InvalidFilter):
        compile_search(where, order_by)


def test_every_prefix_compiles_or_raises_invalid_filter(db):
    text = ("NOT (metrics.`my key` >= -1.5e-1 OR params.\"a b\" NOT ILIKE 'x''%') AND "
            "tags.env NOT IN ('a', \"b\") AND start_time > '2026-01-01' OR duration IS NOT NULL")
    for i in range(len(text) + 1):
        try:
            run(db, text[:i])
        except InvalidFilter:
            pass
        try:
            compile_search(None, text[:i])
        except InvalidFilter:
            pass
    assert run(db, text) == ALL


def test_random_token_soup_only_raises_invalid_filter(db):
    pieces = ["metrics.acc", "params.lr", "tags.env", "status", "duration", "start_time", "NOT",
              "AND", "OR", "(", ")", "=", "!=", "<", ">=", "LIKE", "ILIKE", "IN", "IS", "NULL",
              "0.5", "-1", "'x'", "'0.01'", "TRUE", ",", "`k`", "'2026-01-01'", "metrics.", "'",
              "\"", "`", "§", "\x00", "é", "1e", ".5", "..", "<>", "!"]
    rng = random.Random(1234)
    executed = 0
    for _ in range(3000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        try:
            compile_search(text, None)
        except InvalidFilter:
            continue
        if executed < 100:
            run(db, text)
            executed += 1
