"""Dependencies shared by the routers (``StoreDep``, ``SettingsDep``); tests override them, never patch."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from steward.settings import Settings
from steward.store import GraphStore, open_store

__all__ = ["SettingsDep", "StoreDep", "StoreHolder", "get_settings", "get_store"]


class StoreHolder:
    """Opens the store on first use, so the service starts (and /livez answers) while the store is down."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._store: GraphStore | None = None
        self._lock = threading.Lock()

    def get(self) -> GraphStore:
        with self._lock:
            if self._store is None:
                self._store = open_store(self._settings.store, settings=self._settings)
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> GraphStore:
    holder: StoreHolder = request.app.state.store_holder
    return holder.get()


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
