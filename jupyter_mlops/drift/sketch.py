"""Column sketches: everything a drift check knows about one column of one side.

A **numeric** sketch bins the values on a grid of edges ``e0 < e1 < ... < eK``: bin 0 holds the
values below ``e0``, bin ``i`` holds ``[e(i-1), e(i))`` and the last bin ``[eK, inf)``. Per bin it
keeps the exact count and the exact sum of distances to the bin's left edge (for bin 0: to
``e0``), and per edge the number of values equal to it. Both sides of a check use the
*reference's* edges, so their CDFs are known exactly at every edge, and the integral of
``F - G`` over every bin is exact (see :mod:`.stats`). The grid is:

- every distinct value, when the reference has at most ``EXACT_LIMIT`` of them (the sketch is
  then the data itself: tests and distances are exact);
- otherwise about ``FINE_BINS`` bins: the reference's 101 quantiles (from the dataset profile)
  cut into equal-width pieces, so bins are fine where the data is dense and the tails still get
  their own bins.

A **categorical** sketch keeps the exact count of every category (booleans are the categories
``true`` / ``false``). Missing values (null, NaN, +/-inf) are counted apart and never binned.

The sketches of one side come from one streaming DuckDB scan (:func:`scan`): DuckDB reads and
casts, Arrow batches of ``BATCH_ROWS`` rows are binned with numpy as they arrive, so memory stays
flat whatever the number of rows.

>>> import duckdb
>>> spec = ColumnSpec("x", "numeric", edges=np.array([0.0, 5.0]))
>>> result = scan(duckdb.connect(), "SELECT range::DOUBLE AS x FROM range(10)", [], [spec])
>>> result.sketches["x"].counts.tolist(), result.rows
([0, 5, 5], 10)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..datasets.profile import quote

EXACT_LIMIT = 4096
FINE_BINS = 4096
MAX_CATEGORIES = 1000  # a categorical reference with more is an identifier or free text: not checked
CURRENT_CATEGORY_CAP = 20 * MAX_CATEGORIES  # past this many distinct current values, the rest are pooled
OTHER = "(other new values)"
BATCH_ROWS = 1 << 17
SCAN_THREADS = 2


@dataclass
class NumericSketch:
    """A numeric column binned on a grid of edges (see the module docstring)."""

    column: str
    count: int  # finite values
    missing: int  # null, NaN or +/-inf
    edges: np.ndarray
    counts: np.ndarray  # len(edges) + 1
    offsets: np.ndarray  # len(edges) + 1: bin 0: sum(e0 - x); bin i: sum(x - e(i-1))
    ties: np.ndarray  # len(edges): values equal to each edge
    mean: float | None = None
    std: float | None = None  # population standard deviation (numpy's default), as scipy's tests use
    minimum: float | None = None
    maximum: float | None = None
    exact: bool = False  # every value is an edge: the sketch is the data itself
    kind: str = "numeric"

    @property
    def below(self) -> np.ndarray:
        """Share of values strictly below each edge."""
        return np.cumsum(self.counts)[:-1] / self.count

    @property
    def at_or_below(self) -> np.ndarray:
        """Share of values at or below each edge."""
        return self.below + self.ties / self.count


@dataclass
class CategoricalSketch:
    """Exact counts per category (the ``OTHER`` key pools values past the cap)."""

    column: str
    count: int
    missing: int
    values: dict = field(default_factory=dict)
    distinct_count: int | None = None  # when ``values`` holds only the most frequent categories
    kind: str = "categorical"

    @property
    def distinct(self) -> int:
        return self.distinct_count if self.distinct_count is not None else len(self.values)


@dataclass
class ColumnSpec:
    """How one column is read in a scan: ``kind`` is its profile kind; numeric and temporal
    columns need ``edges``; ``track_exact`` keeps distinct values (the reference's pass)."""

    name: str
    kind: str
    edges: np.ndarray | None = None
    track_exact: bool = False

    @property
    def numeric(self) -> bool:
        return self.kind in ("numeric", "temporal")

    def expression(self) -> str:
        col = quote(self.name)
        if self.kind == "temporal":
            return f"epoch({col})::DOUBLE"
        if self.kind == "numeric":
            return f"{col}::DOUBLE"
        return f"{col}::VARCHAR"


def fine_edges(knots, bins: int = FINE_BINS) -> np.ndarray:
    """Edges from a column's quantile knots: each gap between knots cut into equal-width pieces.

    >>> fine_edges([0.0, 1.0, 1.0, 3.0], bins=4).tolist()
    [0.0, 0.5, 1.0, 2.0, 3.0]
    """
    knots = np.unique(np.asarray([k for k in knots if k is not None], dtype=float))
    knots = knots[np.isfinite(knots)]
    if len(knots) < 2:
        return knots
    per_gap = max(1, bins // (len(knots) - 1))
    pieces = [np.linspace(a, b, per_gap, endpoint=False) for a, b in zip(knots[:-1], knots[1:])]
    return np.unique(np.concatenate([*pieces, knots[-1:]]))


class _NumericAccumulator:
    def __init__(self, spec: ColumnSpec):
        self.spec = spec
        edges = np.asarray(spec.edges, dtype=float)
        self.edges = edges
        self.counts = np.zeros(len(edges) + 1, dtype=np.int64)
        self.offsets = np.zeros(len(edges) + 1)
        self.ties = np.zeros(len(edges), dtype=np.int64)
        self.count = self.missing = 0
        self.mean = self.m2 = 0.0
        self.minimum = self.maximum = None
        self.distinct = (np.empty(0), np.empty(0, dtype=np.int64)) if spec.track_exact else None

    def add(self, column) -> None:
        x = np.sort(column.to_numpy(zero_copy_only=False).astype(float, copy=False))  # nulls come as NaN
        low, high = np.searchsorted(x, -np.inf, "right"), np.searchsorted(x, np.inf, "left")
        self.missing += len(x) - (high - low)
        x = x[low:high]
        n = len(x)
        if not n:
            return
        self._moments(x)
        edges = self.edges
        if len(edges):
            left = np.searchsorted(x, edges, "left")
            self.ties += np.searchsorted(x, edges, "right") - left
            bounds = np.concatenate(([0], left, [n]))
            sizes = np.diff(bounds)
            self.counts += sizes
            self.offsets[0] += float((edges[0] - x[: left[0]]).sum())
            inside = x[left[0]:] - np.repeat(edges, sizes[1:])
            running = np.concatenate(([0.0], np.cumsum(inside)))
            self.offsets[1:] += running[bounds[2:] - left[0]] - running[bounds[1:-1] - left[0]]
        else:
            self.counts[0] += n
        if self.distinct is not None:
            self._track(x)

    def _moments(self, x) -> None:
        n, mean = len(x), float(x.mean())
        m2 = float(((x - mean) ** 2).sum())
        total = self.count + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.m2 += m2 + delta * delta * self.count * n / total
        self.count = total
        self.minimum = float(x[0]) if self.minimum is None else min(self.minimum, float(x[0]))
        self.maximum = float(x[-1]) if self.maximum is None else max(self.maximum, float(x[-1]))

    def _track(self, x) -> None:
        starts = np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))
        values, counts = x[starts], np.diff(np.append(starts, len(x)))
        if len(values) > EXACT_LIMIT:
            self.distinct = None
            return
        all_values = np.concatenate((self.distinct[0], values))
        all_counts = np.concatenate((self.distinct[1], counts))
        merged, inverse = np.unique(all_values, return_inverse=True)
        if len(merged) > EXACT_LIMIT:
            self.distinct = None
            return
        self.distinct = (merged, np.bincount(inverse, weights=all_counts, minlength=len(merged)).astype(np.int64))

    def finish(self) -> NumericSketch:
        std = float(np.sqrt(self.m2 / self.count)) if self.count else None
        base = dict(column=self.spec.name, count=self.count, missing=self.missing, mean=self.mean if self.count else None,
                    std=std, minimum=self.minimum, maximum=self.maximum)
        if self.distinct is not None and self.count:
            values, counts = self.distinct
            return NumericSketch(**base, edges=values, counts=np.concatenate(([0], counts)),
                                 offsets=np.zeros(len(values) + 1), ties=counts.copy(), exact=True)
        return NumericSketch(**base, edges=self.edges, counts=self.counts, offsets=self.offsets, ties=self.ties)


class _CategoricalAccumulator:
    def __init__(self, spec: ColumnSpec):
        self.spec = spec
        self.values: dict = {}
        self.count = self.missing = 0

    def add(self, column) -> None:
        import pyarrow.compute as pc

        self.missing += column.null_count
        self.count += len(column) - column.null_count
        if column.null_count == len(column):
            return
        found = pc.value_counts(column.drop_null() if column.null_count else column)
        values = self.values
        for value, n in zip(found.field(0).to_pylist(), found.field(1).to_pylist()):
            if value in values:
                values[value] += n
            elif len(values) < CURRENT_CATEGORY_CAP:
                values[value] = n
            else:
                values[OTHER] = values.get(OTHER, 0) + n

    def finish(self) -> CategoricalSketch:
        ordered = dict(sorted(self.values.items(), key=lambda item: (-item[1], item[0])))
        return CategoricalSketch(self.spec.name, self.count, self.missing, ordered)


@dataclass
class ScanResult:
    """What one scan produced: a sketch per column, the row count and a row sample (Arrow)."""

    sketches: dict
    rows: int
    sample: object = None  # pyarrow.Table of the scanned (cast) columns, or None


def scan(con, relation: str, params: list, specs: list[ColumnSpec], *, sample_rows: int = 0,
         total_rows: int | None = None, seed: int = 0, batch_rows: int = BATCH_ROWS) -> ScanResult:
    """Sketch ``specs`` over ``SELECT ... FROM (relation)`` in one streaming pass.

    With ``sample_rows``, about that many rows are kept as a uniform sample (``total_rows`` is the
    relation's row count, needed to set the sampling rate up front).
    """
    import pyarrow as pa

    accumulators = [_NumericAccumulator(s) if s.numeric else _CategoricalAccumulator(s) for s in specs]
    select = ", ".join(f"{spec.expression()} AS c{i}" for i, spec in enumerate(specs)) or "NULL AS c0"
    reader = con.sql(f"SELECT {select} FROM ({relation}) t", params=params or None).to_arrow_reader(batch_rows)
    rate = min(1.0, sample_rows / total_rows) if sample_rows and total_rows else 0.0
    rng = np.random.default_rng(seed)
    kept, rows = [], 0
    with ThreadPoolExecutor(SCAN_THREADS) as pool:
        for batch in reader:
            rows += batch.num_rows
            if specs:
                list(pool.map(lambda pair: pair[0].add(pair[1]), zip(accumulators, batch.columns)))
            if rate:
                kept.append(batch.filter(pa.array(rng.random(batch.num_rows) < rate)))
    sample = None
    if rate:
        names = [s.name for s in specs]
        sample = pa.Table.from_batches(kept, schema=reader.schema) if kept else reader.schema.empty_table()
        sample = sample.rename_columns(names)
    return ScanResult({s.name: a.finish() for s, a in zip(specs, accumulators)}, rows, sample)
