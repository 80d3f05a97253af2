"""parse_metadata on clean and messy inputs, to_json, and verify_digest."""

from __future__ import annotations

import hashlib

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from indexclient.errors import (
    DigestError,
    DigestMismatchError,
    IndexClientError,
    MetadataError,
    UnsupportedDigestError,
)
from indexclient.simple.metadata import (
    SUPPORTED_DIGESTS,
    CoreMetadata,
    newest_known_version,
    parse_metadata,
    verify_digest,
)

URL = "https://files.example/packages/holygrail-1.0-py3-none-any.whl.metadata"

FULL = """\
Metadata-Version: 2.4
Name: Holy-Grail
Version: 1.0.post1
Summary: Find the grail
Keywords: quest, grail,knights , ,swallow
Home-page: https://camelot.example/
Author: Arthur
Author-email: Arthur <arthur@camelot.example>
Maintainer: Patsy
License-Expression: MIT OR Apache-2.0
License-File: LICENSE
License-File: licenses/NOTICE
Classifier: Programming Language :: Python :: 3
Classifier: License :: OSI Approved :: MIT License
Requires-Dist: coconut>=2; extra == "horses"
Requires-Dist: shrubbery
Requires-Python: >=3.10
Project-URL: Homepage, https://camelot.example/
Project-URL: Source, https://git.example/grail
Provides-Extra: horses
Platform: any
Description-Content-Type: text/markdown
X-Unknown-Field: kept

# Holy Grail

It is only a model.
"""


def parse(text: str | bytes) -> CoreMetadata:
    return parse_metadata(text.encode() if isinstance(text, str) else text, URL)


def test_full_valid_metadata() -> None:
    core = parse(FULL)
    assert core.valid, core.problems
    assert core.problems == ()
    assert core.metadata is not None
    assert (core.name, core.canonical_name, core.version) == (
        "Holy-Grail",
        "holy-grail",
        "1.0.post1",
    )
    assert core.metadata_version == "2.4"
    assert core.requires_dist == ('coconut>=2; extra == "horses"', "shrubbery")
    assert core.requires_python == ">=3.10"
    assert core.provides_extra == ("horses",)
    assert core.dynamic == ()
    assert core.metadata.requires_dist == [
        Requirement('coconut>=2; extra == "horses"'),
        Requirement("shrubbery"),
    ]
    assert core.metadata.requires_python == SpecifierSet(">=3.10")
    assert core.metadata.license_files == ["LICENSE", "licenses/NOTICE"]
    assert core.metadata.description == "# Holy Grail\n\nIt is only a model.\n"
    assert core.unparsed == {"x-unknown-field": ["kept"]}  # unknown fields are no problem
    assert core.raw_fields["keywords"] == ["quest", "grail", "knights", "", "swallow"]


def test_to_json_full_example() -> None:
    result = parse(FULL).to_json()
    assert result == {
        "metadata_version": "2.4",
        "name": "Holy-Grail",
        "version": "1.0.post1",
        "summary": "Find the grail",
        "keywords": ["quest", "grail", "knights", "swallow"],
        "home_page": "https://camelot.example/",
        "author": "Arthur",
        "author_email": "Arthur <arthur@camelot.example>",
        "maintainer": "Patsy",
        "license_expression": "MIT OR Apache-2.0",
        "license_file": ["LICENSE", "licenses/NOTICE"],
        "classifier": [
            "Programming Language :: Python :: 3",
            "License :: OSI Approved :: MIT License",
        ],
        "requires_dist": ['coconut>=2; extra == "horses"', "shrubbery"],
        "requires_python": ">=3.10",
        "project_url": [
            "Homepage, https://camelot.example/",
            "Source, https://git.example/grail",
        ],
        "provides_extra": ["horses"],
        "platform": ["any"],
        "description_content_type": "text/markdown",
        "x_unknown_field": "kept",
        "description": "# Holy Grail\n\nIt is only a model.\n",
    }
    multiple = {"keywords", "license_file", "classifier", "requires_dist", "project_url"}
    for key, value in result.items():
        assert isinstance(value, list) == (key in multiple | {"provides_extra", "platform"}), key


def test_to_json_single_values_are_lists_when_multiple_use() -> None:
    result = parse(
        "Metadata-Version: 2.2\nName: a\nVersion: 1\nRequires-Dist: b\nDynamic: Requires-Dist\n"
        "Summary: one\nSummary: two\n"
    ).to_json()
    assert result["requires_dist"] == ["b"]
    assert result["dynamic"] == ["Requires-Dist"]
    assert result["summary"] == ["one", "two"]  # a repeated single-use field keeps both
    assert "description" not in result


def test_to_json_without_body_keeps_description_header() -> None:
    result = parse("Metadata-Version: 1.0\nName: a\nVersion: 1\nDescription: short\n").to_json()
    assert result["description"] == "short"


def test_license_file_in_2_1_is_kept_but_reported() -> None:
    core = parse("Metadata-Version: 2.1\nName: a\nVersion: 1\nLicense-File: LICENSE\n")
    assert not core.valid
    assert core.problems == (
        "license-file: license-file introduced in metadata version 2.4, not 2.1",
    )
    assert core.metadata is not None
    assert core.metadata.metadata_version == "2.1"
    assert core.metadata.license_files == ["LICENSE"]


def test_newer_metadata_version_is_validated_as_the_newest_known() -> None:
    core = parse("Metadata-Version: 2.99\nName: a\nVersion: 1\nRequires-Dist: b>1\n")
    assert not core.valid
    assert core.metadata_version == "2.99"
    assert core.metadata is not None
    assert core.metadata.metadata_version == newest_known_version()
    assert core.metadata.requires_dist == [Requirement("b>1")]
    assert any("2.99" in p for p in core.problems)


def test_missing_metadata_version() -> None:
    core = parse("Name: a\nVersion: 1\n")
    assert not core.valid
    assert core.metadata_version is None
    assert core.metadata is not None
    assert core.problems == (f"Metadata-Version is missing; validated as {newest_known_version()}",)


@pytest.mark.parametrize("version", ["3.0", "10.1"])
def test_new_major_metadata_version_is_refused(version: str) -> None:
    with pytest.raises(MetadataError, match=f"Metadata-Version {version} is not supported"):
        parse(f"Metadata-Version: {version}\nName: a\nVersion: 1\n")


def test_latin1_bytes() -> None:
    core = parse(b"Metadata-Version: 2.1\nName: a\nVersion: 1\nAuthor: Jos\xe9\n\nCaf\xe9\n")
    assert not core.valid
    assert core.problems == ("not valid UTF-8; decoded as Latin-1",)
    assert core.metadata is not None
    assert core.metadata.author == "José"
    assert core.to_json()["description"] == "Café\n"


def test_bom_and_crlf() -> None:
    core = parse(b"\xef\xbb\xbfMetadata-Version: 2.1\r\nName: a\r\nVersion: 1\r\nSummary: s\r\n")
    assert core.valid, core.problems
    assert core.name == "a"
    assert core.to_json()["summary"] == "s"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Metadata-Version: 2.1\nVersion: 1\n", "Name field is missing"),
        ("Metadata-Version: 2.1\nName:\nVersion: 1\n", "Name field is missing or empty"),
        ("Metadata-Version: 2.1\nName: a\nName: b\nVersion: 1\n", "Name field is repeated"),
        ("Metadata-Version: 2.1\nName: a\n", "Version field is missing"),
        ("hello world", "Name field is missing"),
        ("", "Name field is missing"),
    ],
)
def test_missing_name_or_version(text: str, message: str) -> None:
    with pytest.raises(MetadataError, match=message) as info:
        parse(text)
    assert info.value.url == URL
    assert isinstance(info.value, IndexClientError)


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("Requires-Dist: foo >>>> 1", "requires-dist"),
        ("Requires-Python: >=3.x", "requires-python"),
        ("Requires-Python: >=3.8\nRequires-Python: >=3.9", "requires-python"),
        ("Provides-Extra: not valid!", "provides-extra"),
        ("Dynamic: Name", "dynamic"),
    ],
)
def test_invalid_dependency_fields_give_no_metadata(header: str, problem: str) -> None:
    core = parse(f"Metadata-Version: 2.2\nName: a\nVersion: 1\n{header}\n")
    assert not core.valid
    assert core.metadata is None  # never "no requirements" by accident
    assert any(p.startswith(problem) for p in core.problems), core.problems


def test_invalid_requirement_strings_are_still_available() -> None:
    core = parse(
        "Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Dist: ok\nRequires-Dist: ><\n"
    )
    assert core.metadata is None
    assert core.requires_dist == ("ok", "><")


def test_legacy_version() -> None:
    core = parse("Metadata-Version: 1.0\nName: a\nVersion: 2004-03-01 beta\n")
    assert core.version == "2004-03-01 beta"
    assert core.metadata is None
    assert any(p.startswith("version:") for p in core.problems)


@pytest.mark.parametrize(
    ("header", "attribute"),
    [
        ("Description-Content-Type: text/weird", "description_content_type"),
        ("License-Expression: not a licence ((", "license_expression"),
        ("License-File: ../outside", "license_files"),
        ("Project-URL: a, https://x.example\nProject-URL: a, https://y.example", "project_urls"),
    ],
)
def test_invalid_informational_fields_are_dropped(header: str, attribute: str) -> None:
    core = parse(f"Metadata-Version: 2.4\nName: a\nVersion: 1\nSummary: kept\n{header}\n")
    assert not core.valid
    assert core.problems
    assert core.metadata is not None
    assert core.metadata.summary == "kept"
    assert getattr(core.metadata, attribute) is None


def test_description_in_header_and_body() -> None:
    core = parse("Metadata-Version: 2.1\nName: a\nVersion: 1\nDescription: one\n\ntwo\n")
    assert not core.valid
    assert core.metadata is not None
    assert core.metadata.description is None
    assert core.unparsed["description"] == ["one", "two\n"]


def test_dynamic_is_lower_cased() -> None:
    core = parse(
        "Metadata-Version: 2.2\nName: a\nVersion: 1\nDynamic: Requires-Dist\nDynamic: Summary\n"
    )
    assert core.dynamic == ("requires-dist", "summary")
    assert core.valid


def test_equality_and_hash() -> None:
    a, b = parse(FULL), parse(FULL)
    assert a == b
    assert hash(a) == hash(b)
    assert a != parse_metadata(FULL.encode(), URL + "x")
    assert a != "not metadata"
    assert "raw" not in repr(a)
    assert "Holy" not in repr(a)


# --- verify_digest ---------------------------------------------------------------

DATA = b"Metadata-Version: 2.1\nName: a\nVersion: 1\n"
SHA256 = hashlib.sha256(DATA).hexdigest()


def test_digest_matches() -> None:
    assert verify_digest(DATA, {"sha256": SHA256}, URL) == ("sha256",)
    both = {"md5": hashlib.md5(DATA).hexdigest(), "SHA256": SHA256.upper(), "x-unknown": "00"}
    assert verify_digest(DATA, both, URL) == ("sha256", "md5")


def test_digest_mismatch() -> None:
    with pytest.raises(DigestMismatchError) as info:
        verify_digest(DATA, {"sha256": "00" * 32}, URL)
    error = info.value
    assert (error.url, error.algorithm, error.expected, error.actual) == (
        URL,
        "sha256",
        "00" * 32,
        SHA256,
    )
    assert isinstance(error, DigestError)
    assert URL in str(error)
    assert SHA256 in str(error)


def test_every_known_digest_is_checked() -> None:
    hashes = {"sha256": SHA256, "sha512": "ab" * 64}
    with pytest.raises(DigestMismatchError) as info:
        verify_digest(DATA, hashes, URL)
    assert info.value.algorithm == "sha512"


@pytest.mark.parametrize("hashes", [{}, {"foo": "00"}, {"shake_128": "00"}])
def test_no_usable_digest(hashes: dict[str, str]) -> None:
    with pytest.raises(UnsupportedDigestError) as info:
        verify_digest(DATA, hashes, URL)
    assert info.value.algorithms == tuple(hashes)
    assert isinstance(info.value, DigestError)


def test_supported_digests() -> None:
    assert {"sha256", "sha512", "md5", "sha3_256", "blake2b"} <= SUPPORTED_DIGESTS
    assert not any(name.startswith("shake") for name in SUPPORTED_DIGESTS)
