"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``)."""

from __future__ import annotations

import asyncio

from benchmarks import bench_tls


def main() -> None:
    """Print each benchmark's table."""
    asyncio.run(bench_tls.main())


if __name__ == "__main__":
    main()
