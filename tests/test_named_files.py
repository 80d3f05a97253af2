"""Files a person names (trust files, client certificates, requirements files) are read
safely: a FIFO, a device, a directory or a huge file is a configuration error naming the
variable or flag, never a hang or an exhausted memory (docs/security.md, "Files you name").

Each case runs the real command as a process with a timeout, so a regression that
blocks on a FIFO fails here instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from test_cli_process import clean_env
from test_cli_support import PYTHON

from indexclient.userfiles import (
    MAX_REQUIREMENTS_FILE,
    MAX_TRUST_FILE,
    UnreadableFile,
    read_user_file,
)

UNUSED_INDEX = "https://127.0.0.1:9/simple/"  # never contacted: the checks come first


def hostile(tmp_path: Path, kind: str, size: int) -> Path:
    """A path that is a FIFO, a character device, or a regular file of ``size`` + 1 bytes."""
    if kind == "fifo":
        path = tmp_path / "named-pipe"
        os.mkfifo(path)
        return path
    if kind == "device":
        return Path("/dev/zero")
    path = tmp_path / "huge"
    with path.open("wb") as out:
        out.truncate(size + 1)  # sparse: costs no disk
    return path


REASONS = {
    "fifo": "it is a FIFO (named pipe), not a regular file",
    "device": "it is a character device, not a regular file",
    "huge": "more than the limit of",
}


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "indexclient", *args],
        env=clean_env(tmp_path, **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,  # a read blocked on a FIFO would end here, as a failure
        check=False,
    )


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    return line


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_ssl_cert_file(tmp_path: Path, kind: str) -> None:
    path = hostile(tmp_path, kind, MAX_TRUST_FILE)
    line = one_error(run(tmp_path, "tls", "show", SSL_CERT_FILE=str(path)))
    assert f"SSL_CERT_FILE={path} (environment)" in line
    assert REASONS[kind] in line


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_ssl_client_cert(tmp_path: Path, kind: str) -> None:
    path = hostile(tmp_path, kind, MAX_TRUST_FILE)
    line = one_error(run(tmp_path, "tls", "show", SSL_CLIENT_CERT=str(path)))
    assert f"SSL_CLIENT_CERT={path}" in line
    assert REASONS[kind] in line


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_requirements_file(tmp_path: Path, kind: str) -> None:
    path = hostile(tmp_path, kind, MAX_REQUIREMENTS_FILE)
    result = run(tmp_path, "metadata", "-r", str(path), "--index-url", UNUSED_INDEX)
    line = one_error(result)
    assert f"-r {path}" in line
    assert REASONS[kind] in line


def test_requirements_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"attrs\n\xff\xfe\n")
    line = one_error(run(tmp_path, "metadata", "-r", str(path), "--index-url", UNUSED_INDEX))
    assert "not UTF-8" in line


def test_a_fifo_in_ssl_cert_dir_is_skipped(tmp_path: Path, pki_ca_pem: bytes) -> None:
    directory = tmp_path / "certs"
    directory.mkdir()
    os.mkfifo(directory / "0000.0")  # sorts first: it would block before the real one
    (directory / "root.pem").write_bytes(pki_ca_pem)
    result = run(tmp_path, "tls", "show", "--json", SSL_CERT_DIR=str(directory))
    assert result.returncode == 0, result.stderr
    (location,) = json.loads(result.stdout)["roots"]["locations"]
    assert (location["path"], location["certificates"], location["files"]) == (
        str(directory),
        1,
        1,
    )


@pytest.fixture
def pki_ca_pem(pki: object) -> bytes:
    from conftest import Pki

    assert isinstance(pki, Pki)
    return pki.ca_file.read_bytes()


# --------------------------------------------------------------------------- the reader


def test_reader_refuses_before_reading(tmp_path: Path) -> None:
    fifo = hostile(tmp_path, "fifo", 0)
    with pytest.raises(UnreadableFile, match="FIFO") as caught:
        read_user_file(fifo, limit=10)
    assert not caught.value.missing
    with pytest.raises(UnreadableFile, match="a directory") as caught:
        read_user_file(tmp_path, limit=10)
    with pytest.raises(UnreadableFile, match="does not exist") as caught:
        read_user_file(tmp_path / "absent", limit=10)
    assert caught.value.missing


def test_reader_follows_symlinks_and_reads_up_to_the_limit(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"x" * 10)
    link = tmp_path / "link"
    link.symlink_to(target)
    assert read_user_file(link, limit=10) == b"x" * 10
    with pytest.raises(UnreadableFile, match="10 bytes, more than the limit of 9"):
        read_user_file(link, limit=9)
    fifo = hostile(tmp_path, "fifo", 0)
    (tmp_path / "to-fifo").symlink_to(fifo)
    with pytest.raises(UnreadableFile, match="FIFO"):
        read_user_file(tmp_path / "to-fifo", limit=10)
