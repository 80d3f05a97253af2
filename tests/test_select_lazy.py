"""select_files on pages built on demand chooses what it chose before.

select_files now reads every filename but builds only the files of the versions it
looks at, newest first, comparing plain releases as integer tuples. The reference below
is the implementation it replaced (as of the anchor tokenizer's release), verbatim but
for its name: it groups every file by its parsed version, sorts the admitted versions
and checks each from the top. Both must give the same Selection, to the spelling of the
version and the order of the files, on generated pages (JSON and HTML, parsed as
indexes serve them, and made by hand) and on the stored pages of tests/data/pages.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from indexclient.select import (
    Selection,
    _interpreter_rank,
    _passes,
    _pinned_versions,
    _preference,
    _python_admitted,
    _rank,
    _target_rank,
    parsed_requirement,
    select_files,
)
from indexclient.simple import DistributionFile, ProjectPage, parse_project_page
from indexclient.simple.models import page_files
from indexclient.target import PRERELEASE_MODES, Target

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON = "application/vnd.pypi.simple.v1+json"
URL = "https://index.example/simple/proj/"
PAGES = Path(__file__).parent / "data" / "pages"


# --------------------------------------------------------------------------- the reference


def _reference_select(
    page: ProjectPage,
    requirement: Requirement | str,
    *,
    python_version: Version | str | None = None,
    tags: Sequence[Tag] | None = None,
    target: Target | None = None,
) -> Selection | None:
    """The newest acceptable version of ``requirement`` on ``page`` and its files.

    ``target`` is the environment chosen for (:meth:`Target.current` by default);
    ``python_version`` and ``tags`` replace its Python version and wheel tags. The
    rules are uv's (``uv pip compile``): a file counts when it is not yanked (unless
    the requirement pins its version with ``==``), was uploaded before the target's
    ``exclude_newer`` (a file with no upload time then does not count), and is a wheel
    whose tags the target accepts (unless ``no_binary``) or an sdist (unless
    ``only_binary``). A version's best file is its best-ranked wheel, else its sdist,
    and the version is acceptable when that file's Requires-Python admits the target
    (lower bounds only, as uv). Of the versions the specifier admits, the newest
    acceptable one wins, pre-releases as the target's ``prerelease`` mode says.
    Returns None when no version is acceptable.
    """
    req = parsed_requirement(requirement) if isinstance(requirement, str) else requirement
    target = Target.current() if target is None else target
    if python_version is None:
        python = target.python_version
    else:
        python = python_version if isinstance(python_version, Version) else Version(python_version)
    if tags is not None:
        tag_rank = _rank(tuple(tags))
    elif target.running:
        tag_rank = _interpreter_rank()
    else:
        tag_rank = _target_rank(target)
    name = canonicalize_name(req.name)
    by_version = _usable_files(page, name, _pinned_versions(req.specifier), target)
    specifier = req.specifier
    admitted = sorted(
        (v for v in by_version if specifier.contains(v, prereleases=True)), reverse=True
    )
    # Most files of a page repeat one Requires-Python: each is judged once per call.
    verdicts: dict[str, bool] = {}
    for takes in _passes(target.prerelease, specifier):
        for version in admitted:
            if version.is_prerelease not in takes:
                continue
            files = by_version[version]
            files.sort(key=lambda f: _preference(f, tag_rank))
            best = files[0]
            if best.is_wheel and _preference(best, tag_rank)[0] != 0:
                continue  # only wheels for other platforms
            requires_python = best.requires_python
            if requires_python:
                verdict = verdicts.get(requires_python)
                if verdict is None:
                    verdict = verdicts[requires_python] = _python_admitted(requires_python, python)
                if not verdict:
                    continue
            return Selection(name, version, tuple(files))
    return None


def _usable_files(
    page: ProjectPage, name: NormalizedName, pinned: set[Version], target: Target
) -> dict[Version, list[DistributionFile]]:
    """The files of ``page`` the target may use, by version: not yanked unless pinned,
    uploaded before the cutoff, and of a kind (wheel, sdist) its binary rules allow."""
    wheels = target.wheels_allowed(name)
    sdists = target.sdists_allowed(name)
    cutoff = target.exclude_newer
    by_version: dict[Version, list[DistributionFile]] = {}
    for file in page.files:
        info = file.filename_info
        version = info.version
        if version is None or info.kind == "unknown":
            continue
        if file.yanked is not None and version not in pinned:
            continue
        if not (wheels if info.kind == "wheel" else sdists):
            continue
        # uv: a file without an upload time is left out when a cutoff is given.
        if cutoff is not None and (file.upload_time is None or file.upload_time >= cutoff):
            continue
        files = by_version.get(version)
        if files is None:
            by_version[version] = [file]
        else:
            files.append(file)
    return by_version


# --------------------------------------------------------------------------- pages

VERSIONS = [
    "1.0",
    "1.0.0",
    "01.0",
    "v1.0",
    "1.0.0.0",
    "2.0",
    "2.1",
    "10.0",
    "0.9",
    "0",
    "0.0.1",
    "2.0rc1",
    "2.0a1",
    "3.0b2",
    "2.1.dev1",
    "1.0.post1",
    "1.0.post1.dev0",
    "1.0+local",
    "2.0+x.1",
    "1!0.1",
    "bad",
    "",
    "1..0",
]
TAGS = [
    "py3-none-any",
    "py2.py3-none-any",
    "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp312-cp312-manylinux_2_28_x86_64",
    "cp39-abi3-manylinux_2_17_x86_64",
    "cp311-cp311-win_amd64",
    "cp312-cp312-macosx_11_0_arm64",
    "cp27-cp27m-win32",
]
REQUIRES_PYTHON = [None, ">=3.8", ">=3.12", ">=3.99", "<3", "===3.11", "nonsense!", ">=3.11.1"]
TIMES = [None, "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "2024-01-05T12:00:00Z"]


@st.composite
def filenames(draw: st.DrawFn) -> str:
    version = draw(st.sampled_from(VERSIONS))
    name = draw(st.sampled_from(["proj", "Proj", "proj_x"]))
    kind = draw(st.sampled_from(["wheel", "wheel", "build", "tar.gz", "zip", "other"]))
    if kind == "wheel":
        return f"{name}-{version}-{draw(st.sampled_from(TAGS))}.whl"
    if kind == "build":
        return f"{name}-{version}-{draw(st.sampled_from(['1', '2b', 'x']))}-py3-none-any.whl"
    if kind == "other":
        return draw(st.sampled_from([f"{name}-{version}.egg", f"{name}-{version}.whl", "x.exe"]))
    return f"{name}-{version}.{kind}"


entries = st.fixed_dictionaries(
    {"filename": filenames()},
    optional={
        "yanked": st.sampled_from([True, "broken", False]),
        "requires-python": st.sampled_from([r for r in REQUIRES_PYTHON if r]),
        "upload-time": st.sampled_from([t for t in TIMES if t]),
    },
)


def _json_page(files: list[dict[str, Any]]) -> bytes:
    listed = [
        {**entry, "url": f"../../files/{i}/{entry['filename']}"} for i, entry in enumerate(files)
    ]
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "proj", "files": listed}).encode()


def _html_page(files: list[dict[str, Any]]) -> bytes:
    anchors = []
    for i, entry in enumerate(files):
        attrs = ""
        if entry.get("yanked") not in (None, False):
            reason = entry["yanked"]
            attrs += " data-yanked" if reason is True else f' data-yanked="{reason}"'
        if "requires-python" in entry:
            attrs += f' data-requires-python="{entry["requires-python"].replace(">", "&gt;")}"'
        href = f"../../files/{i}/{entry['filename']}#sha256={i:064x}"
        anchors.append(f'<a href="{href}"{attrs}>{entry["filename"]}</a><br>')
    return f"<html><body>{''.join(anchors)}</body></html>".encode()


def _pages(files: list[dict[str, Any]], html: bool) -> tuple[ProjectPage, ProjectPage]:
    """The same page twice: built on demand, and built whole before choosing."""
    content, content_type = (_html_page(files), "text/html") if html else (_json_page(files), JSON)
    lazy = parse_project_page(content, content_type, URL)
    built = parse_project_page(content, content_type, URL)
    assert built.files is not None  # built whole
    return lazy, built


def _described(selection: Selection | None) -> tuple[str, str, tuple[DistributionFile, ...]] | None:
    if selection is None:
        return None
    return selection.name, str(selection.version), selection.files


def _assert_same_choice(
    lazy: ProjectPage,
    built: ProjectPage,
    requirement: str,
    target: Target | None,
    python_version: str | None = None,
    tags: Sequence[Tag] | None = None,
) -> Selection | None:
    expected = _reference_select(
        built, requirement, target=target, python_version=python_version, tags=tags
    )
    options: dict[str, Any] = {"target": target, "python_version": python_version, "tags": tags}
    got = select_files(lazy, requirement, **options)
    assert _described(got) == _described(expected)
    # Again on the same page (its groups and built files kept), and on a built page.
    assert _described(select_files(lazy, requirement, **options)) == _described(expected)
    assert _described(select_files(built, requirement, **options)) == _described(expected)
    if got is not None:
        # The chosen files are the very objects the page's files hold.
        assert all(any(f is g for g in lazy.files) for f in got.files)
    return got


REQUIREMENTS = [
    "proj",
    "Proj",
    "proj==1.0",
    "proj===1.0",
    "proj===1.0.0",
    "proj==1.0.*",
    "proj==2.0rc1",
    "proj>=2.0rc1",
    "proj<2",
    "proj!=2.0",
    "proj>=1,<3",
    "proj>100",
    "proj==1!0.1",
    "proj~=1.0",
    "proj==1.0+local",
    "proj<=1.0.post1",
    "proj>=2.1.dev0",
]


@st.composite
def targets(draw: st.DrawFn) -> Target | None:
    if draw(st.integers(0, 4)) == 0:
        return None  # the running interpreter
    cutoff = draw(st.sampled_from([None, None, "2024-01-03T00:00:00Z", "2024-01-06T00:00:00Z"]))
    return Target.for_(
        python_version=draw(st.sampled_from(["3.8", "3.11", "3.12", "3.11.0"])),
        python_platform=draw(
            st.sampled_from(["linux", "windows", "macos", "x86_64-manylinux_2_28"])
        ),
        prerelease=draw(st.sampled_from(PRERELEASE_MODES)),
        exclude_newer=cutoff,
        only_binary=draw(st.sampled_from([(), (":all:",), ("proj",), ("other",)])),
        no_binary=draw(st.sampled_from([(), (":all:",), ("proj",)])),
    )


@FUZZ
@given(
    files=st.lists(entries, max_size=30),
    html=st.booleans(),
    requirement=st.sampled_from(REQUIREMENTS),
    target=targets(),
)
def test_same_choice_as_before(
    files: list[dict[str, Any]], html: bool, requirement: str, target: Target | None
) -> None:
    lazy, built = _pages(files, html)
    _assert_same_choice(lazy, built, requirement, target)


@FUZZ
@given(
    files=st.lists(entries, max_size=30),
    requirement=st.sampled_from(REQUIREMENTS),
    python_version=st.sampled_from([None, "3.11", "2.7"]),
    tags=st.sampled_from(
        [None, [], [Tag("py3", "none", "any")], [Tag("cp311", "cp311", "win_amd64")]]
    ),
)
def test_same_choice_with_a_python_version_and_tags(
    files: list[dict[str, Any]],
    requirement: str,
    python_version: str | None,
    tags: list[Tag] | None,
) -> None:
    lazy, built = _pages(files, html=False)
    _assert_same_choice(lazy, built, requirement, None, python_version, tags)


@FUZZ
@given(
    versions=st.lists(st.sampled_from(VERSIONS), min_size=1, max_size=60),
    requirement=st.sampled_from(REQUIREMENTS),
    target=targets(),
    data=st.data(),
)
def test_same_choice_among_many_versions(
    versions: list[str], requirement: str, target: Target | None, data: st.DataObject
) -> None:
    # Versions named by several spellings, and a newest one that is often not
    # acceptable (yanked, too new, for another Python or platform).
    files = []
    for version in versions:
        entry: dict[str, Any] = {
            "filename": f"proj-{version}-{data.draw(st.sampled_from(TAGS))}.whl"
        }
        if data.draw(st.integers(0, 3)) == 0:
            entry["yanked"] = True
        if data.draw(st.booleans()):
            entry["upload-time"] = data.draw(st.sampled_from([t for t in TIMES if t]))
        entry["requires-python"] = data.draw(st.sampled_from([r for r in REQUIRES_PYTHON if r]))
        files.append(entry)
        files.append({"filename": f"proj-{version}.tar.gz", "upload-time": TIMES[1]})
    lazy, built = _pages(files, html=False)
    _assert_same_choice(lazy, built, requirement, target)


def test_many_plain_versions_and_a_few_others() -> None:
    # The newest is a pre-release, a post-release, an epoch: plain releases are then
    # compared with them as Versions.
    plain = [f"1.{minor}.{patch}" for minor in range(30) for patch in (0, 1)]
    for extra in (["1.29.2rc1"], ["1.29.1.post1"], ["1!0.1"], ["1.29.1+local", "2.0.dev1"], []):
        files: list[dict[str, Any]] = [{"filename": f"proj-{v}.tar.gz"} for v in [*plain, *extra]]
        files[-1]["yanked"] = True
        lazy, built = _pages(files, html=False)
        for requirement in ("proj", "proj<1.29", "proj>=2.0.dev0", "proj==1.29.1", "proj<1.1"):
            for mode in PRERELEASE_MODES:
                target = Target.for_(python_version="3.12", prerelease=mode)
                _assert_same_choice(lazy, built, requirement, target)


@pytest.mark.parametrize("path", sorted(PAGES.glob("*.json")), ids=lambda p: p.stem)
def test_same_choice_on_the_stored_pages(path: Path) -> None:
    page = json.loads(path.read_text())
    for entry in page["files"]:
        entry.setdefault("url", entry["filename"])
    content = json.dumps(page).encode()
    name = page["name"]
    for python_version in ("3.9", "3.10", "3.12", "3.13"):
        for platform in (
            "linux",
            "macos",
            "windows",
            "aarch64-manylinux_2_28",
            "x86_64-unknown-linux-musl",
        ):
            for options in (
                {},
                {"only_binary": [":all:"]},
                {"no_binary": [":all:"]},
                {"prerelease": "allow"},
                {"exclude_newer": "2024-06-01T00:00:00Z"},
            ):
                target = Target.for_(
                    python_version=python_version, python_platform=platform, **options
                )
                for requirement in (name, f"{name}<2", f"{name}>=1.0rc1"):
                    lazy = parse_project_page(content, JSON, URL)
                    built = parse_project_page(content, JSON, URL)
                    assert built.files
                    _assert_same_choice(lazy, built, requirement, target)


def _static_json(versions: int, wheels: Sequence[str] = ("py3-none-any",)) -> bytes:
    files = [
        {
            "filename": f"proj-1.{v}.0-{tag}.whl",
            "url": f"../../files/proj-1.{v}.0-{tag}.whl",
            "hashes": {"sha256": f"{v:064x}"},
            "requires-python": ">=3.8",
        }
        for v in range(versions)
        for tag in wheels
    ]
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "proj", "files": files}).encode()


def test_only_the_files_of_the_versions_looked_at_are_built() -> None:
    tags = ("py3-none-any", "cp27-cp27m-win32")
    page = parse_project_page(_static_json(1500, tags), JSON, URL)
    chosen = select_files(page, "proj", python_version="3.12")
    assert chosen is not None
    assert str(chosen.version) == "1.1499.0"
    built = [f for f in page_files(page)._built if f is not None]
    assert sorted(f.filename for f in built) == sorted(f"proj-1.1499.0-{t}.whl" for t in tags)
    # Pinned to an older version: the versions above it are skipped unbuilt.
    older = select_files(page, "proj==1.7.0", python_version="3.12")
    assert older is not None
    assert len([f for f in page_files(page)._built if f is not None]) == 4


def test_a_newest_version_that_will_not_do_makes_the_next_one_be_looked_at() -> None:
    content = _static_json(200)
    cutoff = datetime(2024, 1, 1, tzinfo=timezone.utc)
    data = json.loads(content)
    for i, entry in enumerate(data["files"]):
        entry["upload-time"] = (cutoff - timedelta(days=100 - i)).isoformat()
    content = json.dumps(data).encode()
    page = parse_project_page(content, JSON, URL)
    target = Target.for_(python_version="3.12", exclude_newer=cutoff)
    chosen = select_files(page, "proj", target=target)
    assert chosen is not None
    assert str(chosen.version) == "1.99.0"  # uploaded the day before the cutoff
    built = parse_project_page(content, JSON, URL)
    assert built.files
    _assert_same_choice(page, built, "proj", target)


@pytest.mark.parametrize("first", ["1.0", "1.0.0", "v1.0"])
@pytest.mark.parametrize("requirement", ["proj===1.0", "proj===1.0.0", "proj==1.0", "proj<1.0.0"])
def test_a_version_spelled_two_ways_is_judged_as_its_first_file_spells_it(
    first: str, requirement: str
) -> None:
    spellings = dict.fromkeys([first, "1.0", "1.0.0", "v1.0"])
    files: list[dict[str, Any]] = [{"filename": f"proj-{v}.tar.gz"} for v in spellings]
    files.append({"filename": "proj-0.9.tar.gz"})
    lazy, built = _pages(files, html=False)
    chosen = _assert_same_choice(lazy, built, requirement, Target.for_(python_version="3.12"))
    if requirement == "proj===1.0.0":
        # "===" compares strings: only a first file spelled 1.0.0 makes the version match.
        assert (chosen is not None) == (first == "1.0.0")


version_texts = st.lists(
    st.sampled_from(VERSIONS) | st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,3}", fullmatch=True),
    max_size=30,
)


# Plain releases (read in bulk by select._plain_keys), sometimes with one text that is
# not (leading zeros, too many digits, non-ASCII digits, an empty part, a newline, a
# pre-release), which sends them all to the general path.
plain_texts = st.lists(
    st.from_regex(r"(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){0,3}", fullmatch=True),
    min_size=1,
    max_size=30,
)
odd_texts = st.sampled_from(
    [
        "7",
        "1.0",
        "1.0.0",
        "01.2.3",
        "1234567890123456789.0.0",
        "123456789012345678.0.0",
        "\u0661.0.0",
        "1..0",
        "1.",
        ".1",
        "1.0.0\n2",
        "1.0rc1",
        "2.0.0.post1",
        "",
        "1e5",  # JSON reads these (as a float, a negative, a constant...): not releases
        "-1",
        "1.-2",
        "true",
        "null",
        " 1",
        "1.0 ",
    ]
)


@FUZZ
@given(texts=plain_texts, odd=st.lists(st.tuples(st.integers(0, 30), odd_texts), max_size=2))
def test_plain_versions_come_newest_first_each_once(
    texts: list[str], odd: list[tuple[int, str]]
) -> None:
    from indexclient.select import _plain_keys

    if not odd:
        assert _plain_keys(list(dict.fromkeys(texts))) is not None  # the bulk path
    for position, text in odd:
        texts.insert(position, text)
    _assert_newest_first(texts)


def test_versions_of_other_lengths_come_in_order() -> None:
    _assert_newest_first(["1.2", "3", "4.5.6"])
    _assert_newest_first(["1.0", "2", "0.1.5"])
    _assert_newest_first(["1.2.3", "4.5.6", "7", "8.9.10.11.12", "1.0", "1"])


def test_a_release_part_too_long_for_int_is_not_read_as_one() -> None:
    # Longer than int() reads (4,300 digits on Pythons that limit it, and slow to read
    # on those that do not): such a text is no version, as Version finds.
    from indexclient.select import _plain_keys

    long = "1" * 5000 + ".0"
    assert _plain_keys([long, "1.0"]) is None
    assert _plain_keys(["1" * 19 + ".0", "1.0"]) is None
    assert _plain_keys(["1" * 18 + ".0", "1.0"]) == [(10**18 // 9, 0), (1, 0)]
    _assert_newest_first([long, "1.0", "2.0"])


@FUZZ
@given(texts=version_texts)
def test_versions_come_newest_first_each_once(texts: list[str]) -> None:
    _assert_newest_first(texts)


def _assert_newest_first(texts: list[str]) -> None:
    from indexclient.select import _NewestFirst

    expected: dict[Version, set[str]] = {}
    for text in texts:
        try:
            expected.setdefault(Version(text), set()).add(text)
        except ValueError:
            continue
    newest_first = _NewestFirst(texts)
    for _ in range(2):  # the order is kept for a second pass
        seen = [(group.version, set(group.texts)) for group in newest_first]
        assert [v for v, _ in seen] == sorted(expected, reverse=True)
        assert all(texts == expected[v] for v, texts in seen)
