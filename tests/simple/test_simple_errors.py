"""Malformed pages, content-type dispatch, and PEP 629 versioning."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from indexclient.errors import IndexClientError, ParseError
from indexclient.simple import (
    ACCEPT,
    UnsupportedMinorVersionWarning,
    parse_index_page,
    parse_project_page,
)

JSON = "application/vnd.pypi.simple.v1+json"
URL = "https://index.example/simple/holygrail/"
GOOD_FILE = {"filename": "x-1.0.tar.gz", "url": "x-1.0.tar.gz"}


def _json(body: Any) -> bytes:
    return json.dumps(body).encode()


def _with_file(**fields: Any) -> bytes:
    return _json({"meta": {"api-version": "1.1"}, "files": [{**GOOD_FILE, **fields}]})


def _expect_parse_error(content: bytes, content_type: str | None, *snippets: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_project_page(content, content_type, URL)
    error = info.value
    assert isinstance(error, IndexClientError)
    assert error.url == URL
    assert URL in str(error)
    for snippet in snippets:
        assert snippet in error.problem
    return error


@pytest.mark.parametrize(
    ("content", "snippets"),
    [
        (b"", ("invalid JSON",)),
        (b"{", ("invalid JSON",)),
        (b"{}}", ("invalid JSON",)),
        (b'{"meta": NaN}', ("NaN",)),
        (b"[]", ("top level", "array")),
        (b'"text"', ("top level", "string")),
        (b"\xff{}", ("UTF-8",)),
        (b"[" * 100_000 + b"]" * 100_000, ("JSON",)),
        (b'{"a": ' + b"1" * 5000 + b"}", ("invalid JSON",)),
        (_json({"files": []}), ("'meta'", "missing")),
        (_json({"meta": [], "files": []}), ("'meta'", "array")),
        (_json({"meta": {}, "files": []}), ("meta.api-version", "missing")),
        (_json({"meta": {"api-version": 1.1}, "files": []}), ("meta.api-version", "number")),
        (_json({"meta": {"api-version": "1.1"}}), ("'files'", "missing")),
        (_json({"meta": {"api-version": "1.1"}, "files": {}}), ("'files'", "object")),
        (_json({"meta": {"api-version": "1.1"}, "files": ["x"]}), ("files[0]", "string")),
        (_json({"meta": {"api-version": "1.1"}, "files": [{"url": "x"}]}), ("files[0].filename",)),
        (
            _json({"meta": {"api-version": "1.1"}, "files": [{"filename": 3, "url": "x"}]}),
            ("files[0].filename", "number"),
        ),
        (
            _json({"meta": {"api-version": "1.1"}, "files": [{"filename": "x"}]}),
            ("files[0].url", "missing"),
        ),
        (_with_file(hashes=["sha256"]), ("files[0].hashes", "array")),
        (_with_file(hashes={"sha256": 1}), ("files[0].hashes", "object of strings")),
        (_with_file(hashes="sha256=ab"), ("files[0].hashes",)),
        (_with_file(size="12"), ("files[0].size", "string")),
        (_with_file(size=1.5), ("files[0].size", "number")),
        (_with_file(size=True), ("files[0].size", "boolean")),
        (_with_file(size=-1), ("files[0].size", "negative")),
        (_with_file(**{"upload-time": "yesterday"}), ("files[0].upload-time", "ISO 8601")),
        (_with_file(**{"upload-time": "2024-02-30T00:00:00Z"}), ("upload-time",)),
        (_with_file(**{"upload-time": "2024-01-01T00:00:00+99:00"}), ("upload-time",)),
        (_with_file(**{"upload-time": 1700000000}), ("upload-time", "number")),
        (_with_file(**{"requires-python": 3}), ("requires-python",)),
        (_with_file(yanked=1), ("yanked", "boolean or a string")),
        (_with_file(**{"gpg-sig": "true"}), ("gpg-sig",)),
        (_with_file(provenance={}), ("provenance",)),
        (_with_file(**{"core-metadata": "true"}), ("core-metadata", "boolean or")),
        (_with_file(**{"dist-info-metadata": 1}), ("dist-info-metadata",)),
        (_with_file(**{"core-metadata": {"sha256": None}}), ("core-metadata",)),
        (_json({"meta": {"api-version": "1.1"}, "name": 1, "files": []}), ("'name'",)),
        (_json({"meta": {"api-version": "1.1"}, "files": [], "versions": "1.0"}), ("versions",)),
        (_json({"meta": {"api-version": "1.1"}, "files": [], "versions": [1]}), ("versions",)),
        (_json({"meta": {"api-version": "1.2"}, "files": [], "tracks": "x"}), ("tracks",)),
        (
            _json({"meta": {"api-version": "1.2"}, "files": [], "alternate-locations": [None]}),
            ("alternate-locations",),
        ),
        (_json({"meta": {"api-version": "1.4"}, "files": [], "project-status": "x"}), ("status",)),
        (
            _json({"meta": {"api-version": "1.4"}, "files": [], "project-status": {"status": 1}}),
            ("project-status.status",),
        ),
        (
            _json({"meta": {"api-version": "1.4", "project-status": 3}, "files": []}),
            ("meta.project-status",),
        ),
        (
            _json(
                {
                    "meta": {
                        "api-version": "1.4",
                        "project-status": "archived",
                        "project-status-reason": [],
                    },
                    "files": [],
                }
            ),
            ("meta.project-status-reason",),
        ),
        (_with_file(url="//[::1/x"), ("cannot resolve",)),
    ],
)
def test_malformed_json_project_pages(content: bytes, snippets: tuple[str, ...]) -> None:
    _expect_parse_error(content, JSON, *snippets)


def test_error_names_the_file_position_and_filename() -> None:
    body = {"meta": {"api-version": "1.1"}, "files": [GOOD_FILE, {**GOOD_FILE, "size": "big"}]}
    error = _expect_parse_error(_json(body), JSON)
    assert error.problem == "'files[1].size' ('x-1.0.tar.gz') must be a number, not a string"


@pytest.mark.parametrize(
    ("body", "snippet"),
    [
        ({"meta": {"api-version": "1.0"}}, "'projects'"),
        ({"meta": {"api-version": "1.0"}, "projects": {"a": 1}}, "'projects'"),
        ({"meta": {"api-version": "1.0"}, "projects": ["django"]}, "projects[0]"),
        ({"meta": {"api-version": "1.0"}, "projects": [{}]}, "projects[0].name"),
        ({"meta": {"api-version": "1.0"}, "projects": [{"name": None}]}, "projects[0].name"),
    ],
)
def test_malformed_json_index_pages(body: Any, snippet: str) -> None:
    with pytest.raises(ParseError, match=snippet.replace("[", r"\[")) as info:
        parse_index_page(_json(body), JSON, URL)
    assert info.value.url == URL


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "application/vnd.pypi.simple.v2+json", "text/xml"],
)
def test_unknown_content_type_is_named(content_type: str) -> None:
    for parse in (parse_project_page, parse_index_page):
        with pytest.raises(ParseError) as info:
            parse(b"{}", content_type, URL)
        assert content_type in info.value.problem


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html",
        "TEXT/HTML; charset=utf-8",
        "application/vnd.pypi.simple.v1+html",
        "application/vnd.pypi.simple.latest+html",
        None,
    ],
)
def test_html_content_types(content_type: str | None) -> None:
    page = parse_project_page(b'<a href="x-1.0.tar.gz">x-1.0.tar.gz</a>', content_type, URL)
    assert len(page.files) == 1


def test_json_declared_but_html_sent_is_an_error() -> None:
    _expect_parse_error(b"<html></html>", JSON, "invalid JSON")


def test_accept_header() -> None:
    assert ACCEPT == (
        "application/vnd.pypi.simple.v1+json, "
        "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
    )


# --- PEP 629 versioning -------------------------------------------------------


def _html_version(version: str) -> bytes:
    return f'<meta name="pypi:repository-version" content="{version}">'.encode()


def _json_version(version: str) -> bytes:
    return _json({"meta": {"api-version": version}, "files": [], "projects": []})


@pytest.mark.parametrize(("make", "content_type"), [(_html_version, None), (_json_version, JSON)])
@pytest.mark.parametrize("version", ["2.0", "0.9", "10.1"])
def test_unsupported_major_version(make: Any, content_type: str | None, version: str) -> None:
    for parse in (parse_project_page, parse_index_page):
        with pytest.raises(ParseError, match="unsupported API version") as info:
            parse(make(version), content_type, URL)
        assert info.value.url == URL


@pytest.mark.parametrize(("make", "content_type"), [(_html_version, None), (_json_version, JSON)])
@pytest.mark.parametrize("version", ["1", "v1.0", "1.0.0", "one.two", "", "1.x", "\u0661.\u0660"])
def test_invalid_version_strings(make: Any, content_type: str | None, version: str) -> None:
    with pytest.raises(ParseError, match="invalid API version"):
        parse_project_page(make(version), content_type, URL)


@pytest.mark.parametrize(("make", "content_type"), [(_html_version, None), (_json_version, JSON)])
def test_newer_minor_version_warns_and_is_recorded(make: Any, content_type: str | None) -> None:
    with pytest.warns(UnsupportedMinorVersionWarning) as record:
        page = parse_project_page(make("1.99"), content_type, URL)
    assert page.meta.api_version == "1.99"
    assert page.meta.api_version_info == (1, 99)
    (warning,) = record
    assert isinstance(warning.message, UnsupportedMinorVersionWarning)
    assert warning.message.url == URL
    assert warning.message.api_version == "1.99"
    assert "1.99" in str(warning.message)
    assert "1.4" in str(warning.message)
    # Reported at the caller's line, not inside the parser.
    assert warning.filename == __file__
    with pytest.warns(UnsupportedMinorVersionWarning):
        index = parse_index_page(make("1.5"), content_type, URL)
    assert index.meta.api_version == "1.5"


@pytest.mark.parametrize(("make", "content_type"), [(_html_version, None), (_json_version, JSON)])
@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2", "1.3", "1.4", " 1.4 "])
def test_supported_versions_do_not_warn(make: Any, content_type: str | None, version: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = parse_project_page(make(version), content_type, URL)
    assert page.meta.api_version == version.strip()


def test_version_is_checked_before_the_rest_of_the_page() -> None:
    # A 2.0 page may have any shape: the version error comes first.
    content = _json({"meta": {"api-version": "2.0"}, "files": "something new"})
    _expect_parse_error(content, JSON, "unsupported API version")
