"""Compile the run filter language into a parameterised DuckDB SQL fragment.

``compile_search(where, order_by)`` turns a filter such as::

    metrics.acc > 0.9 AND (params.optimizer = 'adam' OR NOT tags.env IN ('dev', 'ci'))

into ``WHERE``/``ORDER BY`` text plus ``LEFT JOIN`` clauses. Every key and value the user wrote
travels as a ``?`` parameter; the SQL text holds only fixed keywords, operators and generated
aliases (``m0``, ``p0``, ``t0``), so no filter can inject SQL.

Grammar (keywords are case-insensitive; precedence NOT > AND > OR)::

    filter     := or_expr
    or_expr    := and_expr ("OR" and_expr)*
    and_expr   := not_expr ("AND" not_expr)*
    not_expr   := "NOT" not_expr | "(" or_expr ")" | comparison
    comparison := field ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") value
                | field ["NOT"] ("LIKE" | "ILIKE") string
                | field ["NOT"] "IN" "(" value ("," value)* ")"
                | field "IS" ["NOT"] "NULL"
    field      := ("metrics" | "metric") "." key         -- latest value, DOUBLE
                | ("params" | "param") "." key           -- text
                | ("tags" | "tag") "." key               -- text
                | ("attributes" | "attribute" | "attr" | "run") "." attribute
                | attribute
    key        := plain | `back-ticked` | "double-quoted"  -- plain: letters, digits, _ - / . :
    value      := number | 'single-quoted' | "double-quoted" | TRUE | FALSE
    order_by   := field ["ASC" | "DESC"] ("," field ["ASC" | "DESC"])*   -- always NULLS LAST

Attributes: run_id, run_name (alias name), status, start_time, end_time, user, host,
parent_run_id, experiment (the experiment's name) and duration (seconds, end - start).
Inside quotes a doubled quote stands for itself (``'it''s'``, ``metrics.`a``b```).

Typing: metrics and duration are numbers; comparing them with a string is an error. Params and
tags are text: against a number they compare numerically (``TRY_CAST(value AS DOUBLE)``, so
``params.lr = 0.01`` matches ``'1e-2'``), against a string as text, against TRUE/FALSE
case-insensitively with 'true'/'false'. TRUE/FALSE on a metric mean 1.0/0.0 and work with
``=``, ``!=`` and IN only. start_time/end_time take ISO strings (``'2026-01-02'``,
``'2026-01-02 10:00:00'``; an explicit UTC offset is converted to naive UTC). LIKE and ILIKE
need a text field and a string pattern. IN lists are non-empty and of a single type.

Missing keys: a comparison against a key the run does not have is false, and NOT is its exact
complement: ``tags.env != 'prod'`` skips untagged runs, ``NOT tags.env = 'prod'`` keeps them;
``tags.env IS NULL`` finds them.

Limits: 10,000 characters, 64 nested parentheses/NOTs, 64 distinct metric/param/tag keys.
``where_sql`` is always one self-contained term, safe to AND with the caller's own conditions.
Every bad input raises :class:`~jupyter_mlops.errors.InvalidFilter` whose first line names
the token and its 1-based column, followed by the filter and a caret line.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime, timezone

from ..errors import InvalidFilter

MAX_LENGTH = 10_000  # characters in a filter (and in all order_by items together)
MAX_DEPTH = 64  # nested parentheses / NOTs
MAX_JOINS = 64  # distinct metric/param/tag keys in one search

_PREFIXES = {"metrics": "metric", "metric": "metric", "params": "param", "param": "param",
             "tags": "tag", "tag": "tag", "attributes": "attr", "attribute": "attr",
             "attr": "attr", "run": "attr"}
_TABLES = {"metric": ("latest_metrics", "m"), "param": ("params", "p"), "tag": ("tags", "t")}
_ATTRS = {  # name -> (SQL expression, type); types: text, time, num
    "run_id": ("r.run_id", "text"), "run_name": ("r.run_name", "text"),
    "name": ("r.run_name", "text"), "status": ("r.status", "text"),
    "start_time": ("r.start_time", "time"), "end_time": ("r.end_time", "time"),
    "user": ("r.user_name", "text"), "host": ("r.host", "text"),
    "parent_run_id": ("r.parent_run_id", "text"), "experiment": ("e.name", "text"),
    "duration": ("(epoch(r.end_time) - epoch(r.start_time))", "num"),
}
_KEYWORDS = set("AND OR NOT LIKE ILIKE IN IS NULL TRUE FALSE ASC DESC".split())
_COMPARE = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_EXPECT_OP = "expected one of: =, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS"
_EXPECT_FIELD = "expected a field such as metrics.acc, params.lr, tags.env or status"


@dataclass(frozen=True)
class Join:
    """One ``LEFT JOIN`` needed by a compiled search.

    >>> Join("metric", "val/loss", "m0")
    Join(kind='metric', key='val/loss', alias='m0')
    """

    kind: str  # "metric" | "param" | "tag"
    key: str  # the user's key, e.g. "acc" or "my key"; always passed as a parameter
    alias: str  # generated, e.g. "m0", "p0", "t1"


@dataclass
class CompiledQuery:
    """SQL pieces for ``FROM runs r JOIN experiments e ON ... {join_sql} WHERE ... ORDER BY ...``.

    >>> q = compile_search("metrics.acc > 0.9", "metrics.acc DESC")
    >>> q.where_sql, q.where_params, q.order_sql
    ('m0.value > ?', [0.9], 'm0.value DESC NULLS LAST')
    """

    where_sql: str
    where_params: list
    order_sql: str
    joins: list[Join]

    def join_sql(self) -> tuple[str, list]:
        """Return the LEFT JOIN text and its parameters (the keys), one join per line.

        >>> compile_search("metrics.acc > 0.9", None).join_sql()
        ('LEFT JOIN latest_metrics m0 ON m0.run_id = r.run_id AND m0.key = ?', ['acc'])
        """
        sql = [f"LEFT JOIN {_TABLES[j.kind][0]} {j.alias} ON {j.alias}.run_id = r.run_id"
               f" AND {j.alias}.key = ?" for j in self.joins]
        return "\n".join(sql), [j.key for j in self.joins]


def compile_search(where: str | None, order_by: str | list[str] | None) -> CompiledQuery:
    """Compile a filter and an order_by into parameterised DuckDB SQL; raise InvalidFilter if bad.

    >>> q = compile_search("params.opt = 'adam' AND metrics.acc >= 0.5", ["metrics.acc DESC"])
    >>> q.where_sql, q.where_params, q.order_sql, q.join_sql()[1]
    ('(p0.value = ? AND m0.value >= ?)', ['adam', 0.5], 'm0.value DESC NULLS LAST', ['opt', 'acc'])
    """
    joins: dict[tuple[str, str], Join] = {}
    if where is not None and not isinstance(where, str):
        raise InvalidFilter(f"filter must be a string, not {type(where).__name__}")
    parser = _Parser(where or "", "filter", joins)
    where_sql, where_params = parser.parse_where(), parser.params
    items = [order_by] if isinstance(order_by, str) else [] if order_by is None else order_by
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise InvalidFilter("order_by must be a string or a list of strings like 'metrics.a DESC'")
    if sum(len(i) for i in items) > MAX_LENGTH:
        raise InvalidFilter(f"order_by is too long (more than {MAX_LENGTH} characters in total)")
    order = [_Parser(item, "order_by", joins).parse_order() for item in items]
    order_sql = ", ".join(o for o in order if o)
    return CompiledQuery(where_sql, where_params, order_sql, list(joins.values()))


# kind: FIELD, KW, NUM, STR, OP, PUNCT or EOF; value of a FIELD: (prefix or None, name, name_pos)
_Tok = namedtuple("_Tok", "kind value pos end")  # pos/end: 0-based, end exclusive
# type: metric, num (duration), text, time or kv (param/tag: text that also compares as a number)
_Field = namedtuple("_Field", "sql type label")  # label for messages, e.g. "metric 'acc'"


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word.lower(), list(choices), 1)
    return f"did you mean '{close[0]}'? " if close else ""


def _fail(text: str, what: str, pos: int, end: int, problem: str, hint: str = "") -> InvalidFilter:
    """Build the error: '<problem> at column N in <what>:', the text (<= ~100 chars) and carets."""
    start = max(0, min(pos - 40, len(text) - 100))
    shown = "".join(c if c.isprintable() else " " for c in text[start:start + 100])
    lead, tail = "..." if start else "", "..." if start + 100 < len(text) else ""
    carets = "^" * max(1, min(end, start + 100) - pos)
    lines = [f"{problem} at column {pos + 1} in {what}:", f"  {lead}{shown}{tail}",
             "  " + " " * (len(lead) + pos - start) + carets]
    return InvalidFilter("\n".join(lines + ([hint] if hint else [])))


def _not_unicode(text: str) -> int | None:
    """The position of the first lone surrogate in ``text``, or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_" or unicodedata.category(c)[0] == "M"


def _tokenize(text: str, what: str) -> list[_Tok]:
    toks, i, n = [], 0, len(text)

    def quoted(i: int) -> tuple[str, int]:  # text[i] is the quote; doubled, it stands for itself
        q, out, j = text[i], [], i + 1
        while (k := text.find(q, j)) >= 0:
            out.append(text[j:k])
            if text[k + 1:k + 2] != q:
                return "".join(out), k + 1
            out.append(q)
            j = k + 2
        hint = f"close it with {q}; write {q}{q} for a literal {q}"
        raise _fail(text, what, i, i + 1, f"unterminated quote {q}", hint)

    while i < n:
        c, j = text[i], i + 1
        if c.isspace():
            i = j
            continue
        if c in "'\"`":
            s, j = quoted(i)
            toks.append(_Tok("STR", s, i, j) if c != "`" else _Tok("FIELD", (None, s, i), i, j))
        elif m := _NUMBER.match(text, i):
            j = m.end()
            toks.append(_Tok("NUM", float(text[i:j]), i, j))
        elif c.isalpha() or c == "_":
            while j < n and _is_word(text[j]):
                j += 1
            word, k = text[i:j], j + 1
            if text[j:k] == ".":  # prefix.key
                if text[k:k + 1] in ("`", '"'):
                    key, j = quoted(k)
                else:
                    j = k
                    while j < n and (_is_word(text[j]) or text[j] in "-/.:"):
                        j += 1
                    key = text[k:j]
                if not key:
                    raise _fail(text, what, i, k, f"missing key after '{word}.'", "quote odd keys: metrics.`my key`")
                toks.append(_Tok("FIELD", (word, key, k), i, j))
            elif word.upper() in _KEYWORDS:
                toks.append(_Tok("KW", word.upper(), i, j))
            else:
                toks.append(_Tok("FIELD", (None, word, i), i, j))
        elif c in "<>=!":
            while j < n and text[j] in "<>=!":
                j += 1
            toks.append(_Tok("OP", text[i:j], i, j))
        elif c in "(),":
            toks.append(_Tok("PUNCT", c, i, j))
        else:
            raise _fail(text, what, i, j, f"unexpected character {c!r}")
        i = j
    return toks + [_Tok("EOF", None, n, n + 1)]


class _Parser:
    """Recursive-descent parser that emits SQL as it reads; params are appended in text order."""

    def __init__(self, text: str, what: str, joins: dict[tuple[str, str], Join]):
        if len(text) > MAX_LENGTH:
            problem = f"{what} is too long ({len(text)} characters, limit {MAX_LENGTH})"
            raise _fail(text, what, MAX_LENGTH, len(text), problem)
        if not text.isascii() and (bad := _not_unicode(text)) is not None:  # DuckDB cannot take it as a parameter
            raise _fail(text, what, bad, bad + 1, f"character U+{ord(text[bad]):04X} is not valid Unicode",
                        "remove it (a lone surrogate, e.g. from bytes decoded with surrogateescape)")
        self.text, self.what, self.joins = text, what, joins
        self.toks, self.i, self.depth, self.params = _tokenize(text, what), 0, 0, []

    def src(self, tok: _Tok) -> str:
        s = self.text[tok.pos:tok.end]
        return s if len(s) <= 40 else s[:37] + "..."

    def fail(self, tok: _Tok, problem: str = "", hint: str = "") -> InvalidFilter:
        if not problem and tok.kind == "EOF":
            problem = f"unexpected end of {self.what}"
        elif not problem:
            shown = self.src(tok) if tok.kind == "STR" else f"'{self.src(tok)}'"
            problem = f"unexpected token {shown}"
        return _fail(self.text, self.what, tok.pos, tok.end, problem, hint)

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += tok.kind != "EOF"
        return tok

    def accept(self, kind: str, *values) -> _Tok | None:
        tok = self.peek()
        return self.next() if tok.kind == kind and tok.value in values else None

    def expect(self, kind: str, value: str, hint: str) -> _Tok:
        if (tok := self.accept(kind, value)) is None:
            raise self.fail(self.peek(), hint=hint)
        return tok

    def parse_where(self) -> str:
        if self.peek().kind == "EOF":
            return "TRUE"
        sql = self.or_expr()
        if (tok := self.peek()).kind != "EOF":
            hint = "unmatched ')'" if tok.value == ")" else "expected AND, OR or the end"
            raise self.fail(tok, hint=hint)
        return sql

    def or_expr(self) -> str:
        return self.chain("OR", lambda: self.chain("AND", self.not_expr))

    def chain(self, keyword: str, operand) -> str:  # flat "(a OR b OR c)" keeps the SQL shallow
        parts = [operand()]
        while self.accept("KW", keyword):
            parts.append(operand())
        return parts[0] if len(parts) == 1 else "(" + f" {keyword} ".join(parts) + ")"

    def not_expr(self) -> str:
        if (tok := self.accept("KW", "NOT") or self.accept("PUNCT", "(")) is None:
            return self.comparison()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(tok, f"'{self.src(tok)}' nests deeper than {MAX_DEPTH} levels")
        if tok.value == "NOT":  # COALESCE keeps NOT the exact complement when a key is missing
            sql = f"NOT COALESCE({self.not_expr()}, FALSE)"
        else:
            sql = self.or_expr()
            self.expect("PUNCT", ")", f"expected ')' to close the '(' at column {tok.pos + 1}")
        self.depth -= 1
        return sql

    def comparison(self) -> str:
        if (ftok := self.next()).kind != "FIELD":
            raise self.fail(ftok, hint=_EXPECT_FIELD)
        f, op = self.field(ftok), self.next()
        if op.kind == "OP" and op.value in _COMPARE:
            vtok, value = self.value()
            if isinstance(value, bool) and _COMPARE[op.value] not in ("=", "!="):
                problem = f"'{op.value}' cannot compare with {self.src(vtok)}"
                raise self.fail(op, problem, "TRUE/FALSE work with =, != and IN")
            lhs, rhs = self.operand(f, vtok, value)
            return f"{lhs} {_COMPARE[op.value]} {rhs}"
        neg = "NOT " if op.kind == "KW" and op.value == "NOT" else ""
        if neg and ((op := self.next()).kind != "KW" or op.value not in ("LIKE", "ILIKE", "IN")):
            raise self.fail(op, hint="expected LIKE, ILIKE or IN after NOT")
        if op.kind == "KW" and op.value in ("LIKE", "ILIKE"):
            if f.type not in ("text", "kv"):
                hint = "it works on params, tags and text attributes"
                raise self.fail(op, f"{op.value} cannot be used on {f.label}", hint)
            vtok, value = self.value()
            if not isinstance(value, str):
                raise self.fail(vtok, f"{op.value} needs a quoted pattern, not {self.src(vtok)}", "e.g. 'resnet%'")
            self.params.append(value)
            return f"{f.sql} {neg}{op.value} ?"
        if op.kind == "KW" and op.value == "IN":
            start = self.expect("PUNCT", "(", "expected '(' to start the IN list")
            if self.peek().kind == "PUNCT" and self.peek().value == ")":
                raise self.fail(self.peek(), "empty IN list", "put at least one value inside ( )")
            rhs, first = [], None
            while not rhs or self.accept("PUNCT", ","):
                vtok, value = self.value()
                if rhs and type(value) is not type(first):
                    raise self.fail(vtok, f"IN list value {self.src(vtok)} differs in type from the first")
                first = value
                lhs, r = self.operand(f, vtok, value)
                rhs.append(r)
            self.expect("PUNCT", ")", f"expected ',' or ')' to close the IN list opened at column {start.pos + 1}")
            return f"{lhs} {neg}IN ({', '.join(rhs)})"
        if op.kind == "KW" and op.value == "IS":
            is_not = "NOT " if self.accept("KW", "NOT") else ""
            self.expect("KW", "NULL", "expected NULL or NOT NULL after IS")
            return f"{f.sql} IS {is_not}NULL"
        raise self.fail(op, hint="use '=' for equality" if op.value == "==" else _EXPECT_OP)

    def value(self) -> tuple[_Tok, object]:
        tok = self.next()
        if tok.kind in ("NUM", "STR"):
            return tok, tok.value
        if tok.kind == "KW" and tok.value in ("TRUE", "FALSE"):
            return tok, tok.value == "TRUE"
        hint = "expected a value: a number, a 'quoted string', TRUE or FALSE"
        if tok.kind == "FIELD" and tok.value[0] is None:
            hint += f"; to compare with text, quote it: '{tok.value[1]}'"
        raise self.fail(tok, hint=hint)

    def operand(self, f: _Field, vtok: _Tok, value) -> tuple[str, str]:
        """Append the parameter for one value; return (left-hand SQL, placeholder SQL)."""
        if isinstance(value, bool) and f.type in ("metric", "kv"):
            self.params.append(float(value) if f.type == "metric" else str(value).lower())
            return (f.sql if f.type == "metric" else f"lower({f.sql})"), "?"
        if isinstance(value, float) and f.type in ("metric", "num", "kv"):
            self.params.append(value)
            return (f"TRY_CAST({f.sql} AS DOUBLE)" if f.type == "kv" else f.sql), "?"
        if isinstance(value, str) and f.type in ("text", "kv"):
            self.params.append(value)
            return f.sql, "?"
        if isinstance(value, str) and f.type == "time":
            try:
                ts = datetime.fromisoformat(value.strip())
            except ValueError:
                hint = "write e.g. '2026-01-02 10:00:00'"
                raise self.fail(vtok, f"{self.src(vtok)} is not a timestamp", hint) from None
            if ts.tzinfo is not None:
                try:
                    ts = ts.astimezone(timezone.utc).replace(tzinfo=None)
                except OverflowError:  # e.g. 9999-12-31T23:59:59-01:00 is past year 9999 in UTC
                    raise self.fail(vtok, f"{self.src(vtok)} is outside years 1-9999 in UTC",
                                    "write e.g. '2026-01-02 10:00:00'") from None
            self.params.append(ts.isoformat(sep=" "))
            return f.sql, "CAST(? AS TIMESTAMP)"
        need = {"metric": "a number", "num": "a number", "time": "a timestamp string"}
        hint = f"{f.label} needs {need.get(f.type, 'a quoted string')}"
        raise self.fail(vtok, f"cannot compare {f.label} with {self.src(vtok)}", hint)

    def field(self, tok: _Tok) -> _Field:
        prefix, name, name_pos = tok.value
        kind = "attr" if prefix is None else _PREFIXES.get(prefix.lower())
        if kind is None:
            hint = _suggest(prefix, ["metrics", "params", "tags", "attributes"])
            hint += "use metrics., params., tags. or attributes."
            raise self.fail(tok._replace(end=name_pos - 1), f"unknown prefix '{prefix}'", hint)
        if kind != "attr":
            if (join := self.joins.get((kind, name))) is None:
                if len(self.joins) >= MAX_JOINS:
                    raise self.fail(tok, f"'{self.src(tok)}' is over the limit of {MAX_JOINS} keys")
                count = sum(j.kind == kind for j in self.joins.values())
                join = self.joins[(kind, name)] = Join(kind, name, f"{_TABLES[kind][1]}{count}")
            ftype = "metric" if kind == "metric" else "kv"
            return _Field(f"{join.alias}.value", ftype, f"{kind} '{name}'")
        if (attr := _ATTRS.get(name.lower())) is None:
            hint = _suggest(name, _ATTRS) + "known attributes: " + ", ".join(_ATTRS)
            if prefix is None:
                hint += f"; for a metric write metrics.{name}"
            raise self.fail(tok._replace(pos=name_pos), f"unknown attribute '{name}'", hint)
        return _Field(attr[0], attr[1], f"attribute '{name.lower()}'")

    def parse_order(self) -> str:
        items = []
        while self.peek().kind != "EOF" or items:
            if (tok := self.next()).kind != "FIELD":
                raise self.fail(tok, hint=_EXPECT_FIELD)
            f, direction = self.field(tok), self.accept("KW", "ASC", "DESC")
            items.append(f"{f.sql} {direction.value if direction else 'ASC'} NULLS LAST")
            if not self.accept("PUNCT", ","):
                if self.peek().kind != "EOF":
                    raise self.fail(self.peek(), hint="expected ASC, DESC, ',' or the end")
                break
        return ", ".join(items)
