"""PKG-INFO from .tar.gz and .zip sdists built in memory at test time."""

from __future__ import annotations

import gzip
import io
import tarfile
import warnings
import zipfile
from collections.abc import Callable, Iterable

import pytest

from indexclient.errors import MetadataError, MetadataTooLargeError
from indexclient.simple import _dists
from indexclient.simple.metadata import metadata_from_sdist

URL = "https://files.example/packages/foo_bar-1.0.tar.gz"
TAR = "foo_bar-1.0.tar.gz"
ZIP = "foo_bar-1.0.zip"
Builder = Callable[[list[tuple[str, bytes]]], bytes]


def pkg_info(version: str = "2.2", *extra: str) -> bytes:
    lines = [f"Metadata-Version: {version}", "Name: foo-bar", "Version: 1.0", *extra]
    return ("\n".join(lines) + "\n").encode()


def build_tar(members: Iterable[tuple[str, bytes]], *, symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if symlink is not None:
            info = tarfile.TarInfo(symlink)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            archive.addfile(info)
    return buf.getvalue()


def build_zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def sdist_members(info: bytes, top: str = "foo_bar-1.0") -> list[tuple[str, bytes]]:
    return [
        (f"{top}/pyproject.toml", b"[project]\nname = 'foo-bar'\n"),
        (f"{top}/src/foo_bar/__init__.py", b""),
        (f"{top}/src/foo_bar.egg-info/PKG-INFO", b"Name: decoy\n"),
        (f"{top}/PKG-INFO", info),
    ]


@pytest.mark.parametrize(("build", "filename"), [(build_tar, TAR), (build_zip, ZIP)])
def test_dynamic_requires_dist(build: Builder, filename: str) -> None:
    info = pkg_info("2.2", "Requires-Dist: requests", "Dynamic: Requires-Dist")
    data = build(sdist_members(info))
    result = metadata_from_sdist(data, filename, url=URL)
    assert result.raw == info
    assert result.path == "foo_bar-1.0/PKG-INFO"
    assert result.is_reliable
    assert result.dynamic == ("requires-dist",)
    assert result.dependencies_dynamic
    assert result.core.name == "foo-bar"
    assert result.core.requires_dist == ("requests",)


def test_static_dependencies() -> None:
    info = pkg_info("2.4", "Requires-Dist: requests", "Dynamic: Summary")
    result = metadata_from_sdist(build_tar(sdist_members(info)), TAR, url=URL)
    assert result.is_reliable
    assert result.dynamic == ("summary",)
    assert not result.dependencies_dynamic
    assert result.core.valid


@pytest.mark.parametrize("version", ["2.1", "1.0", "bogus"])
def test_old_pkg_info_is_unreliable(version: str) -> None:
    result = metadata_from_sdist(build_tar(sdist_members(pkg_info(version))), TAR, url=URL)
    assert not result.is_reliable
    assert result.dependencies_dynamic
    assert result.raw == pkg_info(version)


@pytest.mark.parametrize("top", ["Foo.Bar-1.0", "FOO_BAR-1.0.0", "./foo_bar-1.0"])
def test_non_normalised_top_directory(top: str) -> None:
    result = metadata_from_sdist(build_tar(sdist_members(pkg_info(), top)), TAR, url=URL)
    assert result.is_reliable


def test_pkg_info_last_in_a_big_tar() -> None:
    members = [(f"foo_bar-1.0/data/{i}.bin", bytes(10_000)) for i in range(50)]
    members.append(("foo_bar-1.0/PKG-INFO", pkg_info()))
    assert metadata_from_sdist(build_tar(members), TAR, url=URL).raw == pkg_info()


@pytest.mark.parametrize(("build", "filename"), [(build_tar, TAR), (build_zip, ZIP)])
def test_missing_pkg_info(build: Builder, filename: str) -> None:
    members = sdist_members(pkg_info())[:-1]
    with pytest.raises(MetadataError, match=r"no foo-bar-1\.0/PKG-INFO") as info:
        metadata_from_sdist(build(members), filename, url=URL)
    assert info.value.url == URL


def test_wrong_top_directory_is_named() -> None:
    data = build_tar(sdist_members(pkg_info(), "other-1.0"))
    with pytest.raises(MetadataError, match=r"found other-1\.0/PKG-INFO"):
        metadata_from_sdist(data, TAR, url=URL)
    data = build_zip(sdist_members(pkg_info(), "foo_bar-2.0"))
    with pytest.raises(MetadataError, match=r"found foo_bar-2\.0/PKG-INFO"):
        metadata_from_sdist(data, ZIP, url=URL)


def test_pkg_info_symlink_is_refused() -> None:
    data = build_tar(sdist_members(pkg_info())[:-1], symlink="foo_bar-1.0/PKG-INFO")
    with pytest.raises(MetadataError, match="not a regular file"):
        metadata_from_sdist(data, TAR, url=URL)


@pytest.mark.parametrize(("build", "filename"), [(build_tar, TAR), (build_zip, ZIP)])
def test_huge_pkg_info_is_refused(build: Builder, filename: str) -> None:
    info = pkg_info() + b"Description: " + b"x" * 5000 + b"\n"
    data = build(sdist_members(info))
    with pytest.raises(MetadataTooLargeError) as error:
        metadata_from_sdist(data, filename, url=URL, max_size=1000)
    assert (error.value.size, error.value.limit) == (len(info), 1000)


def test_tar_scan_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_dists, "MAX_SDIST_SCAN", 50_000)
    members = [("foo_bar-1.0/big.bin", bytes(100_000)), ("foo_bar-1.0/PKG-INFO", pkg_info())]
    with pytest.raises(MetadataTooLargeError, match="tar stream"):
        metadata_from_sdist(build_tar(members), TAR, url=URL)


def test_duplicate_pkg_info_in_zip() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: "Duplicate name"
        data = build_zip([*sdist_members(pkg_info()), ("foo_bar-1.0/PKG-INFO", pkg_info("2.1"))])
    with pytest.raises(MetadataError, match=r"2 foo_bar-1\.0/PKG-INFO entries"):
        metadata_from_sdist(data, ZIP, url=URL)


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"not a gzip file", TAR),
        (gzip.compress(b"not a tar file" * 100), TAR),
        (build_tar(sdist_members(pkg_info()))[:200], TAR),
        (b"not a zip", ZIP),
        (build_zip(sdist_members(pkg_info()))[:-30], ZIP),
    ],
)
def test_damaged_archives(data: bytes, filename: str) -> None:
    with pytest.raises(MetadataError, match=r"cannot read the sdist|no foo-bar"):
        metadata_from_sdist(data, filename, url=URL)


@pytest.mark.parametrize("filename", ["foo_bar-1.0.tar.bz2", "foo_bar.tar.gz", "foo_bar-x.y.zip"])
def test_invalid_sdist_filename(filename: str) -> None:
    with pytest.raises(MetadataError, match="invalid sdist filename"):
        metadata_from_sdist(b"", filename, url=URL)


def test_pkg_info_without_name() -> None:
    data = build_tar(sdist_members(b"Metadata-Version: 2.2\nVersion: 1.0\n"))
    with pytest.raises(MetadataError, match="Name field is missing"):
        metadata_from_sdist(data, TAR, url=URL)
