"""Settings for a command: the global options as flags over uv's discovery.

Each flag is passed as a :class:`~indexclient.settings.Value` whose origin is the flag as
typed (``--trusted-host``, ``--default-index``...), so ``config show``, ``tls show`` and
error messages name it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import warnings
from typing import TYPE_CHECKING, Any, TypeVar

from indexclient.errors import ConfigurationWarning
from indexclient.settings import Origin, Settings, Value
from indexclient.settings.environment import default_cache_dir

if TYPE_CHECKING:
    from indexclient.cli.parser import Given
    from indexclient.settings import Settings, Value

__all__ = ["load_settings"]

T = TypeVar("T")


def _value(given: Given[T]) -> Value[T]:
    return Value(given.value, Origin("flag", given.option))


def _flag(given: Given[Any] | None) -> Value[Any] | None:
    return _value(given) if given is not None else None


def _target_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The target's flags of ``metadata`` and ``download`` (uv pip compile's), as
    Values naming the flag; other commands have none."""

    def one(name: str) -> Value[str] | None:
        given = getattr(args, name, None)
        flag = "--" + name.replace("_", "-")
        return None if given is None else Value(given, Origin("flag", flag))

    def listed(name: str) -> list[Value[str]]:
        flag = "--" + name.replace("_", "-")
        return [Value(v, Origin("flag", flag)) for v in getattr(args, name, None) or ()]

    return {
        "python_version": one("python_version"),
        "python_platform": one("python_platform"),
        "prerelease": one("prerelease"),
        "exclude_newer": one("exclude_newer"),
        "only_binary": listed("only_binary"),
        "no_binary": listed("no_binary"),
    }


def load_settings(args: argparse.Namespace) -> Settings:
    """``Settings.discover`` from the process environment and working directory.

    Raises ConfigurationError (every problem at once) like ``Settings.discover``.
    """
    if args.system_certs is not None and args.system_certs.option == "--native-tls":
        warnings.warn(
            "--native-tls is deprecated; use --system-certs", ConfigurationWarning, stacklevel=2
        )
    # The command line caches by default, in the platform's user cache directory,
    # unless INDEXCLIENT_CACHE_DIR or --cache-dir say where.
    cache_dir = _flag(args.cache_dir)
    if cache_dir is None and not os.environ.get("INDEXCLIENT_CACHE_DIR"):
        cache_dir = Value(str(default_cache_dir()), Origin("default"))
    settings = Settings.discover(
        os.environ,
        cwd=os.getcwd(),
        config_file=args.config_file.value if args.config_file is not None else None,
        no_config=bool(args.no_config and args.no_config.value),
        system_certs=_flag(args.system_certs),
        default_index=_flag(args.default_index),
        index_url=_flag(args.index_url),
        indexes=[_value(g) for g in args.index or ()],
        extra_index_urls=[_value(g) for g in args.extra_index_url or ()],
        find_links=[_value(g) for g in args.find_links or ()],
        no_index=_flag(args.no_index),
        index_strategy=_flag(args.index_strategy),
        no_progress=_flag(args.no_progress),
        allow_insecure_host=[_value(g) for g in args.allow_insecure_host or ()],
        offline=_flag(args.offline),
        cache_dir=cache_dir,
        no_cache=_flag(args.no_cache),
        refresh=bool(args.refresh.value) if args.refresh is not None else False,
        **_target_flags(args),
    )
    if args.keyring_provider is not None:
        # The flag wins over UV_KEYRING_PROVIDER and the files, as in uv.
        settings = dataclasses.replace(settings, keyring_provider=_value(args.keyring_provider))
    return settings
