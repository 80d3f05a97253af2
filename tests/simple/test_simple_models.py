"""The models: immutability, hashing, pickling, filename parsing, helpers."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import datetime, timezone

import pytest
from packaging.tags import Tag
from packaging.version import InvalidVersion, Version

import indexclient.simple as simple
from indexclient.simple import (
    EMPTY_HASHES,
    DistributionFile,
    FilenameInfo,
    FrozenDict,
    Meta,
    ProjectPage,
    parse_filename,
)

URL = "https://index.example/files/"


def _file(filename: str, **kwargs: object) -> DistributionFile:
    return DistributionFile(filename, URL + filename, **kwargs)  # type: ignore[arg-type]


def test_public_api_is_explicit() -> None:
    assert sorted(simple.__all__) == sorted(
        [
            "ACCEPT",
            "EMPTY_HASHES",
            "HTML_CONTENT_TYPES",
            "JSON_CONTENT_TYPES",
            "SUPPORTED_API_VERSION",
            "DistributionFile",
            "FileKind",
            "FilenameInfo",
            "FrozenDict",
            "IndexPage",
            "Meta",
            "ProjectLink",
            "ProjectPage",
            "UnsupportedMinorVersionWarning",
            "parse_filename",
            "parse_index_page",
            "parse_project_page",
        ]
    )
    for name in simple.__all__:
        assert getattr(simple, name) is not None
    assert issubclass(simple.UnsupportedMinorVersionWarning, UserWarning)
    assert simple.SUPPORTED_API_VERSION == (1, 4)


def test_frozen_dict() -> None:
    hashes = FrozenDict({"sha256": "ab", "md5": "cd"})
    assert hashes["sha256"] == "ab"
    assert "md5" in hashes
    assert len(hashes) == 2
    assert list(hashes) == ["sha256", "md5"]
    assert hashes == {"md5": "cd", "sha256": "ab"}
    assert hashes == FrozenDict([("md5", "cd"), ("sha256", "ab")])
    assert hashes != {"sha256": "ab"}
    assert hashes != "not a mapping"
    assert hash(hashes) == hash(FrozenDict({"md5": "cd", "sha256": "ab"}))
    assert pickle.loads(pickle.dumps(hashes)) == hashes
    assert copy.deepcopy(hashes) == hashes
    assert repr(EMPTY_HASHES) == "FrozenDict({})"
    with pytest.raises(TypeError):
        hashes["sha1"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        hashes.x = 1  # type: ignore[attr-defined]


def test_models_are_frozen_slotted_hashable_and_picklable() -> None:
    file = _file(
        "x-1.0-py3-none-any.whl",
        hashes=FrozenDict({"sha256": "ab"}),
        core_metadata=EMPTY_HASHES,
        upload_time=datetime(2024, 1, 1, tzinfo=timezone.utc),
    )
    page = ProjectPage("https://index.example/simple/x/", None, Meta(), (file,), ("1.0",))
    for model in (file, page, page.meta):
        assert not hasattr(model, "__dict__")
        field = dataclasses.fields(model)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(model, field, "x")
    assert file.is_wheel  # fills the filename cache...
    # ...which takes no part in equality, hashing or repr.
    twin = _file(
        "x-1.0-py3-none-any.whl",
        hashes=FrozenDict({"sha256": "ab"}),
        core_metadata=EMPTY_HASHES,
        upload_time=datetime(2024, 1, 1, tzinfo=timezone.utc),
    )
    assert file == twin
    assert hash(file) == hash(twin)
    assert repr(file) == repr(twin)
    assert "_filename_info" not in repr(file)
    assert pickle.loads(pickle.dumps(page)) == page
    assert {page: 1}[page] == 1
    assert dataclasses.replace(file, url="https://elsewhere.example/x").is_wheel


def test_wheel_filename() -> None:
    file = _file("Foo_Bar-1.0.post1-7abc-cp312-abi3-manylinux_2_17_x86_64.whl")
    assert file.kind == "wheel"
    assert file.is_wheel
    assert not file.is_sdist
    assert file.name == "foo-bar"
    assert file.version == Version("1.0.post1")
    assert file.build_tag == (7, "abc")
    assert file.tags == frozenset({Tag("cp312", "abi3", "manylinux_2_17_x86_64")})
    assert file.filename_error is None
    assert file.filename_info is file.filename_info  # cached


@pytest.mark.parametrize(
    ("filename", "name", "version"),
    [
        ("foo-bar-1.0.tar.gz", "foo-bar", "1.0"),
        ("Foo.Bar-2.0rc1.zip", "foo-bar", "2.0rc1"),
    ],
)
def test_sdist_filenames(filename: str, name: str, version: str) -> None:
    info = parse_filename(filename)
    assert info == FilenameInfo("sdist", name, Version(version))  # type: ignore[arg-type]
    assert _file(filename).is_sdist


@pytest.mark.parametrize(
    "filename",
    [
        "foo-1.0-py2.7.egg",
        "foo-1.0.win32.exe",
        "foo-1.0.tar.bz2",
        "foo-1.0.tgz",
        "foo-not-a-version.tar.gz",
        "foo.tar.gz",
        "foo-1.0.whl",
        "foo-1.0-py3-none.whl",
        "foo-1.0-x-py3-none-any.whl",
        "",
        "-",
    ],
)
def test_unparsable_filenames_are_kept_as_unknown(filename: str) -> None:
    file = _file(filename)
    assert file.kind == "unknown"
    assert not file.is_wheel
    assert not file.is_sdist
    assert file.name is None
    assert file.version is None
    assert file.build_tag == ()
    assert file.tags == frozenset()
    assert file.filename_error


def test_versions_available_and_files_for_version() -> None:
    files = (
        _file("x-2.0.tar.gz"),
        _file("x-1.0-py3-none-any.whl"),
        _file("x-1.0.tar.gz"),
        _file("x-10.0.tar.gz"),
        _file("x-1.0.0.zip"),  # equal to 1.0 under PEP 440
        _file("x-1.0-py2.7.egg"),
    )
    page = ProjectPage("https://index.example/simple/x/", None, Meta(), files)
    assert page.versions_available() == (Version("1.0"), Version("2.0"), Version("10.0"))
    assert [f.filename for f in page.files_for_version("1.0")] == [
        "x-1.0-py3-none-any.whl",
        "x-1.0.tar.gz",
        "x-1.0.0.zip",
    ]
    assert page.files_for_version(Version("10")) == (files[3],)
    assert page.files_for_version("3.0") == ()
    with pytest.raises(InvalidVersion):
        page.files_for_version("not a version")


def test_meta_defaults() -> None:
    meta = Meta()
    assert meta.api_version == "1.0"
    assert meta.api_version_info == (1, 0)
    assert meta.tracks == ()
    assert meta.alternate_locations == ()
    assert meta.project_status is None
    assert meta.project_status_reason is None


def test_fast_constructor_covers_every_field() -> None:
    # The parsers build files through new_distribution_file; it must set exactly the
    # dataclass's fields and give objects equal to the normal constructor's.
    import dataclasses
    from datetime import datetime, timezone

    from indexclient.simple.models import FAST_FIELDS, FrozenDict, new_distribution_file

    assert tuple(f.name for f in dataclasses.fields(DistributionFile)) == FAST_FIELDS
    values = (
        "demo-1.0-py3-none-any.whl",
        "https://index.example/files/demo-1.0-py3-none-any.whl",
        FrozenDict({"sha256": "00"}),
        ">=3.8",
        "",
        FrozenDict(),
        True,
        123,
        datetime(2026, 1, 2, tzinfo=timezone.utc),
        "https://index.example/provenance",
    )
    fast = new_distribution_file(*values)
    assert fast == DistributionFile(*values)
    assert fast.version is not None
    assert fast.kind == "wheel"
