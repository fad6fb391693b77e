"""Read-only Cypher for analysts, behind an allow-list over the query plan (Neo4j store only).

Layers, each enough on its own for what it covers:

1. the text: at most ``MAX_QUERY_BYTES``; no ``USE`` clause (no other or composite database);
   no governance label (``StewardRecord``, ``StewardLog``, ``StewardLogHead``, ``StewardState``: token
   hashes, change requests, the log are not the analyst's to read);
2. the plan (``EXPLAIN``, itself under the timeout): ``query_type`` must be ``r``; no operator
   touches a governance label, and none reads nodes without naming a label (``AllNodesScan``,
   ``NodeByIdSeek``, ``NodeByElementIdSeek``: governance nodes carry no graph label, so a query must
   say which of the graph's labels it reads, e.g. ``MATCH (n:Node)``); every operator
   must be a known read operator (so ``LoadCSV``, ``ShowTransactions``, ``TerminateTransactions``,
   ``ShowSettings``, ``AdministrationCommand``, ``TransactionApply`` (``CALL {} IN TRANSACTIONS``) ...
   are refused); a ``ProcedureCall`` only for ``ALLOWED_PROCEDURES``; namespaced functions only from
   ``ALLOWED_FUNCTION_NAMESPACES``; every operator on the session's database;
3. the run: one attempt (no retries) in an explicit read transaction with a server-side timeout
   (the transaction is terminated there) and a client-side deadline; at most ``max_rows`` rows and
   ``max_bytes`` bytes of JSON (``truncated`` says ``"rows"`` or ``"bytes"``);
4. the server's own settings (see the README's security model): no file URLs for LOAD CSV, an
   import folder, a minimal procedure allow-list, a transaction timeout and memory cap.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterable
from typing import Any

from steward.errors import InvalidInputError, PayloadTooLargeError, QueryRefusedError
from steward.store.base import GraphStore, PlanGate

__all__ = [
    "ALLOWED_PROCEDURES",
    "GOVERNANCE_LABELS",
    "MAX_QUERY_BYTES",
    "check_params",
    "check_plan",
    "check_text",
    "jsonable",
    "run_cypher",
]

MAX_QUERY_BYTES = 64 * 1024
MAX_PARAM_DEPTH = 32
INT64 = (-(2**63), 2**63 - 1)

#: Procedures an analyst may call: schema introspection only.
ALLOWED_PROCEDURES = frozenset({
    "db.labels", "db.relationshipTypes", "db.propertyKeys", "db.schema.visualization",
    "db.schema.nodeTypeProperties", "db.schema.relTypeProperties",
})
#: Namespaces of built-in functions that only compute (no I/O, no server state).
ALLOWED_FUNCTION_NAMESPACES = frozenset({
    "point", "date", "datetime", "localdatetime", "localtime", "time", "duration", "vector.similarity",
})

_READ_OPERATORS = frozenset({
    "ProduceResults", "EmptyResult", "Argument", "ArgumentTracker", "Filter", "Projection", "Limit",
    "ExhaustiveLimit", "Skip", "Sort", "PartialSort", "Top", "Top1WithTies", "PartialTop", "Distinct",
    "OrderedDistinct", "EagerAggregation", "OrderedAggregation", "Aggregation", "NodeCountFromCountStore",
    "RelationshipCountFromCountStore", "Unwind", "PartitionedUnwind", "Union", "OrderedUnion", "Eager",
    "CartesianProduct", "Optional", "Anti", "CacheProperties", "AssertSameNode", "AssertSameRelationship",
    "ProjectEndpoints", "ShortestPath", "TriadicSelection", "TriadicBuild", "TriadicFilter", "NullifyMetadata",
    "Trail", "BidirectionalRepeat(Trail)", "Repeat(Trail)", "Repeat(Walk)", "RollUpApply", "ValueHashJoin",
    "NodeHashJoin", "NodeLeftOuterHashJoin", "NodeRightOuterHashJoin", "ProcedureCall",
})
_READ_FAMILIES = (
    re.compile(r"^(Partitioned)?(Directed|Undirected)?\w*(Scan|Seek|SeekByRange)$"),
    re.compile(r"^(Optional)?(VarLength)?Expand\([\w,]+\)$"),
    re.compile(r"^StatefulShortestPath\([\w,]+\)$"),
    re.compile(r"^\w*(Semi|Select\w*|Conditional)?Apply$"),
    re.compile(r"^BFSPruningVarExpand\([\w,]+\)$"),
)
_NOT_READS = re.compile(r"^(Transaction\w*|LoadCSV|Show\w*|Terminate\w*|\w*Command|System\w*|RunQueryAt)$")
_CALLED = re.compile(r"([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_][\w]*)+)\s*\(")
_STRINGS_AND_COMMENTS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.S)
_USE = re.compile(r"(?<![\w.$])USE\s", re.I)
_QUOTED_CALL = re.compile(r"`[^`]*`\s*(\.\s*`?\w+`?\s*)*\(")
_REDUCE = re.compile(r"(?<![\w.$])reduce\s*\(", re.I)
_RANGE = re.compile(r"(?<![\w.$])range\s*\(", re.I)
_LITERAL_RANGE = re.compile(r"(?<![\w.$])range\s*\(\s*(-?\d+)\s*,\s*(-?\d+)\s*(?:,\s*(-?\d+)\s*)?\)", re.I)
#: Labels of the governance data kept beside the graph (Neo4j store): never readable by analysts.
GOVERNANCE_LABELS = ("StewardRecord", "StewardLogHead", "StewardLog", "StewardState")
_GOVERNANCE = re.compile(r"Steward(Record|LogHead|Log|State)\b", re.I)
#: Operators that read nodes whatever their label (and so would reach the governance nodes).
_UNLABELLED_READS = re.compile(r"^(Partitioned)?(AllNodesScan|NodeByIdSeek|NodeByElementIdSeek)$")
#: Longest ``range()`` an analyst query may build: the server cannot stop an expression mid-way.
MAX_RANGE = 100_000


def check_text(query: str) -> str:
    """The query text, stripped, or a refusal (empty, too long, a ``USE`` clause)."""
    text = query.strip()
    if not text:
        raise InvalidInputError("the query is empty")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_QUERY_BYTES:
        raise PayloadTooLargeError(f"the query is {size} bytes; at most {MAX_QUERY_BYTES} are planned")
    if _QUOTED_CALL.search(_STRINGS_AND_COMMENTS.sub(lambda m: m.group(0) if m.group(0).startswith("`") else " ",
                                                     text)):
        raise QueryRefusedError("quoted (backticked) function or procedure names are not allowed")
    bare = _STRINGS_AND_COMMENTS.sub(" ", text)
    unquoted = _STRINGS_AND_COMMENTS.sub(lambda m: m.group(0).strip("`") if m.group(0).startswith("`") else " ", text)
    if _GOVERNANCE.search(unquoted):
        raise QueryRefusedError("governance data (tokens, change requests, the log) is not readable by analyst "
                                "queries")
    _check_expressions(bare)
    if _USE.search(bare):
        raise QueryRefusedError("USE (another or a composite database) is not allowed; queries run on Steward's "
                                "database")
    if re.match(r"^\s*(EXPLAIN|PROFILE)\b", bare, re.I):
        raise QueryRefusedError("send the query without EXPLAIN/PROFILE; Steward plans it itself")
    return text


def _check_expressions(bare: str) -> None:
    """Refuse expressions the server evaluates without ever checking its timeout (one row can run for
    hours and take the heap): ``reduce()``, and ``range()`` unless over integer literals and short."""
    if _REDUCE.search(bare):
        raise QueryRefusedError("reduce() is not allowed in analyst queries: the server cannot stop it on time")
    literal = list(_LITERAL_RANGE.finditer(bare))
    if len(literal) != len(_RANGE.findall(bare)):
        raise QueryRefusedError("range() takes integer literals in analyst queries")
    for m in literal:
        start, end, step = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        if step == 0 or (end - start) // step + 1 > MAX_RANGE:
            raise QueryRefusedError(f"range() of more than {MAX_RANGE} numbers is not allowed in analyst queries")


def _operator(plan: Any) -> tuple[str, str, str, list[Any]]:
    if isinstance(plan, dict):
        name = str(plan.get("operatorType", ""))
        args = plan.get("args") or plan.get("arguments") or {}
        children = list(plan.get("children", []))
    else:  # pragma: no cover - older drivers
        name, args, children = plan.operator_type, plan.arguments, list(plan.children)
    base, _, database = name.partition("@")
    return base, database, str(args.get("Details", "")), children


def _walk(plan: Any) -> Iterable[tuple[str, str, str]]:
    stack = [plan]
    while stack:
        base, database, details, children = _operator(stack.pop())
        yield base, database, details
        stack.extend(children)


def check_plan(query_type: str | None, plan: Any) -> None:
    """Refuse (QueryRefusedError) a plan that is not a pure read of Steward's database by allowed means."""
    if query_type != "r":
        what = {"rw": "reads and writes", "w": "writes", "s": "changes the schema or administers the server"}
        raise QueryRefusedError(f"only read-only queries run here; this one {what.get(query_type or '', query_type)}")
    if plan is None:
        raise QueryRefusedError("the server gave no plan for this query")
    databases: set[str] = set()
    for base, database, details in _walk(plan):
        databases.add(database)
        if database == "system":
            raise QueryRefusedError("queries on the system database are not allowed")
        if _GOVERNANCE.search(details):
            raise QueryRefusedError("governance data (tokens, change requests, the log) is not readable by analyst "
                                    "queries")
        if _UNLABELLED_READS.match(base):
            raise QueryRefusedError(f"the plan uses {base}, which reads nodes of any label; name the graph's labels "
                                    "(e.g. MATCH (n:Node) or MATCH (d:Dataset))")
        if _NOT_READS.match(base) or not (base in _READ_OPERATORS or any(f.match(base) for f in _READ_FAMILIES)):
            raise QueryRefusedError(f"the plan uses {base}, which analyst queries may not (reads of the graph only)")
        if base == "ProcedureCall":
            proc = details.split("(", 1)[0].strip().replace("`", "")
            if proc not in ALLOWED_PROCEDURES:
                raise QueryRefusedError(
                    f"procedure {proc or '?'} is not allowed; allowed: {', '.join(sorted(ALLOWED_PROCEDURES))}")
            continue
        for called in _CALLED.findall(_STRINGS_AND_COMMENTS.sub(" ", details)):
            name = re.sub(r"\s+", "", called)
            namespace = name.rsplit(".", 1)[0]
            if namespace not in ALLOWED_FUNCTION_NAMESPACES:
                raise QueryRefusedError(f"function {name} is not allowed in analyst queries")
    if len(databases) > 1:
        raise QueryRefusedError("the query spans several databases; only Steward's is allowed")


def check_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters the driver can send: integers within 64 bits, finite floats, bounded nesting."""

    def visit(value: Any, where: str, depth: int) -> None:
        if depth > MAX_PARAM_DEPTH:
            raise InvalidInputError(f"params.{where}: nested deeper than {MAX_PARAM_DEPTH} levels")
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return
        if isinstance(value, int):
            if not INT64[0] <= value <= INT64[1]:
                raise InvalidInputError(f"params.{where}: integer out of the 64-bit range Neo4j stores")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise InvalidInputError(f"params.{where}: not a finite number")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                visit(v, f"{where}[{i}]", depth + 1)
        elif isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str):
                    raise InvalidInputError(f"params.{where}: keys must be strings")
                visit(v, f"{where}.{k}", depth + 1)
        else:
            raise InvalidInputError(f"params.{where}: unsupported value of type {type(value).__name__}")

    if not isinstance(params, dict):
        raise InvalidInputError("params must be an object")
    for name, value in params.items():
        visit(value, name, 1)
    return params


def jsonable(value: Any) -> Any:
    """A Cypher value as JSON: temporal values as ISO 8601, points as ``{srid, x, y[, z]}``, bytes as
    base64, non-finite floats as strings, nodes/relationships/paths as the driver gives them."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    iso = getattr(value, "iso_format", None)  # neo4j.time values (Duration is also a tuple)
    if callable(iso):
        return str(iso())
    srid = getattr(value, "srid", None)  # neo4j.spatial points (also tuples)
    if srid is not None:
        return {"srid": srid, **{axis: float(c) for axis, c in zip("xyz", value, strict=False)}}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def json_size(row: dict[str, Any]) -> int:
    """Bytes the row adds to the JSON array of rows (with its separator)."""
    return len(json.dumps(row, ensure_ascii=False, allow_nan=False).encode("utf-8")) + 2


def run_cypher(
    store: GraphStore, query: str, *, params: dict[str, Any] | None = None, timeout_s: float = 10.0,
    max_rows: int = 1000, max_bytes: int = 4 * 1024 * 1024,
) -> dict[str, Any]:
    """Run ``query`` if it passes the gate (see the module doc); ``truncated`` is ``False``, ``"rows"``
    or ``"bytes"``. The embedded store refuses with a ConfigError that says how to get Neo4j."""
    if not math.isfinite(timeout_s) or timeout_s <= 0 or max_rows < 1 or max_bytes < 1:
        raise InvalidInputError("timeout must be positive and max_rows, max_bytes at least 1")
    gate: PlanGate = check_plan
    text = check_text(query) if store.supports_cypher else query
    columns, rows, truncated = store.run_readonly(
        text, check_params(dict(params or {})), timeout_s=timeout_s, max_rows=max_rows, max_bytes=max_bytes,
        gate=gate)
    return {"columns": columns, "rows": rows, "truncated": truncated, "max_rows": max_rows,
            "max_bytes": max_bytes, "timeout_s": timeout_s}
