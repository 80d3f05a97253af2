"""The command line's grammar: commands, their arguments, and the global options.

Global options work before or after the command (``indexclient --offline versions x``
and ``indexclient versions x --offline``). argparse runs a sub-parser on a fresh
namespace and copies every attribute over the main parser's, so the same ``dest`` on
both levels would lose the earlier value. Each level therefore stores the global options
under its own prefix (``""`` for the main parser, ``group_`` for ``tls``/``config``,
``cmd_`` for the command), with ``SUPPRESS`` defaults below the top, and :func:`parse`
merges them: a later single value wins, repeated options accumulate, counts add up.

Option values are kept as :class:`Given` (the value and the option string that gave
it), so settings can say ``--trusted-host`` rather than the canonical name.

Nothing here imports the HTTP stack: ``--help``, ``--version`` and the ``config``
commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, NoReturn, TypeVar

from indexclient._version import __version__

__all__ = ["EXAMPLE_INDEX", "Given", "Parser", "build_parser", "parse"]

T = TypeVar("T")

#: The index shown in help texts (there is no built-in index).
EXAMPLE_INDEX = "https://index.example/simple"

_LEVELS = ("", "group_", "cmd_")
Merge = Literal["last", "append", "count"]


@dataclass(frozen=True, slots=True)
class Given(Generic[T]):
    """An option's value and the option string that gave it (``--trusted-host``)."""

    value: T
    option: str


class _Store(argparse.Action):
    """Store the value as a :class:`Given` (the option string that gave it kept)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        self.record(namespace, Given(self.value(values), option_string or self.dest))

    def value(self, values: str | Sequence[Any] | None) -> object:
        return values

    def record(self, namespace: argparse.Namespace, given: Given[object]) -> None:
        setattr(namespace, self.dest, given)


class _Append(_Store):
    """Append the value as a :class:`Given` (repeatable options)."""

    def record(self, namespace: argparse.Namespace, given: Given[object]) -> None:
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), given])


class _Flag(_Store):
    """A flag storing ``Given(const, option)``; several flags may share one ``dest``."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def value(self, values: str | Sequence[Any] | None) -> object:
        return self.const


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors follow the command's ``error:``/``hint:``
    format (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message}", file=sys.stderr)
        print(f"hint: run '{self.prog} --help' for more information", file=sys.stderr)
        raise SystemExit(2)


class _Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Sub-commands whose arguments are added when the command is chosen.

    Every command takes the ~20 global options; adding them to all eleven parsers took
    longer than a whole run answered from the cache. A command's parser is created up
    front (its name and help are listed by ``--help``) and filled by its ``fill``
    function just before argparse hands it the rest of the command line, so ``COMMAND
    --help`` and errors see the whole grammar.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fillers: dict[str, Callable[[], None]] = {}

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        if isinstance(values, list) and values:
            fill = self.fillers.pop(values[0], None)
            if fill is not None:
                fill()
        super().__call__(parser, namespace, values, option_string)


@dataclass(frozen=True)
class _Option:
    """One global option: its flags, where it is stored, and how levels combine."""

    flags: tuple[str, ...]
    dest: str
    kind: Literal["store", "append", "flag", "count"]
    help: str
    metavar: str | None = None
    const: object = True
    choices: tuple[str, ...] | None = None


_GLOBAL_OPTIONS = (
    _Option(
        ("--index",),
        "index",
        "append",
        "an index, searched before the default one, earlier ones first: URL, a path, "
        "NAME=URL, or the name of an [[index]] of the configuration (repeatable)",
        "INDEX",
    ),
    _Option(
        ("--default-index",),
        "default_index",
        "store",
        f"the default index, e.g. {EXAMPLE_INDEX} (or a path, or an [[index]] name); searched last",
        "URL",
    ),
    _Option(
        ("-i", "--index-url"),
        "index_url",
        "store",
        "the default index (uv's older name; --default-index wins when both are given)",
        "URL",
    ),
    _Option(
        ("--extra-index-url",),
        "extra_index_url",
        "append",
        "an extra index, searched after the --index ones and before the default one (repeatable)",
        "URL",
    ),
    _Option(
        ("-f", "--find-links"),
        "find_links",
        "append",
        "a directory of distributions, or the URL of a page of links to them, searched "
        "alongside the indexes (repeatable; comma-separated)",
        "LOCATION",
    ),
    _Option(
        ("--no-index",),
        "no_index",
        "flag",
        "search no index: only the --find-links locations",
    ),
    _Option(
        ("--index-strategy",),
        "index_strategy",
        "store",
        "first-index (default): a project comes from the first index that has it; "
        "unsafe-first-match: from the first index with an acceptable version; "
        "unsafe-best-match: the best version of any index",
        "STRATEGY",
        choices=("first-index", "unsafe-first-match", "unsafe-best-match"),
    ),
    _Option(
        ("--keyring-provider",),
        "keyring_provider",
        "store",
        "subprocess: ask the keyring command for an index's password once the index asks "
        "for credentials (with the user name of its URL); disabled (default): no keyring",
        "PROVIDER",
        choices=("disabled", "subprocess"),
    ),
    _Option(
        ("--system-certs",),
        "system_certs",
        "flag",
        "trust the operating system's certificate store instead of the bundled roots",
    ),
    _Option(
        ("--no-system-certs",),
        "system_certs",
        "flag",
        "use the bundled roots even if configuration asks for the system store",
        const=False,
    ),
    _Option(("--native-tls",), "system_certs", "flag", "deprecated alias of --system-certs"),
    _Option(
        ("--allow-insecure-host", "--trusted-host"),
        "allow_insecure_host",
        "append",
        "do not verify the certificate of HOST, HOST:PORT or URL (repeatable)",
        "HOST",
    ),
    _Option(
        ("--config-file",),
        "config_file",
        "store",
        "read this uv.toml instead of every discovered configuration file",
        "PATH",
    ),
    _Option(
        ("--no-config",),
        "no_config",
        "flag",
        "read no configuration file (uv.toml, pyproject.toml, user or system)",
    ),
    _Option(("--offline",), "offline", "flag", "do not access the network (local indexes only)"),
    _Option(
        ("--cache-dir",),
        "cache_dir",
        "store",
        "where pages and metadata are cached (INDEXCLIENT_CACHE_DIR; default: the "
        "platform's user cache directory)",
        "DIR",
    ),
    _Option(("--no-cache",), "no_cache", "flag", "neither read nor write the cache"),
    _Option(
        ("--refresh",),
        "refresh",
        "flag",
        "revalidate every cached page with the server, even fresh ones",
    ),
    _Option(("--no-progress",), "no_progress", "flag", "draw no progress bars"),
    _Option(("--json",), "json", "flag", "print machine-readable JSON on stdout"),
    _Option(("-v", "--verbose"), "verbose", "count", "more output; show a traceback on errors"),
    _Option(("-q", "--quiet"), "quiet", "count", "less output: no progress bars"),
)

_MERGE: dict[str, Merge] = {"store": "last", "append": "append", "flag": "last", "count": "count"}
_ACTION: dict[str, Any] = {"store": _Store, "append": _Append, "flag": _Flag, "count": "count"}
_INITIAL: dict[str, object] = {"store": None, "append": [], "flag": None, "count": 0}

#: The global options' destinations and how values from several levels combine.
GLOBAL_DESTS: dict[str, Merge] = {o.dest: _MERGE[o.kind] for o in _GLOBAL_OPTIONS}


def _add_global_options(parser: argparse.ArgumentParser, prefix: str) -> None:
    # Defined at every level (top, command, subcommand) under its own prefix; values
    # given at several levels are merged afterwards (GLOBAL_DESTS). Only the top level
    # sets defaults, so a lower level's absent option does not mask a higher one's.
    top = prefix == ""
    group = parser.add_argument_group(
        "global options" + ("" if top else " (also accepted before the command)")
    )
    for option in _GLOBAL_OPTIONS:
        extra: dict[str, Any] = {}
        if option.metavar:
            extra["metavar"] = option.metavar
        if option.kind == "flag":
            extra["const"] = option.const
        if option.choices:
            extra["choices"] = option.choices
        group.add_argument(
            *option.flags,
            dest=prefix + option.dest,
            action=_ACTION[option.kind],
            default=_INITIAL[option.kind] if top else argparse.SUPPRESS,
            help=option.help,
            **extra,
        )
    group.add_argument(
        "--version",
        action="version",
        version=f"indexclient {__version__}",
        help="print the version and exit",
    )


def _subparsers(parser: argparse.ArgumentParser, title: str) -> _Commands:
    parser.register("action", "commands", _Commands)
    commands = parser.add_subparsers(
        title=title,
        dest="_" + title,
        metavar="COMMAND",
        required=True,
        parser_class=Parser,
        action="commands",
    )
    assert isinstance(commands, _Commands)
    return commands


def _command(
    subparsers: _Commands,
    name: str,
    command: str,
    help_text: str,
    *,
    level: str = "cmd_",
    arguments: Callable[[Parser], None] | None = None,
) -> Parser:
    """Add command ``name``; its global options and ``arguments`` are added only when
    the command is chosen (see :class:`_Commands`)."""
    parser: Parser = subparsers.add_parser(
        name, help=help_text, description=help_text, allow_abbrev=False
    )
    parser.set_defaults(command=command)

    def fill() -> None:
        _add_global_options(parser, level)
        if arguments is not None:
            arguments(parser)

    subparsers.fillers[name] = fill
    return parser


def _name_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the project name")
    # What the index has, not a choice: uv has no such command, and a list filtered
    # by a target configured in a file would hide versions without saying so.
    parser.epilog = (
        "Everything the index lists is shown, whatever the target settings "
        "(python-version, python-platform, only-binary, no-binary, prerelease, "
        "exclude-newer, from flags, UV_PRERELEASE/UV_EXCLUDE_NEWER or uv.toml): they "
        "choose among these in metadata and download."
    )


def _requirements(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "requirements", nargs="*", metavar="REQ", help="a PEP 508 requirement, e.g. 'attrs>=22'"
    )
    parser.add_argument(
        "-r",
        "--requirement",
        dest="requirement_files",
        action="append",
        default=[],
        metavar="FILE",
        help="read requirements from FILE (pip's requirements-file syntax: -r/-c "
        "includes, --hash, markers, index options), or a pyproject.toml's [project] "
        "dependencies with its [tool.uv.sources] pins; repeatable",
    )
    parser.add_argument(
        "-c",
        "--constraint",
        dest="constraint_files",
        action="append",
        default=[],
        metavar="FILE",
        help="constrain versions with FILE (requirements-file syntax): only narrows the "
        "versions of projects otherwise required; repeatable",
    )
    parser.add_argument(
        "--extra",
        dest="extras",
        action="append",
        default=[],
        metavar="NAME",
        help="with -r pyproject.toml, also its optional dependencies NAME (repeatable)",
    )
    parser.add_argument(
        "--all-extras",
        action="store_true",
        help="with -r pyproject.toml, also all its optional dependencies",
    )
    _target_arguments(parser)


def _target_arguments(parser: argparse.ArgumentParser) -> None:
    """uv pip compile's target flags, with uv's meanings (see indexclient.Target)."""
    group = parser.add_argument_group("target (as uv pip compile's)")
    group.add_argument(
        "--python-version",
        metavar="X.Y",
        help="choose for this Python version (Requires-Python and wheel tags)",
    )
    group.add_argument(
        "--python-platform",
        metavar="NAME",
        help="choose for this platform, in uv's names: linux, macos, windows, "
        "x86_64-manylinux_2_28, aarch64-apple-darwin...",
    )
    group.add_argument(
        "--only-binary",
        action="append",
        default=[],
        metavar="NAMES",
        help="wheels only for these projects (:all:, :none:, names; repeatable)",
    )
    group.add_argument(
        "--no-binary",
        action="append",
        default=[],
        metavar="NAMES",
        help="sdists only for these projects (:all:, :none:, names; repeatable)",
    )
    group.add_argument(
        "--prerelease",
        metavar="MODE",
        help="allow, disallow, if-necessary, explicit or if-necessary-or-explicit "
        "(the default; env UV_PRERELEASE)",
    )
    group.add_argument(
        "--exclude-newer",
        metavar="DATE",
        help="only files uploaded before this date or RFC 3339 timestamp (env UV_EXCLUDE_NEWER)",
    )


def build_parser() -> Parser:
    """The whole command line."""
    parser = Parser(
        prog="indexclient",
        description="Query Python package indexes (PEP 503/691) with uv's TLS trust settings. "
        f"There is no built-in index: pass --index-url {EXAMPLE_INDEX}, set "
        "UV_DEFAULT_INDEX, or add index-url to uv.toml.",
        epilog="Exit status: 0 success, 1 operation failed, 2 usage or configuration error, "
        "3 TLS verification failure, 4 not found, 130 interrupted.",
        allow_abbrev=False,
    )
    _add_global_options(parser, "")
    _add_commands(parser, "command", _COMMANDS)
    return parser


@dataclass(frozen=True)
class _CommandSpec:
    """A command of the table below: a leaf with its own arguments, or a group."""

    name: str
    help: str
    arguments: Callable[[Parser], None] | None = None
    subcommands: tuple[_CommandSpec, ...] = ()


def _add_commands(
    parser: argparse.ArgumentParser,
    title: str,
    table: tuple[_CommandSpec, ...],
    prefix: str = "",
) -> None:
    subparsers = _subparsers(parser, title)
    for spec in table:
        command = prefix + spec.name

        def arguments(sub: Parser, spec: _CommandSpec = spec, command: str = command) -> None:
            if spec.arguments is not None:
                spec.arguments(sub)
            if spec.subcommands:
                _add_commands(sub, f"{spec.name}_command", spec.subcommands, f"{command} ")

        level = "group_" if spec.subcommands else "cmd_"
        _command(subparsers, spec.name, command, spec.help, level=level, arguments=arguments)


def _download_arguments(parser: argparse.ArgumentParser) -> None:
    _requirements(parser)
    parser.add_argument(
        "-d",
        "--dest",
        default=".",
        metavar="DIR",
        help="the directory to save the files in (default: the current directory)",
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="write a JSON report of each requirement, file, URL, index, hashes and size "
        "to FILE (replaced atomically)",
    )


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help=f"an https URL, e.g. {EXAMPLE_INDEX}")


def _set_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", metavar="KEY", help="the key, e.g. allow-insecure-host")
    parser.add_argument("value", metavar="VALUE", help="the value (lists: comma-separated)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--project",
        dest="scope",
        action="store_const",
        const="project",
        help="the project's file: the nearest uv.toml or pyproject.toml [tool.uv] (default)",
    )
    where.add_argument(
        "--user",
        dest="scope",
        action="store_const",
        const="user",
        help="the user's uv.toml (~/.config/uv/uv.toml or $XDG_CONFIG_HOME/uv/uv.toml)",
    )
    where.add_argument("--file", dest="file", metavar="PATH", help="this file")


_COMMANDS = (
    _CommandSpec("project", "list a project's files (version, tags, yanked...)", _name_argument),
    _CommandSpec("versions", "list a project's versions, newest last", _name_argument),
    _CommandSpec(
        "metadata",
        "show the core metadata of the newest version matching each requirement",
        _requirements,
    ),
    _CommandSpec(
        "download",
        "download the best file for each requirement, checking its hashes",
        _download_arguments,
    ),
    _CommandSpec(
        "tls",
        "inspect the TLS trust configuration and servers",
        subcommands=(
            _CommandSpec(
                "show",
                "show the trust source, roots, client certificate, insecure hosts and policy",
            ),
            _CommandSpec(
                "check",
                "connect to an https URL and explain whether its certificate is trusted",
                _check_arguments,
            ),
        ),
    ),
    _CommandSpec(
        "config",
        "show or change configuration",
        subcommands=(
            _CommandSpec("show", "show every effective setting and its source"),
            _CommandSpec("set", "set a key in a uv.toml (other keys are kept)", _set_arguments),
        ),
    ),
)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; merged global options end up under their plain names.

    Raises SystemExit (argparse's way) for ``--help``, ``--version`` and usage errors.
    """
    args = build_parser().parse_args(list(argv))
    for dest, merge in GLOBAL_DESTS.items():
        values = [getattr(args, level + dest) for level in _LEVELS if hasattr(args, level + dest)]
        for level in _LEVELS[1:]:
            if hasattr(args, level + dest):
                delattr(args, level + dest)
        if merge == "append":
            setattr(args, dest, [item for value in values for item in value or []])
        elif merge == "count":
            setattr(args, dest, sum(values))
        else:
            given = [v for v in values if v is not None]
            setattr(args, dest, given[-1] if given else None)
    return args
