"""``chainsight alerts list|show|ack|resolve|evaluate|deliver|deliveries|requeue|rules``: thin shells over
chainsight.alerts. Every command prints readable zh/en output, or with ``--json`` what the Python API returns."""

from __future__ import annotations

import getpass
import os
from typing import Annotated, Any

import typer

from chainsight._cli._common import (
    App,
    JsonOption,
    LangOption,
    WarehouseOption,
    console,
    current_lang,
    err_console,
    header,
    parse_date,
    print_json,
    print_table,
    role_name,
    t,
)
from chainsight._errors import UserInputError
from chainsight.metrics import DIMENSIONS
from chainsight.present import format_datetime, label

AppDbOption = Annotated[
    str | None,
    typer.Option(
        "--appdb", help="App database URL (SQLAlchemy). Default: a SQLite file beside the warehouse."
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        help="Who is acting (recorded in the history and audit log). Default: $CHAINSIGHT_USER or cli:<login>.",
    ),
]
NoteOption = Annotated[str, typer.Option("--note", help="Why (kept in the alert's history).")]

SEV_COLOUR = {"critical": "red", "warning": "yellow", "info": "cyan"}


def _db(appdb: str | None, warehouse: str | None) -> Any:
    from chainsight.appdb import AppDB, default_appdb_url
    from chainsight.warehouse import resolve_warehouse_path

    return AppDB(appdb or default_appdb_url(resolve_warehouse_path(warehouse)))


def _actor(user: str | None) -> str:
    if user:
        return user
    env = os.environ.get("CHAINSIGHT_USER")
    if env:
        return env
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _state_name(state: str, lang: str) -> str:
    return label("alert_state", state, lang)


def _severity(severity: str, lang: str) -> str:
    """A severity by its name, coloured (Rich markup)."""
    return f"[{SEV_COLOUR.get(severity, 'white')}]{label('alert_severity', severity, lang)}[/]"


def _scope_text(scope: dict[str, Any], lang: str) -> str:
    """An alert's scope as a reader says it: 省份：浙江省 · 地点：DC-HZ."""
    if not scope:
        return t("全公司", "company-wide", lang)
    colon = "：" if lang == "zh" else ": "
    return " · ".join(
        f"{DIMENSIONS[k].get(lang) if k in DIMENSIONS else k}{colon}{v}" for k, v in sorted(scope.items())
    )


def register(app: typer.Typer) -> None:
    """Add the ``alerts`` group to ``app``."""
    alerts = App(
        help="Alerts: evaluate the rules, list / acknowledge / resolve alerts, deliver them (webhook, WeCom, "
        "DingTalk, Feishu, email).",
        no_args_is_help=True,
    )
    app.add_typer(alerts, name="alerts")

    @alerts.command("list")
    def list_cmd(
        state: Annotated[
            str, typer.Option("--state", help="open, acknowledged, resolved, active (default) or all.")
        ] = "active",
        rule: Annotated[str | None, typer.Option("--rule", help="Only this rule id.")] = None,
        owner: Annotated[str | None, typer.Option("--owner", help="Only this owner role.")] = None,
        scope: Annotated[
            list[str] | None,
            typer.Option("--scope", help="Only what this scope sees: DIM=VALUE (e.g. province=浙江省)."),
        ] = None,
        limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 100,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """List alerts, most severe first."""
        from chainsight.alerts import ACTIVE, list_alerts
        from chainsight.appdb import parse_scope

        lg = current_lang(lang)
        states: Any = {"active": ACTIVE, "all": None}.get(state, (state,))
        if states and any(s not in ("open", "acknowledged", "resolved") for s in states):
            raise UserInputError(
                f"未知状态“{state}”，可用 open、acknowledged、resolved、active 或 all",
                f"unknown state '{state}'; use open, acknowledged, resolved, active or all",
            )
        rows = list_alerts(
            _db(appdb, warehouse),
            states=states,
            scope=parse_scope(scope),
            rule_id=rule,
            owner_role=owner,
            limit=limit,
        )
        if as_json:
            print_json([a.to_dict() for a in rows])
            return
        if not rows:
            console.print(t("没有告警。", "No alerts.", lg))
            return
        print_table(
            [
                {
                    "id": a.id,
                    "severity": _severity(a.severity, lg),
                    "state": _state_name(a.state, lg),
                    "title": a.title[lg],
                    "message": a.message[lg],
                    "owner": role_name(a.owner_role, lg),
                    "last_seen": format_datetime(a.last_seen, lg, iso=True),
                }
                for a in rows
            ],
            ["id", "severity", "state", "title", "message", "owner", "last_seen"],
            lg,
            markup=True,
        )

    @alerts.command("show")
    def show_cmd(
        alert_id: Annotated[int, typer.Argument(help="Alert number.")],
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """One alert: its numbers, recommended action and history."""
        from chainsight.alerts import alert_history, get_alert

        lg = current_lang(lang)
        db = _db(appdb, warehouse)
        a = get_alert(db, alert_id)
        hist = alert_history(db, alert_id)
        if as_json:
            print_json({**a.to_dict(), "history": hist})
            return
        console.print(
            f"[bold]#{a.id} {a.title[lg]}[/bold]  {_severity(a.severity, lg)} · {_state_name(a.state, lg)}",
            highlight=False,
        )
        console.print(a.message[lg], highlight=False)
        console.print(f"[bold]{t('建议：', 'Action:', lg)}[/bold] {a.action[lg]}", highlight=False)
        console.print(
            f"[dim]{t('范围：', 'Scope: ', lg)}{_scope_text(a.scope, lg)} · "
            f"{t('负责：', 'Owner: ', lg)}{role_name(a.owner_role, lg)}[/dim]",
            highlight=False,
        )
        print_table(
            hist,
            ["at", "event", "from_state", "to_state", "severity", "actor", "note"],
            lg,
            title=t("历史", "History", lg),
            formats={
                "at": "datetime",
                "event": "kind:alert_event",
                "from_state": "kind:alert_state",
                "to_state": "kind:alert_state",
                "severity": "kind:alert_severity",
            },
        )

    def _transition(
        fn_name: str,
        alert_id: int,
        note: str,
        user: str | None,
        warehouse: str | None,
        appdb: str | None,
        as_json: bool,
        lang: str | None,
    ) -> None:
        import chainsight.alerts as al

        lg = current_lang(lang)
        a = getattr(al, fn_name)(_db(appdb, warehouse), alert_id, actor=_actor(user), note=note)
        if as_json:
            print_json(a.to_dict())
            return
        console.print(f"✓ #{a.id} {_state_name(a.state, lg)} — {a.title[lg]}", highlight=False)

    @alerts.command("ack")
    def ack_cmd(
        alert_id: Annotated[int, typer.Argument(help="Alert number.")],
        note: NoteOption = "",
        user: UserOption = None,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Acknowledge an alert: seen and being handled (it stays until its condition clears)."""
        _transition("acknowledge", alert_id, note, user, warehouse, appdb, as_json, lang)

    @alerts.command("resolve")
    def resolve_cmd(
        alert_id: Annotated[int, typer.Argument(help="Alert number.")],
        note: NoteOption = "",
        user: UserOption = None,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Resolve an alert by hand (if its condition still holds, the next evaluation opens a new one)."""
        _transition("resolve", alert_id, note, user, warehouse, appdb, as_json, lang)

    @alerts.command("evaluate")
    def evaluate_cmd(
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Business date (YYYY-MM-DD); default: the latest data.")
        ] = None,
        rules: Annotated[
            str | None, typer.Option("--rules", help="A rules YAML file or folder (default: built-in).")
        ] = None,
        only: Annotated[
            str | None, typer.Option("--only", help="Only these rule ids, comma-separated.")
        ] = None,
        today: Annotated[
            str | None,
            typer.Option("--today", help="Date data freshness is judged against (default: today)."),
        ] = None,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Evaluate the rules on the warehouse: open new alerts, update firing ones, resolve cleared ones."""
        from chainsight._cli._common import open_warehouse
        from chainsight.alerts import evaluate, load_rules

        lg = current_lang(lang)
        ruleset = load_rules(rules)
        if only:
            ruleset = ruleset.select([x.strip() for x in only.split(",") if x.strip()])
        db = _db(appdb, warehouse)
        with open_warehouse(warehouse) as wh:
            result = evaluate(wh, db, as_of=as_of, rules=ruleset, today=parse_date(today))
        if as_json:
            print_json(result.to_dict())
            return
        print_table(
            [
                {
                    "rule": o.rule_id,
                    "status": label("rule_outcome", o.status, lg),
                    "firing": o.firing,
                    "reason": o.reason.get(lg, ""),
                }
                for o in result.rules
            ],
            ["rule", "status", "firing", "reason"],
            lg,
            title=f"{t('告警评估', 'Alert evaluation', lg)} · {result.as_of}",
            headers=[
                t("规则", "Rule", lg),
                t("结果", "Result", lg),
                t("触发", "Firing", lg),
                t("原因", "Reason", lg),
            ],
        )
        console.print(
            t(
                f"新开 {len(result.opened)} · 更新 {len(result.updated)} · 升级 {len(result.escalated)} · 自动解决 {len(result.resolved)} · 未关闭共 {result.active}",
                f"opened {len(result.opened)} · updated {len(result.updated)} · escalated {len(result.escalated)} · auto-resolved {len(result.resolved)} · active {result.active}",
                lg,
            ),
            highlight=False,
        )
        if result.errors:
            for o in result.errors:
                err_console.print(o.reason.get("traceback", ""), highlight=False)
            raise typer.Exit(70)

    @alerts.command("deliver")
    def deliver_cmd(
        config: Annotated[
            str, typer.Option("--config", "-c", help="Delivery config YAML (channels, routes, retry).")
        ],
        key: Annotated[
            str | None, typer.Option("--key", help="Section of a larger config holding it (e.g. delivery).")
        ] = None,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """Send alert state changes to their channels (idempotent: each change goes out once per channel)."""
        from chainsight.alerts import DeliveryConfig, deliver

        lg = current_lang(lang)
        cfg = DeliveryConfig.from_yaml(config, key=key)
        rep = deliver(_db(appdb, warehouse), cfg)
        if as_json:
            print_json(rep.to_dict())
            return
        console.print(
            t(
                f"入队 {rep.queued} · 已发送 {rep.sent} · 失败尝试 {rep.failed_attempts} · 死信 {rep.dead} · 待重试 {rep.pending}",
                f"queued {rep.queued} · sent {rep.sent} · failed attempts {rep.failed_attempts} · dead {rep.dead} · pending {rep.pending}",
                lg,
            ),
            highlight=False,
        )
        if rep.by_channel:
            print_table(
                [{"channel": c, **v} for c, v in rep.by_channel.items()],
                ["channel", "sent", "failed_attempts", "dead"],
                lg,
                headers=[
                    t("投递渠道", "Channel", lg),
                    t("已发送", "Sent", lg),
                    t("失败尝试", "Failed attempts", lg),
                    t("死信", "Dead", lg),
                ],
            )

    @alerts.command("deliveries")
    def deliveries_cmd(
        status: Annotated[
            str | None,
            typer.Option("--status", help="pending, sending, sent or dead (the dead-letter list)."),
        ] = None,
        log: Annotated[bool, typer.Option("--log", help="Every attempt instead (the delivery log).")] = False,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """The delivery outbox (``--status dead``: the dead-letter list) or, with ``--log``, every attempt."""
        from chainsight.alerts import deliveries, delivery_log

        lg = current_lang(lang)
        db = _db(appdb, warehouse)
        rows = delivery_log(db) if log else deliveries(db, status=status)
        if as_json:
            print_json(rows)
            return
        if not rows:
            console.print(t("没有记录。", "Nothing here.", lg))
            return
        cols = (
            ["delivery", "at", "attempt", "ok", "status_code", "error", "duration_ms"]
            if log
            else ["id", "alert_id", "event", "channel", "status", "attempts", "last_error", "sent_at"]
        )
        print_table(
            rows,
            cols,
            lg,
            headers=[t("投递渠道", "Channel", lg) if c == "channel" else header(c, lg) for c in cols],
            formats={
                "at": "datetime",
                "sent_at": "datetime",
                "event": "kind:alert_event",
                "status": "kind:delivery_status",
            },
        )

    @alerts.command("requeue")
    def requeue_cmd(
        ids: Annotated[
            list[int] | None, typer.Argument(help="Delivery ids from the dead-letter list.")
        ] = None,
        all_dead: Annotated[bool, typer.Option("--all", help="Every dead letter.")] = False,
        user: UserOption = None,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """Put dead letters back in the queue (the next ``alerts deliver`` sends them)."""
        from chainsight.alerts import requeue

        lg = current_lang(lang)
        if not ids and not all_dead:
            raise UserInputError("请给出投递编号，或用 --all", "give delivery ids, or --all")
        n = requeue(_db(appdb, warehouse), None if all_dead else list(ids or []), actor=_actor(user))
        console.print(t(f"✓ 已重新排队 {n} 条", f"✓ re-queued {n}", lg), highlight=False)

    @alerts.command("rules")
    def rules_cmd(
        rules: Annotated[
            str | None, typer.Option("--rules", help="A rules YAML file or folder (default: built-in).")
        ] = None,
        as_json: JsonOption = False,
        lang: LangOption = None,
    ) -> None:
        """The alert rule catalog (validated: a wrong rule names its file, rule and field)."""
        from chainsight.alerts import load_rules

        lg = current_lang(lang)
        rs = load_rules(rules)
        if as_json:
            print_json([r.to_dict() for r in rs])
            return
        print_table(
            [
                {
                    "id": r.id,
                    "title": r.title.get(lg),
                    "severity": _severity(r.severity, lg),
                    "owner": role_name(r.owner_role, lg),
                    "params": ", ".join(f"{k}={v}" for k, v in r.params.items()),
                }
                for r in rs
            ],
            ["id", "title", "severity", "owner", "params"],
            lg,
            headers=[
                t("规则代码", "Rule id", lg),
                t("规则", "Rule", lg),
                t("级别", "Severity", lg),
                t("负责", "Owner", lg),
                t("参数", "Parameters", lg),
            ],
            markup=True,
        )
