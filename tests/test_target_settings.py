"""The target's settings as uv reads them: configuration keys (``[pip]``
``python-version``, ``python-platform``, ``only-binary``, ``no-binary``;
``prerelease``, ``exclude-newer`` and the top level's ``no-binary``/``no-binary-package``),
``UV_PRERELEASE``/``UV_EXCLUDE_NEWER``, a requirements file's ``--only-binary`` and
``--no-binary``, and ``exclude-newer`` durations, each compared with uv 0.13 where uv
has the behaviour (over pages served on 127.0.0.1)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from packaging.version import Version
from test_cli_support import isolate, run_cli

from indexclient import ConfigurationError, IndexClient, Settings, Target
from indexclient.settings import Origin, Value
from indexclient.settings.environment import ENV_VARS
from indexclient.target import parse_exclude_newer
from indexclient.testing.index import SimpleIndex
from indexclient.testing.servers import LocalServer, serve_in_thread
from support.index_lab import find_uv, uv_compile
from support.target_lab import StoredPages, serve_pages, uv_choose

UV = find_uv()
needs_uv = pytest.mark.skipif(UV is None, reason="uv is not installed")


@pytest.fixture(scope="module")
def pages_server() -> Iterator[tuple[LocalServer, StoredPages]]:
    yield from serve_pages()


@pytest.fixture(scope="module")
def sdist_index() -> Iterator[str]:
    """``sd``: a wheel of 1.0, only an sdist of 2.0 (its PKG-INFO 2.2, which uv reads
    without building)."""
    index = SimpleIndex()
    index.add_wheel("sd", "1.0")
    index.add_sdist("sd", "2.0")
    with serve_in_thread(None, routes=index.routes) as server:
        yield f"{server.url}simple/"


def _discover(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Settings:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "uv.toml").write_text(text, encoding="utf-8")
    environ = {"HOME": str(tmp_path / "home"), "PIP_CONFIG_FILE": "/dev/null", **(env or {})}
    return Settings.discover(environ, cwd=str(project))


# --------------------------------------------------------------------------- keys


def test_keys_are_read_where_uv_reads_them_with_their_origins(tmp_path: Path) -> None:
    """uv pip compile reads python-version, python-platform and only-binary from
    ``[pip]`` only (uv refuses them at the top level), no-binary as a bool at the top
    level and a list in ``[pip]``, prerelease and exclude-newer from both."""
    settings = _discover(
        tmp_path,
        """
        prerelease = "allow"
        exclude-newer = "2024-02-01T00:00:00Z"
        no-binary-package = ["Top_Pkg"]
        [pip]
        python-version = "3.10"
        python-platform = "windows"
        only-binary = [":all:"]
        no-binary = ["pipped"]
        """,
    )
    path = str(tmp_path / "project" / "uv.toml")
    assert settings.python_version == Value("3.10", Origin("file", "pip.python-version", path))
    assert settings.python_platform == Value("windows", Origin("file", "pip.python-platform", path))
    assert settings.prerelease == Value("allow", Origin("file", "prerelease", path))
    assert [(v.value, v.origin.name) for v in settings.no_binary] == [
        ("pipped", "pip.no-binary"),
        ("Top_Pkg", "no-binary-package"),
    ]
    target = settings.target()
    assert target.python_version == Version("3.10")
    assert target.platform == "windows"
    assert target.only_binary == {":all:"}
    assert target.no_binary == {"pipped", "top-pkg"}
    assert target.exclude_newer == datetime(2024, 2, 1, tzinfo=timezone.utc)


def test_top_level_no_binary_true_is_all_and_false_adds_nothing(tmp_path: Path) -> None:
    """uv's NoBinary::from_args: ``no-binary = true`` is every project; ``false`` is
    none, whatever ``no-binary-package`` lists."""
    on = _discover(tmp_path, "no-binary = true\n").target()
    assert on.no_binary == {":all:"}
    off = _discover(tmp_path, 'no-binary = false\nno-binary-package = ["x"]\n').target()
    assert off.is_default


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[pip]\npython-version = "3"', "pip.python-version", "not a Python version"),
        ("[pip]\npython-version = 3.12", "pip.python-version", "expected a string"),
        ('[pip]\npython-platform = "beos"', "pip.python-platform", "aarch64-apple-darwin"),
        ('prerelease = "sometimes"', "prerelease", "if-necessary-or-explicit"),
        ('[pip]\nprerelease = "sometimes"', "pip.prerelease", "expected one of"),
        ('exclude-newer = "soon"', "exclude-newer", "a duration like 3 days"),
        ('exclude-newer = "1 month"', "exclude-newer", "use days instead"),
        ("exclude-newer = true", "exclude-newer", "expected false"),
        ('[pip]\nonly-binary = ["a,b"]', "pip.only-binary", "not :all:, :none: or a project"),
        ('[pip]\nonly-binary = ":all:"', "pip.only-binary", "expected a list"),
        ('no-binary = ["x"]', "no-binary", "expected a boolean"),
    ],
)
def test_a_bad_value_is_one_problem_naming_file_and_key(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    """uv refuses each of these (a parse error of the file); here each is one problem
    naming the file and the key, checked by the functions Target uses."""
    with pytest.raises(ConfigurationError) as caught:
        _discover(tmp_path, text + "\n")
    [problem] = caught.value.problems
    assert problem.origin == f"{key} in {tmp_path / 'project' / 'uv.toml'}"
    assert words in problem.message


def test_exclude_newer_false_in_a_file_turns_it_off(tmp_path: Path) -> None:
    """uv 0.13 takes ``exclude-newer = false`` in a file (no cutoff)."""
    settings = _discover(tmp_path, "exclude-newer = false\n")
    assert settings.exclude_newer is not None
    assert settings.exclude_newer.value == "false"
    assert settings.target().exclude_newer is None


def test_precedence_flag_variable_project_user_system(tmp_path: Path) -> None:
    """uv's order: a flag over its variable (UV_PRERELEASE) over the project's file over
    the user's over the system's; python-version has no variable in uv."""
    (tmp_path / "xdg" / "uv").mkdir(parents=True)
    (tmp_path / "xdg" / "uv" / "uv.toml").write_text(
        'prerelease = "disallow"\n[pip]\npython-version = "3.11"\n'
    )
    (tmp_path / "sys" / "uv").mkdir(parents=True)
    (tmp_path / "sys" / "uv" / "uv.toml").write_text(
        'exclude-newer = "2020-01-01T00:00:00Z"\n[pip]\npython-version = "3.9"\n'
    )
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_CONFIG_DIRS": str(tmp_path / "sys")}
    text = 'prerelease = "explicit"\n'
    settings = _discover(tmp_path, text, env)
    assert settings.prerelease is not None
    assert str(settings.prerelease.origin).startswith("prerelease in " + str(tmp_path / "project"))
    assert settings.python_version is not None
    assert settings.python_version.value == "3.11"  # the user's, over the system's
    assert settings.exclude_newer is not None
    assert settings.exclude_newer.value.startswith("2020")
    with_env = _discover(tmp_path, text, {**env, "UV_PRERELEASE": "allow"})
    assert with_env.prerelease == Value("allow", Origin("env", "UV_PRERELEASE"))
    environ = {"HOME": str(tmp_path / "home"), "PIP_CONFIG_FILE": "/dev/null", **env}
    flagged = Settings.discover(
        {**environ, "UV_PRERELEASE": "allow"},
        cwd=str(tmp_path / "project"),
        prerelease=Value("if-necessary", Origin("flag", "--prerelease")),
        python_version=Value("3.13", Origin("flag", "--python-version")),
    )
    assert flagged.prerelease == Value("if-necessary", Origin("flag", "--prerelease"))
    assert flagged.target().python_version == Version("3.13")
    with pytest.raises(ConfigurationError, match=r"UV_PRERELEASE='never' \(environment\)"):
        _discover(tmp_path, "", {"UV_PRERELEASE": "never"})


def test_binary_flags_come_before_the_files_entries(tmp_path: Path) -> None:
    """uv: the flags' --only-binary entries and [pip] only-binary are one list, the
    flags' first, so a flag's :none: clears nothing of a file's (checked against uv in
    test_requirements_file_binary_options_as_uv)."""
    settings = Settings.discover(
        {"HOME": str(tmp_path), "PIP_CONFIG_FILE": "/dev/null"},
        cwd=str(tmp_path),
        config_file=str(_write(tmp_path / "c.toml", '[pip]\nonly-binary = [":all:"]\n')),
        only_binary=[":none:"],
    )
    assert [v.value for v in settings.only_binary] == [":none:", ":all:"]
    assert settings.target().only_binary == {":all:"}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- against uv


@needs_uv
def test_a_config_file_chooses_as_uv_pip_compile(
    pages_server: tuple[LocalServer, StoredPages],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same uv.toml given to ``uv pip compile --config-file`` and to ``indexclient
    metadata --config-file``: the same version for each (python-version against
    Requires-Python, prerelease, exclude-newer, a top-level exclude-newer under
    [pip]'s python-version, and [pip]'s prerelease over the top level's)."""
    server, _ = pages_server
    url = f"{server.url}simple/"
    _isolated(monkeypatch, tmp_path)
    assert UV is not None
    cases = [
        '[pip]\npython-version = "3.10"\n',
        '[pip]\npython-version = "3.10"\nprerelease = "allow"\n',
        'exclude-newer = "2024-02-01T00:00:00Z"\n[pip]\npython-version = "3.12"\n',
        'prerelease = "allow"\n[pip]\npython-version = "3.12"\nexclude-newer = "2024-04-01"\n',
        # Both places: [pip]'s value wins, as in uv pip.
        'prerelease = "allow"\n[pip]\npython-version = "3.10"\nprerelease = "disallow"\n',
        'prerelease = "disallow"\n[pip]\npython-version = "3.10"\nprerelease = "allow"\n',
    ]
    for number, text in enumerate(cases):
        config = _write(tmp_path / f"c{number}.toml", text)
        work = tmp_path / f"uv{number}"
        work.mkdir()
        uv = uv_choose(UV, url, "purelib", work, ["--config-file", str(config)])
        assert uv.code == 0, uv.err
        done = run_cli(
            capsys, "--json", "metadata", "purelib", "--config-file", str(config), "-i", url
        )
        assert done.code == 0, done.err
        assert json.loads(done.out)[0]["version"] == uv.version, text


@needs_uv
def test_exclude_newer_durations_as_uv(
    pages_server: tuple[LocalServer, StoredPages],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """uv 0.13 takes a duration back from now (``N days``, ISO 8601 ``PND``) in
    --exclude-newer and UV_EXCLUDE_NEWER: a cutoff about 2024-02-01 (the duration is
    computed from today) leaves out 2.0.0b1 (2024-03-10) and keeps 1.1.0 (2023-06-10;
    1.2.0 is yanked), for uv and here alike."""
    server, _ = pages_server
    url = f"{server.url}simple/"
    _isolated(monkeypatch, tmp_path)
    assert UV is not None
    days = (datetime.now(timezone.utc) - datetime(2024, 2, 1, tzinfo=timezone.utc)).days
    for form, how in ((f"{days} days", "flag"), (f"P{days}D", "env")):
        flags = ["--python-version", "3.12", "--prerelease", "allow"]
        env = {}
        if how == "flag":
            flags += ["--exclude-newer", form]
        else:
            env = {"UV_EXCLUDE_NEWER": form}
        work = tmp_path / how
        work.mkdir()
        uv = uv_choose(UV, url, "purelib", work, flags, env)
        assert (uv.code, uv.version) == (0, "1.1.0"), uv.err
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        done = run_cli(capsys, "--json", "metadata", "purelib", "-i", url, *flags)
        assert done.code == 0, done.err
        assert json.loads(done.out)[0]["version"] == "1.1.0"


# The forms uv 0.13.9 takes (True) and refuses (False) as --exclude-newer, each asked of
# uv by test_exclude_newer_forms_accepted_as_uv.
FORMS = {
    "3 days": True,
    "3d": True,
    "3days": True,
    "3 days ago": True,
    "+3 days": True,
    "1 week, 2 days": True,
    "2 hrs 30 mins": True,
    "1.5h": True,
    "1 day 12:00:00": True,
    "P3D": True,
    "p3d": True,
    "P1W": True,
    "PT36H": True,
    "PT1.5H": True,
    "-P3D": True,
    "2024-01-01": True,
    "2024-01-01T00:00:00Z": True,
    "1.5 days": False,
    "3 DAYS": False,
    "1 month": False,
    "P1M": False,
    "1y": False,
    "P1.5D": False,
    "3 days ago ago": False,
    "3": False,
    "P": False,
    "PT": False,
    "10000000 days": False,
    "garbage": False,
}


def test_exclude_newer_forms_accepted_as_uv(tmp_path: Path) -> None:
    """Each form is taken or refused here as uv 0.13.9 takes or refuses it (uv asked
    when installed), and a duration is counted back from now: ``3 days`` three days,
    ``P1W`` seven, ``1 day 12:00:00`` thirty-six hours."""
    now = datetime(2025, 1, 10, tzinfo=timezone.utc)
    here = {}
    refusals = []
    for form in FORMS:
        try:
            parse_exclude_newer(form, now=now)
        except ConfigurationError as exc:
            refusals.append(str(exc))
            here[form] = False
        else:
            here[form] = True
    assert here == FORMS
    assert all("--exclude-newer" in message for message in refusals)
    assert now - parse_exclude_newer("3 days", now=now) == timedelta(days=3)
    assert now - parse_exclude_newer("P1W", now=now) == timedelta(days=7)
    assert now - parse_exclude_newer("1 day 12:00:00", now=now) == timedelta(hours=36)
    if UV is None:
        return
    (tmp_path / "empty").mkdir()
    (tmp_path / "r.in").write_text("")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "UV_NO_CONFIG": "1"}
    env["UV_CACHE_DIR"] = str(tmp_path / "cache")
    asked = {}
    for form in FORMS:
        done = subprocess.run(
            [UV, "pip", "compile", "--offline", "--no-index", "-q", "r.in", "--python-version",
             "3.12", f"--exclude-newer={form}"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        asked[form] = done.returncode == 0
    assert asked == FORMS


@needs_uv
def test_requirements_file_binary_options_as_uv(
    sdist_index: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """uv pip compile: a file's --only-binary/--no-binary join the command line's
    (BuildOptions::combine, a union): the file's --only-binary picks the wheel; its
    :none: clears nothing; a project named by --only-binary keeps its wheels under a
    file's --no-binary :all:, and one named by --no-binary its sdist under --only-binary
    :all:."""
    _isolated(monkeypatch, tmp_path)
    assert UV is not None
    cases = [
        ("sd\n", [], "2.0"),
        ("--only-binary sd\nsd\n", [], "1.0"),
        ("--only-binary :none:\nsd\n", ["--only-binary", "sd"], "1.0"),
        ("--no-binary :all:\nsd\n", ["--only-binary", "sd"], "1.0"),
        ("--only-binary :all:\nsd\n", ["--no-binary", "sd"], "2.0"),
    ]
    for number, (text, flags, expected) in enumerate(cases):
        src = _write(tmp_path / f"r{number}.txt", text)
        work = tmp_path / f"uv{number}"
        work.mkdir()
        uv = uv_compile(UV, src, work, ["--default-index", sdist_index, *flags])
        assert (uv.code, uv.versions) == (0, {"sd": expected}), (text, uv.err)
        done = run_cli(capsys, "--json", "metadata", "-r", str(src), "-i", sdist_index, *flags)
        assert done.code == 0, done.err
        assert json.loads(done.out)[0]["version"] == expected, text
        assert "not applied" not in done.err
        assert ("has no effect in a file" in done.err) == (":none:" in text)


# --------------------------------------------------------------------------- the library


async def test_the_client_takes_the_settings_target_and_keys_the_memo_on_it(
    pages_server: tuple[LocalServer, StoredPages], tmp_path: Path
) -> None:
    """IndexClient(settings=Settings.discover()) with a uv.toml's [pip] python-version
    chooses for it when a call names no target; a warm run from the same cache with
    other settings (or an explicit target) never gets that answer."""
    server, _ = pages_server
    url = f"{server.url}simple/"
    cache = str(tmp_path / "cache")
    text = f'index-url = "{url}"\n[pip]\npython-version = "3.10"\n'
    old = _discover(tmp_path, text, {"INDEXCLIENT_CACHE_DIR": cache})
    new = Settings.load({"INDEXCLIENT_CACHE_DIR": cache}, index_url=url, python_version="3.12")
    for _ in range(2):  # cold, then warm from the memo
        async with IndexClient(settings=old) as client:
            # 2.0.0 needs Python 3.11, 1.2.0 is yanked.
            assert (await client.choose("purelib")).version == Version("1.1.0")
            [result] = await client.metadata_for(["purelib"])
            assert not isinstance(result, Exception)
            assert result.version == Version("1.1.0")
            explicit = await client.choose("purelib", target=Target.for_(python_version="3.12"))
            assert explicit.version == Version("2.0.0")
        async with IndexClient(settings=new) as client:
            [result] = await client.metadata_for(["purelib"])
            assert not isinstance(result, Exception)
            assert result.version == Version("2.0.0")


def test_config_show_lists_the_target_settings_with_origins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _isolated(monkeypatch, tmp_path)
    monkeypatch.setenv("UV_EXCLUDE_NEWER", "3 days")
    config = _write(
        tmp_path / "c.toml",
        'no-binary = true\n[pip]\npython-version = "3.11"\nonly-binary = ["a", "b"]\n',
    )
    done = run_cli(capsys, "--json", "config", "show", "--config-file", str(config))
    assert done.code == 0, done.err
    report = json.loads(done.out)["settings"]
    assert report["python-version"] == {
        "value": "3.11",
        "source": f"pip.python-version in {config}",
    }
    assert [e["value"] for e in report["only-binary"]] == ["a", "b"]
    assert report["no-binary"] == [{"value": ":all:", "source": f"no-binary in {config}"}]
    assert report["exclude-newer"] == {
        "value": "3 days",
        "source": "UV_EXCLUDE_NEWER (environment)",
    }
    assert report["prerelease"] == {"value": None, "source": None}
    text = run_cli(capsys, "config", "show", "--config-file", str(config))
    assert f"pip.python-version in {config}" in text.out
    assert "UV_EXCLUDE_NEWER (environment)" in text.out


def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INDEXCLIENT_CACHE_DIR", str(tmp_path / "cache"))
