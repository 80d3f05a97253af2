"""``config set KEY VALUE``: one key written into a uv.toml or pyproject.toml.

A module of its own: it loads the writer (tomli-w, the splice, the lock), which
``config show`` never needs.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from indexclient.cli.exits import OK
from indexclient.cli.output import Console
from indexclient.settings.files import project_config_path, set_value, user_config_path
from indexclient.urls import redact_url

__all__ = ["set_key"]


def _target(args: argparse.Namespace) -> Path:
    if args.file:
        return Path(args.file).absolute()
    if args.scope == "user":
        return user_config_path(os.environ)
    return project_config_path(os.getcwd())


def set_key(args: argparse.Namespace, console: Console) -> int:
    """``config set KEY VALUE``: validate, then write the file keeping everything else.

    Prints the key's value as the file now has it, URLs and hosts redacted.
    """
    path = _target(args)
    value = _redacted(set_value(path, args.key, args.value))
    if console.json_mode:
        console.json({"path": str(path), "key": args.key, "value": value})
    else:
        console.print(f"set {args.key} = {json.dumps(value)} in {path}")
    return OK


def _redacted(value: object) -> object:
    """A value ``config set`` wrote, safe to print: every string through the redaction
    (the URLs of index-url and extra-index-url, the allow-insecure-host entries)."""
    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value
