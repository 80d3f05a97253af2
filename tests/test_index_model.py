"""uv's index model, pinned against uv itself on the same local setup.

Each test runs ``indexclient metadata`` (in process, ``--no-cache``, no configuration
but the test's) and, where uv is installed, ``uv pip compile`` of the same requirements
with the same flags, variables and files (see ``support.index_lab``), and asserts the
same answer from both: the version chosen for each project, or that it fails. The
docstring of each test names the uv behaviour it pins. The lab's indexes:

    a: foo 1.0, baz 1.0 and 4.0a1      b: foo 2.0, bar 1.0, baz 3.0
    v: foo 9.0, secret 1.0 (vendor)    flat page: foo 5.0, qux 1.0
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.version import Version
from test_cli_support import run_cli

from indexclient import IndexClient, MetadataResult, Settings, cli, read_pyproject
from indexclient.errors import ConfigurationError
from indexclient.indexes import MemoryIndex
from indexclient.simple import DistributionFile
from indexclient.testing.index import tiny_wheel
from support.index_lab import Lab, UvResult, find_uv, serve_lab, uv_compile

UV = find_uv()


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    yield from serve_lab()


@dataclass(frozen=True)
class Outcome:
    """What indexclient answered: each project's version (None: it failed), the index
    each came from, the exit status and stderr; and uv's answer, when uv ran."""

    versions: dict[str, str | None]
    indexes: dict[str, str | None]
    code: int
    err: str
    uv: UvResult | None


@dataclass
class Runner:
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    work: Path

    def run(
        self,
        requirements: Sequence[str] | Path,
        *args: str,
        env: Mapping[str, str] | None = None,
        uv: bool = True,
    ) -> Outcome:
        """Both tools on ``requirements`` (lines of a requirements file, or a file)."""
        if isinstance(requirements, Path):
            src = requirements
        else:
            src = self.work / "requirements.in"
            src.write_text("".join(f"{r}\n" for r in requirements))
        environ = {"UV_NO_CONFIG": "1", "UV_HTTP_RETRIES": "0", **(env or {})}
        with self.monkeypatch.context() as patch:
            for name, value in environ.items():
                patch.setenv(name, value)
            patch.chdir(self.work)
            result = run_cli(
                self.capsys, "metadata", "-r", str(src), "--json", "--no-cache", "-q", *args
            )
        versions: dict[str, str | None] = {}
        indexes: dict[str, str | None] = {}
        if result.out.strip():
            for entry in json.loads(result.out):
                if "error" in entry:
                    name = entry["requirement"].split("<")[0].split(">")[0].split("=")[0]
                    versions[name.strip()] = None
                else:
                    versions[entry["name"]] = entry["version"]
                    indexes[entry["name"]] = entry["index"]
        compiled = None
        if uv and UV is not None:
            compiled = uv_compile(UV, src, self.work, args, env)
        return Outcome(versions, indexes, result.code, result.err, compiled)


@pytest.fixture
def both(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Runner:
    return Runner(capsys, monkeypatch, tmp_path)


def agree(outcome: Outcome, expected: Mapping[str, str | None]) -> None:
    """indexclient gave ``expected`` (None: that requirement failed), and so did uv
    (which fails as a whole when any requirement does)."""
    assert outcome.versions == dict(expected), outcome.err
    assert (outcome.code == 0) == all(v is not None for v in expected.values()), outcome.err
    if outcome.uv is None:
        return
    if all(v is not None for v in expected.values()):
        assert outcome.uv.code == 0, outcome.uv.err
        assert outcome.uv.versions == dict(expected), outcome.uv.err
    else:
        assert outcome.uv.code != 0, outcome.uv


def config(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


# --------------------------------------------------------------------------- order


def test_index_before_default_index(both: Runner, lab: Lab) -> None:
    """uv: "All indexes provided via --index take priority over the index specified by
    --default-index"; with first-index, the first index that has foo gives it."""
    outcome = both.run(["foo", "bar"], "--index", lab.a, "--default-index", lab.b)
    agree(outcome, {"foo": "1.0", "bar": "1.0"})
    assert outcome.indexes == {"foo": lab.a, "bar": lab.b}


def test_index_before_extra_index_url_before_index_url(both: Runner, lab: Lab) -> None:
    """uv: --index entries come before --extra-index-url ones; -i is a default, last."""
    outcome = both.run(["foo"], "--extra-index-url", lab.a, "--index", lab.b, "-i", lab.a)
    agree(outcome, {"foo": "2.0"})


def test_extra_index_url_before_index_url(both: Runner, lab: Lab) -> None:
    """uv: pip's --extra-index-url is searched before --index-url."""
    agree(both.run(["foo"], "--extra-index-url", lab.a, "-i", lab.b), {"foo": "1.0"})


def test_a_flag_replaces_its_variable(both: Runner, lab: Lab) -> None:
    """uv (clap): --index replaces UV_INDEX rather than adding to it."""
    outcome = both.run(
        ["foo"], "--index", lab.b, env={"UV_INDEX": lab.a, "UV_DEFAULT_INDEX": lab.b}
    )
    agree(outcome, {"foo": "2.0"})


def test_uv_extra_index_url_before_the_default(both: Runner, lab: Lab) -> None:
    """uv: UV_EXTRA_INDEX_URL (blank-separated) is --extra-index-url."""
    env = {"UV_EXTRA_INDEX_URL": f"{lab.status(404)} {lab.a}", "UV_DEFAULT_INDEX": lab.b}
    agree(both.run(["foo"], env=env), {"foo": "1.0"})


def test_default_index_wins_over_index_url(both: Runner, lab: Lab) -> None:
    """uv: with both, the --default-index is the default and -i's index is not used."""
    outcome = both.run(["foo", "bar"], "--default-index", lab.a, "--index-url", lab.b)
    agree(outcome, {"foo": "1.0", "bar": None})


def test_uv_default_index_wins_over_the_index_url_flag(both: Runner, lab: Lab) -> None:
    """uv: UV_DEFAULT_INDEX (--default-index) is the default even over -i on the
    command line: the two are different flags, and --default-index wins."""
    agree(both.run(["foo"], "-i", lab.a, env={"UV_DEFAULT_INDEX": lab.b}), {"foo": "2.0"})


def test_index_url_flag_replaces_uv_index_url(both: Runner, lab: Lab) -> None:
    """uv: -i replaces UV_INDEX_URL."""
    agree(both.run(["foo"], "-i", lab.a, env={"UV_INDEX_URL": lab.b}), {"foo": "1.0"})


def test_named_index_in_uv_index(both: Runner, lab: Lab) -> None:
    """uv: UV_INDEX entries may be name=URL."""
    outcome = both.run(["foo"], env={"UV_INDEX": f"mirror={lab.a}", "UV_DEFAULT_INDEX": lab.b})
    agree(outcome, {"foo": "1.0"})


def test_file_indexes_come_after_the_command_line(both: Runner, lab: Lab) -> None:
    """uv: the configuration's [[index]] tables come after --index and UV_INDEX."""
    path = config(
        both.work / "uv.toml",
        f'[[index]]\nurl = "{lab.a}"\n\n[[index]]\nurl = "{lab.b}"\ndefault = true\n',
    )
    agree(both.run(["foo"], "--config-file", path), {"foo": "1.0"})
    agree(both.run(["foo"], "--config-file", path, "--index", lab.b), {"foo": "2.0"})
    agree(both.run(["foo"], "--config-file", path, env={"UV_INDEX": lab.b}), {"foo": "2.0"})


def test_pip_table_wins_over_the_top_level_as_in_uv_pip(both: Runner, lab: Lab) -> None:
    """uv pip: a [pip] index-url wins over the top level's, and [pip]'s extra-index-url
    is searched before the top level's (both are kept)."""
    path = config(
        both.work / "uv.toml",
        f'index-url = "{lab.b}"\n\n[pip]\nindex-url = "{lab.a}"\n',
    )
    agree(both.run(["foo"], "--config-file", path), {"foo": "1.0"})
    path = config(
        both.work / "uv.toml",
        f'extra-index-url = ["{lab.b}"]\n\n[pip]\nextra-index-url = ["{lab.a}"]\n',
    )
    outcome = both.run(["foo", "bar"], "--config-file", path, "--default-index", lab.v)
    agree(outcome, {"foo": "1.0", "bar": "1.0"})
    assert outcome.indexes == {"foo": lab.a, "bar": lab.b}


def test_file_index_before_file_extra_index_url(both: Runner, lab: Lab) -> None:
    """uv: a file's [[index]] tables come before its extra-index-url."""
    path = config(
        both.work / "uv.toml", f'extra-index-url = ["{lab.b}"]\n\n[[index]]\nurl = "{lab.a}"\n'
    )
    agree(both.run(["foo"], "--config-file", path, "--default-index", lab.b), {"foo": "1.0"})


def test_file_default_index_wins_over_file_index_url(both: Runner, lab: Lab) -> None:
    """uv: an [[index]] with default = true is the default over index-url."""
    path = config(
        both.work / "uv.toml",
        f'index-url = "{lab.a}"\n\n[[index]]\nurl = "{lab.b}"\ndefault = true\n',
    )
    agree(both.run(["bar"], "--config-file", path), {"bar": "1.0"})


def test_first_definition_of_a_name_wins(both: Runner, lab: Lab) -> None:
    """uv: of two indexes with one name, the first definition is used, the other never."""
    path = config(
        both.work / "uv.toml",
        f'[[index]]\nname = "x"\nurl = "{lab.a}"\n\n[[index]]\nname = "x"\nurl = "{lab.v}"\n',
    )
    start = lab.mark()
    outcome = both.run(["foo"], "--config-file", path, "--default-index", lab.b)
    agree(outcome, {"foo": "1.0"})
    assert not [p for p in lab.paths_since(start) if p.startswith("/v/")]


def test_index_given_by_name(both: Runner, lab: Lab) -> None:
    """uv: --index NAME (no file of that name) is the configuration's index NAME, now
    searched even though it is explicit there."""
    path = config(
        both.work / "uv.toml",
        f'[[index]]\nname = "vendor"\nurl = "{lab.v}"\nexplicit = true\n'
        f'\n[[index]]\nurl = "{lab.b}"\ndefault = true\n',
    )
    agree(both.run(["foo"], "--config-file", path, "--index", "vendor"), {"foo": "9.0"})


def test_uv_no_index_is_not_a_uv_variable(both: Runner, lab: Lab) -> None:
    """uv has no UV_NO_INDEX: it searches its indexes as if unset (indexclient too, and
    says so)."""
    outcome = both.run(["foo"], env={"UV_NO_INDEX": "1", "UV_DEFAULT_INDEX": lab.b})
    agree(outcome, {"foo": "2.0"})
    assert "UV_NO_INDEX (environment) is ignored" in outcome.err


# --------------------------------------------------------------------------- explicit


def test_an_explicit_index_is_never_asked_about_an_unpinned_project(both: Runner, lab: Lab) -> None:
    """uv: "Explicit indexes will only be used when explicitly requested via a
    [tool.uv.sources] definition": not one request reaches it for foo or bar."""
    path = config(
        both.work / "uv.toml",
        f'[[index]]\nname = "vendor"\nurl = "{lab.v}"\nexplicit = true\n'
        f'\n[[index]]\nurl = "{lab.b}"\ndefault = true\n',
    )
    start = lab.mark()
    outcome = both.run(["foo", "bar", "secret"], "--config-file", path, uv=False)
    assert outcome.versions == {"foo": "2.0", "bar": "1.0", "secret": None}
    assert not [p for p in lab.paths_since(start) if p.startswith("/v/")]
    if UV is not None:
        start = lab.mark()
        agree(both.run(["foo", "bar"], "--config-file", path), {"foo": "2.0", "bar": "1.0"})
        assert not [p for p in lab.paths_since(start) if p.startswith("/v/")]


# --------------------------------------------------------------------------- strategies


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        # The first index that has baz is the only one: a's newest stable, 1.0; asked
        # for more than 1.5, only its pre-release is left.
        ("first-index", {"baz": "1.0", "bazz": None}),
        ("unsafe-first-match", {"baz": "1.0", "bazz": None}),
        ("unsafe-best-match", {"baz": "3.0", "bazz": None}),
    ],
)
def test_index_strategy(
    both: Runner, lab: Lab, strategy: str, expected: dict[str, str | None]
) -> None:
    """uv's --index-strategy: first-index stops at the first index with the project;
    unsafe-first-match takes the first index with an acceptable version; unsafe-best-
    match the best version of all indexes."""
    outcome = both.run(
        ["baz"], "--index", lab.a, "--default-index", lab.b, "--index-strategy", strategy
    )
    agree(outcome, {"baz": expected["baz"]})


@pytest.mark.parametrize(
    ("strategy", "version"),
    [("first-index", "4.0a1"), ("unsafe-first-match", "4.0a1"), ("unsafe-best-match", "3.0")],
)
def test_index_strategy_and_pre_releases(
    both: Runner, lab: Lab, strategy: str, version: str
) -> None:
    """uv: a's only version above 1.5 is a pre-release, which the first index's search
    takes (nothing else matches there); the best match across indexes is b's 3.0."""
    outcome = both.run(
        ["baz>1.5"], "--index", lab.a, "--default-index", lab.b, "--index-strategy", strategy
    )
    agree(outcome, {"baz": version})


def test_index_strategy_from_the_environment_and_a_file(both: Runner, lab: Lab) -> None:
    """uv: UV_INDEX_STRATEGY and index-strategy in uv.toml are --index-strategy."""
    env = {"UV_INDEX_STRATEGY": "unsafe-best-match"}
    agree(both.run(["baz"], "--index", lab.a, "--default-index", lab.b, env=env), {"baz": "3.0"})
    path = config(both.work / "uv.toml", 'index-strategy = "unsafe-best-match"\n')
    outcome = both.run(["baz"], "--config-file", path, "--index", lab.a, "--default-index", lab.b)
    agree(outcome, {"baz": "3.0"})


# --------------------------------------------------------------------------- statuses


def test_404_means_not_on_this_index(both: Runner, lab: Lab) -> None:
    """uv: a 404 from an index means the project is not there: the next one is asked."""
    agree(both.run(["foo"], "--index", lab.status(404), "--default-index", lab.b), {"foo": "2.0"})


@pytest.mark.parametrize("code", [401, 403, 410, 418])
def test_other_statuses_stop_the_search(both: Runner, lab: Lab, code: int) -> None:
    """uv: any other status of a project page stops the search (401 and 403 as "not
    found, with a hint", the others as errors): the next index is not asked."""
    start = lab.mark()
    outcome = both.run(["foo"], "--index", lab.status(code), "--default-index", lab.b)
    agree(outcome, {"foo": None})
    assert f"HTTP {code}" in outcome.err
    assert "/b/simple/foo/" not in lab.paths_since(start)[:1]


def test_ignore_error_codes(both: Runner, lab: Lab) -> None:
    """uv: an index's ignore-error-codes are statuses that mean "not here" too."""
    path = config(
        both.work / "uv.toml",
        f'[[index]]\nurl = "{lab.status(410)}"\nignore-error-codes = [410]\n',
    )
    agree(both.run(["bar"], "--config-file", path, "--default-index", lab.b), {"bar": "1.0"})


def test_ignore_error_codes_keep_404(both: Runner, lab: Lab) -> None:
    """uv: ignore-error-codes add to 404, they do not replace it."""
    path = config(
        both.work / "uv.toml",
        f'[[index]]\nurl = "{lab.status(404)}"\nignore-error-codes = [401]\n',
    )
    agree(both.run(["bar"], "--config-file", path, "--default-index", lab.b), {"bar": "1.0"})


@pytest.mark.parametrize("code", [401, 403])
def test_unsafe_strategies_pass_over_authentication_failures(
    both: Runner, lab: Lab, code: int
) -> None:
    """uv: "For unsafe matches, ignore authentication failures" (401, 403, 407, 511)."""
    outcome = both.run(
        ["foo"],
        "--index",
        lab.status(code),
        "--default-index",
        lab.b,
        "--index-strategy",
        "unsafe-best-match",
    )
    agree(outcome, {"foo": "2.0"})


# --------------------------------------------------------------------------- find-links


def test_find_links_are_searched_alongside_the_first_index(both: Runner, lab: Lab) -> None:
    """uv: find-links files join the files of the index that has the project: foo 5.0
    from the flat page beats a's 1.0; qux is only on the page."""
    outcome = both.run(
        ["foo", "qux", "bar"], "--index", lab.a, "-f", lab.flat, "--default-index", lab.b
    )
    agree(outcome, {"foo": "5.0", "qux": "1.0", "bar": "1.0"})
    assert outcome.indexes == {"foo": lab.flat, "qux": lab.flat, "bar": lab.b}


def test_find_links_and_an_older_requirement(both: Runner, lab: Lab) -> None:
    """uv: the index's own files still count beside the page's."""
    agree(both.run(["foo<2"], "--index", lab.a, "-f", lab.flat), {"foo": "1.0"})


def test_no_index_leaves_the_find_links(both: Runner, lab: Lab) -> None:
    """uv: --no-index: "Ignore the registry index, instead relying on ... --find-links"."""
    start = lab.mark()
    outcome = both.run(["foo", "bar"], "--no-index", "-f", lab.flat, "--default-index", lab.b)
    agree(outcome, {"foo": "5.0", "bar": None})
    assert all(not p.startswith("/b/") for p in lab.paths_since(start))


def test_no_index_in_a_file(both: Runner, lab: Lab) -> None:
    """uv: no-index and find-links in uv.toml are --no-index and -f."""
    path = config(both.work / "uv.toml", f'no-index = true\nfind-links = ["{lab.flat}"]\n')
    agree(both.run(["foo"], "--config-file", path, "--default-index", lab.b), {"foo": "5.0"})


def test_uv_find_links_is_comma_separated(both: Runner, lab: Lab, tmp_path: Path) -> None:
    """uv: UV_FIND_LINKS is a comma-separated list (a directory and a page here)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    filename, content, _ = tiny_wheel("local-thing", "3.0")
    (wheels / filename).write_bytes(content)
    env = {"UV_FIND_LINKS": f"{wheels},{lab.flat}", "UV_DEFAULT_INDEX": lab.b}
    agree(both.run(["qux", "local-thing"], env=env), {"qux": "1.0", "local-thing": "3.0"})


def test_a_find_links_page_that_cannot_be_read_is_an_error(both: Runner, lab: Lab) -> None:
    """uv: "Failed to read --find-links URL" for any status but 200, 404 included."""
    outcome = both.run(["bar"], "--default-index", lab.b, "-f", f"{lab.status(404)}x/")
    agree(outcome, {"bar": None})


def test_a_flat_index(both: Runner, lab: Lab) -> None:
    """uv: an [[index]] with format = "flat" is searched in its place like any index."""
    path = config(both.work / "uv.toml", f'[[index]]\nurl = "{lab.flat}"\nformat = "flat"\n')
    outcome = both.run(["foo", "bar"], "--config-file", path, "--default-index", lab.b)
    agree(outcome, {"foo": "5.0", "bar": "1.0"})


# --------------------------------------------------------------------------- pins


def project(directory: Path, sources: str, *, indexes: str = "", extras: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pyproject.toml"
    path.write_text(
        '[project]\nname = "proj"\nversion = "0.1"\ndependencies = ["foo", "bar"]\n'
        f"{extras}\n{indexes}\n[tool.uv.sources]\n{sources}\n"
    )
    return path


def vendor(lab: Lab, *, explicit: bool = True) -> str:
    return (
        f'[[tool.uv.index]]\nname = "vendor"\nurl = "{lab.v}"\nexplicit = {str(explicit).lower()}\n'
    )


def test_a_pin_sends_its_project_to_the_explicit_index_only(both: Runner, lab: Lab) -> None:
    """uv pip compile pyproject.toml: foo = { index = "vendor" } takes foo from the
    explicit vendor index; bar, unpinned, is never asked of it."""
    path = project(both.work / "proj", 'foo = { index = "vendor" }', indexes=vendor(lab))
    start = lab.mark()
    outcome = both.run(path, "--default-index", lab.b, uv=False)
    assert [p for p in lab.paths_since(start) if p.startswith("/v/simple/")] == ["/v/simple/foo/"]
    assert outcome.indexes == {"foo": lab.v, "bar": lab.b}
    agree(both.run(path, "--default-index", lab.b), {"foo": "9.0", "bar": "1.0"})


def test_a_pinned_project_is_not_looked_for_elsewhere(both: Runner, lab: Lab) -> None:
    """uv: a project pinned to an index that does not have it is not found (no other
    index is asked, find-links neither)."""
    text = vendor(lab).replace(lab.v, lab.status(404))
    path = project(both.work / "proj", 'foo = { index = "vendor" }', indexes=text)
    outcome = both.run(path, "--default-index", lab.b, "-f", lab.flat)
    agree(outcome, {"foo": None, "bar": "1.0"})


def test_requirements_files_are_not_pinned_but_a_project_is(both: Runner, lab: Lab) -> None:
    """uv pip: a requirements file's foo alone comes from the indexes; with the project
    that pins foo in the same run, foo is pinned for the whole run."""
    path = project(both.work / "proj", 'foo = { index = "vendor" }', indexes=vendor(lab))
    agree(both.run(["foo"], "--default-index", lab.b), {"foo": "2.0"})
    requirements = both.work / "more.in"
    requirements.write_text("foo\n")
    outcome = both.run(path, "-r", str(requirements), "--default-index", lab.b, uv=False)
    assert outcome.versions == {"foo": "9.0", "bar": "1.0"}
    if UV is not None:
        compiled = uv_compile(UV, path, both.work, [str(requirements), "--default-index", lab.b])
        assert compiled.versions == {"foo": "9.0", "bar": "1.0"}, compiled.err


def test_a_pin_to_an_undeclared_index(both: Runner, lab: Lab) -> None:
    """uv: "Package `foo` references an undeclared index: `nope`"."""
    path = project(both.work / "proj", 'foo = { index = "nope" }', indexes=vendor(lab))
    outcome = both.run(path, "--default-index", lab.b)
    assert outcome.code == 2
    assert "pinned to index 'nope', which is not declared" in outcome.err
    assert outcome.uv is None or outcome.uv.code != 0


def test_a_pin_to_an_index_of_uv_toml(both: Runner, lab: Lab) -> None:
    """uv: "indexes referenced via tool.uv.sources must be defined in the project's
    pyproject.toml", not in a uv.toml."""
    toml = config(both.work / "uv.toml", vendor(lab).replace("tool.uv.index", "index"))
    path = project(both.work / "proj", 'foo = { index = "vendor" }')
    outcome = both.run(path, "--config-file", toml, "--default-index", lab.b)
    assert outcome.code == 2
    assert "must be defined in the project's pyproject.toml" in outcome.err
    assert outcome.uv is None or outcome.uv.code != 0


def test_a_pin_to_a_named_index_on_the_command_line(both: Runner, lab: Lab) -> None:
    """uv: a pin finds an index named on the command line first."""
    path = project(both.work / "proj", 'foo = { index = "mirror" }')
    outcome = both.run(path, "--index", f"mirror={lab.a}", "--default-index", lab.b)
    agree(outcome, {"foo": "1.0", "bar": "1.0"})


def test_a_pin_with_a_marker(both: Runner, lab: Lab) -> None:
    """uv: a list of sources, each with a marker: the one that holds here applies."""
    sources = (
        "foo = [\n"
        '  { index = "vendor", marker = "python_version >= \'3\'" },\n'
        '  { index = "other", marker = "python_version < \'3\'" },\n'
        "]"
    )
    indexes = vendor(lab) + f'\n[[tool.uv.index]]\nname = "other"\nurl = "{lab.a}"\n'
    path = project(both.work / "proj", sources, indexes=indexes)
    agree(both.run(path, "--default-index", lab.b), {"foo": "9.0", "bar": "1.0"})


def test_a_pin_of_an_extra(both: Runner, lab: Lab) -> None:
    """uv: a source with extra = "x" pins the requirements of that extra only, which
    --extra x reads."""
    extras = '[project.optional-dependencies]\nx = ["baz"]'
    path = project(
        both.work / "proj",
        'baz = { index = "other", extra = "x" }',
        indexes=f'[[tool.uv.index]]\nname = "other"\nurl = "{lab.a}"\nexplicit = true\n',
        extras=extras,
    )
    agree(both.run(path, "--default-index", lab.b), {"foo": "2.0", "bar": "1.0"})
    outcome = both.run(path, "--default-index", lab.b, "--extra", "x")
    agree(outcome, {"foo": "2.0", "bar": "1.0", "baz": "1.0"})
    agree(both.run(path, "--default-index", lab.b, "--all-extras"), outcome.versions)


def test_a_git_source_is_refused_by_name(both: Runner, lab: Lab) -> None:
    """uv would clone it; an index client cannot: a configuration error naming it (uv
    fails too here, the repository being unreachable)."""
    path = project(both.work / "proj", 'bar = { git = "https://127.0.0.1:9/x.git" }')
    outcome = both.run(path, "--default-index", lab.b)
    assert outcome.code == 2
    assert "tool.uv.sources.bar" in outcome.err
    assert "a git source cannot be served" in outcome.err
    assert outcome.uv is None or outcome.uv.code != 0


# --------------------------------------------------------------------------- the library


def sdist(name: str, version: str) -> DistributionFile:
    """An sdist that is never read (choosing looks at names only)."""
    filename = f"{name}-{version}.tar.gz"
    return DistributionFile(filename, f"https://files.invalid/{filename}")


def memory(url: str, *projects: tuple[str, str], **options: bool | str) -> MemoryIndex:
    found: dict[str, list[DistributionFile]] = {}
    for name, version in projects:
        found.setdefault(name, []).append(sdist(name, version))
    return MemoryIndex(found, url=url, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("strategy", "version", "asked_b"),
    [
        ("first-index", "1.0", []),
        ("unsafe-first-match", "1.0", ["baz"]),
        ("unsafe-best-match", "3.0", ["baz"]),
    ],
)
async def test_strategies_in_memory(strategy: str, version: str, asked_b: list[str]) -> None:
    """The strategies' logic alone: with first-index the later index is never asked."""
    a = memory("memory://a/", ("baz", "1.0"))
    b = memory("memory://b/", ("baz", "3.0"), default=True)
    client = IndexClient(indexes=[a, b], environ={"UV_INDEX_STRATEGY": strategy})
    selection = await client.choose("baz")
    assert str(selection.version) == version
    assert selection.index == (b.spec if version == "3.0" else a.spec)
    assert b.asked == asked_b


async def test_an_explicit_memory_index_is_asked_only_when_pinned() -> None:
    vendor = memory("memory://vendor/", ("foo", "9.0"), name="vendor", explicit=True)
    public = memory("memory://public/", ("foo", "2.0"), default=True)
    client = IndexClient(indexes=[vendor, public], environ={})
    assert str((await client.choose("foo")).version) == "2.0"
    assert vendor.asked == []
    pinned = await client.choose("foo", index="vendor")
    assert (str(pinned.version), pinned.index) == ("9.0", vendor.spec)
    assert public.asked == ["foo"]  # not again for the pinned one


async def test_an_unknown_pin_is_refused_before_any_index_is_asked() -> None:
    public = memory("memory://public/", ("foo", "2.0"))
    client = IndexClient(indexes=[public], environ={})
    with pytest.raises(ConfigurationError, match="no index of that name is configured"):
        await client.metadata_for(["foo"], pins={"foo": "nope"})
    assert public.asked == []


async def test_find_links_in_memory_join_the_first_index() -> None:
    links = memory("memory://links/", ("foo", "5.0"), ("qux", "1.0"), find_links=True)
    a = memory("memory://a/", ("foo", "1.0"))
    client = IndexClient(indexes=[a, links], environ={})
    assert client.indexes == (a.spec,)
    assert client.find_links == (links.spec,)
    chosen = await client.choose("foo")
    assert (str(chosen.version), chosen.index) == ("5.0", links.spec)
    assert (await client.choose("foo<2")).index == a.spec
    found = await client.find("foo")
    assert found.index == a.spec
    assert [found.index_of(f).url for f in found.page.files] == ["memory://links/", "memory://a/"]
    assert (await client.find("qux")).index == links.spec


# --------------------------------------------------------------------------- no answer changed


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("how", ["flag", "variable", "unset"])
def test_no_progress(lab: Lab, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """--no-progress and UV_NO_PROGRESS: no bar on a terminal (uv's meaning; the answer
    does not change, so uv is not asked)."""
    argv = ["metadata", "foo", "--default-index", lab.b, "--no-cache", "--no-config"]
    if how == "flag":
        argv.append("--no-progress")
    elif how == "variable":
        monkeypatch.setenv("UV_NO_PROGRESS", "1")
    out, err = io.StringIO(), _Terminal()
    assert cli.run(argv, out, err) == 0, err.getvalue()
    assert ("\r" in err.getvalue()) == (how == "unset")
    assert "foo 2.0" in out.getvalue()


def test_uv_no_cache(lab: Lab, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """UV_NO_CACHE (and no-cache in uv.toml): nothing read from or written to the cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("INDEXCLIENT_CACHE_DIR", str(cache))
    argv = ["metadata", "foo", "--default-index", lab.b, "--no-config", "-q"]
    monkeypatch.setenv("UV_NO_CACHE", "1")
    assert cli.run(argv, io.StringIO(), io.StringIO()) == 0
    assert not cache.exists()
    monkeypatch.delenv("UV_NO_CACHE")
    (tmp_path / "uv.toml").write_text("no-cache = true\n")
    with_file = [*argv[:-2], "--config-file", str(tmp_path / "uv.toml"), "-q"]
    assert cli.run(with_file, io.StringIO(), io.StringIO()) == 0
    assert not cache.exists()
    assert cli.run(argv, io.StringIO(), io.StringIO()) == 0
    assert cache.is_dir()  # the control: the same run, caching


def test_offline_an_index_not_in_the_cache_is_passed_over(
    both: Runner, lab: Lab, tmp_path: Path
) -> None:
    """uv, offline: an index whose page is not cached counts as not having the project,
    so the next index's cached page answers; with none cached, the run fails."""
    cache = tmp_path / "cache"
    argv = ["metadata", "foo", "--json", "--cache-dir", str(cache), "--no-config", "-q"]
    out = io.StringIO()
    assert cli.run([*argv, "--default-index", lab.b], out, io.StringIO()) == 0
    offline = [*argv, "--offline", "--index", lab.a, "--default-index", lab.b]
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(offline, out, err) == 0, err.getvalue()
    assert [(e["version"], e["index"]) for e in json.loads(out.getvalue())] == [("2.0", lab.b)]
    out, err = io.StringIO(), io.StringIO()
    assert cli.run([*argv, "--offline", "--default-index", lab.a], out, err) != 0
    assert "offline mode, and this is not in the cache" in err.getvalue()
    if UV is not None:
        src = tmp_path / "requirements.in"
        src.write_text("foo\n")
        filled = uv_compile(UV, src, tmp_path, ["--default-index", lab.b], cache=True)
        assert filled.versions == {"foo": "2.0"}, filled.err
        args = ["--offline", "--index", lab.a, "--default-index", lab.b]
        compiled = uv_compile(UV, src, tmp_path, args, cache=True)
        assert compiled.versions == {"foo": "2.0"}, compiled.err
        args = ["--offline", "--default-index", lab.a]
        assert uv_compile(UV, src, tmp_path, args, cache=True).code != 0


def test_only_explicit_indexes_serve_the_pinned_projects(both: Runner, lab: Lab) -> None:
    """A configuration of explicit indexes alone serves the pins; any other project is
    the configuration error (uv would ask its built-in default, indexclient has none)."""
    path = project(both.work / "proj", 'foo = { index = "vendor" }', indexes=vendor(lab))
    outcome = both.run(path, uv=False)
    assert outcome.versions == {"foo": "9.0", "bar": None}
    assert "every configured index is explicit" in outcome.err


def test_no_index_leaves_out_pinned_indexes_too(both: Runner, lab: Lab) -> None:
    """uv: "If --no-index is specified, avoid fetching regardless of whether the index is
    implicit, explicit, etc.": a pinned project fails rather than reach its index."""
    path = project(both.work / "proj", 'foo = { index = "vendor" }', indexes=vendor(lab))
    start = lab.mark()
    outcome = both.run(path, "--no-index", "-f", lab.flat)
    assert outcome.code == 2
    assert "no index is used (--no-index), pinned ones included" in outcome.err
    assert outcome.uv is None or outcome.uv.code != 0
    assert not [p for p in lab.paths_since(start) if p.startswith("/v/")]


async def test_the_library_reads_a_project_and_its_pins(lab: Lab, tmp_path: Path) -> None:
    """read_pyproject + metadata_for(pins=...): what -r pyproject.toml does, as an API."""
    path = project(tmp_path / "proj", 'foo = { index = "vendor" }', indexes=vendor(lab))
    settings = Settings.load({}, default_index=lab.b)
    read = read_pyproject(str(path), settings=settings)
    assert read.requirements == ("foo", "bar")
    assert {name: spec.url for name, spec in read.pins.items()} == {"foo": lab.v}
    async with IndexClient(settings=settings) as client:
        results = await client.metadata_for(list(read.requirements), pins=read.pins)
    assert [(r.version, r.index) for r in results if isinstance(r, MetadataResult)] == [
        (Version("9.0"), read.pins["foo"]),
        (Version("1.0"), settings.index_url),
    ]
