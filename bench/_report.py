"""Write a benchmark's results into its section of bench/README.md."""

from __future__ import annotations

import datetime as dt
import platform
import re
from pathlib import Path

README = Path(__file__).parent / "README.md"


def machine() -> str:
    import os

    import duckdb

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, {dt.date.today().isoformat()}"
    )


def update_section(name: str, body: str) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->`` (append if absent)."""
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")
