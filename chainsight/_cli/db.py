"""``chainsight db upgrade|downgrade|current|check|revision``: the app database's schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from chainsight._cli._common import (
    App,
    JsonOption,
    LangOption,
    WarehouseOption,
    console,
    current_lang,
    print_json,
    t,
)

AppDbOption = Annotated[
    str | None,
    typer.Option(
        "--appdb",
        help="App database URL (SQLAlchemy), e.g. postgresql+psycopg://user@host/db. "
        "Default: a SQLite file beside the warehouse.",
    ),
]


def _url(appdb: str | None, warehouse: str | None) -> str:
    from chainsight.appdb import default_appdb_url
    from chainsight.warehouse import resolve_warehouse_path

    return appdb or default_appdb_url(resolve_warehouse_path(warehouse))


def register(app: typer.Typer) -> None:
    """Add the ``db`` group to ``app``."""
    db = App(
        help="The app database (users, sessions, tokens, audit log, alert states): schema migrations. "
        "The server upgrades it on start unless CHAINSIGHT_APPDB_AUTO_UPGRADE=0.",
        no_args_is_help=True,
    )
    app.add_typer(db, name="db")

    @db.command("current")
    def current(
        json_out: JsonOption = False,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """The database's revision, the newest one this Chainsight knows, and what is pending."""
        from chainsight.appdb import make_engine, safe_url
        from chainsight.appdb import migrate as m

        url = _url(appdb, warehouse)
        engine = make_engine(url)
        try:
            info = {
                "appdb": safe_url(url),
                "current": m.current_revision(engine),
                "head": m.head_revision(),
                "pending": m.pending_revisions(engine),
            }
        finally:
            engine.dispose()
        if json_out:
            print_json(info)
            return
        lg = current_lang(lang)
        empty = t("（空）", "(empty)", lg)
        console.print(f"{info['appdb']}", highlight=False)
        console.print(
            t(
                f"当前版本：{info['current'] or empty}   最新版本：{info['head']}",
                f"current: {info['current'] or empty}   head: {info['head']}",
                lg,
            ),
            highlight=False,
        )
        if info["pending"]:
            pending = ", ".join(info["pending"])
            console.print(
                t(
                    f"[yellow]待执行：{pending} — 运行：chainsight db upgrade[/yellow]",
                    f"[yellow]pending: {pending} — run: chainsight db upgrade[/yellow]",
                    lg,
                )
            )
        else:
            console.print(t("[green]已是最新[/green]", "[green]up to date[/green]", lg))

    @db.command("upgrade")
    def upgrade(
        to: Annotated[str, typer.Option("--to", help="Target revision (default: head).")] = "head",
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
    ) -> None:
        """Apply pending migrations (a SQLite file is first backed up beside itself)."""
        from chainsight.appdb import make_engine
        from chainsight.appdb import migrate as m

        engine = make_engine(_url(appdb, warehouse))
        try:
            before = m.current_revision(engine)
            after = m.upgrade(engine, to)
        finally:
            engine.dispose()
        empty = t("（空）", "(empty)", current_lang())
        console.print(
            f"✓ {t('应用数据库', 'app database', current_lang())} {before or empty} → {after}",
            highlight=False,
        )

    @db.command("downgrade")
    def downgrade(
        to: Annotated[
            str, typer.Argument(help="Revision to step back to, e.g. 0001, -1, or base (drops all).")
        ],
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
    ) -> None:
        """Undo migrations down to a revision (a SQLite file is first backed up beside itself)."""
        from chainsight.appdb import make_engine
        from chainsight.appdb import migrate as m

        engine = make_engine(_url(appdb, warehouse))
        try:
            before = m.current_revision(engine)
            after = m.downgrade(engine, to)
        finally:
            engine.dispose()
        empty = t("（空）", "(empty)", current_lang())
        console.print(
            f"✓ {t('应用数据库', 'app database', current_lang())} {before or empty} → {after or empty}",
            highlight=False,
        )

    @db.command("check")
    def check() -> None:
        """For developers: fail when the models differ from what the migrations build (add a revision)."""
        import tempfile

        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from chainsight.appdb import migrate as m

        with tempfile.TemporaryDirectory() as tmp:
            engine = create_engine(f"sqlite:///{tmp}/check.sqlite", poolclass=NullPool)
            m.upgrade(engine, backup=False)
            diff = m.schema_diff(engine)
            engine.dispose()
        if diff:
            for line in m.describe_diff(diff):
                console.print(f"  {line}", highlight=False)
            console.print("[red]models differ from the migrations: run chainsight db revision -m '...'[/red]")
            raise typer.Exit(1)
        console.print(
            f"[green]models match the migrations at head {m.head_revision()}[/green]", highlight=False
        )

    @db.command("revision")
    def revision(
        message: Annotated[str, typer.Option("-m", "--message", help="What the revision does.")],
        empty: Annotated[
            bool, typer.Option("--empty", help="An empty revision to fill by hand (data migrations).")
        ] = False,
    ) -> None:
        """For developers: write a new migration from the difference between models and head."""
        from chainsight.appdb import migrate as m

        path = m.make_revision(message, autogenerate=not empty)
        console.print(f"✓ wrote {path} — review it, then commit it with the model change", highlight=False)
