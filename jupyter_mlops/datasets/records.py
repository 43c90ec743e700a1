"""Lineage records in the spool: ``["dsrun", run_id, dataset, version, role, ms]``.

Written by ``log_input`` / ``load_dataset`` inside a run without waiting on the database.
"""

from __future__ import annotations

from ..store.fold import record_kind


@record_kind("dsrun", order=70)
def apply_run_datasets(con, records) -> None:
    import pyarrow as pa

    rows = {(r[1], r[2], int(r[3]), r[4]): r[5] for r in records}
    con.register("_dsrun_batch", pa.table({
        "run_id": [k[0] for k in rows], "dataset": [k[1] for k in rows], "version": [k[2] for k in rows],
        "role": [k[3] for k in rows], "ms": pa.array(list(rows.values()), type=pa.int64()),
    }))
    con.execute(
        "INSERT INTO run_datasets SELECT run_id, dataset, version, role, epoch_ms(ms) FROM _dsrun_batch "
        "ON CONFLICT DO NOTHING"
    )
    con.unregister("_dsrun_batch")
