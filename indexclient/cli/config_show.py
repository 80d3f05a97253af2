"""``config show``: every effective setting and where it came from; no network."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from indexclient.cli.exits import OK
from indexclient.cli.output import Console, table
from indexclient.cli.settings import load_settings
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.settings import IndexSpec, Origin, Settings, Value

__all__ = ["settings_report", "show"]


def _entry(value: object, origin: Origin | str | None, **extra: object) -> dict[str, object]:
    return {"value": value, "source": str(origin) if origin is not None else None, **extra}


def _single(value: Value[Any] | None) -> dict[str, object]:
    return _entry(value.value, value.origin) if value is not None else _entry(None, None)


def _index(spec: IndexSpec) -> dict[str, object]:
    return _entry(redact_url(spec.url), spec.origin, name=spec.name)


def settings_report(settings: Settings) -> dict[str, object]:
    """Every effective setting with its source, as ``config show --json`` prints it.

    Single settings map to ``{"value", "source"}`` (``source`` is null when unset);
    list settings map to a list of those. Index URLs and allow-insecure-host entries have
    their userinfo redacted (:func:`indexclient.urls.redact_url`).
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


def show(args: argparse.Namespace, console: Console) -> int:
    """``config show``: every effective setting and where it came from."""
    settings = load_settings(args)
    report = settings_report(settings)
    trust = settings.trust_source().describe()
    if console.json_mode:
        console.json(
            {"settings": report, "trust_source": trust, "config_files": list(settings.config_files)}
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
    console.print(f"trust source: {trust}")
    if settings.config_files:
        console.print("configuration files read:")
        for path in settings.config_files:
            console.print(f"  {path}")
    else:
        console.print("configuration files read: none")
    return OK
