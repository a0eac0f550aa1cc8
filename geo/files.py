"""File storage that does not leave files behind when the database transaction that wrote them rolls
back (a report whose second photo hits a full disk, a justice request whose commit fails).

Uploaded photos and attachments are written while their row's transaction is open, so that a
committed row always has its file. Django has no rollback hook, so RollbackSafeStorageMixin lists
each name it writes inside an atomic block together with a `transaction.on_commit` callback that
takes it off the list. Django drops the callbacks of a transaction or savepoint that rolls back
(BaseDatabaseWrapper.rollback / savepoint_rollback): a listed file whose callback is no longer
queued and never ran belonged to a rolled-back write, and is deleted. That check runs when each
request finishes (request_finished) and on `discard_rolled_back_files()` (for jobs and commands).
A file cut short by a failing write (ENOSPC midway) is removed at once.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

from django.core.files.storage import FileSystemStorage
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections, transaction

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Written:
    storage: object
    name: str
    committed: bool = field(default=False)

    def keep(self) -> None:  # the on_commit callback
        self.committed = True


def _pending(connection) -> list[_Written]:
    # On the connection object: one per thread and alias, like its transaction state.
    if not hasattr(connection, "_rollback_safe_files"):
        connection._rollback_safe_files = []
    return connection._rollback_safe_files


def _delete_quietly(storage, name: str) -> None:
    with contextlib.suppress(OSError):
        if storage.exists(name):
            storage.delete(name)
            log.info("Archivo de una transacción revertida eliminado: %s", name)


def discard_rolled_back_files(using: str = DEFAULT_DB_ALIAS) -> int:
    """Delete the files written (through RollbackSafeStorageMixin) by transactions or savepoints of
    `using` that rolled back; returns how many. Files of still-open transactions are left alone."""
    connection = connections[using]
    pending = _pending(connection)
    queued = {id(func.__self__) for _, func, _ in connection.run_on_commit if hasattr(func, "__self__")}
    rolled_back = [w for w in pending if not w.committed and id(w) not in queued]
    pending[:] = [w for w in pending if not w.committed and id(w) in queued]
    for written in rolled_back:
        _delete_quietly(written.storage, written.name)
    return len(rolled_back)


class RollbackSafeStorageMixin:
    """A Storage whose writes inside a transaction are deleted if that transaction rolls back."""

    database_alias = DEFAULT_DB_ALIAS

    def _save(self, name, content):
        try:
            name = super()._save(name, content)
        except BaseException:
            # A partly written file (e.g. the disk filled midway) must not stay behind.
            _delete_quietly(self, name)
            raise
        connection = connections[self.database_alias]
        if connection.in_atomic_block:
            written = _Written(self, name)
            _pending(connection).append(written)
            transaction.on_commit(written.keep, using=self.database_alias)
        return name


class RollbackSafeFileSystemStorage(RollbackSafeStorageMixin, FileSystemStorage):
    """The default media storage (STORAGES["default"]): report and participation photos."""


def _after_request(**kwargs) -> None:
    for alias in connections:
        if hasattr(connections[alias], "_rollback_safe_files"):
            discard_rolled_back_files(alias)


request_finished.connect(_after_request, dispatch_uid="geo.files.discard_rolled_back_files")
