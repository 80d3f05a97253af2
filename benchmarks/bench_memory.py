"""Peak memory of 1,000 concurrent metadata fetches, in a fresh process each.

The requirements are 1,000 pins (``name==version``) into the end-to-end benchmark's index
(200 projects x 5 versions): 1,000 project pages and 1,000 ``.metadata`` files over TLS,
all 1,000 requirements gathered at once through one IndexClient. Each case runs in its own
subprocess, which reports its resident set size after its imports and its peak at the
end; the peak is what the target (under 150 MB) is about. The peak is ``VmHWM`` from
``/proc/self/status``: ``getrusage``'s ``ru_maxrss`` survives fork and exec on Linux, so a
child of this (large) process would report the parent's peak as its own. Cases:

* indexclient with its default 50 requests in flight, and with ``concurrency=1000``
  (every request in flight at once);
* the bare aiohttp loop of :mod:`benchmarks.bench_e2e` over the same 2,000 URLs;
* indexclient again under ``tracemalloc``, for the peak of Python allocations alone.

Run alone with ``python -m benchmarks.bench_memory``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.bench_e2e import BARE_LOOP, JSON_ACCEPT, Served, serving, table

REQUESTS = 1000
TARGET_MB = 150.0

_SCRIPT = (
    BARE_LOOP
    + """
import json, resource, sys, time

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

def peak_mb():
    # VmHWM, the high-water mark of this process's own memory map. Not ru_maxrss: Linux
    # carries it over from the parent through fork and exec, so a child of a large
    # process reports the parent's peak as its own.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

mode, url, cafile, work_file, concurrency = sys.argv[1:6]
# Only what this mode uses is kept: the bare loop's URLs at N = 30,000 are some 25 MB of
# Python objects, which would count against indexclient's flat memory.
keep = "urls" if mode == "bare" else "requirements"
work = {keep: json.load(open(work_file))[keep]}
if mode == "tracemalloc":
    import tracemalloc
    tracemalloc.start()
if mode != "bare":
    from indexclient import IndexClient
after_imports = rss_mb()

async def ours():
    async with IndexClient(
        url, environ={"SSL_CERT_FILE": cafile}, concurrency=int(concurrency)
    ) as client:
        results = await client.metadata_for(work["requirements"])
    failed = [r for r in results if isinstance(r, Exception)]
    if failed:
        raise SystemExit(f"{len(failed)} failed: {failed[:3]}")

async def streamed():
    # iter_metadata: each answer looked at and dropped, as a consumer writing them out
    # would; memory is the window's, whatever the number of requirements.
    count = failed = 0
    async with IndexClient(
        url, environ={"SSL_CERT_FILE": cafile}, concurrency=int(concurrency)
    ) as client:
        async for result in client.iter_metadata(work["requirements"]):
            count += 1
            failed += isinstance(result, Exception)
    if failed or count != len(work["requirements"]):
        raise SystemExit(f"{failed} failed, {count} answers")

start = time.perf_counter()
if mode == "bare":
    asyncio.run(bare_loop(work["urls"], cafile, int(concurrency)))
elif mode == "stream":
    asyncio.run(streamed())
else:
    asyncio.run(ours())
elapsed = time.perf_counter() - start
report = {"imports": after_imports, "peak": peak_mb(), "end": rss_mb(), "seconds": elapsed}
if mode == "tracemalloc":
    report["traced_peak"] = tracemalloc.get_traced_memory()[1] / 2**20
print(json.dumps(report))
"""
)


def _work(served: Served, directory: Path) -> Path:
    index = served.indexes["full"]
    pins = index.requirements()[:REQUESTS]
    base = served.nginx.url("full")
    urls: list[tuple[str, dict[str, str]]] = []
    for pin in pins:
        name, _, version = pin.partition("==")
        urls.append((f"{base}simple/{name}/", {"Accept": JSON_ACCEPT}))
        urls.append((f"{base}files/{index.file(name, version).filename}.metadata", {}))
    path = directory / "memory-work.json"
    path.write_text(json.dumps({"requirements": pins, "urls": urls}), encoding="utf-8")
    return path


def _measure(served: Served, work: Path, mode: str, concurrency: int) -> dict[str, Any]:
    argv = [
        sys.executable,
        "-c",
        _SCRIPT,
        mode,
        served.index_url(),
        str(served.ca_file),
        str(work),
        str(concurrency),
    ]
    result = subprocess.run(
        argv,
        env=served.env(),
        cwd=served.root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"memory case {mode} failed:\n{result.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def run(served: Served) -> None:
    """Print the memory table."""
    work = _work(served, served.root)
    cases = [
        (f"indexclient metadata_for({REQUESTS} pins), 50 in flight", "indexclient", 50),
        (
            f"indexclient metadata_for({REQUESTS} pins), {REQUESTS} in flight",
            "indexclient",
            REQUESTS,
        ),
        (f"bare aiohttp loop, {2 * REQUESTS} GETs, 50 in flight", "bare", 50),
        (f"bare aiohttp loop, {2 * REQUESTS} GETs, {REQUESTS} in flight", "bare", REQUESTS),
        ("indexclient, 50 in flight, under tracemalloc", "tracemalloc", 50),
    ]
    rows = []
    peaks: dict[tuple[str, int], float] = {}
    for label, mode, concurrency in cases:
        found = _measure(served, work, mode, concurrency)
        traced = f"{found['traced_peak']:.1f} MB" if "traced_peak" in found else ""
        rows.append(
            (
                label,
                f"{found['imports']:.1f} MB",
                f"{found['peak']:.1f} MB",
                f"{found['peak'] - found['imports']:.1f} MB",
                traced,
                f"{found['seconds']:.2f}s",
            )
        )
        peaks[mode, concurrency] = found["peak"]
    print(
        table(
            f"Memory, {REQUESTS} metadata fetches gathered at once "
            f"({2 * REQUESTS} HTTPS requests), one fresh process per row",
            ("", "RSS after imports", "peak RSS", "growth", "traced peak", "time"),
            rows,
        )
    )
    for concurrency in (50, REQUESTS):
        peak = peaks["indexclient", concurrency]
        verdict = "met" if peak < TARGET_MB else "MISSED"
        print(
            f"  indexclient peak RSS, {concurrency} in flight: {peak:.1f} MB "
            f"(target < {TARGET_MB:g} MB: {verdict}; bare loop {peaks['bare', concurrency]:.1f} MB)"
        )


def main() -> None:
    with serving() as served:
        run(served)


if __name__ == "__main__":
    main()
