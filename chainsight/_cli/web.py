"""``chainsight serve``, ``chainsight users add|list|set-scope|disable|enable|password|token|audit``; ``db`` in db.py."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from chainsight._cli._common import (
    App,
    JsonOption,
    LangOption,
    WarehouseOption,
    command,
    console,
    current_lang,
    print_json,
    print_table,
    role_name,
    t,
)
from chainsight._errors import UserInputError
from chainsight.present import label

AppDbOption = Annotated[
    str | None,
    typer.Option(
        "--appdb",
        help="App database URL (SQLAlchemy), e.g. sqlite:///app.sqlite or postgresql+psycopg://... "
        "Default: a SQLite file beside the warehouse.",
    ),
]
ScopeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--scope",
        help="What the user may see: DIM=VALUE[,VALUE] (e.g. province=浙江省), repeatable; or 'all' / 'none'. "
        "Default: all for admin/executive/planner, none for the others (deny by default).",
    ),
]


def _db(appdb: str | None, warehouse: str | None):  # type: ignore[no-untyped-def]
    from chainsight.appdb import AppDB, default_appdb_url
    from chainsight.warehouse import resolve_warehouse_path

    return AppDB(appdb or default_appdb_url(resolve_warehouse_path(warehouse)))


def _read_password(from_stdin: bool, lang: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    zh = lang == "zh"
    return str(typer.prompt("密码" if zh else "Password", hide_input=True, confirmation_prompt=True))


def _scope(scope: Any, lang: str) -> str:
    """A user's scope in words: 全部 / 无 / 省份=浙江省."""
    from chainsight.metrics import DIMENSIONS

    if scope.unrestricted:
        return t("全部", "all", lang)
    if not scope.rules:
        return t("无", "none", lang)
    sep = "、" if lang == "zh" else ","
    return ("；" if lang == "zh" else "; ").join(
        f"{DIMENSIONS[d].get(lang) if d in DIMENSIONS else d}={sep.join(sorted(v))}"
        for d, v in sorted(scope.rules.items())
    )


def _who(user: Any, lang: str) -> str:
    return (
        f"{user.username}{t('（', ' (', lang)}{role_name(user.role, lang, kind='user')}{t('）', ')', lang)}"
    )


def register(app: typer.Typer) -> None:
    """Add ``serve``, the ``users`` group and the ``db`` (migrations) group to ``app``."""
    from chainsight._cli import db as db_cli

    db_cli.register(app)

    @command(app, "serve")
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        secure_cookies: Annotated[
            bool | None,
            typer.Option(
                "--secure-cookies/--no-secure-cookies",
                help="Mark cookies Secure. Default: when the request came over HTTPS.",
            ),
        ] = None,
        proxy_headers: Annotated[
            bool, typer.Option("--proxy-headers", help="Trust X-Forwarded-Proto/For from a reverse proxy.")
        ] = False,
    ) -> None:
        """Serve the web app (cockpit, pages, API at /api, docs at /docs)."""
        import uvicorn

        from chainsight.web import create_app

        lg = current_lang()
        web_app = create_app(warehouse, appdb, secure_cookies=secure_cookies, warm=True)
        db = web_app.state.services.db
        if not db.count_admins():
            console.print(
                t(
                    "[yellow]还没有管理员，请先创建：chainsight users add 用户名 --role admin[/yellow]",
                    "[yellow]No administrator yet. Create one: chainsight users add NAME --role admin[/yellow]",
                    lg,
                )
            )
        console.print(
            t(
                f"Chainsight 已在 http://{host}:{port} 运行（接口文档：/docs）",
                f"Chainsight on http://{host}:{port}  (API docs: /docs)",
                lg,
            ),
            highlight=False,
        )
        uvicorn.run(web_app, host=host, port=port, proxy_headers=proxy_headers, log_level="info")

    users = App(help="Users of the web app: add, list, set scope and role, disable.", no_args_is_help=True)
    app.add_typer(users, name="users")

    @users.command("add")
    def add(
        username: Annotated[str, typer.Argument(help="Login name.")],
        role: Annotated[
            str, typer.Option("--role", help="admin, executive, planner, sales_manager or viewer.")
        ] = "viewer",
        scope: ScopeOption = None,
        name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
        user_lang: Annotated[
            str | None, typer.Option("--ui-lang", help="zh or en (default: browser).")
        ] = None,
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="Read the password from standard input.")
        ] = False,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """Create a user with a password you type (there is never a default password)."""
        from chainsight.appdb import parse_scope

        language = current_lang(lang)
        the_scope = parse_scope(scope)
        password = _read_password(password_stdin, language)
        user = _db(appdb, warehouse).add_user(
            username, password, role=role, scope=the_scope, display_name=name, lang=user_lang
        )
        console.print(
            f"✓ {_who(user, language)} {t('可见范围：', 'scope: ', language)}{_scope(user.scope, language)}",
            highlight=False,
        )

    @users.command("list")
    def list_cmd(
        json_out: JsonOption = False,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """Every user: role, scope, state, last sign-in."""
        lg = current_lang(lang)
        people = _db(appdb, warehouse).list_users()
        if json_out:
            print_json([u.to_dict() for u in people])
            return
        rows = [
            {
                "username": u.username,
                "role": role_name(u.role, lg, kind="user"),
                "scope": _scope(u.scope, lg),
                "state": label("user_state", "disabled" if u.disabled else "active", lg),
                "last_login": u.last_login_at,
            }
            for u in people
        ]
        print_table(
            rows,
            ["username", "role", "scope", "state", "last_login"],
            lg,
            headers=[
                t("用户名", "Username", lg),
                t("角色", "Role", lg),
                t("可见范围", "Scope", lg),
                t("状态", "State", lg),
                t("最近登录", "Last sign-in", lg),
            ],
        )

    @users.command("set-scope")
    def set_scope(
        username: Annotated[str, typer.Argument(help="Login name.")],
        scope: ScopeOption = None,
        role: Annotated[str | None, typer.Option("--role", help="Also change the role.")] = None,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """Replace what a user may see (and optionally their role); ends their sessions; audited."""
        from chainsight.appdb import parse_scope

        language = current_lang(lang)
        the_scope = parse_scope(scope)
        if the_scope is None:
            raise UserInputError("请用 --scope 指定范围（或 all / none）", "give --scope (or all / none)")
        user = _db(appdb, warehouse).set_scope(username, the_scope, role=role)
        console.print(
            f"✓ {_who(user, language)} {t('可见范围：', 'scope: ', language)}{_scope(user.scope, language)}",
            highlight=False,
        )

    @users.command("disable")
    def disable(
        username: Annotated[str, typer.Argument(help="Login name.")],
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """Stop a user signing in; ends their sessions and revokes their API tokens."""
        language = current_lang(lang)
        _db(appdb, warehouse).set_disabled(username, True)
        console.print(t(f"✓ 已停用 {username}", f"✓ {username} disabled", language), highlight=False)

    @users.command("enable")
    def enable(
        username: Annotated[str, typer.Argument(help="Login name.")],
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """Let a disabled user sign in again."""
        language = current_lang(lang)
        _db(appdb, warehouse).set_disabled(username, False)
        console.print(t(f"✓ 已启用 {username}", f"✓ {username} enabled", language), highlight=False)

    @users.command("password")
    def password(
        username: Annotated[str, typer.Argument(help="Login name.")],
        password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """Set a new password (ends the user's sessions)."""
        language = current_lang(lang)
        _db(appdb, warehouse).set_password(username, _read_password(password_stdin, language))
        console.print(
            t(f"✓ {username}：密码已修改", f"✓ {username}: password changed", language), highlight=False
        )

    @users.command("token")
    def token(
        username: Annotated[str, typer.Argument(help="Login name.")],
        token_name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "api",
        revoke: Annotated[bool, typer.Option("--revoke", help="Revoke the named token instead.")] = False,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """Create an API token (printed once) for /api: send it as ``Authorization: Bearer <token>``."""
        language = current_lang(lang)
        db = _db(appdb, warehouse)
        if revoke:
            db.revoke_token(username, token_name)
            console.print(
                t(
                    f"✓ 已撤销 {username} 的令牌 {token_name}",
                    f"✓ token {token_name} of {username} revoked",
                    language,
                ),
                highlight=False,
            )
            return
        typer.echo(db.create_token(username, token_name))

    @users.command("audit")
    def audit(
        limit: Annotated[int, typer.Option("--limit")] = 50,
        json_out: JsonOption = False,
        warehouse: WarehouseOption = None,
        appdb: AppDbOption = None,
        lang: LangOption = None,
    ) -> None:
        """The audit log: sign-ins, user, scope and token changes, newest first."""
        lg = current_lang(lang)
        rows = _db(appdb, warehouse).audit_log(limit=limit)
        if json_out:
            print_json(rows)
            return
        print_table(
            rows,
            ["at", "actor", "action", "target", "detail", "ip"],
            lg,
            headers=[
                t("时间", "At", lg),
                t("操作人", "Actor", lg),
                t("操作", "Action", lg),
                t("对象", "Target", lg),
                t("说明", "Detail", lg),
                t("来源地址", "IP", lg),
            ],
            formats={"at": "datetime", "action": "kind:audit_action"},
        )
