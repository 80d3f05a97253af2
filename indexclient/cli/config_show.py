"""``config show``: every effective setting and where it came from; no network."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from indexclient.cli.exits import OK
from indexclient.cli.output import Console, table
from indexclient.cli.settings import load_settings
from indexclient.errors import ConfigurationError
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.settings import IndexSpec, Origin, Settings, Value

__all__ = ["indexes_report", "settings_report", "show"]


def _entry(value: object, origin: Origin | str | None, **extra: object) -> dict[str, object]:
    return {"value": value, "source": str(origin) if origin is not None else None, **extra}


def _single(value: Value[Any] | None) -> dict[str, object]:
    return _entry(value.value, value.origin) if value is not None else _entry(None, None)


def _index(spec: IndexSpec) -> dict[str, object]:
    return _entry(redact_url(spec.url), spec.origin, name=spec.name)


def _role(spec: IndexSpec) -> str:
    if spec.find_links:
        return "find-links"
    if spec.explicit:
        return "explicit"
    return "default" if spec.default else "index"


def indexes_report(settings: Settings) -> list[dict[str, object]]:
    """The indexes as they are searched, for ``config show``: each searched index in
    search order (the default last), then the configured ones that are not searched
    (explicit indexes, used only for the projects pinned to them; every index under
    ``--no-index``), then the find-links locations, searched alongside. Each entry:
    ``url`` (redacted), ``name``, ``role`` (``index``, ``default``, ``explicit``,
    ``find-links``), ``searched``, ``options`` (uv's keys set to something other than
    their default) and ``source``."""
    try:
        searched = settings.indexes()
    except ConfigurationError:
        searched = ()
    others = [
        s
        for s in settings.extra_indexes + ((settings.index_url,) if settings.index_url else ())
        if s not in searched
    ]
    return [
        {
            "url": redact_url(spec.url),
            "name": spec.name,
            "role": _role(spec),
            "searched": spec in searched or spec.find_links,
            "options": spec.options(),
            "source": str(spec.origin),
        }
        for spec in (*searched, *others, *settings.find_links)
    ]


def settings_report(settings: Settings) -> dict[str, object]:
    """Every effective setting with its source, as ``config show --json`` prints it.

    Single settings map to ``{"value", "source"}`` (``source`` is null when unset);
    list settings map to a list of those. ``index-url`` is the default index and
    ``extra-index-url`` every other configured index (``--index``, ``[[index]]`` and
    ``extra-index-url`` alike; :func:`indexes_report` gives them in search order with
    their options). The target's settings (``python-version`` to ``exclude-newer``) are
    shown as given, the binary lists entry by entry in the order they apply. Index
    URLs and allow-insecure-host entries have their userinfo redacted
    (:func:`indexclient.urls.redact_url`).
    """
    dirs = settings.ssl_cert_dir
    return {
        "index-url": _index(settings.index_url)
        if settings.index_url
        else _entry(None, None, name=None),
        "extra-index-url": [_index(spec) for spec in settings.extra_indexes],
        "system-certs": _single(settings.system_certs),
        "ssl-cert-file": _single(settings.ssl_cert_file),
        "ssl-cert-dir": _entry(list(dirs.value), dirs.origin) if dirs else _entry(None, None),
        "ssl-client-cert": _single(settings.client_cert),
        "allow-insecure-host": [
            _entry(redact_url(h.raw), h.origin) for h in settings.insecure_hosts
        ],
        "concurrent-downloads": _single(settings.concurrency),
        "http-timeout": _single(settings.timeout),
        "http-deadline": _single(settings.deadline),
        "http-retries": _single(settings.retries),
        "offline": _single(settings.offline),
        "find-links": [_index(spec) for spec in settings.find_links],
        "no-index": _single(settings.no_index),
        "index-strategy": _single(settings.index_strategy),
        "keyring-provider": _single(settings.keyring_provider),
        "no-cache": _single(settings.no_cache),
        "no-progress": _single(settings.no_progress),
        # The target (uv pip compile's): flags, UV_PRERELEASE/UV_EXCLUDE_NEWER, files.
        "python-version": _single(settings.python_version),
        "python-platform": _single(settings.python_platform),
        "only-binary": [_single(v) for v in settings.only_binary],
        "no-binary": [_single(v) for v in settings.no_binary],
        "prerelease": _single(settings.prerelease),
        "exclude-newer": _single(settings.exclude_newer),
    }


def _shown(value: object) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return os.pathsep.join(str(v) for v in value)
    return str(value)


def _index_rows(indexes: list[dict[str, object]]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    number = 0
    for entry in indexes:
        searched = bool(entry["searched"]) and entry["role"] != "find-links"
        if searched:
            number += 1
        options = entry["options"]
        assert isinstance(options, dict)
        words = [f"{key}={_option(value)}" for key, value in options.items()]
        if not entry["searched"]:
            words.append("not searched")
        rows.append(
            (
                f"  {number}" if searched else "  -",
                str(entry["url"]),
                str(entry["name"] or ""),
                str(entry["role"]),
                ", ".join(words),
                str(entry["source"]),
            )
        )
    return rows


def _option(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def show(args: argparse.Namespace, console: Console) -> int:
    """``config show``: every effective setting and where it came from."""
    settings = load_settings(args)
    report = settings_report(settings)
    trust = settings.trust_source().describe()
    indexes = indexes_report(settings)
    if console.json_mode:
        console.json(
            {
                "settings": report,
                "indexes": indexes,
                "trust_source": trust,
                "config_files": list(settings.config_files),
                "pip_config_files": list(settings.pip_config_files),
            }
        )
        return OK
    rows = []
    for key, entry in report.items():
        entries = entry if isinstance(entry, list) else [entry]
        if not entries:
            rows.append((key, "(not set)", ""))
        for item in entries:
            assert isinstance(item, dict)
            value = _shown(item["value"])
            if item.get("name"):
                value = f"{item['name']}={value}"
            rows.append((key, value, str(item["source"] or "")))
    console.print(table(("setting", "value", "source"), rows))
    console.print()
    strategy = settings.index_strategy
    console.print(f"indexes, in search order ({strategy.value}, from {strategy.origin}):")
    if indexes:
        console.print(table(("", "url", "name", "role", "options", "source"), _index_rows(indexes)))
    else:
        console.print("  none")
    console.print()
    console.print(f"trust source: {trust}")
    # pip's settings are the lowest layer (README, "pip's settings"); each value above
    # names its variable, or its file and section.
    if settings.pip_config_files:
        console.print("pip configuration files read:")
        for path in settings.pip_config_files:
            console.print(f"  {path}")
    else:
        console.print("pip configuration files read: none")
    if settings.config_files:
        console.print("configuration files read:")
        for path in settings.config_files:
            console.print(f"  {path}")
    else:
        console.print("configuration files read: none")
    return OK
