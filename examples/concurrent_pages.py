"""Fetch many project pages concurrently and print each project's newest version.

The index comes from configuration, never from this script: set UV_DEFAULT_INDEX (or
UV_INDEX_URL / PIP_INDEX_URL), or pass --index-url. For example, against a private
index behind a corporate CA::

    SSL_CERT_FILE=/etc/corp/ca.pem UV_DEFAULT_INDEX=https://index.corp.example/simple \\
        python examples/concurrent_pages.py attrs requests packaging

One IndexClient holds one connection pool; `projects()` fetches every page at once,
up to UV_CONCURRENT_DOWNLOADS (default 50) requests in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from indexclient import IndexClient, IndexClientError, ProjectPage


async def main(names: list[str], index_url: str | None) -> int:
    """Print one line per project; return the number of projects that failed."""
    started = time.perf_counter()
    async with IndexClient(index_url) as client:
        results = await client.projects(names, return_exceptions=True)
    failures = 0
    for name, result in zip(names, results, strict=True):
        if isinstance(result, ProjectPage):
            versions = result.versions_available()
            newest = versions[-1] if versions else "no parsable files"
            print(f"{name:30} {newest!s:15} {len(result.files):5} files")
        else:
            failures += 1
            print(f"{name:30} error: {result}")
    print(f"{len(names)} pages in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    return failures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="+", help="project names")
    parser.add_argument("--index-url", help="the index (default: from configuration)")
    arguments = parser.parse_args()
    try:
        failed = asyncio.run(main(arguments.names, arguments.index_url))
    except IndexClientError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        sys.exit(2)
    sys.exit(1 if failed else 0)
