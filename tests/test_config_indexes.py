"""The index settings: every key, flag and variable of uv's index model, what each is
checked for, what indexclient refuses, and what ``config show`` says.

Which index answers is pinned against uv in test_index_model; here are the settings
themselves (no network).
"""

from __future__ import annotations

import json
import re
import textwrap
import warnings
from pathlib import Path

import pytest
from test_cli_support import run_cli

from indexclient.errors import ConfigurationError, ConfigurationWarning
from indexclient.settings import IndexSpec, Origin, Settings, Value
from indexclient.settings.files._keys import INDEX_KEYS, TABLE_PIP_KEYS, TOP_LEVEL_KEYS
from indexclient.settings.values import CacheControl

README = Path(__file__).parent.parent / "README.md"
A = "https://a.example/simple"
B = "https://b.example/simple"


def toml(tmp_path: Path, text: str, name: str = "uv.toml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def discover(
    tmp_path: Path, text: str, env: dict[str, str] | None = None, **kw: object
) -> Settings:
    path = toml(tmp_path, text)
    return Settings.discover(env or {}, cwd=str(tmp_path), config_file=path, **kw)  # type: ignore[arg-type]


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        discover(tmp_path, text)
    return [str(p) for p in caught.value.problems]


# --------------------------------------------------------------------------- [[index]]


def test_every_key_of_an_index_table(tmp_path: Path) -> None:
    settings = discover(
        tmp_path,
        f"""
        [[index]]
        name = "vendor"
        url = "{A}"
        explicit = true
        format = "flat"
        authenticate = "always"
        ignore-error-codes = [401, 403, 401]
        cache-control = {{ api = "max-age=600", files = "max-age=3600, immutable" }}
        publish-url = "https://a.example/upload"
        hash-algorithm = "sha256"
        not-a-uv-key = 1

        [[index]]
        url = "{B}"
        default = true
        """,
    )
    (vendor,) = settings.extra_indexes
    path = str(tmp_path / "uv.toml")
    assert vendor == IndexSpec(
        A,
        Origin("file", "[[index]] #1", path),
        "vendor",
        explicit=True,
        format="flat",
        authenticate="always",
        ignore_error_codes=(401, 403),
        cache_control=CacheControl("max-age=600", "max-age=3600, immutable"),
    )
    assert vendor.options() == {
        "explicit": True,
        "format": "flat",
        "authenticate": "always",
        "ignore-error-codes": [401, 403],
        "cache-control": {"api": "max-age=600", "files": "max-age=3600, immutable"},
    }
    assert settings.index_url == IndexSpec(B, Origin("file", "[[index]] #2", path), default=True)
    # The explicit index is configured (pins may name it) but not searched.
    assert settings.indexes() == (settings.index_url,)
    assert settings.named_index("vendor") == vendor


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('format = "zip"', 'format: expected one of "simple", "flat", got a string (\'zip\')'),
        ('authenticate = "sometimes"', "authenticate: expected one of"),
        ("ignore-error-codes = 404", "ignore-error-codes: expected a list of HTTP status codes"),
        ('ignore-error-codes = ["404"]', "got a string ('404') as item 1"),
        ("ignore-error-codes = [99]", "99 is not an HTTP status code (100 to 599)"),
        ("ignore-error-codes = [true]", "got a boolean (true) as item 1"),
        ('cache-control = "max-age=1"', "cache-control: expected a table with api and files"),
        ('cache-control = { apis = "x" }', "unknown key 'apis' (expected api and files)"),
        ('cache-control = { api = "a\\nb" }', "is not a valid HTTP header value"),
        ('explicit = "yes"', "explicit: expected a boolean"),
        ('name = "a b"', "name: 'a b' is not a valid index name"),
        ('exclude-newer = "7 days"', "exclude-newer is not supported"),
    ],
)
def test_bad_index_keys_name_the_table_and_key(tmp_path: Path, entry: str, message: str) -> None:
    found = problems(tmp_path, f'[[index]]\nurl = "{A}"\n{entry}\n')
    assert len(found) == 1
    assert found[0].startswith(f"[[index]] #1 in {tmp_path / 'uv.toml'}: ")
    assert message in found[0]


# --------------------------------------------------------------------------- other keys


def test_the_index_keys_of_a_file_and_its_pip_table(tmp_path: Path) -> None:
    settings = discover(
        tmp_path,
        f"""
        index-strategy = "unsafe-best-match"
        keyring-provider = "subprocess"
        no-cache = true
        no-sources = true
        find-links = ["wheels"]
        [pip]
        index = [{{ url = "{A}", name = "pipped" }}]
        find-links = ["https://links.example/"]
        no-index = true
        index-strategy = "first-index"
        no-sources-package = ["torch"]
        """,
    )
    path = str(tmp_path / "uv.toml")
    # [pip] wins over the top level, as in uv pip.
    assert settings.index_strategy == Value(
        "first-index", Origin("file", "pip.index-strategy", path)
    )
    assert settings.keyring_provider == Value(
        "subprocess", Origin("file", "keyring-provider", path)
    )
    assert settings.no_cache == Value(True, Origin("file", "no-cache", path))
    assert settings.no_sources.value is True
    assert [v.value for v in settings.no_sources_package] == ["torch"]
    assert settings.no_index == Value(True, Origin("file", "pip.no-index", path))
    assert [s.url for s in settings.find_links] == [
        "https://links.example/",
        (tmp_path / "wheels").resolve().as_uri(),
    ]
    assert [s.name for s in settings.extra_indexes] == ["pipped"]
    # --no-index: nothing is searched but the find-links.
    assert settings.indexes() == ()
    assert settings.configured_indexes() == ()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('torch-backend = "auto"', "torch-backend"),
        ('exclude-newer-package = { x = "2024-01-01" }', "exclude-newer-package"),
        ('resolution = "lowest"', "resolution"),
        ("no-build = true", "no-build"),
        ('prerelease-package = { x = "allow" }', "prerelease-package"),
        ('no-build-package = ["x"]', "no-build-package"),
        ('dependency-metadata = [{ name = "x", version = "1" }]', "dependency-metadata"),
        ('[pip]\npython = "3.12"', "pip.python"),
        ("[pip]\nuniversal = true", "pip.universal"),
        ("[pip]\nall-extras = true", "pip.all-extras"),
    ],
)
def test_keys_that_change_the_answer_are_refused_by_name(
    tmp_path: Path, text: str, key: str
) -> None:
    (found,) = problems(tmp_path, text + "\n")
    assert found.startswith(f"{key} in {tmp_path / 'uv.toml'}: not supported by indexclient: ")


def test_values_that_ask_for_what_indexclient_does_are_accepted(tmp_path: Path) -> None:
    discover(
        tmp_path,
        """
        resolution = "highest"
        prerelease = "if-necessary-or-explicit"
        no-build = false
        no-binary-package = []
        [pip]
        universal = false
        all-extras = false
        """,
    )


def test_keys_of_no_matter_to_an_index_client_are_ignored_quietly(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        discover(
            tmp_path,
            """
            cache-dir = "/somewhere"
            link-mode = "copy"
            python-preference = "only-system"
            override-dependencies = ["x==1"]
            made-up-key = 1
            [pip]
            generate-hashes = true
            """,
        )


def test_proxy_keys_are_not_read_and_say_so(tmp_path: Path) -> None:
    with pytest.warns(
        ConfigurationWarning, match=r"https-proxy in .*uv.toml is not read: .*HTTPS_PROXY"
    ):
        discover(tmp_path, 'https-proxy = "http://127.0.0.1:3128"\n')


def test_the_readme_lists_every_key_as_handled() -> None:
    """The README's table of uv's keys says what _keys does, key by key."""
    words = {"read": "read", "unsupported": "refused", "warn": "warned", "ignored": "ignored"}
    wheres = {"top level": TOP_LEVEL_KEYS, "`[pip]`": TABLE_PIP_KEYS, "`[[index]]`": INDEX_KEYS}
    rows: dict[tuple[str, str], set[str]] = {}
    for line in README.read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0] in words.values() and cells[1] in wheres:
            keys = set(re.findall(r"`([a-z][a-z-]*)`", cells[2].split(" (indexclient takes")[0]))
            rows[(cells[0], cells[1])] = keys - {"HTTPS_PROXY"}
    for where, table in wheres.items():
        for handling, word in words.items():
            expected = {k for k, rule in table.items() if rule.handling == handling}
            assert rows.get((word, where), set()) == expected, (word, where)


# --------------------------------------------------------------------------- variables


def test_variables_of_the_index_model() -> None:
    settings = Settings.load(
        {
            "UV_INDEX": f"first={A}",
            "UV_EXTRA_INDEX_URL": f"{B}  https://c.example/simple",
            "UV_FIND_LINKS": "https://links.example/,/srv/wheels",
            "UV_INDEX_STRATEGY": "unsafe-first-match",
            "UV_KEYRING_PROVIDER": "disabled",
            "UV_NO_CACHE": "yes",
            "UV_NO_PROGRESS": "1",
            "UV_INDEX_URL": "https://default.example/simple",
        }
    )
    assert [(s.url, s.name, str(s.origin)) for s in settings.indexes()] == [
        (A, "first", "UV_INDEX (environment)"),
        (B, None, "UV_EXTRA_INDEX_URL (environment)"),
        ("https://c.example/simple", None, "UV_EXTRA_INDEX_URL (environment)"),
        ("https://default.example/simple", None, "UV_INDEX_URL (environment)"),
    ]
    assert [s.url for s in settings.find_links] == ["https://links.example/", "file:///srv/wheels"]
    assert settings.index_strategy == Value(
        "unsafe-first-match", Origin("env", "UV_INDEX_STRATEGY")
    )
    assert settings.keyring_provider == Value("disabled", Origin("env", "UV_KEYRING_PROVIDER"))
    assert settings.no_cache == Value(True, Origin("env", "UV_NO_CACHE"))
    assert settings.no_progress == Value(True, Origin("env", "UV_NO_PROGRESS"))


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("UV_INDEX_STRATEGY", "best", "expected one of first-index, unsafe-first-match"),
        ("UV_KEYRING_PROVIDER", "keyring", "expected one of disabled, subprocess"),
        ("UV_NO_CACHE", "maybe", "not a boolean"),
        ("UV_NO_PROGRESS", "", "not a boolean"),
        ("UV_INDEX", "b@d=https://x.example/simple", "'b@d' is not a valid index name"),
    ],
)
def test_bad_variables_name_themselves(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.load({variable: value})
    (problem,) = caught.value.problems
    assert problem.origin.startswith(variable)
    assert message in problem.message


def test_a_name_defined_again_on_the_command_line_replaces_the_file(tmp_path: Path) -> None:
    settings = discover(
        tmp_path,
        f'[[index]]\nname = "vendor"\nurl = "{A}"\nexplicit = true\n',
        indexes=[f"vendor={B}"],
    )
    (vendor,) = settings.extra_indexes
    assert (vendor.url, vendor.explicit, str(vendor.origin)) == (B, False, "indexes= (argument)")


def test_no_index_without_find_links_is_an_error() -> None:
    settings = Settings.load({}, index_url=A, no_index=True)
    with pytest.raises(ConfigurationError, match="no index is searched and no find-links"):
        settings.indexes()


# --------------------------------------------------------------------------- the command


def test_config_show_lists_the_indexes_in_search_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = toml(
        tmp_path,
        f"""
        [[index]]
        name = "vendor"
        url = "https://user:s3cret@vendor.example/simple"
        explicit = true
        ignore-error-codes = [403]

        [[index]]
        url = "{B}"
        default = true
        """,
    )
    argv = ("config", "show", "--config-file", path, "--index", f"mirror={A}", "-f", "/srv/wheels")
    result = run_cli(capsys, *argv, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["indexes"] == [
        {
            "url": A,
            "name": "mirror",
            "role": "index",
            "searched": True,
            "options": {},
            "source": "--index",
        },
        {
            "url": B,
            "name": None,
            "role": "default",
            "searched": True,
            "options": {},
            "source": f"[[index]] #2 in {path}",
        },
        {
            "url": "https://user:****@vendor.example/simple",
            "name": "vendor",
            "role": "explicit",
            "searched": False,
            "options": {"explicit": True, "ignore-error-codes": [403]},
            "source": f"[[index]] #1 in {path}",
        },
        {
            "url": "file:///srv/wheels",
            "name": None,
            "role": "find-links",
            "searched": True,
            "options": {},
            "source": "-f",
        },
    ]
    text = run_cli(capsys, *argv).out
    assert "s3cret" not in text
    section = text.split("indexes, in search order (first-index, from default):\n")[1]
    lines = section.splitlines()[1:5]
    assert lines[0].split() == ["1", A, "mirror", "index", "--index"]
    assert lines[1].split()[:3] == ["2", B, "default"]
    assert lines[2].split()[:4] == [
        "-",
        "https://user:****@vendor.example/simple",
        "vendor",
        "explicit",
    ]
    assert "explicit=true, ignore-error-codes=[403], not searched" in lines[2]
    assert lines[3].split() == ["-", "file:///srv/wheels", "find-links", "-f"]


def test_an_unknown_index_strategy_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "config", "show", "--index-strategy", "best")
    assert result.code == 2
    assert "invalid choice: 'best'" in result.err


def test_no_progress_flag(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run_cli(capsys, "config", "show", "--json", "--no-progress").out)
    assert data["settings"]["no-progress"] == {"value": True, "source": "--no-progress"}


def test_extras_need_a_pyproject(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    requirements = tmp_path / "r.txt"
    requirements.write_text("foo\n")
    result = run_cli(
        capsys, "metadata", "-r", str(requirements), "--extra", "x", "--default-index", A
    )
    assert result.code == 2
    assert "--extra and --all-extras need a pyproject.toml given with -r" in result.err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[project]\nname = "p"\ndynamic = ["dependencies"]\n', "the dependencies are dynamic"),
        ('[tool.uv]\nindex-url = "https://x.example/"\n', "no [project] table"),
        ('[project]\nname = "p"\ndependencies = ["foo"]\n', "has no such extra (its extras: none)"),
        ('[project]\nname = "p"\ndependencies = ["foo >"]\n', "not a PEP 508 requirement"),
        (
            '[project]\nname = "p"\ndependencies = ["foo"]\n'
            '[tool.uv.sources]\nfoo = { path = "../foo" }\n',
            "a path source cannot be served by an index client",
        ),
    ],
)
def test_a_pyproject_that_cannot_be_read_as_asked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    result = run_cli(capsys, "metadata", "-r", str(path), "--extra", "x", "--default-index", A)
    assert result.code == 2, result.err
    assert message in result.err


def test_only_explicit_indexes_is_no_index_to_search(tmp_path: Path) -> None:
    settings = discover(tmp_path, f'[[index]]\nname = "v"\nurl = "{A}"\nexplicit = true\n')
    with pytest.raises(ConfigurationError, match="every configured index is explicit"):
        settings.indexes()
