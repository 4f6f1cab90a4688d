"""Planning's frames (pandas, inside this package) as Arrow rows of a derived table's spec.

The warehouse writes what the spec declares; this is the one place planning's pandas meets it.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from chainsight.model import DerivedTable, StoredType

_ARROW: dict[StoredType, pa.DataType] = {
    StoredType.STRING: pa.string(),
    StoredType.INTEGER: pa.int64(),
    StoredType.NUMBER: pa.float64(),
    StoredType.DATE: pa.date32(),
    StoredType.TIMESTAMP: pa.timestamp("us"),
    StoredType.BOOLEAN: pa.bool_(),
    StoredType.JSON: pa.string(),
    StoredType.STRING_LIST: pa.list_(pa.string()),
}


def arrow_schema(spec: DerivedTable) -> pa.Schema:
    """The Arrow schema of a derived table."""
    return pa.schema([(c.name, _ARROW[c.type]) for c in spec.columns])


def to_rows(frame: pd.DataFrame, spec: DerivedTable) -> pa.Table:
    """``frame``'s columns as an Arrow table of ``spec``'s types, in the spec's column order; every
    column of the frame must be one of the spec's (a typo fails here, naming it). Dates may come as
    datetimes, text columns with NaN for empty.

    >>> from chainsight.model import DERIVED
    >>> import datetime as dt
    >>> t = to_rows(pd.DataFrame({"version": ["v1"], "as_of": [pd.Timestamp("2026-03-31")]}), DERIVED["plan_runs"])
    >>> t.schema.field("as_of").type, t.column("as_of").to_pylist()
    (DataType(date32[day]), [datetime.date(2026, 3, 31)])
    """
    unknown = [c for c in frame.columns if c not in spec.column_names]
    if unknown:
        raise KeyError(f"{spec.name} has no column {', '.join(map(str, unknown))}")
    arrays, fields = [], []
    for c in spec.columns:
        if c.name not in frame.columns:
            continue
        s = frame[c.name]
        kind = _ARROW[c.type]
        if c.type is StoredType.DATE:
            arr = pa.Array.from_pandas(pd.to_datetime(s).dt.floor("D")).cast(kind)
        elif c.type is StoredType.TIMESTAMP:
            arr = pa.Array.from_pandas(pd.to_datetime(s)).cast(kind)
        else:  # NaN and None are empty values (from_pandas)
            arr = pa.Array.from_pandas(s, type=kind)
        arrays.append(arr)
        fields.append(pa.field(c.name, kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))
