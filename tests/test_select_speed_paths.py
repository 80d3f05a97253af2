"""select_files chooses exactly what the straightforward rules choose.

select_files skips work that cannot change the answer (it orders only the winning
version's files, takes the newest admitted version without sorting them all, and
judges each Requires-Python string once per call). The reference below is the plain
implementation, parsing filenames with packaging alone; both must agree on every page.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, parse_tag, sys_tags
from packaging.utils import (
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from indexclient.select import Selection, select_files
from indexclient.simple import DistributionFile, Meta, ProjectPage

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parts(filename: str) -> tuple[str, Version | None, frozenset[Tag]]:
    try:
        if filename.lower().endswith(".whl"):
            _, version, _, tags = parse_wheel_filename(filename)
            return "wheel", version, tags
        if filename.lower().endswith((".tar.gz", ".zip")):
            return "sdist", parse_sdist_filename(filename)[1], frozenset()
    except ValueError:
        pass
    return "unknown", None, frozenset()


def _admits(requires_python: str | None, python: Version) -> bool:
    """uv's verdict, written plainly: only the lower bounds of Requires-Python count."""
    if not requires_python:
        return True
    try:
        specifier = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return True
    lower = []
    for spec in specifier:
        if spec.operator in ("<", "<=", "!="):
            continue
        operator = ">" if spec.operator == ">" else ">="
        lower.append(f"{operator}{spec.version.removesuffix('.*')}")
    try:
        return SpecifierSet(",".join(lower)).contains(python, prereleases=True)
    except InvalidSpecifier:
        return True


def _reference(
    page: ProjectPage,
    requirement: str,
    python_version: str | None,
    tags: Sequence[Tag] | None,
) -> tuple[str, Version, tuple[DistributionFile, ...]] | None:
    req = Requirement(requirement)
    python = Version(python_version or ".".join(map(str, sys.version_info[:3])))
    rank = {tag: i for i, tag in enumerate(sys_tags() if tags is None else tags)}
    pinned = set()
    for spec in req.specifier:
        if spec.operator in ("==", "===") and not spec.version.endswith(".*"):
            try:
                pinned.add(Version(spec.version))
            except ValueError:
                continue
    by_version: dict[Version, list[DistributionFile]] = {}
    for file in page.files:
        kind, version, _ = _parts(file.filename)
        if version is None or kind == "unknown":
            continue
        if file.yanked is not None and version not in pinned:
            continue
        by_version.setdefault(version, []).append(file)

    def preference(file: DistributionFile) -> tuple[int, int, str]:
        kind, _, file_tags = _parts(file.filename)
        if kind == "wheel":
            ranks = [rank[t] for t in file_tags if t in rank]
            return (0, min(ranks), file.filename) if ranks else (2, 0, file.filename)
        return (1, 0, file.filename)

    # uv's default: stable versions first, pre-releases only when no stable one will do.
    in_range = [v for v in by_version if req.specifier.contains(v, prereleases=True)]
    for prerelease in (False, True):
        for version in sorted(in_range, reverse=True):
            if version.is_prerelease != prerelease:
                continue
            ordered = tuple(sorted(by_version[version], key=preference))
            if preference(ordered[0])[0] == 2:
                continue  # only wheels for other platforms
            if not _admits(ordered[0].requires_python, python):
                continue
            return canonicalize_name(req.name), version, ordered
    return None


def _assert_same_choice(
    page: ProjectPage,
    requirement: str,
    python_version: str | None = None,
    tags: Sequence[Tag] | None = None,
) -> Selection | None:
    expected = _reference(page, requirement, python_version, tags)
    got = select_files(page, requirement, python_version=python_version, tags=tags)
    if expected is None:
        assert got is None
        return None
    assert got is not None
    name, version, files = expected
    assert got.name == name
    assert got.version == version
    assert str(got.version) == str(version)  # the first spelling seen, as before
    assert [f.url for f in got.files] == [f.url for f in files]
    return got


def _page(files: Sequence[DistributionFile]) -> ProjectPage:
    name = NormalizedName("proj")
    return ProjectPage("https://index.example/simple/proj/", name, Meta(), tuple(files))


def _file(
    filename: str, n: int, *, requires_python: str | None = None, yanked: str | None = None
) -> DistributionFile:
    url = f"https://files.example/{n}/{filename}"
    return DistributionFile(filename, url, requires_python=requires_python, yanked=yanked)


LINUX = [
    *parse_tag("cp311-cp311-manylinux_2_17_x86_64"),
    *parse_tag("cp311-abi3-manylinux_2_17_x86_64"),
    *parse_tag("py3-none-manylinux_2_17_x86_64"),
    *parse_tag("py3-none-any"),
]

versions = st.sampled_from(
    ["1.0", "1.0.0", "1.1", "2.0", "2.0rc1", "2.1.dev1", "3.0a1", "0.9", "1.0+local", "1!0.1"]
)
wheel_tags = st.sampled_from(
    [
        "py3-none-any",
        "py2.py3-none-any",
        "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp311-abi3-manylinux_2_17_x86_64",
        "cp27-cp27m-win32",
        "cp312-cp312-macosx_11_0_arm64",
        "py3-none-manylinux_2_17_x86_64",
    ]
)
filenames = st.one_of(
    st.builds("proj-{}-{}.whl".format, versions, wheel_tags),
    st.builds("proj-{}-7-{}.whl".format, versions, wheel_tags),
    st.builds("proj-{}.tar.gz".format, versions),
    st.builds("Proj-{}.zip".format, versions),
    st.builds("proj-{}-py2.7.egg".format, versions),
    st.sampled_from(["proj-bad version.tar.gz", "proj-1.0.whl", "proj-1.0.tar.bz2"]),
)
requires_pythons = st.sampled_from(
    [None, "", ">=3.8", "<3", ">=3.99", "===3.11", "===3.11.0", "==3.11.*", "nonsense!"]
)
files = st.lists(
    st.tuples(filenames, requires_pythons, st.sampled_from([None, None, "", "broken"])),
    max_size=14,
)
requirements = st.sampled_from(
    [
        "proj",
        "Proj",
        "proj==1.0",
        "proj===1.0",
        "proj==1.0.*",
        "proj==2.0rc1",
        "proj>=2.0rc1",
        "proj<1.1",
        "proj!=2.0",
        "proj>=1,<2",
        "proj>5",
        "proj==1!0.1",
    ]
)


@FUZZ
@given(
    entries=files,
    requirement=requirements,
    python_version=st.sampled_from([None, "3.11", "3.11.0", "2.7", "3.8"]),
    tags=st.sampled_from([None, LINUX, LINUX[::-1], []]),
)
def test_same_choice_as_the_plain_rules(
    entries: list[tuple[str, str | None, str | None]],
    requirement: str,
    python_version: str | None,
    tags: list[Tag] | None,
) -> None:
    page = _page(
        [_file(name, n, requires_python=rp, yanked=y) for n, (name, rp, y) in enumerate(entries)]
    )
    _assert_same_choice(page, requirement, python_version, tags)
    # Filenames parsed and cached by the first call must not change the second.
    _assert_same_choice(page, requirement, python_version, tags)


def test_only_the_newest_version_is_ordered() -> None:
    page = _page(
        [
            _file("proj-2.0-cp27-cp27m-win32.whl", 0),
            _file("proj-1.0-py3-none-any.whl", 1),
            _file("proj-2.0.tar.gz", 2),
            _file("proj-2.0-py3-none-any.whl", 3),
            _file("proj-2.0-cp311-abi3-manylinux_2_17_x86_64.whl", 4),
            _file("proj-3.0.tar.gz", 5, yanked=""),
        ]
    )
    chosen = _assert_same_choice(page, "proj", "3.11", LINUX)
    assert chosen is not None
    assert [f.url.rsplit("/", 2)[1] for f in chosen.files] == ["4", "3", "2", "0"]
    # A yanked version is chosen only when pinned exactly.
    pinned = _assert_same_choice(page, "proj==3.0", "3.11", LINUX)
    assert pinned is not None
    assert pinned.version == Version("3.0")


def test_requires_python_lower_bounds_only() -> None:
    """uv reads only the lower bounds of a Requires-Python: "===3.11" is "at least
    3.11" (both spellings of 3.11 alike), "<3" nothing at all."""
    page = _page(
        [
            _file("proj-3.0-py3-none-any.whl", 0, requires_python=">=3.11.1"),
            _file("proj-2.0-py3-none-any.whl", 1, requires_python="===3.11"),
            _file("proj-1.0-py3-none-any.whl", 2, requires_python="<3"),
        ]
    )
    for python_version, chosen_version in [
        ("3.11", "2.0"),
        ("3.11.0", "2.0"),
        ("3.11.1", "3.0"),
        ("3.10", "1.0"),
    ]:
        chosen = _assert_same_choice(page, "proj", python_version)
        assert chosen is not None
        assert chosen.version == Version(chosen_version)


def test_running_interpreter_by_default() -> None:
    page = _page(
        [
            _file("proj-2.0-py3-none-any.whl", 0, requires_python=">=3.99"),
            _file("proj-1.0-py3-none-any.whl", 1, requires_python=">=3.8"),
            _file("proj-1.0.tar.gz", 2),
        ]
    )
    chosen = _assert_same_choice(page, "proj")
    assert chosen is not None
    assert chosen.version == Version("1.0")
    assert chosen.best.filename == "proj-1.0-py3-none-any.whl"
    assert _assert_same_choice(page, "proj>1") is None
