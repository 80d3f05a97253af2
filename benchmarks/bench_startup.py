"""Start-up cost of the ``indexclient`` command: import time and wall time per command.

For each command, the ``indexclient`` script runs with ``PYTHONPROFILEIMPORTTIME=1``
(what ``python -X importtime`` does) and the self times of every import are added up:
the process's whole import time (the median of three runs), with the packages that cost
the most (self times summed per top-level package: ``aiohttp`` includes its own modules
only, not yarl or multidict). Wall time is the median of five runs without profiling.
``versions`` and ``metadata`` fetch one project from the end-to-end benchmark's index
(``--no-cache``); the last row repeats ``metadata`` with a filled cache (the first,
unmeasured run fills it), which answers without importing the network stack; ``tls
show`` reads the throwaway CA from ``SSL_CERT_FILE``. The interpreter alone, and the
interpreter importing aiohttp, are the reference rows.

Run alone with ``python -m benchmarks.bench_startup``.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import defaultdict

from benchmarks.bench_e2e import BIN, Command, Served, run_once, serving, table

WALL_RUNS = 5
IMPORT_RUNS = 3
TOP = 4

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


def import_profile(stderr: str) -> tuple[float, dict[str, float]]:
    """Total import time (ms) from ``-X importtime`` output, and self time per package."""
    total = 0
    per_package: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        own = int(match.group(1))
        total += own
        per_package[match.group(4).split(".")[0]] += own / 1000
    return total / 1000, per_package


def commands(served: Served) -> list[Command]:
    """The measured commands, and the two reference processes."""
    name = served.names[0]
    env = served.env(UV_DEFAULT_INDEX=served.index_url(), SSL_CERT_FILE=str(served.ca_file))
    script = str(BIN / "indexclient")
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("python -c 'import aiohttp'", [sys.executable, "-c", "import aiohttp"]),
        ("indexclient --version", [script, "--version"]),
        ("indexclient config show", [script, "config", "show"]),
        ("indexclient tls show", [script, "tls", "show"]),
        (f"indexclient versions {name}", [script, "versions", name, "--no-cache"]),
        (f"indexclient metadata {name}", [script, "metadata", name, "--no-cache", "-q"]),
        (
            f"indexclient metadata {name} (cached)",
            [script, "metadata", name, "-q", "--cache-dir", str(served.root / "startup-cache")],
        ),
    ]
    return [Command(label, argv, env) for label, argv in cases]


def run(served: Served) -> None:
    """Print the start-up table."""
    rows = []
    for command in commands(served):
        run_once(command, served.root)  # warm the page cache
        profiled = Command(
            command.name, command.argv, {**command.env, "PYTHONPROFILEIMPORTTIME": "1"}
        )
        totals = []
        packages: dict[str, float] = {}
        for _ in range(IMPORT_RUNS):
            total, packages = import_profile(run_once(profiled, served.root)[2])
            totals.append(total)
        walls = [run_once(command, served.root)[0].wall for _ in range(WALL_RUNS)]
        top = sorted(packages.items(), key=lambda item: -item[1])[:TOP]
        rows.append(
            (
                command.name,
                f"{statistics.median(totals):.0f}ms",
                f"{statistics.median(walls) * 1000:.0f}ms",
                ", ".join(f"{pkg} {ms:.0f}" for pkg, ms in top),
            )
        )
    print(
        table(
            f"Start-up: import time (median of {IMPORT_RUNS}) "
            f"and wall time (median of {WALL_RUNS})",
            ("", "imports", "wall", "largest imports (self ms per package)"),
            rows,
            align="lrrl",
        )
    )


def main() -> None:
    with serving() as served:
        run(served)


if __name__ == "__main__":
    main()
