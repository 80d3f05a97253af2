"""Settings: boolean words, precedence and origins, insecure hosts, all problems at once.

No TLS here: Settings.load only reads the environment and arguments, and the trust
source is selected without loading anything (the file problems of ``.trust()`` are
reported before any connection).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from indexclient.errors import ConfigProblem, ConfigurationError, ConfigurationWarning
from indexclient.settings import ENV_VARS, Origin, Settings, Value, parse_bool
from indexclient.tls import BundledRoots, ContextCache, CustomRoots, PlatformRoots

TRUE_WORDS = ("y", "yes", "t", "true", "on", "1")
FALSE_WORDS = ("n", "no", "f", "false", "off", "0")


def _cases(word: str) -> list[str]:
    """The word as written, upper case, capitalised and in alternating case."""
    alternating = "".join(c.upper() if i % 2 else c for i, c in enumerate(word))
    return sorted({word, word.upper(), word.capitalize(), alternating})


# --------------------------------------------------------------------------- booleans


@pytest.mark.parametrize("text", [c for w in TRUE_WORDS for c in _cases(w)])
def test_parse_bool_true_words(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", [c for w in FALSE_WORDS for c in _cases(w)])
def test_parse_bool_false_words(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["", " ", "maybe", "2", "-1", "yess", "tru", "enable", "none"])
def test_parse_bool_anything_else_is_none(text: str) -> None:
    assert parse_bool(text) is None


@pytest.mark.parametrize(
    ("text", "expected"), [("YES", True), ("On", True), ("1", True), ("Off", False), ("N", False)]
)
def test_uv_system_certs_words(text: str, expected: bool) -> None:
    settings = Settings.load({"UV_SYSTEM_CERTS": text})
    assert settings.system_certs == Value(expected, Origin("env", "UV_SYSTEM_CERTS"))


@pytest.mark.parametrize("text", ["maybe", "", "2"])
def test_uv_system_certs_not_a_boolean_is_an_error(text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.load({"UV_SYSTEM_CERTS": text})
    (problem,) = caught.value.problems
    assert problem.origin == f"UV_SYSTEM_CERTS={text!r} (environment)"
    assert "not a boolean" in problem.message
    assert "y yes t true on 1" in problem.message
    assert "UV_SYSTEM_CERTS" in str(caught.value)


def test_uv_native_tls_not_a_boolean_is_an_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.load({"UV_NATIVE_TLS": "sometimes"})
    assert caught.value.problems[0].origin == "UV_NATIVE_TLS='sometimes' (environment)"


# --------------------------------------------------------------------------- precedence


def test_default_is_off() -> None:
    settings = Settings.load({})
    assert settings.system_certs == Value(False, Origin("default"))
    assert str(settings.system_certs.origin) == "default"


def test_environment_beats_default() -> None:
    settings = Settings.load({"UV_SYSTEM_CERTS": "true"})
    assert settings.system_certs.value is True
    assert str(settings.system_certs.origin) == "UV_SYSTEM_CERTS (environment)"


def test_explicit_argument_beats_environment() -> None:
    settings = Settings.load({"UV_SYSTEM_CERTS": "1"}, system_certs=False)
    assert settings.system_certs == Value(False, Origin("api", "system_certs"))
    assert str(settings.system_certs.origin) == "system_certs= (argument)"
    assert isinstance(settings.trust_source(), BundledRoots)


def test_flag_value_keeps_its_origin() -> None:
    flag = Origin("flag", "--system-certs")
    settings = Settings.load({"UV_SYSTEM_CERTS": "0"}, system_certs=Value(True, flag))
    assert settings.system_certs == Value(True, flag)
    source = settings.trust_source()
    assert isinstance(source, PlatformRoots)
    assert source.origin == "--system-certs"
    assert source.describe().endswith("[--system-certs]")


def test_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_SYSTEM_CERTS", "yes")
    assert Settings.load().system_certs == Value(True, Origin("env", "UV_SYSTEM_CERTS"))
    # An explicit mapping replaces the process environment entirely.
    assert Settings.load({}).system_certs.value is False


def test_uv_native_tls_is_a_deprecated_alias() -> None:
    with pytest.warns(
        ConfigurationWarning, match="UV_NATIVE_TLS is deprecated; use UV_SYSTEM_CERTS"
    ):
        settings = Settings.load({"UV_NATIVE_TLS": "1"})
    assert settings.system_certs == Value(True, Origin("env", "UV_NATIVE_TLS"))
    source = settings.trust_source()
    assert isinstance(source, PlatformRoots)
    assert "UV_NATIVE_TLS (environment)" in source.describe()


@pytest.mark.parametrize(("system", "native"), [("0", "1"), ("1", "0"), ("false", "true")])
def test_uv_system_certs_wins_over_uv_native_tls(system: str, native: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigurationWarning)
        settings = Settings.load({"UV_SYSTEM_CERTS": system, "UV_NATIVE_TLS": native})
    assert settings.system_certs == Value(parse_bool(system), Origin("env", "UV_SYSTEM_CERTS"))


def test_explicit_paths_beat_environment_paths(tmp_path: Path) -> None:
    env = {"SSL_CERT_FILE": str(tmp_path / "env.pem"), "SSL_CLIENT_CERT": str(tmp_path / "c")}
    settings = Settings.load(env, ssl_cert_file=str(tmp_path / "api.pem"), client_cert="api.pem")
    assert settings.ssl_cert_file == Value(
        str(tmp_path / "api.pem"), Origin("api", "ssl_cert_file")
    )
    assert settings.client_cert == Value("api.pem", Origin("api", "client_cert"))


# --------------------------------------------------------------------------- insecure hosts


def test_insecure_hosts_are_unioned_with_their_origins() -> None:
    flag = Origin("flag", "--allow-insecure-host")
    settings = Settings.load(
        {"UV_INSECURE_HOST": "  env-one.example\tenv-two.example:8443\n[::1]:8443  "},
        allow_insecure_host=["api.example", Value("flag.example", flag)],
    )
    entries = [(str(entry), entry.origin) for entry in settings.insecure_hosts]
    env = "UV_INSECURE_HOST (environment)"
    assert entries == [
        ("api.example", "allow_insecure_host= (argument)"),
        ("flag.example", "--allow-insecure-host"),
        ("env-one.example", env),
        ("env-two.example:8443", env),
        ("[::1]:8443", env),
    ]
    assert settings.insecure_hosts.match("https", "ENV-ONE.example", 443) is not None
    assert settings.insecure_hosts.match("https", "env-two.example", 443) is None


def test_insecure_host_named_twice_keeps_the_first_origin() -> None:
    settings = Settings.load(
        {"UV_INSECURE_HOST": "dup.example"}, allow_insecure_host=["DUP.example"]
    )
    (entry,) = settings.insecure_hosts
    assert entry.origin == "allow_insecure_host= (argument)"


def test_empty_uv_insecure_host_is_no_entry() -> None:
    assert not Settings.load({"UV_INSECURE_HOST": " \t\n"}).insecure_hosts


def test_bad_insecure_host_entries_each_reported() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.load(
            {"UV_INSECURE_HOST": "good.example host:99999"},
            allow_insecure_host=["ftp://files.example"],
        )
    assert [p.origin for p in caught.value.problems] == [
        "allow_insecure_host= (argument)",
        "UV_INSECURE_HOST (environment)",
    ]
    assert "'ftp://files.example'" in caught.value.problems[0].message
    assert "'host:99999'" in caught.value.problems[1].message
    assert "between 1 and 65535" in caught.value.problems[1].message


# --------------------------------------------------------------------------- all problems at once


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    missing_roots = tmp_path / "roots.pem"
    missing_client = tmp_path / "client.pem"
    files = {"SSL_CERT_FILE": str(missing_roots), "SSL_CLIENT_CERT": str(missing_client)}
    env = {**files, "UV_SYSTEM_CERTS": "maybe", "UV_INSECURE_HOST": "host:99999"}

    with pytest.raises(ConfigurationError) as caught:
        Settings.load(env)
    error = caught.value
    assert len(error.problems) == 2, str(error)
    assert [p.origin for p in error.problems] == [
        "UV_SYSTEM_CERTS='maybe' (environment)",
        "UV_INSECURE_HOST (environment)",
    ]

    # The files are only read by .trust(): both problems, together.
    settings = Settings.load(files)
    with pytest.raises(ConfigurationError) as caught:
        settings.trust(ContextCache())
    error = caught.value
    assert len(error.problems) == 2, str(error)
    assert {p.origin for p in error.problems} == {
        f"SSL_CLIENT_CERT={missing_client}",
        f"SSL_CERT_FILE={missing_roots} (environment)",
    }
    assert all(p.message == "the file does not exist" for p in error.problems)


def test_configuration_error_lists_each_problem_on_its_own_line() -> None:
    one = ConfigProblem("UV_SYSTEM_CERTS='x' (environment)", "not a boolean")
    two = ConfigProblem("SSL_CERT_FILE=/x (environment)", "the file does not exist")
    assert str(ConfigurationError([one])) == (
        "configuration error: UV_SYSTEM_CERTS='x' (environment): not a boolean"
    )
    assert str(ConfigurationError([one, two])).splitlines() == [
        "2 configuration errors:",
        "  - UV_SYSTEM_CERTS='x' (environment): not a boolean",
        "  - SSL_CERT_FILE=/x (environment): the file does not exist",
    ]
    with pytest.raises(ValueError):
        ConfigurationError([])


def test_configuration_error_from_load_is_multiline() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.load({"UV_SYSTEM_CERTS": "", "UV_INSECURE_HOST": "a:0 b:x"})
    lines = str(caught.value).splitlines()
    assert lines[0] == "3 configuration errors:"
    assert len(lines) == 4
    assert lines[1].startswith("  - UV_SYSTEM_CERTS='' (environment): ")
    assert lines[2].startswith("  - UV_INSECURE_HOST (environment): ")
    assert "'a:0'" in lines[2]
    assert "'b:x'" in lines[3]


# --------------------------------------------------------------------------- trust source


def test_bundled_when_nothing_is_set() -> None:
    source = Settings.load({}).trust_source()
    assert isinstance(source, BundledRoots)
    assert source.describe().endswith("[default]")


def test_platform_from_the_environment() -> None:
    source = Settings.load({"UV_SYSTEM_CERTS": "1"}).trust_source()
    assert isinstance(source, PlatformRoots)
    assert source.origin == "UV_SYSTEM_CERTS (environment)"
    assert source.describe().startswith("platform roots (")
    assert source.describe().endswith("[UV_SYSTEM_CERTS (environment)]")


def test_platform_from_the_api() -> None:
    source = Settings.load({}, system_certs=True).trust_source()
    assert isinstance(source, PlatformRoots)
    assert source.origin == "system_certs= (argument)"


@pytest.mark.parametrize("system", [None, "1", "0"])
def test_custom_beats_platform_and_bundled(system: str | None, tmp_path: Path) -> None:
    env = {"SSL_CERT_DIR": f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}"}
    if system is not None:
        env["UV_SYSTEM_CERTS"] = system
    source = Settings.load(env).trust_source()
    assert isinstance(source, CustomRoots)
    assert source.cert_file is None
    assert source.cert_dirs == (str(tmp_path / "a"), str(tmp_path / "b"))
    assert source.describe() == (
        f"custom roots SSL_CERT_DIR={env['SSL_CERT_DIR']} (environment), "
        "replacing the bundled roots"
    )


def test_custom_from_both_variables(tmp_path: Path) -> None:
    env = {"SSL_CERT_FILE": str(tmp_path / "f.pem"), "SSL_CERT_DIR": str(tmp_path)}
    source = Settings.load(env, system_certs=True).trust_source()
    assert isinstance(source, CustomRoots)
    assert (
        source.setting_names() == f"SSL_CERT_FILE={tmp_path / 'f.pem'} and SSL_CERT_DIR={tmp_path}"
    )
    assert "(environment)" in source.describe()


def test_custom_from_the_api(tmp_path: Path) -> None:
    source = Settings.load({}, ssl_cert_file=str(tmp_path / "f.pem")).trust_source()
    assert isinstance(source, CustomRoots)
    assert source.origin == "ssl_cert_file= (argument)"
    assert "ssl_cert_file= (argument)" in source.describe()


@pytest.mark.parametrize("argument", ["ssl_cert_file", "ssl_cert_dir"])
def test_empty_explicit_paths_count_as_unset(argument: str) -> None:
    empty: dict[str, str | list[str]] = {"ssl_cert_file": "", "ssl_cert_dir": []}
    settings = Settings.load({}, **{argument: empty[argument]})  # type: ignore[arg-type]
    assert isinstance(settings.trust_source(), BundledRoots)


def test_env_vars_lists_every_variable_read() -> None:
    # Tests clear ENV_VARS before each test; a variable read but missing there would
    # leak the developer's environment into "default" cases.
    import re

    import indexclient

    package = Path(indexclient.__file__).parent
    named = set()
    for source in package.rglob("*.py"):
        if "testing" in source.parts:
            continue
        named |= set(re.findall(r'"((?:UV|SSL|PIP)_[A-Z_]+)"', source.read_text()))
    assert named, "the scan found no variable names"
    assert named <= set(ENV_VARS), named - set(ENV_VARS)


def test_discover_takes_the_keywords_of_load_typed() -> None:
    # discover() spells out load()'s keywords (same names, types and defaults) rather
    # than forwarding **kwargs, so that a type checker sees a wrong one in a call.
    import inspect

    load = inspect.signature(Settings.load).parameters
    discover = inspect.signature(Settings.discover).parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in discover.values())
    for name, parameter in load.items():
        if name != "files":
            assert discover[name] == parameter, name
    assert set(discover) - set(load) == {"cwd", "config_file", "no_config"}


def test_problems_collects_everything_then_warns_and_raises_once() -> None:
    from indexclient.settings.values import Problems

    problems = Problems()
    problems.raise_if_any()  # nothing found: nothing raised
    problems.add(Origin("env", "UV_OFFLINE"), "not a boolean")
    problems.warn("native-tls is deprecated")
    problems.extend([ConfigProblem("SSL_CLIENT_CERT", "no key")], hint="pass client_key=")
    problems.add("--index-url", "not a URL")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ConfigurationError) as raised:
            problems.raise_if_any(stacklevel=1)  # as warnings.warn's: this line
    assert [str(w.message) for w in caught] == ["native-tls is deprecated"]
    assert caught[0].category is ConfigurationWarning
    assert caught[0].filename == __file__
    assert [str(p) for p in raised.value.problems] == [
        "UV_OFFLINE (environment): not a boolean",
        "SSL_CLIENT_CERT: no key",
        "--index-url: not a URL",
    ]
    assert raised.value.hint == "pass client_key="
