"""The cache's database: one SQLite file in the cache directory, in WAL mode.

The HTTP cache (:class:`~indexclient.transport.cache.HttpCache`) keeps each entry's
head (status, headers, digest, profile) and body here, and the memo
(:class:`indexclient.memo.Memo`) its remembered answers. A warm run reads a page's head
and one answer per requirement: as files that was several opens and reads each, as rows
it is an indexed lookup in a file already open (docs/security.md, "The cache").

* One connection per directory per process, shared by the HttpCache and the Memo of a
  client (:func:`shared`), opened on first use: a run that never touches the cache
  neither imports sqlite3 nor opens anything (this module is loaded late, by
  :func:`indexclient.transport.cache.open_store`).
* Rows are named by integers (the first 8 bytes of a sha256 of their key: see
  :func:`indexclient.transport.cache.row_id`); the values carry their whole key and
  format, which their readers check, so a collision, a row of another format or a
  damaged one is no answer, and is fetched again and rewritten.
* Each write is one transaction, so another process sees a whole entry or none. WAL
  lets readers and the one writer proceed together; a writer waits for another at most
  :data:`BUSY_TIMEOUT`, and when one wait runs out this process writes no more (another
  process is stuck holding the lock, or the cache is overrun: this run is only slower).
* Private: the file is created with mode 0600 before SQLite opens it, and SQLite gives
  its ``-wal`` and ``-shm`` files the database's mode.
* A file that is not a database, is damaged, or was written by another layout, and a
  directory where the file should be, are not used: the run goes on without the cache
  (only slower) and says so once, as a :class:`~indexclient.errors.ConfigurationWarning`
  naming the file to delete. It is not replaced: another process may have it open, and
  replacing a database file in use is how SQLite databases get corrupted.
* A cache that cannot be written (no such directory can be made, a read-only one, a full
  disk) is only a slower client: nothing is said.
* Threads: the sync facade runs the event loop on its own thread, while the client and
  its memo may be made on another; the connection is opened with
  ``check_same_thread=False`` and every use holds the store's lock, so one thread uses it
  at a time. A child made by ``fork`` never uses its parent's connection (SQLite forbids
  it): it opens its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import threading
import warnings
import weakref
from collections.abc import Sequence

from indexclient.errors import ConfigurationWarning

try:
    import sqlite3
except ImportError:  # a Python built without it (pyenv without SQLite's headers)
    _SQLITE = False
else:
    _SQLITE = True

__all__ = ["BUSY_TIMEOUT", "FILE_NAME", "Store", "shared"]

#: The database's name in the cache directory (with ``-wal`` and ``-shm`` beside it).
FILE_NAME = "indexclient-cache.sqlite3"
#: Seconds a write waits for another process's write to end (SQLite's busy timeout).
BUSY_TIMEOUT = 5.0
# The layout of the tables, in the database's user_version: a database of another
# layout is not used (a newer release's, or one this release cannot read).
_LAYOUT = 1
_TABLES = (
    "CREATE TABLE heads (id INTEGER PRIMARY KEY, head BLOB NOT NULL)",
    "CREATE TABLE bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL)",
    "CREATE TABLE memo (id INTEGER PRIMARY KEY, value BLOB NOT NULL)",
    f"PRAGMA user_version = {_LAYOUT}",
)
# Lookups: one prepared statement each (the connection's statement cache keeps them).
_HEAD = "SELECT head FROM heads WHERE id = ?"
_ENTRY = "SELECT head, body FROM heads JOIN bodies USING (id) WHERE id = ?"
_VALUE = "SELECT value FROM memo WHERE id = ?"
# The same, for many rows at once (read_ahead): "{}" is their placeholders.
_HEADS_IN = "SELECT id, head FROM heads WHERE id IN ({})"
_VALUES_IN = "SELECT id, value FROM memo WHERE id IN ({})"
#: Rows read ahead per statement (below SQLite's oldest limit of 999 parameters).
_READ_AHEAD = 256
#: Rows held read ahead at most: rows read ahead and never asked for are dropped then.
_AHEAD_HELD = 4 * _READ_AHEAD
_NOT_AHEAD = object()
_PUT_HEAD = "INSERT OR REPLACE INTO heads (id, head) VALUES (?, ?)"
_PUT_BODY = "INSERT OR REPLACE INTO bodies (id, body) VALUES (?, ?)"
_PUT_VALUE = "INSERT OR REPLACE INTO memo (id, value) VALUES (?, ?)"
# SQLite's primary result codes that say the database cannot be used as it is (as
# opposed to one that is busy or cannot be written).
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_IOERR", "SQLITE_SCHEMA", "SQLITE_ERROR"}
_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
# Python 3.10's exceptions carry no code: the messages of the codes above.
_MESSAGES = {
    "database is locked": "SQLITE_BUSY",
    "database table is locked": "SQLITE_LOCKED",
    "file is not a database": "SQLITE_NOTADB",
    "database disk image is malformed": "SQLITE_CORRUPT",
    "disk i/o error": "SQLITE_IOERR",
    "attempt to write a readonly database": "SQLITE_READONLY",
    "unable to open database file": "SQLITE_CANTOPEN",
    "database or disk is full": "SQLITE_FULL",
}


def _code(exc: sqlite3.Error) -> str:
    """SQLite's primary result code for ``exc``, as its name (``SQLITE_BUSY``)."""
    name = getattr(exc, "sqlite_errorname", None)  # Python 3.11+: an extended code
    if isinstance(name, str):
        return "_".join(name.split("_")[:2])
    return _MESSAGES.get(str(exc).lower(), "SQLITE_ERROR")


class Store:
    """The cache database of one directory (see the module's docstring).

    Every method answers None (or nothing) when the database cannot be used; none
    raises.
    """

    __slots__ = (
        "__weakref__",
        "_ahead",
        "_connection",
        "_lock",
        "_reading",
        "_state",
        "_warned",
        "_writable",
        "path",
    )

    def __init__(self, directory: str) -> None:
        self.path = os.path.join(directory, FILE_NAME)
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        # "new" until the first use opens the file, then "open", or "off" for the run.
        self._state = "new"
        self._writable = True
        self._warned = False
        # A read transaction is open, to end with the event loop's iteration (_begin_read).
        self._reading = False
        # Rows read ahead in that transaction (read_ahead), by query and row; None for
        # a row that is not there. Emptied whenever the transaction ends.
        self._ahead: dict[tuple[str, int], bytes | None] = {}

    # ------------------------------------------------------------------ reading

    def head(self, row: int) -> bytes | None:
        """The head stored in ``row`` (an HTTP entry's), without reading its body."""
        found = self._read(_HEAD, row)
        return None if found is None else bytes(found[0])

    def entry(self, row: int) -> tuple[bytes, bytes] | None:
        """The head and body stored in ``row``."""
        found = self._read(_ENTRY, row)
        return None if found is None else (bytes(found[0]), bytes(found[1]))

    def value(self, row: int) -> bytes | None:
        """The memo's value stored in ``row``."""
        found = self._read(_VALUE, row)
        return None if found is None else bytes(found[0])

    def read_ahead_heads(self, rows: Sequence[int]) -> None:
        """Read the heads of ``rows`` now, in one statement, for :meth:`head` to give
        later in this read transaction (see :meth:`_read_ahead`)."""
        self._read_ahead(_HEAD, _HEADS_IN, rows)

    def read_ahead_values(self, rows: Sequence[int]) -> None:
        """Read the memo's values of ``rows`` now, for :meth:`value` (as above)."""
        self._read_ahead(_VALUE, _VALUES_IN, rows)

    def _read_ahead(self, sql: str, many: str, rows: Sequence[int]) -> None:
        """Within an event loop's read transaction (:meth:`_begin_read`), read ``rows``
        with one statement per :data:`_READ_AHEAD` of them: a warm run reads one head
        and one memo value per requirement, and a lookup among the Python work of
        answering each costs several times one of a batch. The rows come from the
        transaction's snapshot, so a later :meth:`_read` in it gives the same answer
        either way; they are dropped when it ends (before any write, and with the
        loop's iteration). Outside a loop nothing is read ahead."""
        with self._lock:
            connection = self._open()
            if connection is None:
                return
            try:
                if not self._reading:
                    self._begin_read(connection)
                if not self._reading:
                    return  # no event loop: each statement is its own transaction
                ahead = self._ahead
                if len(ahead) > _AHEAD_HELD:
                    ahead.clear()
                wanted = [row for row in dict.fromkeys(rows) if (sql, row) not in ahead]
                for start in range(0, len(wanted), _READ_AHEAD):
                    chunk = wanted[start : start + _READ_AHEAD]
                    # As many placeholders as the next power of two (the first row
                    # again in the others): a handful of statements, each prepared once.
                    size = 1 << (len(chunk) - 1).bit_length()
                    statement = many.format(",".join("?" * size))
                    padded = chunk + [chunk[0]] * (size - len(chunk))
                    found = dict(connection.execute(statement, padded).fetchall())
                    for row in chunk:
                        value = found.get(row)
                        ahead[(sql, row)] = None if value is None else bytes(value)
            except sqlite3.Error as exc:
                self._failed(exc)

    def _read(self, sql: str, row: int) -> tuple[bytes, ...] | None:
        with self._lock:
            if self._ahead:
                ahead = self._ahead.pop((sql, row), _NOT_AHEAD)
                if ahead is None:
                    return None
                if isinstance(ahead, bytes):
                    return (ahead,)
            connection = self._open()
            if connection is None:
                return None
            try:
                if not self._reading:
                    self._begin_read(connection)
                found: tuple[bytes, ...] | None = connection.execute(sql, (row,)).fetchone()
            except sqlite3.Error as exc:
                self._failed(exc)
                return None
            return found

    def _begin_read(self, connection: sqlite3.Connection) -> None:
        """Within an event loop, open a read transaction that ends with the loop's
        current iteration: a warm run answers thousands of requirements in one
        iteration, and a statement outside a transaction is a transaction of its own
        (its locks taken and released, the log's index checked), which costs as much as
        the lookup. Nothing is awaited inside it; it ends before this store writes.
        Outside a loop each statement stays its own transaction."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        connection.execute("BEGIN")
        self._reading = True
        loop.call_soon(self._end_read)

    def _end_read(self) -> None:
        with self._lock:
            self._stop_reading()

    def _stop_reading(self) -> None:
        """End the read transaction, if one is open (under the lock)."""
        self._ahead.clear()
        if not self._reading:
            return
        self._reading = False
        connection = self._connection
        if connection is not None and connection.in_transaction:
            try:
                connection.execute("COMMIT")
            except sqlite3.Error as exc:
                self._failed(exc)

    # ------------------------------------------------------------------ writing

    def put_entry(self, row: int, head: bytes, body: bytes) -> None:
        """Store an HTTP entry's head and body in ``row``, together or not at all."""
        self._write(((_PUT_HEAD, (row, head)), (_PUT_BODY, (row, body))))

    def put_value(self, row: int, value: bytes) -> None:
        """Store the memo's ``value`` in ``row``."""
        self._write(((_PUT_VALUE, (row, value)),))

    def _write(self, statements: Sequence[tuple[str, tuple[int, bytes]]]) -> None:
        with self._lock:
            if not self._writable:
                return
            connection = self._open()
            if connection is None:
                return
            # A read transaction would make this write wait for a snapshot to end that
            # only this store can end, or fail when another process wrote since.
            self._stop_reading()
            if self._connection is None:
                return
            try:
                if len(statements) == 1:
                    connection.execute(*statements[0])  # a statement is a transaction
                    return
                # IMMEDIATE: the write lock is taken (or waited for) before anything is
                # read, so the wait is the busy timeout's, never a failed upgrade.
                connection.execute("BEGIN IMMEDIATE")
                for statement in statements:
                    connection.execute(*statement)
                connection.execute("COMMIT")
            except sqlite3.Error as exc:
                if connection.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        connection.execute("ROLLBACK")
                self._failed(exc, writing=True)

    # ------------------------------------------------------------------ the file

    def _open(self) -> sqlite3.Connection | None:
        """The connection, opened on first use; None once the database is off."""
        if self._connection is not None:
            return self._connection
        if self._state != "new":
            return None
        self._state = "off"
        if not _SQLITE:
            self._unusable("this Python has no sqlite3 module")
            return None
        if not self._create():
            return None
        try:
            connection = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT,
                isolation_level=None,  # autocommit: transactions are explicit
                check_same_thread=False,  # used under self._lock (see the module)
            )
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        try:
            layout = self._prepare(connection)
        except sqlite3.Error as exc:
            connection.close()
            self._failed(exc)
            return None
        if layout != _LAYOUT:
            connection.close()
            self._unusable("it was written by another version of indexclient")
            return None
        self._connection = connection
        self._state = "open"
        _close_later(self, connection)
        return connection

    def _create(self) -> bool:
        """Make the file (mode 0600) unless it exists; False when it cannot be used."""
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError:
            return False  # a cache that cannot be written is only a slower client
        try:
            status = os.stat(self.path)
        except OSError:
            return False
        if not stat.S_ISREG(status.st_mode):
            self._unusable("it is not a file")
            return False
        if status.st_mode & 0o077:
            # Made by someone else's hand: entries may hold private pages.
            with contextlib.suppress(OSError):
                os.chmod(self.path, 0o600)
        return True

    @staticmethod
    def _prepare(connection: sqlite3.Connection) -> int:
        """Set the connection up (WAL, synchronous=NORMAL) and make the tables of a new
        database; the database's layout."""
        layout: int = connection.execute("PRAGMA user_version").fetchone()[0]
        # Persistent in the file: set once, read (and kept) by every later connection.
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode = WAL")
        # With WAL, NORMAL syncs at checkpoints only: a crash may lose the last writes,
        # never the database's consistency, and a cache can lose writes.
        connection.execute("PRAGMA synchronous = NORMAL")
        if layout == 0:
            connection.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have made them since the first look.
                layout = connection.execute("PRAGMA user_version").fetchone()[0]
                if layout == 0:
                    for statement in _TABLES:
                        connection.execute(statement)
                    layout = _LAYOUT
                connection.execute("COMMIT")
            finally:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
        return layout

    def _failed(self, exc: sqlite3.Error, *, writing: bool = False) -> None:
        """Decide what ``exc`` means for the rest of the run."""
        code = _code(exc)
        if code in _BUSY:
            # Waited the whole busy timeout: writes stop (each would wait as long); a
            # read that had to wait means something holds the whole file: reads stop.
            self._writable = False
            if writing:
                return
        elif code in _DAMAGED:
            self._unusable(str(exc))
        elif writing:
            self._writable = False  # read-only, full, or gone: only a slower client
            return
        self._off()

    def _unusable(self, reason: str) -> None:
        """Stop using the database, and say so once."""
        self._off()
        if self._warned:
            return
        self._warned = True
        warnings.warn(
            f"the cache database {self.path} cannot be used ({reason}): running without "
            f"the cache; delete it, and its -wal and -shm files, to start a new one",
            ConfigurationWarning,
            stacklevel=2,
        )

    def _off(self) -> None:
        connection, self._connection = self._connection, None
        self._state = "off"
        self._reading = False
        self._ahead.clear()
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    def _forget(self) -> None:
        """In a child made by fork: never use the parent's connection, nor close it (a
        close could undo the parent's locks); open another on the next use."""
        if self._connection is not None:
            _ABANDONED.append(self._connection)
        self._connection = None
        self._state = "new"
        self._writable = True
        self._reading = False
        self._ahead = {}
        self._lock = threading.Lock()


# Stores by directory: one connection per directory per process, while a client uses it.
_STORES: weakref.WeakValueDictionary[str, Store] = weakref.WeakValueDictionary()
_STORES_LOCK = threading.Lock()
# Connections inherited over fork, kept so that they are never closed in the child.
_ABANDONED: list[sqlite3.Connection] = []


def shared(directory: str) -> Store:
    """The store of ``directory`` in this process (made if there is none)."""
    key = os.path.abspath(directory)
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = _STORES[key] = Store(key)
        return store


def _close_later(store: Store, connection: sqlite3.Connection) -> None:
    """Close ``connection`` when ``store`` is collected, or at exit (SQLite then folds
    the -wal file into the database and removes it), in this process only."""
    weakref.finalize(store, _close, connection, os.getpid())


def _close(connection: sqlite3.Connection, pid: int) -> None:
    if os.getpid() == pid:
        with contextlib.suppress(sqlite3.Error):
            connection.close()


def _after_fork() -> None:
    for store in list(_STORES.values()):
        store._forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
