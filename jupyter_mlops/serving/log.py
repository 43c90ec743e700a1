"""The prediction log: what model servers scored, written through the never-blocking spool.

A server appends one spool line per request and side (and one per feedback call and
heartbeat) without waiting on the database; whoever opens the store next folds them into the
``predictions``, ``prediction_feedback`` and ``model_servers`` tables. Record layouts (JSON
arrays, first field the kind; times are epoch milliseconds, UTC):

- ``["pred", request_id, model, version, side, served, server_id, columns, rows, predictions,
  latency_ms, error, ms]``: one request scored by one side (``rows``: lists in ``columns`` order);
- ``["fb", request_id, row_index, label, server_id, ms]``: a label for one scored row;
- ``["srv", server_id, event, fields, ms]``: a server's ``start``, ``beat`` or ``stop``.

>>> prediction_log("churn", since="2025-01-01")[["age", "prediction", "label", "version"]]   # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import time

from ..store.fold import on_writer_gone, record_kind

_dumps = json.JSONEncoder(allow_nan=False, separators=(",", ":"), default=str).encode


def now_ms() -> int:
    return int(time.time() * 1000)


def _finite(value):
    """JSON has no NaN or infinity: such floats become null, anywhere inside ``value``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def to_json(value) -> str:
    """Strict JSON text (NaN and infinity as null), as DuckDB's JSON type wants it."""
    try:
        return _dumps(value)
    except ValueError:
        return _dumps(_finite(value))


# -- writing (server side) --------------------------------------------------------------------
def log_prediction(writer, request_id: str, model: str, version: int, side: str, served: bool, server_id: str,
                   columns: list, rows: list, predictions: list | None, latency_ms: float, error: str | None) -> None:
    """Append one scored request (all its rows) to this process's spool."""
    writer.write(["pred", request_id, model, version, side, served, server_id, columns, rows, predictions,
                  latency_ms, error, now_ms()])


def log_feedback(writer, request_id: str, row_index: int, label, server_id: str) -> None:
    """Append the label of one scored row."""
    writer.write(["fb", request_id, row_index, label, server_id, now_ms()])


def log_server_event(writer, server_id: str, event: str, fields: dict) -> None:
    """Append a server's ``start`` (every column), ``beat`` or ``stop`` (split, stats...)."""
    writer.write(["srv", server_id, event, fields, now_ms()])


# -- folding into tables ----------------------------------------------------------------------
@record_kind("pred", order=80)
def apply_predictions(con, records) -> None:
    import pyarrow as pa

    columns = {name: [] for name in ("request_id", "row_index", "model", "version", "side", "served", "server_id",
                                     "inputs", "prediction", "latency_ms", "error", "ms")}
    for (_, request_id, model, version, side, served, server_id, names, rows, predictions, latency, error,
         ms) in records:
        for index, row in enumerate(rows):
            values = (request_id, index, model, version, side, served, server_id, to_json(dict(zip(names, row))),
                      None if predictions is None or index >= len(predictions) else to_json(predictions[index]),
                      latency, error, ms)
            for name, value in zip(columns, values):
                columns[name].append(value)
    types = {"row_index": pa.int32(), "version": pa.int32(), "served": pa.bool_(), "latency_ms": pa.float64(),
             "ms": pa.int64()}
    con.register("_pred_batch", pa.table({n: pa.array(v, type=types.get(n, pa.string())) for n, v in columns.items()}))
    con.execute("""INSERT INTO predictions SELECT request_id, row_index, model, version, side, served, server_id,
                          inputs::JSON, prediction::JSON, latency_ms, error, epoch_ms(ms) FROM _pred_batch""")
    con.unregister("_pred_batch")


@record_kind("fb", order=81)
def apply_feedback(con, records) -> None:
    import pyarrow as pa

    latest = {(r[1], int(r[2])): (to_json(r[3]), r[4], r[5]) for r in records}  # the last label of a row wins
    con.register("_fb_batch", pa.table({
        "request_id": [k[0] for k in latest], "row_index": pa.array([k[1] for k in latest], type=pa.int32()),
        "label": [v[0] for v in latest.values()], "server_id": [v[1] for v in latest.values()],
        "ms": pa.array([v[2] for v in latest.values()], type=pa.int64())}))
    con.execute("""INSERT INTO prediction_feedback SELECT request_id, row_index, label::JSON, server_id, epoch_ms(ms)
                   FROM _fb_batch ON CONFLICT (request_id, row_index) DO UPDATE
                   SET label = excluded.label, server_id = excluded.server_id, received_at = excluded.received_at""")
    con.unregister("_fb_batch")


_START_COLUMNS = ("model", "url", "host", "port", "machine", "pid", "writer", "mode", "champion", "challenger",
                  "split", "stats", "auth", "interval_s")


@record_kind("srv", order=82)
def apply_servers(con, records) -> None:
    for _, server_id, event, fields, ms in records:
        split, stats = to_json(fields.get("split")), to_json(fields.get("stats"))
        if event == "start":
            values = [fields.get(c) for c in _START_COLUMNS]
            values[_START_COLUMNS.index("split")], values[_START_COLUMNS.index("stats")] = split, stats
            con.execute(f"""INSERT INTO model_servers VALUES (?, {', '.join('?' * len(values))}, epoch_ms(?),
                            epoch_ms(?), NULL) ON CONFLICT (server_id) DO NOTHING""", [server_id, *values, ms, ms])
            continue
        stopped = "epoch_ms(?)" if event == "stop" else "stopped_at"
        con.execute(f"""UPDATE model_servers SET beat_at = greatest(beat_at, epoch_ms(?)), split = ?::JSON,
                        stats = ?::JSON, mode = coalesce(?, mode), champion = coalesce(?, champion),
                        challenger = ?, stopped_at = {stopped} WHERE server_id = ?""",
                    [ms, split, stats, fields.get("mode"), fields.get("champion"), fields.get("challenger"),
                     *([ms] if event == "stop" else []), server_id])


@on_writer_gone
def mark_servers_gone(con, writer_ids) -> None:
    """A server whose process died stops at its last heartbeat."""
    con.execute("UPDATE model_servers SET stopped_at = beat_at WHERE stopped_at IS NULL AND writer IN (SELECT unnest(?))",
                [list(writer_ids)])
