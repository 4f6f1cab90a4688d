"""Safe ingestion: read CSV/Excel/Parquet/JSONL exports, validate, keep rejects, merge atomically.

>>> from chainsight.ingest import load_files, Mapping
"""

from chainsight.ingest._check import CheckedFile, FileProblem, check_file
from chainsight.ingest._load import LoadResult, file_checksum, list_rejects, load_files, retry_rejects
from chainsight.ingest._mapping import Mapping, normalise_header

__all__ = [
    "CheckedFile",
    "FileProblem",
    "LoadResult",
    "Mapping",
    "check_file",
    "file_checksum",
    "list_rejects",
    "load_files",
    "normalise_header",
    "retry_rejects",
]
