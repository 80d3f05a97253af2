"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``).

TLS contexts and handshakes, page parsing, then the end-to-end comparisons against uv,
pip and a bare aiohttp loop (one nginx serving a synthetic index for all of them), memory
at 1,000 concurrent fetches, and the command's start-up; then the scale curve (N = 300
and 3,000 projects; set INDEXCLIENT_BENCH_SIZES=300,3000,30000 for the largest) and big
pages, which draws benchmarks/scale.png. About eight minutes on two cores.
"""

from __future__ import annotations

import asyncio

from benchmarks import (
    bench_e2e,
    bench_memory,
    bench_parse,
    bench_scale,
    bench_startup,
    bench_tls,
)


def main() -> None:
    """Print each benchmark's table."""
    print(bench_e2e.describe_machine())
    print()
    asyncio.run(bench_tls.main())
    print()
    bench_parse.main()
    print()
    with bench_e2e.serving() as served:
        bench_e2e.run(served)
        print()
        bench_memory.run(served)
        print()
        bench_startup.run(served)
    print()
    bench_scale.run(bench_scale.sizes_from_env())


if __name__ == "__main__":
    main()
