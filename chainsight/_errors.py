"""One small error hierarchy.

User errors (bad file, bad mapping, unknown entity or metric) carry structured
context and a message in both Chinese and English; the CLI prints one line in the
user's language and exits with status 2. Anything else is a bug: the CLI prints a
traceback and asks the user to report it.
"""

from __future__ import annotations

from typing import Any


class ChainsightError(Exception):
    """Base of every error Chainsight raises on purpose."""


class UserInputError(ChainsightError):
    """The user gave us something we cannot use. Exit status 2, no traceback.

    >>> err = UserInputError("文件不存在", "file does not exist", file="a.csv")
    >>> err.message("en")
    'a.csv: file does not exist'
    """

    exit_code = 2
    http_status = 400

    def __init__(self, zh: str, en: str, **context: Any) -> None:
        self.zh = zh
        self.en = en
        self.context = context
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        text = self.zh if lang.startswith("zh") else self.en
        where = self.context.get("file")
        return f"{where}: {text}" if where else text


class DefinitionError(UserInputError):
    """A catalog entry (entity, metric, alert rule, mapping) is wrong: names file, entry and field."""


class UnreadableFileError(UserInputError):
    """A file cannot be read at all: binary, truncated, empty, or an unsupported format."""


class MissingColumnsError(UserInputError):
    """A file lacks columns the entity requires."""


class UnknownEntityError(UserInputError):
    """No canonical entity has this name."""


class NotFound(UserInputError):
    """The thing asked for (an alert, a user, a plan version, a page) does not exist. HTTP 404."""

    http_status = 404


class Conflict(UserInputError):
    """The request clashes with the current state (already resolved, name taken). HTTP 409."""

    http_status = 409


class WarehouseBusy(UserInputError):
    """Another process holds the warehouse for writing; says which and what to do. HTTP 503."""

    http_status = 503


class AccessError(ChainsightError):
    """The caller may not do this. Not a user-input mistake: the web answers 401/403, the CLI exits 2."""

    exit_code = 2
    http_status = 403


class LoginRequired(AccessError):
    """No signed-in user (no valid session or token). HTTP 401; pages redirect to the sign-in page."""

    http_status = 401


class Forbidden(AccessError):
    """The signed-in user's role or scope does not allow this. HTTP 403."""

    http_status = 403


class WarehouseError(ChainsightError):
    """The warehouse cannot be opened or is in an unexpected state."""


__all__ = [
    "AccessError",
    "ChainsightError",
    "Conflict",
    "DefinitionError",
    "Forbidden",
    "LoginRequired",
    "MissingColumnsError",
    "NotFound",
    "UnknownEntityError",
    "UnreadableFileError",
    "UserInputError",
    "WarehouseBusy",
    "WarehouseError",
]
