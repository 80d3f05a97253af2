"""PEP 691 JSON pages, from the hand-written pages in ``pages/``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import NormalizedName as N
from packaging.version import Version

from indexclient.simple import (
    DistributionFile,
    FrozenDict,
    IndexPage,
    Meta,
    ProjectLink,
    parse_index_page,
    parse_project_page,
)

PAGES = Path(__file__).parent / "pages"
JSON = "application/vnd.pypi.simple.v1+json"
URL = "https://index.example/simple/holy-grail/"
SHA256 = "5d5b09f6dcb2d53a5fffc60c4ac0d55fabdf556069d6631545f42aa6e3500f2e"
SHA3_256 = "5ae36d2b4b37209703fb327119f63354c93b5a35a07e1397aad3285b37910fe9"
MD5 = "1bc29b36f623ba82aaf6724fd3b16718"


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def _project(files: list[Any], **extra: Any) -> bytes:
    return json.dumps({"meta": {"api-version": "1.1"}, "files": files, **extra}).encode()


def test_api_1_0_page() -> None:
    page = parse_project_page(_page("project-1.0.json"), JSON, URL)
    assert page.name == "holygrail"
    assert page.meta == Meta(api_version="1.0")
    assert page.versions == ()
    sdist, wheel = page.files
    assert sdist == DistributionFile(
        filename="holygrail-1.0.tar.gz",
        url="https://index.example/files/holygrail-1.0.tar.gz",
        hashes=FrozenDict({"sha256": SHA256}),
        requires_python=">=3.8",
        yanked=None,
        core_metadata=FrozenDict({"sha256": SHA3_256}),
    )
    assert wheel.yanked == ""  # true: yanked without a reason
    assert wheel.hashes == {}
    assert wheel.core_metadata == {}  # dist-info-metadata: true
    assert wheel.gpg_sig is True
    assert wheel.size is None
    assert wheel.upload_time is None


def test_api_1_4_page_with_every_field() -> None:
    page = parse_project_page(_page("project-1.4.json"), JSON, URL)
    assert page.name == "holy-grail"  # normalised from "Holy_Grail"
    assert page.meta == Meta(
        api_version="1.4",
        tracks=("https://upstream.example/simple/holy-grail/",),
        alternate_locations=(
            "https://index.example/simple/holy-grail/",
            "https://index.example/mirror/holy-grail/",
        ),
        project_status="quarantined",
        project_status_reason="malware reported",
    )
    assert page.versions == ("1.0", "2.0", "3.0rc1")
    sdist, wheel, binary, bad = page.files

    assert sdist.url == URL + "holy_grail-1.0.tar.gz"
    assert sdist.hashes == {"sha256": SHA256, "md5": MD5}  # names lower-cased
    assert sdist.requires_python == ">=3.8"
    # core-metadata wins over dist-info-metadata (PEP 714).
    assert sdist.core_metadata == {"sha256": SHA3_256}
    assert sdist.gpg_sig is False
    assert sdist.yanked == "broken build"
    assert sdist.size == 1234
    assert sdist.upload_time == datetime(2024, 3, 5, 12, 34, 56, 123456, tzinfo=timezone.utc)
    assert sdist.provenance == (
        "https://index.example/integrity/holy-grail/1.0/holy_grail-1.0.tar.gz/provenance"
    )

    assert wheel.url == "https://index.example/files/holy_grail-2.0-1-py3-none-any.whl"
    assert wheel.core_metadata == {}
    assert wheel.yanked is None
    assert wheel.size == 0
    assert wheel.upload_time == datetime(2024, 3, 6, tzinfo=timezone(timedelta(hours=2)))
    assert wheel.provenance is None
    assert wheel.build_tag == (1, "")

    assert binary.core_metadata is None
    assert binary.requires_python is None
    assert binary.kind == "wheel"
    assert binary.version == Version("3.0rc1")
    assert len(binary.tags) == 2

    assert bad.kind == "unknown"
    assert bad.filename_error is not None
    assert bad.version is None
    assert page.versions_available() == (Version("1.0"), Version("2.0"), Version("3.0rc1"))


def test_flat_project_status_in_meta() -> None:
    page = parse_project_page(_page("project-flat-status.json"), JSON, URL)
    assert page.meta.project_status == "deprecated"
    assert page.meta.project_status_reason == "use grail instead"
    assert page.files == ()


def test_project_status_object_inside_meta() -> None:
    meta = {"api-version": "1.4", "project-status": {"status": "archived"}}
    page = parse_project_page(json.dumps({"meta": meta, "files": []}).encode(), JSON, URL)
    assert page.meta.project_status == "archived"
    assert page.meta.project_status_reason is None


def test_top_level_project_status_wins_over_meta() -> None:
    body = {
        "meta": {"api-version": "1.4", "project-status": "deprecated"},
        "project-status": {"status": "active"},
        "files": [],
    }
    page = parse_project_page(json.dumps(body).encode(), JSON, URL)
    assert page.meta.project_status == "active"


def test_index_page() -> None:
    page = parse_index_page(_page("index.json"), JSON, "https://index.example/simple/")
    assert page == IndexPage(
        url="https://index.example/simple/",
        meta=Meta(api_version="1.1"),
        projects=(
            ProjectLink(N("django"), "Django", "https://index.example/simple/django/"),
            ProjectLink(N("holy-grail"), "Holy.Grail", "https://index.example/simple/holy-grail/"),
            ProjectLink(
                N("zope-interface"),
                "zope_interface",
                "https://index.example/simple/zope-interface/",
            ),
        ),
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://index.example/simple", "https://index.example/simple/django/"),
        ("https://index.example/simple/?page=1", "https://index.example/simple/django/"),
        ("file:///srv/simple/index.json", "file:///srv/simple/django/"),
        ("https://index.example", "https://index.example/django/"),
    ],
)
def test_index_project_urls_treat_the_page_as_a_directory(url: str, expected: str) -> None:
    page = parse_index_page(_page("index.json"), JSON, url)
    assert page.projects[0].url == expected


def test_index_project_names_are_percent_encoded_in_urls() -> None:
    body = {"meta": {"api-version": "1.0"}, "projects": [{"name": "odd name/x"}]}
    page = parse_index_page(json.dumps(body).encode(), JSON, "https://index.example/simple/")
    assert page.projects[0].url == "https://index.example/simple/odd%20name%2Fx/"


@pytest.mark.parametrize(
    "content_type",
    [
        JSON,
        "application/vnd.pypi.simple.latest+json",
        "Application/VND.PyPI.Simple.v1+JSON; charset=utf-8",
        None,
        "",
    ],
)
def test_json_content_types_and_sniffing(content_type: str | None) -> None:
    page = parse_project_page(b"\xef\xbb\xbf \n" + _page("project-1.0.json"), content_type, URL)
    assert len(page.files) == 2


@pytest.mark.parametrize(
    ("yanked", "expected"),
    [(False, None), (True, ""), ("", ""), ("reason", "reason"), (None, None)],
)
def test_yanked_values(yanked: object, expected: str | None) -> None:
    content = _project([{"filename": "x-1.0.tar.gz", "url": "x", "yanked": yanked}])
    assert parse_project_page(content, JSON, URL).files[0].yanked == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05T12:34:56Z", datetime(2024, 3, 5, 12, 34, 56, tzinfo=timezone.utc)),
        ("2024-03-05T12:34:56.1Z", datetime(2024, 3, 5, 12, 34, 56, 100000, tzinfo=timezone.utc)),
        (
            "2024-03-05T12:34:56.123456789z",
            datetime(2024, 3, 5, 12, 34, 56, 123456, tzinfo=timezone.utc),
        ),
        ("2024-03-05T12:34:56", datetime(2024, 3, 5, 12, 34, 56, tzinfo=timezone.utc)),
        (
            "2024-03-05T12:34:56-0530",
            datetime(2024, 3, 5, 12, 34, 56, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        (
            "2024-03-05 12:34+01:00",
            datetime(2024, 3, 5, 12, 34, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
)
def test_upload_time_formats(value: str, expected: datetime) -> None:
    content = _project([{"filename": "x-1.0.tar.gz", "url": "x", "upload-time": value}])
    parsed = parse_project_page(content, JSON, URL).files[0].upload_time
    assert parsed == expected
    assert parsed is not None
    assert parsed.tzinfo is not None


def test_minimal_file_entry() -> None:
    content = _project([{"filename": "x-1.0.tar.gz", "url": "x-1.0.tar.gz"}])
    (file,) = parse_project_page(content, JSON, URL).files
    assert file == DistributionFile("x-1.0.tar.gz", URL + "x-1.0.tar.gz")


def test_missing_name_gives_none() -> None:
    assert parse_project_page(_project([]), JSON, URL).name is None


def test_json_url_fragment_is_kept() -> None:
    # Unlike HTML, JSON carries hashes in "hashes": the URL is used as given.
    content = _project([{"filename": "x-1.0.tar.gz", "url": "x#frag"}])
    assert parse_project_page(content, JSON, URL).files[0].url == URL + "x#frag"
