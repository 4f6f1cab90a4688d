"""Helpers for the pipeline tests: a workspace (config + inbox) per run and a local webhook server."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "chainsight.yaml"


def make_workspace(root: Path, demo_files: Path, *, only: set[str] | None = None, **overrides: Any) -> Path:
    """A folder with the example config (``overrides`` replace top-level keys) and the demo files (or
    ``only`` those) in its inbox."""
    root.mkdir(parents=True, exist_ok=True)
    inbox = root / "inbox"
    inbox.mkdir()
    for p in demo_files.iterdir():
        if p.is_file() and (only is None or p.name in only):
            shutil.copy2(p, inbox / p.name)
    cfg = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    cfg.update(overrides)
    path = root / "chainsight.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class Hook:
    """A real local HTTP server receiving webhook deliveries; counts the POSTs."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                hook.bodies.append(self.rfile.read(n))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 0, "code": 0}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
