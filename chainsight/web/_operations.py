"""The operations pages (procurement, production, planning), their lazily loaded analysis panels, and the
data page (load history, open rejects, upload a file)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from chainsight._errors import ChainsightError, UserInputError
from chainsight.appdb import User
from chainsight.model import ENTITIES
from chainsight.warehouse import Warehouse
from chainsight.web._auth import CSRF_FIELD, client_ip
from chainsight.web._deps import CurrentUser, DataUser, Language, Render, Renderer, ServicesDep
from chainsight.web._i18n import translate
from chainsight.web._ops import restricted
from chainsight.web._services import Services

router = APIRouter(include_in_schema=False)

UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls", ".jsonl", ".json", ".parquet")
UPLOAD_MAX_BYTES = 200 * 1024 * 1024


# ---------------------------------------------------------------- operations pages
@router.get("/procurement", response_class=HTMLResponse)
def procurement(user: CurrentUser, lang: Language, render: Render, services: ServicesDep) -> Response:
    return render("procurement.html", data=services.ops.procurement(user.scope, lang))


@router.get("/production", response_class=HTMLResponse)
def production(user: CurrentUser, lang: Language, render: Render, services: ServicesDep) -> Response:
    return render("production.html", data=services.ops.production(user.scope, lang))


@router.get("/planning", response_class=HTMLResponse)
def planning(user: CurrentUser, lang: Language, render: Render, services: ServicesDep) -> Response:
    return render("planning.html", data=services.ops.planning(user.scope, lang))


def _wide_only(user: User, render: Renderer, name: str, build: Callable[[], dict[str, Any]]) -> Response:
    """A panel of an analysis that cannot take a scope: for users who see everything; a note for others."""
    if restricted(user.scope):
        return render("_restricted.html")
    try:
        data = build()
    except UserInputError as exc:
        return render("_restricted.html", message=exc.message(render.lang))
    return render(name, a=data)


@router.get("/partials/suppliers", response_class=HTMLResponse)
def suppliers_partial(user: CurrentUser, lang: Language, render: Render, services: ServicesDep) -> Response:
    return _wide_only(user, render, "_suppliers.html", lambda: services.ops.suppliers(lang))


@router.get("/partials/lines", response_class=HTMLResponse)
def lines_partial(user: CurrentUser, lang: Language, render: Render, services: ServicesDep) -> Response:
    return _wide_only(user, render, "_lines.html", lambda: services.ops.lines(lang))


@router.get("/partials/expiry-actions", response_class=HTMLResponse)
def actions_partial(user: CurrentUser, lang: Language, render: Render, services: ServicesDep) -> Response:
    return _wide_only(user, render, "_actions.html", lambda: services.ops.expiry_actions(lang))


# ---------------------------------------------------------------- data page
@router.get("/data", response_class=HTMLResponse)
def data_page(_user: DataUser, render: Render, services: ServicesDep) -> Response:
    return _data_page(render, services)


def _data_page(
    render: Renderer, services: Services, status: int = 200, upload: dict[str, Any] | None = None
) -> Response:
    """Load history, open rejects, the upload form and the last upload's result."""
    with services.read() as wh:
        tables = data_tables(wh)
    return render(
        "data.html",
        status=status,
        upload=upload,
        entities=[(e.name, e.label.zh, e.label.en) for e in ENTITIES.values()],
        **tables,
    )


def data_tables(wh: Warehouse) -> dict[str, Any]:
    """The newest 200 loads and 500 open rejects, as records."""
    cols = ["entity", "files", "rows_read", "rows_loaded", "rows_rejected", "outcome", "finished_at"]
    return {
        "history": wh.load_history(limit=200).select(cols).to_dicts(),
        "rejects": wh.rejects(limit=500).to_dicts(),
    }


@router.post("/data/upload", response_class=HTMLResponse)
async def upload(
    request: Request, user: DataUser, lang: Language, render: Render, services: ServicesDep
) -> Response:
    form = await request.form()
    # checked here, not by CheckedForm: a refused upload shows the data page again, with the form
    if not services.auth.csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
        return _data_page(render, services, status=403, upload={"error": translate("csrf_failed", lang)})
    entity = str(form.get("entity", ""))
    mapping_text = str(form.get("mapping", "") or "")
    upload_file = form.get("file")
    filename = getattr(upload_file, "filename", None) or ""
    name = Path(filename.replace("\\", "/")).name
    outcome: dict[str, Any] = {"entity": entity, "file": name, "mapping": mapping_text}
    ip = client_ip(request)
    db = services.db
    try:
        if not name or upload_file is None or isinstance(upload_file, str):
            raise UserInputError("请选择要上传的文件", "choose a file to upload")
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            raise UserInputError(
                f"不支持的文件类型:{name}(可用 {', '.join(UPLOAD_SUFFIXES)})",
                f"unsupported file type: {name} (use {', '.join(UPLOAD_SUFFIXES)})",
                file=name,
            )
        content = await upload_file.read(UPLOAD_MAX_BYTES + 1)
        if len(content) > UPLOAD_MAX_BYTES:
            raise UserInputError(
                "文件超过 200 MB,请用命令行加载", "file over 200 MB; load it with the CLI", file=name
            )
        result = await run_in_threadpool(load_upload, services, entity, name, content, mapping_text)
        outcome.update(result)
        detail = {
            "file": name,
            **{k: result[k] for k in ("rows_read", "rows_loaded", "rows_rejected", "batch_id")},
        }
        db.audit(user.username, "upload", entity, detail=json.dumps(detail, ensure_ascii=False), ip=ip)
    except UserInputError as exc:
        outcome["error"] = exc.message(lang)
        db.audit(user.username, "upload_failed", entity, detail=f"{name}: {exc.en}"[:1000], ip=ip)
    except ChainsightError as exc:  # the warehouse is busy (another process writes it) or similar
        prefix = "无法写入仓库:" if lang == "zh" else "cannot write the warehouse: "
        outcome["error"] = prefix + str(exc)
        db.audit(user.username, "upload_failed", entity, detail=f"{name}: {exc}"[:1000], ip=ip)
    return _data_page(render, services, status=400 if "error" in outcome else 200, upload=outcome)


def load_upload(
    services: Services, entity: str, name: str, content: bytes, mapping_text: str
) -> dict[str, Any]:
    """Write the upload to a private temp folder, load it as ``entity`` with the mapping, return the result."""
    import yaml

    from chainsight.ingest import Mapping, list_rejects, load_files
    from chainsight.metrics import ROLLUPS, refresh_rollups

    if entity not in ENTITIES:
        raise UserInputError(f"未知数据表 “{entity}”", f"unknown entity '{entity}'", entity=entity)
    mapping = None
    if mapping_text.strip():
        try:
            data = yaml.safe_load(mapping_text)
        except yaml.YAMLError as exc:
            raise UserInputError(
                f"映射不是有效的 YAML:{exc}", f"the mapping is not valid YAML: {exc}"
            ) from None
        mapping = Mapping.from_dict(data, source="mapping")
    folder = Path(tempfile.mkdtemp(prefix="chainsight-upload-"))
    try:
        path = folder / name
        path.write_bytes(content)
        with services.write() as wh:
            result = load_files(wh, entity, [path], mapping)
            rejects = list_rejects(wh, entity=entity).to_pylist()
            # a warehouse that uses rollups keeps them fresh: only those of changed tables are rebuilt
            if (result.rows_loaded or result.rows_updated) and any(wh.has_table(r.table) for r in ROLLUPS):
                refresh_rollups(wh)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    mine = [r for r in rejects if r.get("batch_id") == result.batch_id]
    return {**result.to_dict(), "rejects": mine[:500], "rejects_total": len(mine)}
