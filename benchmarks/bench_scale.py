"""Speed at scale: core metadata of N = 300, 3,000 (and 30,000) projects, and big pages.

For each size N the index of :mod:`benchmarks.bench_e2e` is written with N projects x 5
versions (real tiny wheels, ``.metadata`` files, HTML and JSON pages) and served by nginx
over TLS on 127.0.0.1 (``Cache-Control: max-age=600``), everything on tmpfs. Seven columns
run in turn, one round after another (medians of ``--rounds``, 3 by default), after one
unmeasured, checked run each:

===================  ==============================================================
indexclient cold     ``indexclient metadata -r reqs.txt --no-cache -q --json``
uv cold              ``uv pip compile reqs.in --no-cache``
bare script          the bare aiohttp loop of :mod:`~benchmarks.bench_e2e` as a
                     ``python -c`` script (interpreter start and imports included)
metadata_for         ``IndexClient.metadata_for(names)`` in this process (client
                     opening included)
bare in process      the same bare loop in this process: one session, the same 50
                     connections, JSON pages and ``.metadata`` files, bodies read,
                     nothing parsed
indexclient warm     the command with a filled ``--cache-dir``
uv warm              uv with a filled ``--cache-dir``
===================  ==============================================================

The checked run verifies each column's answer (every project at its newest version) and
counts nginx's access log: N pages and N ``.metadata`` files for the cold columns, none for
the warm ones. Then, per size, the peak and final RSS of ``metadata_for`` (which returns
all N answers) and of ``iter_metadata`` (each answer dropped once seen) at the default
concurrency, in a fresh process each (:mod:`~benchmarks.bench_memory`'s script).

Big pages: 20 projects x 1,500 versions, pages in JSON and in HTML (the ``html`` site,
no negotiation): the command against uv cold, ``metadata_for`` against the bare loop.

The curve (wall time against N, log-log, one line per column) is drawn to
``benchmarks/scale.png`` when matplotlib (the ``bench`` group) is installed.

``--profile`` prints instead a cProfile of ``metadata_for`` at N = 3,000 in process,
divided by the number of requests: time per module, the top functions, and a flame-style
tree of the heaviest call paths.

Run alone with ``python -m benchmarks.bench_scale [--sizes 300,3000] [--rounds 3]
[--plot PATH] [--no-big] [--profile]``; ``python -m benchmarks`` runs it with the sizes in
``INDEXCLIENT_BENCH_SIZES`` (default ``300,3000``: add 30000 for the largest index).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import bench_e2e, bench_memory
from benchmarks.bench_e2e import (
    JSON_ACCEPT,
    Command,
    Served,
    indexclient_command,
    load_average,
    run_once,
    serving,
    table,
    uv_command,
)

SIZES = (300, 3000)
SIZES_ENV = "INDEXCLIENT_BENCH_SIZES"
VERSIONS = 5
ROUNDS = 3
BIG_PROJECTS = 20
BIG_VERSIONS = 1500
PROFILE_SIZE = 3000
LARGE = 30000
LARGE_ROUNDS = 1
"""Rounds at N >= LARGE (``--large-rounds``): one round of the seven columns there takes
about two minutes on two cores (four on a busy machine)."""
PLOT = Path(__file__).resolve().parent / "scale.png"

TARGET_IN_PROCESS = 1.25  # metadata_for / bare loop in process, N = 300 and 3,000
TARGET_COLD = 1.6  # command cold / uv --no-cache, N = 3,000
TARGET_WARM = {3000: 1.5, 300: 3.0}  # command warm / uv warm
TARGET_BIG_COLD = 1.5  # big pages: command / uv cold
TARGET_BIG_IN_PROCESS = 3.0  # big pages: metadata_for / bare loop
TARGET_PEAK_MB = 100.0  # peak RSS at 3,000 names, default concurrency
TARGET_RSS_GROWTH = 0.10  # RSS after 30,000 names within 10% of after 3,000


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """One way of getting the metadata, timed (``run``) and checked once (``check``)."""

    key: str
    label: str
    run: Callable[[], float]
    """One timed run: its wall time in seconds."""
    check: Callable[[], str]
    """One unmeasured run, checked (answer, requests); a one-line summary. Raises."""


def _requests(served: Served, site: str, expected: int) -> tuple[int, int, int]:
    """Pages, ``.metadata`` files and other requests nginx logged for ``site``; waits for
    ``expected`` lines (nginx logs a request once its response has gone out)."""
    entries = served.nginx.access_log(site, wait_for=expected, timeout=10.0)
    pages = sum("/simple/" in e.uri for e in entries)
    metadata = sum(e.uri.endswith(".metadata") for e in entries)
    bad = [e for e in entries if e.status != 200]
    if bad:
        raise RuntimeError(f"nginx answered {bad[0].uri} with {bad[0].status}")
    return pages, metadata, len(entries) - pages - metadata


def _expect_requests(served: Served, site: str, name: str, per_kind: int) -> str:
    """Raise unless nginx saw ``per_kind`` pages and as many ``.metadata`` files, nothing
    else."""
    found = _requests(served, site, 2 * per_kind)
    if found != (per_kind, per_kind, 0):
        raise RuntimeError(
            f"{name}: nginx saw {found[0]} pages, {found[1]} .metadata, {found[2]} other "
            f"requests; expected {per_kind}, {per_kind}, 0"
        )
    return f"{found[0]} pages, {found[1]} .metadata"


def _command_column(
    key: str, label: str, served: Served, command: Command, site: str, per_kind: int
) -> Column:
    def run() -> float:
        return run_once(command, served.root, extra=command.quiet)[0].wall

    def check() -> str:
        # bench_e2e.verify checks the answer and the hosts named in verbose output.
        summary = bench_e2e.verify(served, command, site).strip()
        requests = _expect_requests(served, site, key, per_kind)
        return f"{key:18} {requests}: {summary.split(';', 1)[1].strip()}"

    return Column(key, label, run, check)


async def _metadata_for(served: Served, site: str) -> tuple[float, dict[str, str]]:
    from indexclient import IndexClient

    start = time.perf_counter()
    async with IndexClient(
        served.index_url(site), environ={"SSL_CERT_FILE": str(served.ca_file)}
    ) as client:
        results = await client.metadata_for(served.names)
    elapsed = time.perf_counter() - start
    failures = [r for r in results if isinstance(r, Exception)]
    if failures:
        raise RuntimeError(f"metadata_for failed: {failures[:3]}")
    return elapsed, {r.name: str(r.version) for r in results if not isinstance(r, Exception)}


def bare_urls(served: Served, site: str = "full") -> list[tuple[str, dict[str, str]]]:
    """The URLs a client fetches from ``site``: each page (JSON asked for, which the
    ``html`` site ignores), the newest ``.metadata`` of each project."""
    base = served.nginx.url(site)
    pages = [(f"{base}simple/{name}/", {"Accept": JSON_ACCEPT}) for name in served.names]
    files: list[tuple[str, dict[str, str]]] = [
        (f"{base}files/{f.filename}.metadata", {}) for f in served.newest()
    ]
    return pages + files


async def _bare(served: Served, urls: list[tuple[str, dict[str, str]]]) -> float:
    loop = bench_e2e._bare_loop()  # the code the bare script runs
    start = time.perf_counter()
    size = await loop(urls, str(served.ca_file))
    elapsed = time.perf_counter() - start
    if size <= 0:
        raise RuntimeError("the bare loop read nothing")
    return elapsed


def _in_process_columns(served: Served, site: str = "full") -> list[Column]:
    n = len(served.names)
    urls = bare_urls(served, site)

    def ours() -> float:
        return asyncio.run(_metadata_for(served, site))[0]

    def ours_check() -> str:
        served.nginx.clear_access_log(site)
        _, found = asyncio.run(_metadata_for(served, site))
        bench_e2e._expect_names(found, served, "metadata_for")
        return f"{'metadata_for':18} {_expect_requests(served, site, 'metadata_for', n)}"

    def bare() -> float:
        return asyncio.run(_bare(served, urls))

    def bare_check() -> str:
        served.nginx.clear_access_log(site)
        asyncio.run(_bare(served, urls))
        return f"{'bare in process':18} {_expect_requests(served, site, 'bare loop', n)}"

    return [
        Column("metadata_for", "IndexClient.metadata_for(names), in process", ours, ours_check),
        Column("bare in process", "bare aiohttp loop, in process", bare, bare_check),
    ]


def scale_columns(served: Served) -> list[Column]:
    """The seven columns of the scale table, in the order they run in each round."""
    n = len(served.names)
    ours_cache = served.root / "cache-indexclient"
    uv_cache = served.root / "cache-uv"
    ours_warm = indexclient_command(served, cache_dir=ours_cache)
    uv_warm = uv_command(served, cache_dir=uv_cache)
    columns = [
        _command_column(
            "indexclient cold",
            "indexclient metadata --no-cache",
            served,
            indexclient_command(served),
            "full",
            n,
        ),
        _command_column(
            "uv cold", "uv pip compile --no-cache", served, uv_command(served), "full", n
        ),
        _command_column(
            "bare script",
            "bare aiohttp script (python -c)",
            served,
            bench_e2e.bare_command(served),
            "full",
            n,
        ),
        *_in_process_columns(served),
        _command_column(
            "indexclient warm", "indexclient metadata --cache-dir", served, ours_warm, "full", 0
        ),
        _command_column("uv warm", "uv pip compile --cache-dir", served, uv_warm, "full", 0),
    ]
    # The warm columns' caches are filled by one cold run each, before any check.
    for command in (ours_warm, uv_warm):
        run_once(command, served.root, extra=command.quiet)
    return columns


def measure(columns: Sequence[Column], rounds: int) -> dict[str, list[float]]:
    """Check each column once, then ``rounds`` rounds running every column in turn."""
    for column in columns:
        print("  " + column.check(), flush=True)
    samples: dict[str, list[float]] = {c.key: [] for c in columns}
    for _ in range(rounds):
        for column in columns:
            samples[column.key].append(column.run())
    return samples


# --------------------------------------------------------------------------- memory


def memory(served: Served) -> dict[str, dict[str, float]]:
    """Peak and final RSS of ``metadata_for(names)`` at the default concurrency, and of the
    bare loop over the same URLs with as many connections, each in a fresh process."""
    from indexclient.settings.values import DEFAULT_CONCURRENCY

    work = served.root / "scale-memory.json"
    work.write_text(
        json.dumps({"requirements": served.names, "urls": bare_urls(served)}), encoding="utf-8"
    )
    return {
        mode: bench_memory._measure(served, work, mode, DEFAULT_CONCURRENCY)
        for mode in ("indexclient", "stream", "bare")
    }


# --------------------------------------------------------------------------- one size


@dataclass
class SizeResult:
    n: int
    rounds: int
    samples: dict[str, list[float]]
    labels: dict[str, str]
    memory: dict[str, dict[str, float]]
    seconds: float
    """How long the size took, index writing included."""
    load: str

    def median(self, key: str) -> float:
        return statistics.median(self.samples[key])


def run_size(n: int, rounds: int) -> SizeResult:
    """Write and serve the index of ``n`` projects, measure every column and the memory."""
    start = time.perf_counter()
    with serving(n, VERSIONS, nometa=False) as served:
        written = time.perf_counter() - start
        print(
            f"N = {n:,}: index of {n * VERSIONS:,} wheels written in {written:.0f}s; "
            f"checking each column once ({load_average()}):",
            flush=True,
        )
        with _frozen():
            columns = scale_columns(served)
            samples = measure(columns, rounds)
            mem = memory(served)
    return SizeResult(
        n,
        rounds,
        samples,
        {c.key: c.label for c in columns},
        mem,
        time.perf_counter() - start,
        load_average(),
    )


class _frozen:
    """The benchmark's own objects (the index's description: 150,000 file records at
    N = 30,000) moved out of the garbage collector's reach while measuring, so that
    the in-process columns do not pay for traversing them; the tools' own objects are
    collected as usual."""

    def __enter__(self) -> None:
        gc.collect()
        gc.freeze()

    def __exit__(self, *_: object) -> None:
        gc.unfreeze()


def _rounds(results: Sequence[SizeResult]) -> str:
    """``3 alternating rounds`` or ``3 alternating rounds (N=30,000: 1)``."""
    counts = {r.n: r.rounds for r in results}
    most = statistics.mode(counts.values())
    others = ", ".join(f"N={n:,}: {c}" for n, c in counts.items() if c != most)
    return f"{most} alternating rounds" + (f" ({others})" if others else "")


def _s(seconds: float) -> str:
    return f"{seconds:.3f}s" if seconds < 10 else f"{seconds:.2f}s"


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x (target <= {target:g}x: {'met' if ratio <= target else 'MISSED'})"


def report(results: Sequence[SizeResult]) -> str:
    """The scale table (seconds), the ratios per size and the targets."""
    keys = list(results[0].samples)
    labels = results[0].labels
    rows = [
        (
            labels[k],
            *(_s(r.median(k)) for r in results),
        )
        for k in keys
    ]
    lines = [
        table(
            f"Core metadata of N projects x {VERSIONS} versions over TLS, median of "
            f"{_rounds(results)} (wall, seconds; whole process except in process)",
            ("", *(f"N={r.n:,}" for r in results)),
            rows,
        ),
        "",
    ]
    ratios = [
        ("command cold / uv cold", "indexclient cold", "uv cold"),
        ("bare script / uv cold", "bare script", "uv cold"),
        ("command cold / bare script", "indexclient cold", "bare script"),
        ("metadata_for / bare loop, in process", "metadata_for", "bare in process"),
        ("command warm / uv warm", "indexclient warm", "uv warm"),
        ("command warm / command cold", "indexclient warm", "indexclient cold"),
    ]
    lines.append(
        table(
            "Ratios",
            ("", *(f"N={r.n:,}" for r in results)),
            [
                (label, *(f"{r.median(a) / r.median(b):.2f}x" for r in results))
                for label, a, b in ratios
            ],
        )
    )
    mem_rows = []
    for r in results:
        ours, stream, bare = (r.memory[k] for k in ("indexclient", "stream", "bare"))
        mem_rows.append(
            (
                f"N={r.n:,}",
                f"{ours['peak']:.1f} MB",
                f"{ours['end']:.1f} MB",
                f"{stream['peak']:.1f} MB",
                f"{stream['end']:.1f} MB",
                f"{bare['peak']:.1f} MB",
                f"{ours['seconds']:.2f}s",
                f"{stream['seconds']:.2f}s",
            )
        )
    lines += [
        "",
        table(
            "Memory of metadata_for(N names) (a list of N answers) and of iter_metadata "
            "(each answer dropped once seen), 50 in flight, fresh process each",
            (
                "",
                "list: peak",
                "at end",
                "iter: peak",
                "at end",
                "bare loop peak",
                "list time",
                "iter time",
            ),
            mem_rows,
        ),
        "",
        "Targets:",
    ]
    by_n = {r.n: r for r in results}
    for n in (300, 3000):
        if n in by_n:
            r = by_n[n]
            ratio = r.median("metadata_for") / r.median("bare in process")
            lines.append(f"  in process, N={n:,}: {verdict(ratio, TARGET_IN_PROCESS)}")
    if 3000 in by_n:
        r = by_n[3000]
        ratio = r.median("indexclient cold") / r.median("uv cold")
        lines.append(f"  command cold vs uv --no-cache, N=3,000: {verdict(ratio, TARGET_COLD)}")
    for n, target in TARGET_WARM.items():
        if n in by_n:
            r = by_n[n]
            ratio = r.median("indexclient warm") / r.median("uv warm")
            lines.append(f"  warm vs uv warm, N={n:,}: {verdict(ratio, target)}")
    if 3000 in by_n:
        for mode, api in (("indexclient", "metadata_for"), ("stream", "iter_metadata")):
            peak = by_n[3000].memory[mode]["peak"]
            met = "met" if peak < TARGET_PEAK_MB else "MISSED"
            lines.append(
                f"  peak RSS at N=3,000, {api}: {peak:.1f} MB "
                f"(target < {TARGET_PEAK_MB:g} MB: {met})"
            )
    if 3000 in by_n and 30000 in by_n:
        for mode, api in (("stream", "iter_metadata"), ("indexclient", "metadata_for")):
            for what in ("peak", "end"):
                small = by_n[3000].memory[mode][what]
                large = by_n[30000].memory[mode][what]
                growth = large / small - 1
                met = "met" if abs(growth) <= TARGET_RSS_GROWTH else "MISSED"
                lines.append(
                    f"  RSS ({what}) after 30,000 vs 3,000 names, {api}: {growth:+.1%} "
                    f"(target within {TARGET_RSS_GROWTH:.0%}: {met})"
                )
    else:
        lines.append("  RSS after 30,000 vs 3,000 names: not measured (N=30,000 not run)")
    lines += ["", "Time taken per size (index writing, checks, rounds, memory):"]
    lines += [f"  N={r.n:,}: {r.seconds:.0f}s" for r in results]
    return "\n".join(lines)


# --------------------------------------------------------------------------- big pages


def big_pages(rounds: int) -> str:
    """20 projects x 1,500 versions, JSON and HTML pages: the command against uv cold,
    metadata_for against the bare loop."""
    start = time.perf_counter()
    with serving(BIG_PROJECTS, BIG_VERSIONS, nometa=False) as served, _frozen():
        n = len(served.names)
        print(
            f"Big pages, {n} projects x {BIG_VERSIONS:,} versions: checking each column once "
            f"({load_average()}):",
            flush=True,
        )
        per_site: dict[str, list[Column]] = {}
        for site in ("full", "html"):
            per_site[site] = [
                _command_column(
                    "indexclient cold",
                    "",
                    served,
                    indexclient_command(served, site),
                    site,
                    n,
                ),
                _command_column("uv cold", "", served, uv_command(served, site), site, n),
                *_in_process_columns(served, site),
            ]
        for site, columns in per_site.items():
            print(f"  {'JSON' if site == 'full' else 'HTML'} pages:")
            for column in columns:
                print("    " + column.check(), flush=True)
        samples: dict[tuple[str, str], list[float]] = {}
        for _ in range(rounds):
            for site, columns in per_site.items():
                for column in columns:
                    samples.setdefault((site, column.key), []).append(column.run())
        page_kb = {
            site: statistics.median(
                e.body_bytes for e in served.nginx.access_log(site) if "/simple/" in e.uri
            )
            / 1024
            for site in per_site
        }
    med = {k: statistics.median(v) for k, v in samples.items()}
    rows = []
    for site in per_site:
        ours, uv = med[site, "indexclient cold"], med[site, "uv cold"]
        proc, bare = med[site, "metadata_for"], med[site, "bare in process"]
        rows.append(
            (
                f"{'JSON' if site == 'full' else 'HTML'} pages ({page_kb[site]:.0f} KB each)",
                _s(ours),
                _s(uv),
                f"{ours / uv:.2f}x",
                _s(proc),
                _s(bare),
                f"{proc / bare:.2f}x",
            )
        )
    text = table(
        f"Big pages, {n} projects x {BIG_VERSIONS:,} versions, median of {rounds} alternating "
        f"rounds ({load_average()})",
        ("", "command cold", "uv cold", "vs uv", "metadata_for", "bare loop", "vs bare"),
        rows,
    )
    for site in per_site:
        kind = "JSON" if site == "full" else "HTML"
        cold = med[site, "indexclient cold"] / med[site, "uv cold"]
        proc = med[site, "metadata_for"] / med[site, "bare in process"]
        text += (
            f"\n  {kind}: command vs uv cold {verdict(cold, TARGET_BIG_COLD)}; "
            f"in process vs bare loop {verdict(proc, TARGET_BIG_IN_PROCESS)}"
        )
    return text + f"\n  ({time.perf_counter() - start:.0f}s in all)"


# --------------------------------------------------------------------------- the picture


def plot(results: Sequence[SizeResult], path: Path) -> str:
    """Wall time against N, log-log, one line per column; what was done, in one line."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (the `bench` group): no picture drawn"
    sizes = [r.n for r in results]
    import matplotlib.ticker

    figure, axes = plt.subplots(figsize=(10, 5.5), dpi=100)
    styles = {
        "indexclient cold": ("tab:blue", "-", "o"),
        "uv cold": ("tab:orange", "-", "s"),
        "bare script": ("tab:gray", "--", "^"),
        "metadata_for": ("tab:blue", ":", "o"),
        "bare in process": ("tab:gray", ":", "^"),
        "indexclient warm": ("tab:green", "-", "o"),
        "uv warm": ("tab:red", "-", "s"),
    }
    for key, label in results[0].labels.items():
        color, line, marker = styles.get(key, ("black", "-", "x"))
        axes.plot(
            sizes,
            [r.median(key) for r in results],
            color=color,
            linestyle=line,
            marker=marker,
            label=label,
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    axes.set_xticks(sizes, [f"{n:,}" for n in sizes])
    axes.set_xlabel(f"N projects ({VERSIONS} versions each; one page + one .metadata each)")
    axes.set_ylabel("wall time, seconds (median)")
    axes.set_title("Core metadata of N projects over TLS from nginx on 127.0.0.1")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return f"picture: {path}"


# --------------------------------------------------------------------------- the profile


def _where(func: tuple[str, int, str]) -> str:
    """The area a function belongs to: an indexclient module, a package, a stdlib module,
    or a kind of C function."""
    filename, _, name = func
    if filename == "~":
        if "_ssl" in name or "SSLObject" in name:
            return "ssl (C)"
        if "epoll" in name or "select" in name:
            return "waiting (epoll)"
        if "socket" in name or "recv" in name or "send" in name:
            return "sockets (C)"
        return "other C functions"
    parts = Path(filename).parts
    if "indexclient" in parts:
        i = len(parts) - 1 - parts[::-1].index("indexclient")
        return "/".join(parts[i:]).removesuffix(".py")
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    for i, part in enumerate(parts):
        if part.startswith("python3"):
            module = parts[i + 1] if i + 1 < len(parts) else part
            return module.removesuffix(".py")
    return Path(filename).stem


def _name(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    return f"{_where(func)}:{line}({name})"


def _areas(raw: dict[Any, Any]) -> dict[str, float]:
    areas: dict[str, float] = {}
    for func, (_, _, tt, _, _) in raw.items():
        areas[_where(func)] = areas.get(_where(func), 0.0) + tt
    return areas


def profile_report(stats: pstats.Stats, requests: int, bare: pstats.Stats, top: int = 25) -> str:
    """Per-request tables from a cProfile run: time by area (beside the bare loop's),
    top functions by own and by cumulative time, and a flame-style tree of the heaviest
    call paths."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    raw_bare: dict[Any, Any] = bare.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in raw.values())
    total_bare = sum(tt for _, _, tt, _, _ in raw_bare.values())
    per = 1e6 / requests
    lines = [
        f"Profiled time per request: metadata_for {total * per:.0f} us, "
        f"the bare loop {total_bare * per:.0f} us",
        "",
    ]
    areas, areas_bare = _areas(raw), _areas(raw_bare)
    lines.append(
        table(
            "Own time by area, per request (the bare loop's beside)",
            ("", "us/request", "share", "bare loop"),
            [
                (
                    area,
                    f"{tt * per:.1f}",
                    f"{tt / total:.1%}",
                    f"{areas_bare[area] * per:.1f}" if area in areas_bare else "",
                )
                for area, tt in sorted(areas.items(), key=lambda kv: -kv[1])
                if tt / total >= 0.005
            ],
        )
    )
    for title, index in (("own", 2), ("cumulative", 3)):
        ranked = sorted(raw.items(), key=lambda kv: -kv[1][index])[:top]
        lines += [
            "",
            table(
                f"Top {top} functions by {title} time, per request",
                ("calls/req", "own us/req", "cum us/req", "function"),
                [
                    (
                        f"{nc / requests:.2f}",
                        f"{tt * per:.1f}",
                        f"{ct * per:.1f}",
                        _name(func),
                    )
                    for func, (_, nc, tt, ct, _) in ranked
                ],
                align="rrrl",
            ),
        ]
    lines += ["", *flame(raw, requests)]
    return "\n".join(lines)


def flame(raw: dict[Any, Any], requests: int, threshold: float = 0.02) -> list[str]:
    """The heaviest call paths, indented, heaviest first: from each root (a function no
    profiled function called), each callee whose time on that path is at least
    ``threshold`` of the whole. cProfile keeps caller/callee pairs, not whole paths, so a
    callee's time on a path is its time under that caller scaled by the share of the
    caller's time spent on the path (gprof's approximation). A chain of calls that keeps
    nearly all of its time (97%) is printed on one line, joined by ``>``."""
    children: dict[Any, list[tuple[float, Any]]] = {}
    for callee, (_, _, _, _, callers) in raw.items():
        for caller, edge in callers.items():
            children.setdefault(caller, []).append((edge[3], callee))
    roots = sorted(
        ((ct, func) for func, (_, _, _, ct, callers) in raw.items() if not callers),
        key=lambda item: -item[0],
    )
    total = roots[0][0] if roots else 1.0
    per = 1e6 / requests
    lines = [
        f"Heaviest call paths (flame-style: us per request and share of the whole on each "
        f"path; under {threshold:.0%} left out)"
    ]

    def heavy(func: Any, time_here: float, path: frozenset[Any]) -> list[tuple[float, Any]]:
        scale = time_here / raw[func][3] if raw[func][3] else 0.0
        found = [
            (edge_ct * scale, callee)
            for edge_ct, callee in children.get(func, [])
            if callee not in path and edge_ct * scale >= threshold * total
        ]
        return sorted(found, key=lambda item: -item[0])

    def walk(func: Any, time_here: float, depth: int, path: frozenset[Any]) -> None:
        chain = [_name(func)]
        below = heavy(func, time_here, path)
        while len(below) == 1 and below[0][0] >= 0.97 * time_here and depth + len(chain) < 40:
            time_here, func = below[0]
            path |= {func}
            chain.append(_name(func))
            below = heavy(func, time_here, path)
        if len(chain) > 4:  # the event loop's own frames, mostly: keep the ends
            chain = [chain[0], f"... {len(chain) - 3} more ...", *chain[-2:]]
        lines.append(
            f"{time_here * per:8.1f} {time_here / total:6.1%}  {'  ' * depth}{' > '.join(chain)}"
        )
        if depth < 20:
            for time_below, callee in below:
                walk(callee, time_below, depth + 1, path | {callee})

    for ct, func in roots:
        if ct >= threshold * total:
            walk(func, ct, 0, frozenset({func}))
    return lines


def profile(n: int = PROFILE_SIZE) -> str:
    """cProfile of ``metadata_for(n names)`` in process (after one unprofiled run)."""
    with serving(n, VERSIONS, nometa=False) as served, _frozen():
        plain = [asyncio.run(_metadata_for(served, "full"))[0] for _ in range(3)]
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        asyncio.run(_metadata_for(served, "full"))
        profiler.disable()
        profiled = time.perf_counter() - start
        requests = 2 * len(served.names)
        urls = bare_urls(served)
        plain_bare = [asyncio.run(_bare(served, urls)) for _ in range(3)]
        bare_profiler = cProfile.Profile()
        bare_profiler.enable()
        asyncio.run(_bare(served, urls))
        bare_profiler.disable()
    head = (
        f"Profile of IndexClient.metadata_for({n:,} names) in process, {requests:,} requests "
        f"(JSON pages, .metadata files; {load_average()})\n"
        f"wall {statistics.median(plain) * 1000:.0f} ms unprofiled (median of 3; the bare "
        f"loop {statistics.median(plain_bare) * 1000:.0f} ms), "
        f"{profiled * 1000:.0f} ms under cProfile\n"
    )
    return head + profile_report(pstats.Stats(profiler), requests, pstats.Stats(bare_profiler))


# --------------------------------------------------------------------------- running


def sizes_from_env() -> list[int]:
    """The sizes in ``INDEXCLIENT_BENCH_SIZES`` (comma-separated), else :data:`SIZES`."""
    value = os.environ.get(SIZES_ENV, "")
    return _sizes(value) if value.strip() else list(SIZES)


def _sizes(value: str) -> list[int]:
    return sorted({int(part.replace("_", "")) for part in value.split(",") if part.strip()})


def run(
    sizes: Sequence[int] = SIZES,
    rounds: int = ROUNDS,
    plot_path: Path | None = PLOT,
    *,
    big: bool = True,
    large_rounds: int = LARGE_ROUNDS,
) -> None:
    """Print the scale table, the ratios and targets, the big pages; draw the curve."""
    results = []
    for n in sizes:
        results.append(run_size(n, min(rounds, large_rounds) if n >= LARGE else rounds))
        print()
    print(report(results))
    if plot_path is not None and len(results) > 1:
        print(plot(results, plot_path))
    if big:
        print()
        print(big_pages(rounds))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_scale")
    parser.add_argument("--sizes", type=_sizes, default=None, help="e.g. 300,3000,30000")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--large-rounds", type=int, default=LARGE_ROUNDS, help=f"rounds at N >= {LARGE:,}"
    )
    parser.add_argument("--plot", type=Path, default=PLOT, help="the PNG to draw")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--no-big", action="store_true", help="leave out the big pages")
    parser.add_argument(
        "--profile", action="store_true", help=f"only the profile at N={PROFILE_SIZE:,}"
    )
    args = parser.parse_args(argv)
    print(bench_e2e.describe_machine())
    print()
    if args.profile:
        print(profile())
        return
    run(
        args.sizes or sizes_from_env(),
        args.rounds,
        None if args.no_plot else args.plot,
        big=not args.no_big,
        large_rounds=args.large_rounds,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
