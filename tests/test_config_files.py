"""uv-compatible configuration files: discovery, validation, precedence and writing.

Every test passes its own ``environ`` (HOME, XDG_CONFIG_HOME and XDG_CONFIG_DIRS inside
``tmp_path``) and ``system_fallback``, so the real home and /etc are never read.
"""

from __future__ import annotations

import os
import stat
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from indexclient.errors import ConfigProblem, ConfigurationError
from indexclient.settings import Origin, Value
from indexclient.settings.files import (
    SETTABLE_KEYS,
    ConfigFile,
    Discovery,
    FileValues,
    IndexEntry,
    discover,
    merged,
    project_config_path,
    read_file,
    set_value,
    user_config_path,
)
from indexclient.settings.files._discover import _system_config_file, _user_config_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 gets tomli from the project's dependencies
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

URL = "https://index.example/simple"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def env(tmp_path: Path, home: Path) -> dict[str, str]:
    """An environment pointing every location into tmp_path (nothing exists yet)."""
    return {"HOME": str(home), "XDG_CONFIG_DIRS": str(tmp_path / "xdg-system")}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    return directory


def find(
    cwd: Path,
    environ: Mapping[str, str],
    *,
    config_file: str | Path | None = None,
    no_config: bool = False,
    system_fallback: Path | None = None,
) -> Discovery:
    """discover() with no /etc/uv/uv.toml fallback unless one is given."""
    return discover(
        cwd,
        environ,
        config_file=config_file,
        no_config=no_config,
        system_fallback=system_fallback,
    )


def only(discovery: Discovery) -> ConfigFile:
    assert discovery.problems == ()
    (found,) = discovery.files
    return found


def user_file(home: Path) -> Path:
    return home / ".config" / "uv" / "uv.toml"


def messages(found: ConfigFile | Discovery) -> list[str]:
    return [str(p) for p in found.problems]


# --------------------------------------------------------------------------- discovery


def test_nothing_found(project: Path, env: dict[str, str]) -> None:
    assert find(project, env) == Discovery()


def test_project_uv_toml_found_from_a_subdirectory(project: Path, env: dict[str, str]) -> None:
    config = write(project / "uv.toml", "offline = true\n")
    cwd = project / "src" / "pkg"
    cwd.mkdir(parents=True)
    found = only(find(cwd, env))
    assert found.path == str(config)
    assert found.scope == "project"
    assert found.values.offline == Value(True, Origin("file", "offline", str(config)))


def test_search_stops_at_the_nearest_directory(project: Path, env: dict[str, str]) -> None:
    write(project / "uv.toml", "offline = true\n")
    inner = write(project / "sub" / "uv.toml", "offline = false\n")
    found = only(find(project / "sub", env))
    assert found.path == str(inner)
    assert found.values.offline is not None
    assert found.values.offline.value is False


def test_uv_toml_beats_pyproject_in_the_same_directory(project: Path, env: dict[str, str]) -> None:
    config = write(project / "uv.toml", "offline = true\n")
    write(project / "pyproject.toml", "[tool.uv]\noffline = false\n")
    discovery = find(project, env)
    found = only(discovery)
    assert found.path == str(config)
    assert found.values.offline is not None
    assert found.values.offline.value is True
    (warning,) = discovery.warnings
    assert "[tool.uv]" in warning
    assert "ignored" in warning


def test_uv_toml_beside_a_plain_pyproject_gives_no_warning(
    project: Path, env: dict[str, str]
) -> None:
    write(project / "uv.toml", "offline = true\n")
    write(project / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find(project, env).warnings == ()


def test_pyproject_with_tool_uv_is_read(project: Path, env: dict[str, str]) -> None:
    config = write(
        project / "pyproject.toml",
        """\
        [project]
        name = "demo"

        [tool.uv]
        index-url = "https://index.example/simple"
        """,
    )
    found = only(find(project, env))
    assert found.path == str(config)
    assert found.is_pyproject
    assert found.values.index_url == Value(URL, Origin("file", "tool.uv.index-url", str(config)))


def test_pyproject_without_tool_uv_is_skipped(project: Path, env: dict[str, str]) -> None:
    outer = write(project / "uv.toml", "offline = true\n")
    write(project / "pkg" / "pyproject.toml", "[project]\nname = 'x'\n[tool.ruff]\nx = 1\n")
    found = only(find(project / "pkg", env))
    assert found.path == str(outer)


def test_invalid_pyproject_stops_the_search_with_a_problem(
    project: Path, env: dict[str, str]
) -> None:
    write(project / "uv.toml", "offline = true\n")
    bad = write(project / "pkg" / "pyproject.toml", "[project\n")
    discovery = find(project / "pkg", env)
    (found,) = discovery.files
    assert found.path == str(bad)
    (problem,) = discovery.problems
    assert problem.origin == str(bad)
    assert "invalid TOML" in problem.message


def test_tool_uv_not_a_table_is_a_problem(project: Path, env: dict[str, str]) -> None:
    bad = write(project / "pyproject.toml", "[tool]\nuv = 3\n")
    discovery = find(project, env)
    assert messages(discovery) == [f"tool.uv in {bad}: expected a table, got an integer (3)"]


def test_user_config_from_xdg_config_home(tmp_path: Path, project: Path) -> None:
    config = write(tmp_path / "xdg" / "uv" / "uv.toml", "offline = true\n")
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "nohome")}
    found = only(find(project, environ))
    assert (found.path, found.scope) == (str(config), "user")


def test_user_config_from_home(home: Path, project: Path, env: dict[str, str]) -> None:
    config = write(user_file(home), "offline = true\n")
    found = only(find(project, env))
    assert (found.path, found.scope) == (str(config), "user")


def test_relative_xdg_config_home_is_ignored(
    home: Path, project: Path, env: dict[str, str]
) -> None:
    config = write(user_file(home), "offline = true\n")
    write(project / "relative" / "uv" / "uv.toml", "offline = false\n")
    found = only(find(project, {**env, "XDG_CONFIG_HOME": "relative"}))
    assert found.path == str(config)


def test_no_home_means_no_user_file(project: Path) -> None:
    assert find(project, {}).files == ()


def test_system_config_first_existing_xdg_dir_wins(tmp_path: Path, project: Path) -> None:
    write(tmp_path / "two" / "uv" / "uv.toml", "offline = false\n")
    config = write(tmp_path / "three" / "uv" / "uv.toml", "offline = true\n")
    dirs = os.pathsep.join(str(tmp_path / d) for d in ("one", "three", "two"))
    found = only(find(project, {"XDG_CONFIG_DIRS": dirs}))
    assert (found.path, found.scope) == (str(config), "system")


def test_system_xdg_list_ends_at_an_empty_entry(tmp_path: Path, project: Path) -> None:
    write(tmp_path / "late" / "uv" / "uv.toml", "offline = true\n")
    dirs = f"{tmp_path / 'none'}::{tmp_path / 'late'}"
    assert find(project, {"XDG_CONFIG_DIRS": dirs}).files == ()


def test_system_fallback_when_no_xdg_dir_has_one(
    tmp_path: Path, project: Path, env: dict[str, str]
) -> None:
    fallback = write(tmp_path / "etc" / "uv" / "uv.toml", "offline = true\n")
    found = only(find(project, env, system_fallback=fallback))
    assert (found.path, found.scope) == (str(fallback), "system")


def test_files_in_precedence_order(
    tmp_path: Path, home: Path, project: Path, env: dict[str, str]
) -> None:
    write(project / "uv.toml", "offline = true\n")
    write(user_file(home), "offline = true\n")
    write(tmp_path / "xdg-system" / "uv" / "uv.toml", "offline = true\n")
    assert [f.scope for f in find(project, env).files] == ["project", "user", "system"]


def test_the_same_file_is_read_once(home: Path, env: dict[str, str]) -> None:
    config = write(user_file(home), "offline = true\n")
    found = only(find(config.parent, env))
    assert found.scope == "project"


# --------------------------------------------------------------------------- --config-file


def test_config_file_replaces_every_discovered_file(
    tmp_path: Path, home: Path, project: Path, env: dict[str, str]
) -> None:
    write(project / "uv.toml", "offline = true\n")
    write(user_file(home), "concurrent-downloads = 3\n")
    write(tmp_path / "xdg-system" / "uv" / "uv.toml", "index-url = 'https://s.example/simple'\n")
    explicit = write(tmp_path / "elsewhere.toml", "offline = false\n")
    found = only(find(project, env, config_file=explicit))
    assert (found.path, found.scope) == (str(explicit), "explicit")
    assert found.values.concurrent_downloads is None
    assert found.values.index_url is None


def test_config_file_relative_to_cwd(project: Path, env: dict[str, str]) -> None:
    explicit = write(project / "conf" / "my.toml", "offline = true\n")
    found = only(find(project, env, config_file="conf/my.toml"))
    assert found.path == str(explicit)


def test_config_file_from_uv_config_file(tmp_path: Path, project: Path) -> None:
    explicit = write(tmp_path / "my.toml", "offline = true\n")
    found = only(find(project, {"UV_CONFIG_FILE": str(explicit)}))
    assert (found.path, found.scope) == (str(explicit), "explicit")


def test_missing_config_file_is_a_problem(tmp_path: Path, project: Path) -> None:
    missing = tmp_path / "missing.toml"
    assert messages(find(project, {}, config_file=missing)) == [
        f"--config-file {missing}: the file does not exist"
    ]
    assert messages(find(project, {"UV_CONFIG_FILE": str(missing)})) == [
        f"UV_CONFIG_FILE={missing} (environment): the file does not exist"
    ]


def test_config_file_named_pyproject_is_read_as_uv_toml(tmp_path: Path, project: Path) -> None:
    explicit = write(tmp_path / "pyproject.toml", "offline = true\n[tool.uv]\nx = 1\n")
    discovery = find(project, {}, config_file=explicit)
    found = only(discovery)
    assert not found.is_pyproject
    assert found.values.offline == Value(True, Origin("file", "offline", str(explicit)))
    (warning,) = discovery.warnings
    assert "expects a uv.toml" in warning


# --------------------------------------------------------------------------- --no-config


@pytest.mark.parametrize(
    ("no_config", "environ"),
    [
        (True, {}),
        (False, {"UV_NO_CONFIG": "1"}),
        (False, {"UV_NO_CONFIG": "TRUE"}),
        (True, {"UV_NO_CONFIG": "0"}),
    ],
)
def test_no_config_reads_no_file(
    home: Path,
    project: Path,
    env: dict[str, str],
    no_config: bool,
    environ: dict[str, str],
) -> None:
    write(project / "uv.toml", "offline = true\n")
    write(user_file(home), "offline = true\n")
    assert find(project, {**env, **environ}, no_config=no_config) == Discovery()


@pytest.mark.parametrize("word", ["0", "false", "No", "off"])
def test_uv_no_config_false_reads_files(project: Path, env: dict[str, str], word: str) -> None:
    write(project / "uv.toml", "offline = true\n")
    assert len(find(project, {**env, "UV_NO_CONFIG": word}).files) == 1


@pytest.mark.parametrize("word", ["", "maybe", "2"])
def test_uv_no_config_not_a_boolean_is_a_problem(
    project: Path, env: dict[str, str], word: str
) -> None:
    write(project / "uv.toml", "offline = true\n")
    discovery = find(project, {**env, "UV_NO_CONFIG": word})
    (problem,) = discovery.problems
    assert problem.origin == f"UV_NO_CONFIG={word!r} (environment)"
    assert "not a boolean" in problem.message
    assert len(discovery.files) == 1  # still read, so that all problems show at once


def test_explicit_config_file_applies_despite_no_config(tmp_path: Path, project: Path) -> None:
    explicit = write(tmp_path / "my.toml", "offline = true\n")
    write(project / "uv.toml", "offline = false\n")
    for no_config, environ in ((True, {}), (False, {"UV_NO_CONFIG": "yes"})):
        found = only(find(project, environ, config_file=explicit, no_config=no_config))
        assert found.path == str(explicit)


# --------------------------------------------------------------------------- keys


def test_every_key_read(project: Path, env: dict[str, str]) -> None:
    config = write(
        project / "uv.toml",
        """\
        system-certs = true
        allow-insecure-host = ["mirror.example:8443", "https://[::1]:9000/x", "*"]
        index-url = "https://index.example/simple"
        extra-index-url = ["https://extra.example/simple", "file:///srv/wheels"]
        concurrent-downloads = 8
        offline = false
        link-mode = "copy"  # another uv key: ignored

        [[index]]
        name = "corp"
        url = "https://corp.example/simple"
        default = true

        [[index]]
        url = "http://local.example:8080/simple"
        """,
    )
    path = str(config)

    def origin(key: str) -> Origin:
        return Origin("file", key, path)

    values = only(find(project, env)).values
    hosts = origin("allow-insecure-host")
    extra = origin("extra-index-url")
    assert values == FileValues(
        system_certs=Value(True, origin("system-certs")),
        allow_insecure_host=(
            Value("mirror.example:8443", hosts),
            Value("https://[::1]:9000/x", hosts),
            Value("*", hosts),
        ),
        index_url=Value(URL, origin("index-url")),
        extra_index_url=(
            Value("https://extra.example/simple", extra),
            Value("file:///srv/wheels", extra),
        ),
        indexes=(
            Value(IndexEntry("https://corp.example/simple", "corp", True), origin("[[index]] #1")),
            Value(IndexEntry("http://local.example:8080/simple"), origin("[[index]] #2")),
        ),
        concurrent_downloads=Value(8, origin("concurrent-downloads")),
        offline=Value(False, origin("offline")),
    )
    assert str(values.indexes[0].origin) == f"[[index]] #1 in {path}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('system-certs = "yes"', "system-certs: expected a boolean (true or false), got a string"),
        ("system-certs = 1", "system-certs: expected a boolean (true or false), got an integer"),
        ("native-tls = []", "native-tls: expected a boolean (true or false), got a list"),
        ("offline = 0", "offline: expected a boolean (true or false), got an integer (0)"),
        (
            "allow-insecure-host = 3",
            "allow-insecure-host: expected a list of strings, got an integer (3)",
        ),
        (
            'allow-insecure-host = "h.example"',
            "allow-insecure-host: expected a list of strings, got a string ('h.example') "
            '(write allow-insecure-host = ["h.example"])',
        ),
        (
            'allow-insecure-host = ["ok.example", 5]',
            "allow-insecure-host: expected a list of strings, got an integer (5) as item 2",
        ),
        (
            'allow-insecure-host = ["bad host"]',
            "allow-insecure-host: invalid allow-insecure-host entry 'bad host'",
        ),
        (
            'allow-insecure-host = ["ftp://h.example"]',
            "allow-insecure-host: invalid allow-insecure-host entry 'ftp://h.example': "
            "unsupported scheme",
        ),
        ("index-url = 3", "index-url: expected a URL string, got an integer (3)"),
        (
            'index-url = "ftp://index.example/simple"',
            "index-url: expected an http, https or file URL, got scheme 'ftp'",
        ),
        (
            'index-url = "index.example/simple"',
            "index-url: expected an http, https or file URL, got no scheme",
        ),
        ('index-url = "https:///simple"', "index-url: the https URL has no host"),
        ('index-url = "https://h.example:99999/"', "index-url: cannot parse the URL"),
        ('index-url = "https://h.example/a b"', "index-url: the URL contains whitespace"),
        ('index-url = ""', "index-url: the URL is empty"),
        (
            'extra-index-url = "https://e.example/simple"',
            "extra-index-url: expected a list of URL strings, got a string",
        ),
        (
            'extra-index-url = ["mailto:x@e.example"]',
            "extra-index-url: expected an http, https or file URL, got scheme 'mailto'",
        ),
        (
            "concurrent-downloads = 0",
            "concurrent-downloads: expected a positive integer, got 0",
        ),
        ("concurrent-downloads = -2", "concurrent-downloads: expected a positive integer, got -2"),
        (
            "concurrent-downloads = 2.5",
            "concurrent-downloads: expected a positive integer, got a float (2.5)",
        ),
        (
            "concurrent-downloads = true",
            "concurrent-downloads: expected a positive integer, got a boolean (true)",
        ),
        (
            "concurrent-downloads = 1979-05-27",
            "concurrent-downloads: expected a positive integer, got a date",
        ),
        ("index = 1", "index: expected an array of tables ([[index]]), got an integer (1)"),
        ("index = [1]", "[[index]] #1: expected a table, got an integer (1)"),
        ("[[index]]\nname = 'x'", "[[index]] #1: missing the required key url"),
        ("[[index]]\nurl = 1", "[[index]] #1: url: expected a URL string, got an integer"),
        (
            "[[index]]\nurl = 'https://i.example/'\nname = 'a b'",
            "[[index]] #1: name: 'a b' is not a valid index name",
        ),
        (
            "[[index]]\nurl = 'https://i.example/'\nname = 3",
            "[[index]] #1: name: expected a string, got an integer (3)",
        ),
        (
            "[[index]]\nurl = 'https://i.example/'\ndefault = 'yes'",
            "[[index]] #1: default: expected a boolean (true or false), got a string",
        ),
        ("pip = 1", "pip: expected a table, got an integer (1)"),
        ("[pip]\nindex-url = 2", "pip.index-url: expected a URL string, got an integer (2)"),
        (
            "[pip]\nallow-insecure-host = [true]",
            "pip.allow-insecure-host: expected a list of strings, got a boolean (true) as item 1",
        ),
    ],
)
def test_wrong_type_or_value_names_file_key_and_expectation(
    project: Path, env: dict[str, str], line: str, expected: str
) -> None:
    config = write(project / "uv.toml", line + "\n")
    discovery = find(project, env)
    (problem,) = discovery.problems
    key, _, message = expected.partition(": ")
    assert problem.origin == f"{key} in {config}"
    assert problem.message.startswith(message)
    # An invalid value is left out; only valid list entries remain.
    assert discovery.merged().allow_insecure_host in (
        (),
        (Value("ok.example", problem_origin(config)),),
    )
    assert discovery.merged().offline is None


def problem_origin(config: Path) -> Origin:
    return Origin("file", "allow-insecure-host", str(config))


def test_pyproject_problems_name_the_tool_uv_key(project: Path, env: dict[str, str]) -> None:
    config = write(
        project / "pyproject.toml",
        "[tool.uv]\noffline = 'no'\n[[tool.uv.index]]\nurl = 3\n[tool.uv.pip]\nindex-url = 1\n",
    )
    origins = sorted(p.origin for p in find(project, env).problems)
    assert origins == sorted(
        [
            f"tool.uv.offline in {config}",
            f"[[tool.uv.index]] #1 in {config}",
            f"tool.uv.pip.index-url in {config}",
        ]
    )


def test_url_password_is_not_shown(project: Path, env: dict[str, str]) -> None:
    write(project / "uv.toml", 'index-url = "ftp://user:s3cret@index.example/simple"\n')
    (problem,) = find(project, env).problems
    assert "s3cret" not in str(problem)
    assert "user:****@index.example" in problem.message


def test_one_file_reports_all_its_problems(project: Path, env: dict[str, str]) -> None:
    config = write(
        project / "uv.toml",
        """\
        system-certs = "yes"
        allow-insecure-host = 3
        index-url = "ftp://index.example/simple"
        concurrent-downloads = 0
        offline = true
        """,
    )
    discovery = find(project, env)
    assert sorted(p.origin for p in discovery.problems) == sorted(
        f"{key} in {config}"
        for key in ("system-certs", "allow-insecure-host", "index-url", "concurrent-downloads")
    )
    # The valid key is still read.
    assert discovery.merged().offline == Value(True, Origin("file", "offline", str(config)))


def test_problems_of_two_files_together(home: Path, project: Path, env: dict[str, str]) -> None:
    project_config = write(project / "uv.toml", "offline = 'x'\n")
    user_config = write(user_file(home), "allow-insecure-host = ['a b', 'ok.example', '']\n")
    discovery = find(project, env)
    assert [p.origin for p in discovery.problems] == [
        f"offline in {project_config}",
        f"allow-insecure-host in {user_config}",
        f"allow-insecure-host in {user_config}",
    ]
    with pytest.raises(ConfigurationError) as caught:
        raise ConfigurationError(discovery.problems)
    assert "3 configuration errors" in str(caught.value)
    assert discovery.merged().allow_insecure_host == (
        Value("ok.example", Origin("file", "allow-insecure-host", str(user_config))),
    )


def test_invalid_toml_names_the_file_and_the_line(project: Path, env: dict[str, str]) -> None:
    config = write(project / "uv.toml", "offline = true\nindex-url = \n")
    discovery = find(project, env)
    (problem,) = discovery.problems
    assert problem.origin == str(config)
    assert problem.message.startswith("invalid TOML: ")
    assert "line 2" in problem.message
    assert discovery.files[0].values == FileValues()


def test_not_utf8_is_a_problem(project: Path, env: dict[str, str]) -> None:
    (project / "uv.toml").write_bytes(b"offline = true # \xff\n")
    (problem,) = find(project, env).problems
    assert "UTF-8" in problem.message or "invalid TOML" in problem.message


def test_unreadable_file_is_a_problem(
    project: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(project / "uv.toml", "offline = true\n")
    real_open = os.open

    def deny(path: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(path) == str(config):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)  # the tests run as root: chmod would not deny
    (problem,) = find(project, env).problems
    assert problem == ConfigProblem(str(config), "permission denied")


def test_read_file_on_a_directory(tmp_path: Path) -> None:
    found = read_file(tmp_path, "explicit")
    assert found.problems == (
        ConfigProblem(str(tmp_path), "it is a directory, not a regular file"),
    )


def test_native_tls_is_a_deprecated_alias(project: Path, env: dict[str, str]) -> None:
    config = write(project / "uv.toml", "native-tls = true\n")
    discovery = find(project, env)
    assert discovery.problems == ()
    assert discovery.merged().system_certs == Value(True, Origin("file", "native-tls", str(config)))
    (warning,) = discovery.warnings
    assert warning == f"native-tls in {config} is deprecated; use system-certs instead"


def test_system_certs_wins_over_native_tls_in_one_file(project: Path, env: dict[str, str]) -> None:
    config = write(project / "uv.toml", "native-tls = true\nsystem-certs = false\n")
    discovery = find(project, env)
    assert discovery.merged().system_certs == Value(
        False, Origin("file", "system-certs", str(config))
    )
    assert len(discovery.warnings) == 1


def test_two_default_indexes_is_a_problem(project: Path, env: dict[str, str]) -> None:
    config = write(
        project / "uv.toml",
        """\
        [[index]]
        url = "https://a.example/simple"
        default = true
        [[index]]
        url = "https://b.example/simple"
        [[index]]
        url = "https://c.example/simple"
        default = true
        """,
    )
    assert messages(find(project, env)) == [
        f"[[index]] in {config}: more than one index has default = true (#1, #3); at most one may"
    ]


# --------------------------------------------------------------------------- [pip]


def test_pip_table_is_a_fallback(project: Path, env: dict[str, str]) -> None:
    config = write(
        project / "uv.toml",
        """\
        [pip]
        index-url = "https://index.example/simple"
        system-certs = true
        extra-index-url = ["https://extra.example/simple"]
        allow-insecure-host = ["p.example"]
        """,
    )

    def origin(key: str) -> Origin:
        return Origin("file", key, str(config))

    values = only(find(project, env)).values
    assert values.index_url == Value(URL, origin("pip.index-url"))
    assert values.system_certs == Value(True, origin("pip.system-certs"))
    assert values.extra_index_url == (
        Value("https://extra.example/simple", origin("pip.extra-index-url")),
    )
    assert values.allow_insecure_host == (Value("p.example", origin("pip.allow-insecure-host")),)


def test_pip_wins_over_the_top_level_and_lists_concatenate(
    project: Path, env: dict[str, str]
) -> None:
    # uv pip's reading (tests/test_index_model.py runs uv on it).
    config = write(
        project / "pyproject.toml",
        """\
        [tool.uv]
        index-url = "https://top.example/simple"
        native-tls = false
        allow-insecure-host = ["top.example"]

        [tool.uv.pip]
        index-url = "https://pip.example/simple"
        native-tls = true
        allow-insecure-host = ["pip.example"]
        """,
    )
    discovery = find(project, env)
    values = only(discovery).values
    path = str(config)
    assert values.index_url == Value(
        "https://pip.example/simple", Origin("file", "tool.uv.pip.index-url", path)
    )
    assert values.system_certs == Value(True, Origin("file", "tool.uv.pip.native-tls", path))
    assert [v.value for v in values.allow_insecure_host] == ["pip.example", "top.example"]
    assert len(discovery.warnings) == 2  # native-tls, twice


# --------------------------------------------------------------------------- precedence


def test_precedence_project_user_system(
    tmp_path: Path, home: Path, project: Path, env: dict[str, str]
) -> None:
    project_config = write(
        project / "uv.toml",
        """\
        offline = true
        allow-insecure-host = ["p.example", "shared.example"]
        extra-index-url = ["https://p.example/simple"]
        [[index]]
        url = "https://p.example/index"
        """,
    )
    user_config = write(
        user_file(home),
        """\
        offline = false
        system-certs = true
        allow-insecure-host = ["u.example", "SHARED.example"]
        extra-index-url = ["https://u.example/simple", "https://p.example/simple"]
        [[index]]
        url = "https://u.example/index"
        default = true
        """,
    )
    system_config = write(
        tmp_path / "xdg-system" / "uv" / "uv.toml",
        """\
        system-certs = false
        concurrent-downloads = 4
        index-url = "https://index.example/simple"
        allow-insecure-host = ["s.example"]
        [[index]]
        url = "https://s.example/index"
        default = true
        """,
    )
    discovery = find(project, env)
    assert discovery.problems == ()
    values = discovery.merged()

    def origin(key: str, path: Path) -> Origin:
        return Origin("file", key, str(path))

    assert values.offline == Value(True, origin("offline", project_config))
    assert values.system_certs == Value(True, origin("system-certs", user_config))
    assert values.concurrent_downloads == Value(4, origin("concurrent-downloads", system_config))
    assert values.index_url == Value(URL, origin("index-url", system_config))
    assert values.allow_insecure_host == (
        Value("p.example", origin("allow-insecure-host", project_config)),
        Value("shared.example", origin("allow-insecure-host", project_config)),
        Value("u.example", origin("allow-insecure-host", user_config)),
        Value("s.example", origin("allow-insecure-host", system_config)),
    )
    assert [v.value for v in values.extra_index_url] == [
        "https://p.example/simple",
        "https://u.example/simple",
    ]
    assert [(v.value.url, v.origin.path) for v in values.indexes] == [
        ("https://p.example/index", str(project_config)),
        ("https://u.example/index", str(user_config)),
        ("https://s.example/index", str(system_config)),
    ]


def test_merged_of_nothing() -> None:
    assert merged([]) == FileValues()


# --------------------------------------------------------------------------- paths


def test_user_config_path(tmp_path: Path, home: Path) -> None:
    assert user_config_path({"HOME": str(home)}) == user_file(home)
    xdg = tmp_path / "xdg"
    assert user_config_path({"HOME": str(home), "XDG_CONFIG_HOME": str(xdg)}) == (
        xdg / "uv" / "uv.toml"
    )
    with pytest.raises(ConfigurationError, match="XDG_CONFIG_HOME or HOME"):
        user_config_path({})


def test_project_config_path(project: Path) -> None:
    assert project_config_path(project) == project / "uv.toml"
    pyproject = write(project / "pyproject.toml", "[tool.uv]\noffline = true\n")
    sub = project / "sub"
    sub.mkdir()
    assert project_config_path(sub) == pyproject
    write(sub / "pyproject.toml", "[project]\nname = 'x'\n")
    assert project_config_path(sub) == pyproject
    uv_toml = write(project / "uv.toml", "")
    assert project_config_path(sub) == uv_toml


def test_windows_locations(tmp_path: Path) -> None:
    appdata = tmp_path / "AppData"
    assert _user_config_file({"APPDATA": str(appdata)}, windows=True) == (
        appdata / "uv" / "uv.toml"
    )
    assert _user_config_file({"HOME": str(tmp_path)}, windows=True) is None
    assert _system_config_file({}, None, windows=True) is None


# --------------------------------------------------------------------------- writing


def read_back(path: Path, environ: Mapping[str, str]) -> FileValues:
    discovery = find(path.parent, environ, config_file=path)
    assert discovery.problems == ()
    return discovery.merged()


def no_temporary_files(directory: Path) -> bool:
    return all(not p.name.endswith(".tmp") for p in directory.iterdir())


@pytest.mark.parametrize(
    ("key", "raw", "attribute", "expected"),
    [
        ("system-certs", "yes", "system_certs", True),
        ("system-certs", "OFF", "system_certs", False),
        ("offline", "1", "offline", True),
        ("concurrent-downloads", " 12 ", "concurrent_downloads", 12),
        ("index-url", URL, "index_url", URL),
    ],
)
def test_set_scalar_round_trip(
    project: Path, key: str, raw: str, attribute: str, expected: object
) -> None:
    config = project / "uv.toml"
    set_value(config, key, raw)
    value = getattr(read_back(config, {}), attribute)
    assert value == Value(expected, Origin("file", key, str(config)))
    assert no_temporary_files(project)


def test_set_keeps_other_keys_and_replaces_the_value(project: Path) -> None:
    config = write(
        project / "uv.toml",
        """\
        # a comment tomli_w cannot keep
        offline = true
        link-mode = "copy"
        [[index]]
        url = "https://corp.example/simple"
        [pip]
        index-url = "https://pip.example/simple"
        """,
    )
    set_value(config, "offline", "false")
    text = config.read_text(encoding="utf-8")
    assert 'link-mode = "copy"' in text
    values = read_back(config, {})
    assert values.offline is not None
    assert values.offline.value is False
    assert [i.value.url for i in values.indexes] == ["https://corp.example/simple"]
    assert values.index_url is not None
    assert values.index_url.value == "https://pip.example/simple"


@pytest.mark.parametrize(
    ("key", "first", "second", "expected"),
    [
        (
            "allow-insecure-host",
            "a.example, b.example:8443",
            "B.EXAMPLE:8443 c.example\n",
            ["a.example", "b.example:8443", "c.example"],
        ),
        (
            "extra-index-url",
            "https://a.example/simple",
            "https://b.example/simple,https://a.example/simple",
            ["https://a.example/simple", "https://b.example/simple"],
        ),
    ],
)
def test_set_list_appends_without_duplicates(
    project: Path, key: str, first: str, second: str, expected: list[str]
) -> None:
    config = project / "uv.toml"
    set_value(config, key, first)
    set_value(config, key, second)
    values = read_back(config, {})
    found = getattr(values, key.replace("-", "_"))
    assert [v.value for v in found] == expected


def test_set_in_pyproject_keeps_the_project_table(project: Path, env: dict[str, str]) -> None:
    pyproject = write(
        project / "pyproject.toml",
        """\
        [project]
        name = "demo"
        dependencies = ["aiohttp>=3.10"]

        [tool.ruff]
        line-length = 100
        """,
    )
    set_value(pyproject, "allow-insecure-host", "mirror.example")
    set_value(pyproject, "system-certs", "true")
    document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    assert document["project"] == {"name": "demo", "dependencies": ["aiohttp>=3.10"]}
    assert document["tool"]["ruff"] == {"line-length": 100}
    assert document["tool"]["uv"] == {
        "allow-insecure-host": ["mirror.example"],
        "system-certs": True,
    }
    # Now it has [tool.uv], discovery finds it.
    found = only(find(project, env))
    assert found.values.system_certs == Value(
        True, Origin("file", "tool.uv.system-certs", str(pyproject))
    )


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("system-certs", "maybe", "'maybe' is not a boolean"),
        ("offline", "", "'' is not a boolean"),
        ("concurrent-downloads", "0", "expected a positive integer, got 0"),
        ("concurrent-downloads", "-1", "expected a positive integer, got '-1'"),
        ("concurrent-downloads", "many", "expected a positive integer, got 'many'"),
        ("index-url", "ftp://index.example/", "expected an http, https or file URL"),
        ("index-url", "", "the URL is empty"),
        ("extra-index-url", "https://ok.example/ index.example", "got no scheme"),
        ("allow-insecure-host", "ok.example bad_host:x", "invalid allow-insecure-host entry"),
        ("allow-insecure-host", " , ", "no entry given"),
    ],
)
def test_set_invalid_value_leaves_the_file_unchanged(
    project: Path, key: str, raw: str, message: str
) -> None:
    config = write(project / "uv.toml", "# keep me\noffline = true\n")
    before = config.read_bytes()
    with pytest.raises(ConfigurationError) as caught:
        set_value(config, key, raw)
    (problem,) = caught.value.problems
    assert problem.origin == f"{key} in {config}"
    assert message in problem.message
    assert config.read_bytes() == before
    assert no_temporary_files(project)


def test_set_unknown_key_lists_the_supported_keys(project: Path) -> None:
    config = project / "uv.toml"
    with pytest.raises(ConfigurationError) as caught:
        set_value(config, "link-mode", "copy")
    message = caught.value.problems[0].message
    assert "unknown key 'link-mode'" in message
    assert all(key in message for key in SETTABLE_KEYS)
    assert not config.exists()
    with pytest.raises(ConfigurationError, match="native-tls is deprecated"):
        set_value(config, "native-tls", "true")


def test_set_refuses_an_invalid_existing_file(project: Path) -> None:
    config = write(project / "uv.toml", "offline = \n")
    before = config.read_bytes()
    with pytest.raises(ConfigurationError, match=r"invalid TOML.*line 1"):
        set_value(config, "offline", "true")
    assert config.read_bytes() == before


def test_set_refuses_to_append_to_a_non_list(project: Path) -> None:
    config = write(project / "uv.toml", "allow-insecure-host = 'h.example'\n")
    before = config.read_bytes()
    with pytest.raises(ConfigurationError, match="cannot append"):
        set_value(config, "allow-insecure-host", "other.example")
    assert config.read_bytes() == before


def test_set_refuses_a_tool_that_is_not_a_table(project: Path) -> None:
    pyproject = write(project / "pyproject.toml", "tool = 3\n")
    with pytest.raises(ConfigurationError) as caught:
        set_value(pyproject, "offline", "true")
    assert caught.value.problems[0].origin == f"tool in {pyproject}"


def test_set_creates_the_user_directory(home: Path) -> None:
    config = user_config_path({"HOME": str(home)})
    set_value(config, "offline", "yes")
    assert config.read_text(encoding="utf-8") == "offline = true\n"
    assert no_temporary_files(config.parent)


def test_set_keeps_permissions(project: Path) -> None:
    config = write(project / "uv.toml", "offline = true\n")
    config.chmod(0o640)
    set_value(config, "offline", "no")
    assert stat.S_IMODE(config.stat().st_mode) == 0o640


def test_set_writes_through_a_symlink(project: Path, tmp_path: Path) -> None:
    real = write(tmp_path / "real" / "uv.toml", "offline = true\n")
    link = project / "uv.toml"
    link.symlink_to(real)
    set_value(link, "offline", "no")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "offline = false\n"


def test_failed_write_leaves_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(project / "uv.toml", "offline = true\n")
    before = config.read_bytes()

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ConfigurationError) as caught:
        set_value(config, "offline", "false")
    assert caught.value.problems == (
        ConfigProblem(
            str(config), "cannot write the file: No space left on device; it was not changed"
        ),
    )
    assert isinstance(caught.value.__cause__, OSError)
    assert config.read_bytes() == before
    assert no_temporary_files(project)
