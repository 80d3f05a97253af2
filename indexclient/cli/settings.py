"""Settings for a command: the global options as flags over uv's discovery.

Each flag is passed as a :class:`~indexclient.config.Value` whose origin is the flag as
typed (``--trusted-host``, ``--default-index``...), so ``config show``, ``tls show`` and
error messages name it.
"""

from __future__ import annotations

import argparse
import os
import warnings
from typing import TYPE_CHECKING

from indexclient.errors import ConfigurationWarning

if TYPE_CHECKING:
    from indexclient.cli.parser import Given
    from indexclient.config import Settings, Value

__all__ = ["load_settings"]


def _value(given: Given[object]) -> Value[object]:
    from indexclient.config import Origin, Value

    return Value(given.value, Origin("flag", given.option))


def load_settings(args: argparse.Namespace) -> Settings:
    """``Settings.discover`` from the process environment and working directory.

    Raises ConfigurationError (every problem at once) like ``Settings.discover``.
    """
    from indexclient.config import Settings

    arguments: dict[str, object] = {}
    if args.system_certs is not None:
        if args.system_certs.option == "--native-tls":
            warnings.warn(
                "--native-tls is deprecated; use --system-certs", ConfigurationWarning, stacklevel=2
            )
        arguments["system_certs"] = _value(args.system_certs)
    if args.index_url is not None:
        arguments["index_url"] = _value(args.index_url)
    if args.extra_index_url:
        arguments["extra_index_urls"] = [_value(g) for g in args.extra_index_url]
    if args.allow_insecure_host:
        arguments["allow_insecure_host"] = [_value(g) for g in args.allow_insecure_host]
    if args.offline is not None:
        arguments["offline"] = _value(args.offline)
    # The command line caches by default, in the platform's user cache directory,
    # unless INDEXCLIENT_CACHE_DIR or --cache-dir say where.
    if args.cache_dir is not None:
        arguments["cache_dir"] = _value(args.cache_dir)
    elif not os.environ.get("INDEXCLIENT_CACHE_DIR"):
        from indexclient.config import Origin, Value
        from indexclient.transport.cache import default_cache_dir

        arguments["cache_dir"] = Value(str(default_cache_dir()), Origin("default"))
    if args.no_cache is not None:
        arguments["no_cache"] = _value(args.no_cache)
    if args.refresh is not None:
        arguments["refresh"] = bool(args.refresh.value)
    return Settings.discover(
        os.environ,
        cwd=os.getcwd(),
        config_file=args.config_file.value if args.config_file is not None else None,
        no_config=bool(args.no_config and args.no_config.value),
        **arguments,
    )
