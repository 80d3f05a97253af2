"""The cache's database seen from outside, as another process (or a bad disk) sees it.

Tests read and damage rows through a connection of their own, the way a second process
would; the client's connection sees each change once it is committed.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from indexclient.transport.cache import row_id
from indexclient.transport.store import FILE_NAME

# The columns of each table, after the id.
COLUMNS = {"heads": "head", "bodies": "body", "memo": "value"}


def database(cache_dir: Path) -> Path:
    return cache_dir / FILE_NAME


@contextlib.contextmanager
def connected(cache_dir: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(database(cache_dir), isolation_level=None, timeout=5)
    try:
        yield connection
    finally:
        connection.close()


def rows(cache_dir: Path, table: str) -> dict[int, bytes]:
    """Every row of ``table``: its id and stored value."""
    with connected(cache_dir) as connection:
        found = connection.execute(f"SELECT id, {COLUMNS[table]} FROM {table}")
        return {row: bytes(value) for row, value in found}


def write(cache_dir: Path, table: str, row: int, value: bytes) -> None:
    """Store ``value`` in ``row`` of ``table``, whatever it holds."""
    with connected(cache_dir) as connection:
        connection.execute(
            f"INSERT OR REPLACE INTO {table} (id, {COLUMNS[table]}) VALUES (?, ?)",
            (row, value),
        )


def entry_row(url: str, accept: str) -> int:
    """The row of the HTTP entry for GET ``url`` with this Accept header."""
    return row_id(f"GET {url}\n{accept}")


def memo_row(kind: str, key: str) -> int:
    """The row of the memo's value for ``key`` under ``kind``."""
    return row_id(f"{kind}\n{key}")


def files(cache_dir: Path) -> list[Path]:
    """Every file in the cache directory (the database, its -wal and -shm while open,
    the credentials key)."""
    return sorted(p for p in cache_dir.rglob("*") if p.is_file())
