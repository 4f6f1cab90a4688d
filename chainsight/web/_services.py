"""What the app's routes work with, made once per app: the warehouse access, the app database, sign-in,
the page views and the templates. Routes receive it through the ``get_services`` dependency.

The warehouse is reached only through :class:`WarehouseAccess`: ``read()`` for a query, ``write()`` for a
load. That is the one seam for serving many users while data loads (parallel reads on per-thread
connections, writes in the serving process): a new implementation of the protocol, no route changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from chainsight.appdb import AppDB
from chainsight.warehouse import Warehouse
from chainsight.web._auth import Auth
from chainsight.web._ops import OpsViews
from chainsight.web._views import Views

HERE = Path(__file__).parent


class WarehouseAccess(Protocol):
    """How request threads reach the warehouse."""

    @property
    def wh(self) -> Warehouse:
        """The warehouse as it is now (for status checks and tests; queries go through :meth:`read`)."""
        ...

    def read(self) -> AbstractContextManager[Warehouse]:
        """The warehouse for one query or a few."""
        ...

    def write(self) -> AbstractContextManager[Warehouse]:
        """The warehouse opened for writing, for one load; readers see the state before or after it."""
        ...

    def close(self) -> None: ...


class SharedConnection:
    """One DuckDB connection serves every request thread, one query at a time.

    Compiling a metric query reads table schemas through the same connection, so every read takes
    the guard, for that query only, never for a whole request. DuckDB lets a process hold a file
    either read-only or read-write, so :meth:`write` closes the serving connection, opens the file
    for writing, and opens it read-only again afterwards (readers wait for the load meanwhile); a
    warehouse already writable (in memory, or opened for writing) is written in place.
    """

    def __init__(self, wh: Warehouse) -> None:
        self._wh = wh
        self._guard = threading.RLock()

    @property
    def wh(self) -> Warehouse:
        return self._wh

    @contextmanager
    def read(self) -> Iterator[Warehouse]:
        with self._guard:
            yield self._wh

    @contextmanager
    def write(self) -> Iterator[Warehouse]:
        with self._guard:
            wh = self._wh
            if not wh.read_only:  # in memory, or opened for writing: write in place
                yield wh
                return
            wh.close()
            try:
                with Warehouse.open(wh.path) as rw:
                    yield rw
            finally:
                # a new object, so nothing cached about the old connection (rollup freshness) applies
                self._wh = Warehouse.open(wh.path, read_only=True)

    def close(self) -> None:
        with self._guard:
            self._wh.close()


@dataclass(frozen=True, slots=True)
class Settings:
    """How the app was started."""

    secure_cookies: bool | None = None  # None: Secure when the request came over HTTPS
    warm: bool = False  # compute every user's cockpit in the background at start


class Services:
    """Everything a route needs besides the request, made once per app."""

    def __init__(self, access: WarehouseAccess, db: AppDB, settings: Settings | None = None) -> None:
        self.access = access
        self.db = db
        self.settings = settings or Settings()
        self.auth = Auth(db, secure=self.settings.secure_cookies)
        self.views = Views(access.read)
        self.ops = OpsViews(self.views)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))

    @property
    def wh(self) -> Warehouse:
        return self.access.wh

    def read(self) -> AbstractContextManager[Warehouse]:
        """The warehouse for one query or a few (see :class:`WarehouseAccess`)."""
        return self.access.read()

    @contextmanager
    def write(self) -> Iterator[Warehouse]:
        """The warehouse for one load; every cached answer is forgotten afterwards, load or not."""
        try:
            with self.access.write() as wh:
                yield wh
        finally:
            self.views.forget()


def services_of(app: FastAPI) -> Services:
    """The services of an app made by :func:`~chainsight.web.create_app`."""
    services: Any = app.state.services
    assert isinstance(services, Services)
    return services
