"""Parsing a 20,000-file project page: indexclient against pypi-simple, same bytes.

Both parsers get the page as bytes (pypi-simple's JSON entry point takes decoded JSON,
so ``json.loads`` is counted on its side too, as it is inside indexclient's parser).
Runs alternate between the two, and the medians are compared.

A third row parses an HTML page the dedicated tokenizer declines (a CDATA section just
before ``</body>``: its worst case, the whole page scanned before it gives up), which
indexclient then reads with the stdlib parser.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections.abc import Callable

from indexclient.simple import parse_project_page

FILES = 20_000
RUNS = 7
URL = "https://index.example/simple/big-project/"
#: The issue's target for HTML pages: at least this many times pypi-simple's speed.
HTML_TARGET = 8.0


def synthetic_page(files: int = FILES) -> tuple[bytes, bytes]:
    """A project page of ``files`` wheels and sdists, as (JSON bytes, HTML bytes)."""
    entries = []
    anchors = []
    for i in range(files):
        version = f"{i // 40}.{i % 40}.0"
        if i % 4 == 0:
            filename = f"big_project-{version}.tar.gz"
        else:
            tag = ("cp311-cp311-manylinux_2_17_x86_64", "py3-none-any", "cp312-abi3-win_amd64")
            filename = f"big_project-{version}-{tag[i % 3]}.whl"
        digest = hashlib.sha256(filename.encode()).hexdigest()
        entries.append(
            {
                "filename": filename,
                "url": f"../../files/{filename}",
                "hashes": {"sha256": digest},
                "requires-python": ">=3.8",
                "size": 100_000 + i,
                "upload-time": "2026-01-02T03:04:05.123456Z",
                "yanked": i % 97 == 0,
                "core-metadata": {"sha256": digest},
            }
        )
        anchors.append(
            f'<a href="../../files/{filename}#sha256={digest}" data-requires-python="&gt;=3.8"'
            f' data-core-metadata="sha256={digest}">{filename}</a><br/>'
        )
    document = {"meta": {"api-version": "1.1"}, "name": "big-project", "files": entries}
    html = "<!DOCTYPE html><html><body>\n" + "\n".join(anchors) + "\n</body></html>\n"
    return json.dumps(document).encode(), html.encode()


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def compare(runs: int = RUNS) -> list[tuple[str, float, float]]:
    """(format, indexclient median s, pypi-simple median s) for JSON and HTML."""
    try:
        from pypi_simple import ProjectPage as PeerPage
    except ImportError:  # pragma: no cover - the bench extra installs it
        print("pypi-simple is not installed: `pip install -e .[bench]`")
        return []
    json_bytes, html_bytes = synthetic_page()
    fallback_bytes = html_bytes.replace(b"</body>", b"<![CDATA[ ]]></body>")
    cases = {
        "JSON": (
            lambda: parse_project_page(json_bytes, "application/vnd.pypi.simple.v1+json", URL),
            lambda: PeerPage.from_json_data(json.loads(json_bytes), URL),
        ),
        "HTML": (
            lambda: parse_project_page(html_bytes, "text/html", URL),
            lambda: PeerPage.from_html("big-project", html_bytes, URL),
        ),
        "HTML, stdlib fallback": (
            lambda: parse_project_page(fallback_bytes, "text/html", URL),
            lambda: PeerPage.from_html("big-project", fallback_bytes, URL),
        ),
    }
    rows = []
    for name, (ours, peer) in cases.items():
        mine: list[float] = []
        theirs: list[float] = []
        for _ in range(runs):
            mine.append(_timed(ours))
            theirs.append(_timed(peer))
        rows.append((name, statistics.median(mine), statistics.median(theirs)))
    return rows


def main() -> None:
    """Print the comparison table."""
    rows = compare()
    if not rows:
        return
    print(f"Parsing a {FILES:,}-file project page (median of {RUNS} alternating runs)")
    print(f"{'format':22}{'indexclient':>14}{'pypi-simple':>14}{'speed-up':>10}")
    for name, mine, theirs in rows:
        print(f"{name:22}{mine * 1000:12.0f}ms{theirs * 1000:12.0f}ms{theirs / mine:9.1f}x")
    for name, mine, theirs in rows:
        if name == "HTML":
            ratio = theirs / mine
            met = "met" if ratio >= HTML_TARGET else "MISSED"
            print(f"  HTML vs pypi-simple: {ratio:.1f}x (target >= {HTML_TARGET:g}x: {met})")


if __name__ == "__main__":
    main()
