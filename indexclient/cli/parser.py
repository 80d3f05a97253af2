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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, NoReturn, TypeVar

from indexclient import __version__

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
    """Store the value as a :class:`Given`."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, Given(values, option_string or self.dest))


class _Append(argparse.Action):
    """Append the value as a :class:`Given` (repeatable options)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        current = getattr(namespace, self.dest, None) or []
        setattr(namespace, self.dest, [*current, Given(values, option_string or self.dest)])


class _Flag(argparse.Action):
    """A flag storing ``Given(const, option)``; several flags may share one ``dest``."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, Given(self.const, option_string or self.dest))


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors follow the command's ``error:``/``hint:``
    format (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message}", file=sys.stderr)
        print(f"hint: run '{self.prog} --help' for more information", file=sys.stderr)
        raise SystemExit(2)


#: The global options' destinations and how values from several levels combine.
GLOBAL_DESTS: dict[str, Merge] = {
    "index_url": "last",
    "extra_index_url": "append",
    "system_certs": "last",
    "allow_insecure_host": "append",
    "config_file": "last",
    "no_config": "last",
    "offline": "last",
    "cache_dir": "last",
    "no_cache": "last",
    "refresh": "last",
    "json": "last",
    "verbose": "count",
    "quiet": "count",
}


def _add_global_options(parser: argparse.ArgumentParser, prefix: str) -> None:
    top = prefix == ""
    group = parser.add_argument_group(
        "global options" + ("" if top else " (also accepted before the command)")
    )

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    group.add_argument(
        "--index-url",
        "--default-index",
        dest=prefix + "index_url",
        action=_Store,
        metavar="URL",
        default=default(None),
        help=f"the default index, e.g. {EXAMPLE_INDEX} (or a path); searched last",
    )
    group.add_argument(
        "--extra-index-url",
        dest=prefix + "extra_index_url",
        action=_Append,
        metavar="URL",
        default=default([]),
        help="an extra index, searched before the default one (repeatable)",
    )
    group.add_argument(
        "--system-certs",
        dest=prefix + "system_certs",
        action=_Flag,
        const=True,
        default=default(None),
        help="trust the operating system's certificate store instead of the bundled roots",
    )
    group.add_argument(
        "--no-system-certs",
        dest=prefix + "system_certs",
        action=_Flag,
        const=False,
        default=default(None),
        help="use the bundled roots even if configuration asks for the system store",
    )
    group.add_argument(
        "--native-tls",
        dest=prefix + "system_certs",
        action=_Flag,
        const=True,
        default=default(None),
        help="deprecated alias of --system-certs",
    )
    group.add_argument(
        "--allow-insecure-host",
        "--trusted-host",
        dest=prefix + "allow_insecure_host",
        action=_Append,
        metavar="HOST",
        default=default([]),
        help="do not verify the certificate of HOST, HOST:PORT or URL (repeatable)",
    )
    group.add_argument(
        "--config-file",
        dest=prefix + "config_file",
        action=_Store,
        metavar="PATH",
        default=default(None),
        help="read this uv.toml instead of every discovered configuration file",
    )
    group.add_argument(
        "--no-config",
        dest=prefix + "no_config",
        action=_Flag,
        const=True,
        default=default(None),
        help="read no configuration file (uv.toml, pyproject.toml, user or system)",
    )
    group.add_argument(
        "--offline",
        dest=prefix + "offline",
        action=_Flag,
        const=True,
        default=default(None),
        help="do not access the network (local indexes only)",
    )
    group.add_argument(
        "--cache-dir",
        dest=prefix + "cache_dir",
        action=_Store,
        metavar="DIR",
        default=default(None),
        help="where pages and metadata are cached (INDEXCLIENT_CACHE_DIR; default: the "
        "platform's user cache directory)",
    )
    group.add_argument(
        "--no-cache",
        dest=prefix + "no_cache",
        action=_Flag,
        const=True,
        default=default(None),
        help="neither read nor write the cache",
    )
    group.add_argument(
        "--refresh",
        dest=prefix + "refresh",
        action=_Flag,
        const=True,
        default=default(None),
        help="revalidate every cached page with the server, even fresh ones",
    )
    group.add_argument(
        "--json",
        dest=prefix + "json",
        action=_Flag,
        const=True,
        default=default(None),
        help="print machine-readable JSON on stdout",
    )
    group.add_argument(
        "-v",
        "--verbose",
        dest=prefix + "verbose",
        action="count",
        default=default(0),
        help="more output; show a traceback on errors",
    )
    group.add_argument(
        "-q",
        "--quiet",
        dest=prefix + "quiet",
        action="count",
        default=default(0),
        help="less output: no progress bars",
    )
    group.add_argument(
        "--version",
        action="version",
        version=f"indexclient {__version__}",
        help="print the version and exit",
    )


def _subparsers(parser: argparse.ArgumentParser, title: str) -> argparse._SubParsersAction[Parser]:
    return parser.add_subparsers(
        title=title, dest="_" + title, metavar="COMMAND", required=True, parser_class=Parser
    )


def _command(
    subparsers: argparse._SubParsersAction[Parser],
    name: str,
    command: str,
    help_text: str,
    level: str = "cmd_",
) -> Parser:
    parser: Parser = subparsers.add_parser(
        name, help=help_text, description=help_text, allow_abbrev=False
    )
    parser.set_defaults(command=command)
    _add_global_options(parser, level)
    return parser


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
        help="read requirements from FILE (one per line; '#' comments and '-' option "
        "lines are skipped); repeatable",
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
    commands = _subparsers(parser, "command")

    project = _command(
        commands, "project", "project", "list a project's files (version, tags, yanked...)"
    )
    project.add_argument("name", metavar="NAME", help="the project name")

    versions = _command(commands, "versions", "versions", "list a project's versions, newest last")
    versions.add_argument("name", metavar="NAME", help="the project name")

    metadata = _command(
        commands,
        "metadata",
        "metadata",
        "show the core metadata of the newest version matching each requirement",
    )
    _requirements(metadata)

    download = _command(
        commands,
        "download",
        "download",
        "download the best file for each requirement, checking its hashes",
    )
    _requirements(download)
    download.add_argument(
        "-d",
        "--dest",
        default=".",
        metavar="DIR",
        help="the directory to save the files in (default: the current directory)",
    )

    tls = _command(
        commands, "tls", "tls", "inspect the TLS trust configuration and servers", "group_"
    )
    tls_commands = _subparsers(tls, "tls_command")
    _command(
        tls_commands,
        "show",
        "tls show",
        "show the trust source, roots, client certificate, insecure hosts and policy",
    )
    check = _command(
        tls_commands,
        "check",
        "tls check",
        "connect to an https URL and explain whether its certificate is trusted",
    )
    check.add_argument("url", metavar="URL", help=f"an https URL, e.g. {EXAMPLE_INDEX}")

    config = _command(commands, "config", "config", "show or change configuration", "group_")
    config_commands = _subparsers(config, "config_command")
    _command(config_commands, "show", "config show", "show every effective setting and its source")
    set_parser = _command(
        config_commands, "set", "config set", "set a key in a uv.toml (other keys are kept)"
    )
    set_parser.add_argument("key", metavar="KEY", help="the key, e.g. allow-insecure-host")
    set_parser.add_argument("value", metavar="VALUE", help="the value (lists: comma-separated)")
    where = set_parser.add_mutually_exclusive_group()
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
    return parser


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
