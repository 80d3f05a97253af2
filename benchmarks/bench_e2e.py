"""Core metadata for 300 projects, end to end: indexclient against uv, pip and bare aiohttp.

The index is synthetic and local: ``N`` projects of ``V`` versions, one real tiny wheel
per version (:func:`~indexclient.testing.wheels.build_wheel`, no dependencies), with
PEP 658 ``.metadata`` files and both HTML and PEP 691 JSON pages, served over TLS by nginx
on 127.0.0.1 with a certificate from a throwaway CA (:mod:`support.nginx`).
A second tree leaves out the ``.metadata`` files (clients fall back to range requests), and
a third site serves the first tree's HTML pages only (no negotiation). nginx sends
``Cache-Control: max-age=600`` on the pages and the ``.metadata`` files, as real indexes
do, so that a repeat run can be served from a client's cache.

Every tool gets the same 300 unpinned requirements (the newest version wins) and does the
same work: one project page and one ``.metadata`` file per project, 600 HTTPS requests.
That is checked once per tool from nginx's access log, along with each tool's answer (300
packages at their newest version) and the hosts named in its verbose output (127.0.0.1
only). Tools run as subprocesses in an environment with every index, certificate, proxy
and configuration variable of the caller removed: pip reads no configuration file
(``PIP_CONFIG_FILE=/dev/null``), uv none (``UV_NO_CONFIG=1``, no Python downloads),
indexclient none (``UV_NO_CONFIG=1``); each is given the local index and the throwaway CA
explicitly, and HOME, TMPDIR and the XDG directories point into the benchmark's temporary
directory. That directory is in ``/dev/shm`` (tmpfs) when there is one: uv and pip write
temporary files even with their caches off, and this machine's disk would dominate their
times (uv's above all, so one row repeats uv with TMPDIR on the disk, for reference).

Tables (medians of alternating runs, after one unmeasured run of each command):

* cold: the ``indexclient metadata`` command (``--no-cache``) against
  ``uv pip compile --no-cache`` and ``pip install --dry-run --report``, wall time of the
  whole process; a bare aiohttp script fetching the same 600 URLs is the floor.
  Targets: at most 0.7x uv and 0.1x pip.
* warm: the same command with a filled ``--cache-dir``, alternating with the cold
  command in the same rounds. Target: at most 0.3x cold.
* variants: pages in HTML only, and no ``.metadata`` files (range requests); against uv.
* in-process: ``IndexClient.metadata_for`` timed inside one process (no interpreter start,
  client opening included) against a bare aiohttp loop over the 600 URLs (one session,
  a plain ssl context with the CA, ``asyncio.gather``, 50 connections, bodies read, no
  parsing). Target: at most 1.15x.

Run alone with ``python -m benchmarks.bench_e2e``.
"""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
import re
import resource
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import indexclient
from indexclient.testing.pki import CertificateAuthority
from support.nginx import NginxServer, Site, find_nginx, nginx_version
from support.static_index import Release, StaticFile, StaticIndex, write_static_index

PROJECTS = 300
VERSIONS = 5
RUNS = 5
IN_PROCESS_RUNS = 7
MAX_AGE = 600
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"

TARGET_VS_UV = 0.7
TARGET_VS_PIP = 0.1
TARGET_WARM = 0.3
TARGET_IN_PROCESS = 1.15

BIN = Path(sys.executable).parent
SOURCE = Path(indexclient.__file__).resolve().parent.parent
"""Where this process imported indexclient from: the tools' environment puts it on
PYTHONPATH, so that every subprocess (the command, the memory and start-up scripts)
measures the same code, whatever copy the interpreter's environment has installed."""


def peer(name: str) -> str:
    """A peer's executable (uv): beside this interpreter, where the `bench` group installs
    it, else the first on PATH."""
    local = BIN / name
    if local.exists():
        return str(local)
    return shutil.which(name) or str(local)


# --------------------------------------------------------------------------- the index


def synthetic_projects(
    projects: int = PROJECTS, versions: int = VERSIONS
) -> dict[str, list[Release]]:
    """``projects`` names of ``versions`` releases each (1.0.0 ... 1.<V-1>.0), no dependencies."""
    return {
        f"bench-pkg-{p:04d}": [(f"1.{v}.0", []) for v in range(versions)] for p in range(projects)
    }


def write_indexes(
    root: Path, projects: int = PROJECTS, versions: int = VERSIONS, *, nometa: bool = True
) -> dict[str, StaticIndex]:
    """Two static trees of the same wheels: ``full`` (``.metadata`` files) and ``nometa``
    (left out when not ``nometa``).

    Both have HTML and JSON pages; which one a request gets is nginx's choice (Accept).
    """
    releases = synthetic_projects(projects, versions)
    indexes = {"full": write_static_index(root / "full", releases)}
    if nometa:
        indexes["nometa"] = write_static_index(root / "nometa", releases, metadata_files=False)
    return indexes


@dataclass
class Served:
    """The indexes, nginx serving them, the CA and the requirements, in one directory."""

    root: Path
    nginx: NginxServer
    ca_file: Path
    indexes: dict[str, StaticIndex]
    names: list[str]
    requirements: Path
    """``reqs.txt``: one unpinned project name a line."""
    home: Path
    environ: dict[str, str] = field(default_factory=dict)
    """The tools' environment: see :func:`clean_environ`."""
    cleanup: list[str] = field(default_factory=list)
    """Directories outside ``root`` to remove at the end."""

    def index_url(self, site: str = "full") -> str:
        """``https://127.0.0.1:<port>/simple/`` of ``site`` (full, nometa or html)."""
        return self.nginx.url(site) + "simple/"

    def newest(self, site: str = "full") -> list[StaticFile]:
        """The newest wheel of each project, in name order."""
        index = self.indexes["nometa" if site == "nometa" else "full"]
        newest: dict[str, StaticFile] = {}
        for (name, _), file in index.files.items():
            if name not in newest or _key(file.version) > _key(newest[name].version):
                newest[name] = file
        return [newest[name] for name in self.names]

    def bare_urls(self) -> list[tuple[str, dict[str, str]]]:
        """The 600 URLs a client fetches: each page (asking for JSON), each .metadata."""
        base = self.nginx.url("full")
        pages = [(f"{base}simple/{name}/", {"Accept": JSON_ACCEPT}) for name in self.names]
        files: list[tuple[str, dict[str, str]]] = [
            (f"{base}files/{f.filename}.metadata", {}) for f in self.newest()
        ]
        return pages + files

    def env(self, **extra: str) -> dict[str, str]:
        """The caller's environment without anything that picks an index, a certificate,
        a proxy or a configuration file, plus ``extra``."""
        return {**self.environ, **extra}

    def access_log(self, site: str = "full") -> list[Any]:
        """What nginx logged for ``site`` since the last clear."""
        return self.nginx.access_log(site)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# Variables that could point a tool at another index, certificate store, proxy or
# configuration file, or change how Python starts.
_DROPPED = re.compile(
    r"(PIP_|UV_|INDEXCLIENT_|PYTHON|VIRTUAL_ENV|CONDA|XDG_|SSL_|REQUESTS_CA_BUNDLE$|"
    r"CURL_CA_BUNDLE$|HTTPLIB2_CA_CERTS$|NETRC$|NODE_EXTRA_CA_CERTS$|.*_PROXY$)",
    re.IGNORECASE,
)


def clean_environ(home: Path) -> dict[str, str]:
    """``os.environ`` without :data:`_DROPPED`, with HOME, the XDG dirs and TMPDIR in
    ``home``, and the switches that make pip and uv read no configuration and download no
    Python."""
    env = {k: v for k, v in os.environ.items() if not _DROPPED.match(k)}
    for sub in ("config", "cache", "data", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        TMPDIR=str(home / "tmp"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_DIRS=str(home / "config"),
        PIP_CONFIG_FILE=os.devnull,  # pip then loads no configuration file at all
        UV_NO_CONFIG="1",
        UV_PYTHON_DOWNLOADS="never",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        PYTHONPATH=str(SOURCE),
    )
    return env


def compile_package() -> None:
    """Byte-compile indexclient, as an installed (non-editable) package would be, so that
    start-up times do not include compiling it (PYTHONDONTWRITEBYTECODE may be set)."""
    compileall.compile_dir(Path(indexclient.__file__).parent, quiet=1)


def scratch_base() -> str | None:
    """``/dev/shm`` when it is a writable directory (a tmpfs on Linux), else None (the
    default temporary directory)."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


@contextlib.contextmanager
def serving(
    projects: int = PROJECTS, versions: int = VERSIONS, *, nometa: bool = True
) -> Iterator[Served]:
    """Write the indexes into a temporary directory and serve them with nginx (the
    ``nometa`` tree and site only when ``nometa``).

    The directory (index, nginx's logs, HOME, TMPDIR and the caches) is in ``/dev/shm``
    when there is one, so that the machine's disk does not weigh on the tools: uv and pip
    write temporary files even with their caches off, and on a virtual disk (ext4 mounted
    with ``discard`` here) that made uv 2-6 times slower, and slower run after run.
    """
    if find_nginx() is None:
        raise RuntimeError("nginx is not installed; the end-to-end benchmarks need it")
    compile_package()
    with tempfile.TemporaryDirectory(prefix="indexclient-bench-", dir=scratch_base()) as tmp:
        root = Path(tmp)
        indexes = write_indexes(root / "www", projects, versions, nometa=nometa)
        ca = CertificateAuthority.create("indexclient bench CA")
        ca_file = ca.write_cert(root / "ca.pem")
        leaf = ca.issue_leaf()
        # Pages and .metadata files say max-age=600, as real indexes do; wheels say nothing.
        cache = (("Cache-Control", f"max-age={MAX_AGE}"),)
        sites = [
            Site("full", indexes["full"].root, cert=leaf, headers=cache),
            Site("html", indexes["full"].root, cert=leaf, negotiate=False, headers=cache),
        ]
        if nometa:
            sites.append(Site("nometa", indexes["nometa"].root, cert=leaf, headers=cache))
        names = indexes["full"].projects
        requirements = root / "reqs.txt"
        requirements.write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
        home = root / "home"
        with NginxServer(sites, directory=root / "nginx") as nginx:
            served = Served(root, nginx, ca_file, indexes, list(names), requirements, home)
            served.environ = clean_environ(home)
            try:
                yield served
            finally:
                for path in served.cleanup:
                    shutil.rmtree(path, ignore_errors=True)


def _first_line(path: str, prefix: str) -> str:
    with contextlib.suppress(OSError), open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    return "?"


def _tool_version(argv: Sequence[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return "not installed"
    if result.returncode != 0:
        return "?"
    return (result.stdout or result.stderr).strip().splitlines()[0]


def describe_machine() -> str:
    """When and where: date, CPU, memory, OS, and the versions of everything measured."""
    memory_kib = _first_line("/proc/meminfo", "MemTotal").split()[0]
    memory = f"{int(memory_kib) / 2**20:.0f} GiB" if memory_kib.isdigit() else "?"
    nginx = find_nginx()
    versions = {
        "python": platform.python_version(),
        "aiohttp": importlib.metadata.version("aiohttp"),
        "packaging": importlib.metadata.version("packaging"),
        "pip": importlib.metadata.version("pip"),
        "uv": _tool_version([peer("uv"), "--version"]).removeprefix("uv "),
        "nginx": ".".join(map(str, nginx_version(nginx))) if nginx else "not installed",
        "OpenSSL": ssl.OPENSSL_VERSION.removeprefix("OpenSSL "),
    }
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    busy = os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1)
    if busy:
        load += " - BUSY: other work on the machine inflates the wall times below"
    return (
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"{_first_line('/proc/cpuinfo', 'model name')}, {os.cpu_count()} cores, {memory}; "
        f"{platform.system()} {platform.release()}\n"
        + "; ".join(f"{k} {v}" for k, v in versions.items())
        + f"\nload average at start: {load}"
    )


# --------------------------------------------------------------------------- commands

BARE_LOOP = '''
import asyncio, ssl, aiohttp

async def bare_loop(urls, cafile, limit=50):
    """GET every (url, headers) with one session; the bodies' total size."""
    ctx = ssl.create_default_context(cafile=cafile)
    connector = aiohttp.TCPConnector(limit=limit, ssl=ctx)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def one(url, headers):
            async with session.get(url, headers=headers) as response:
                response.raise_for_status()
                return len(await response.read())
        return sum(await asyncio.gather(*(one(u, h) for u, h in urls)))
'''
"""The peer: the least a Python client must do for the same requests. Run as a script
(with interpreter start) and in process (exec'd here)."""

_BARE_MAIN = """
import json, sys
urls = [(u, h) for u, h in json.load(open(sys.argv[1]))]
print(asyncio.run(bare_loop(urls, sys.argv[2])))
"""


@dataclass(frozen=True)
class Command:
    """One way of running a tool: argv, environment, and a check of one run's output."""

    name: str
    argv: list[str]
    env: dict[str, str]
    check: Callable[[str], None] | None = None
    """Called with stdout of the verification run; raises when the answer is wrong."""
    verbose: tuple[str, ...] = ()
    """Extra arguments for the verification run, to make the tool log its requests."""
    quiet: tuple[str, ...] = ()
    """Extra arguments for the timed runs."""


def _expect_names(found: dict[str, str], served: Served, tool: str) -> None:
    expected = {f.project: f.version for f in served.newest()}
    if found != expected:
        wrong = sorted(set(expected.items()) ^ set(found.items()))[:5]
        raise RuntimeError(f"{tool} gave a wrong answer ({len(found)} packages; e.g. {wrong})")


def indexclient_command(
    served: Served, site: str = "full", *, cache_dir: Path | None = None
) -> Command:
    """``indexclient metadata -r reqs.txt -q --json`` (``--no-cache`` unless ``cache_dir``)."""
    cache = ["--cache-dir", str(cache_dir)] if cache_dir else ["--no-cache"]
    argv = [str(BIN / "indexclient"), "metadata", "-r", str(served.requirements), *cache]
    env = served.env(UV_DEFAULT_INDEX=served.index_url(site), SSL_CERT_FILE=str(served.ca_file))

    def check(stdout: str) -> None:
        found = {entry["name"]: entry["version"] for entry in json.loads(stdout)}
        _expect_names(found, served, "indexclient")

    return Command("indexclient", [*argv, "-q", "--json"], env, check, verbose=("-vv",))


def uv_command(served: Served, site: str = "full", *, cache_dir: Path | None = None) -> Command:
    """``uv pip compile reqs.in --no-cache --index-url ... --python-version 3.11``."""
    reqs_in = served.requirements.with_suffix(".in")
    if not reqs_in.exists():
        shutil.copyfile(served.requirements, reqs_in)
    cache = ["--cache-dir", str(cache_dir)] if cache_dir else ["--no-cache"]
    argv = [
        peer("uv"),
        "pip",
        "compile",
        str(reqs_in),
        *cache,
        "--index-url",
        served.index_url(site),
        "--python-version",
        "3.11",
        "--python",
        sys.executable,
    ]  # the result goes to stdout: checked once, discarded when timing
    env = served.env(SSL_CERT_FILE=str(served.ca_file))

    def check(stdout: str) -> None:
        pins = re.findall(r"^([a-z0-9-]+)==(\S+)$", stdout, re.MULTILINE)
        _expect_names(dict(pins), served, "uv")

    return Command("uv", argv, env, check, verbose=("-v",), quiet=("-q",))


def pip_command(served: Served, site: str = "full") -> Command:
    """``pip install --dry-run --no-deps --ignore-installed --report``, no cache."""
    report = served.root / "pip-report.json"
    argv = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--no-deps",
        "--ignore-installed",
        "--report",
        str(report),
        "-r",
        str(served.requirements),
        "--index-url",
        served.index_url(site),
        "--cert",
        str(served.ca_file),
        "--disable-pip-version-check",
    ]
    env = served.env(PIP_NO_CACHE_DIR="1")

    def check(_stdout: str) -> None:
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
        found = {item["metadata"]["name"]: item["metadata"]["version"] for item in installs}
        _expect_names(found, served, "pip")

    return Command("pip", argv, env, check, verbose=("-v",))


def bare_command(served: Served) -> Command:
    """The bare aiohttp loop as a script: interpreter start, aiohttp import, 600 GETs."""
    urls = served.root / "bare-urls.json"
    urls.write_text(json.dumps(served.bare_urls()), encoding="utf-8")
    argv = [sys.executable, "-c", BARE_LOOP + _BARE_MAIN, str(urls), str(served.ca_file)]

    def check(stdout: str) -> None:
        if int(stdout) <= 0:
            raise RuntimeError("the bare loop read nothing")

    return Command("bare aiohttp", argv, served.env(), check)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    """User plus system time of the child process."""


def run_once(
    command: Command, cwd: Path, *, extra: Sequence[str] = (), keep_stdout: bool = False
) -> tuple[Sample, str, str]:
    """Run ``command`` once; its wall and CPU time, stdout (when kept: else it goes to
    /dev/null) and stderr. Fails loudly."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [*command.argv, *extra],
        env=command.env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if keep_stdout else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(
            f"{command.name} exited with {result.returncode}: {' '.join(command.argv)}\n"
            f"{result.stderr[-3000:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu), result.stdout or "", result.stderr


_URL_HOST = re.compile(r"\b[a-z][a-z0-9+.-]*://(\[[^\]]+\]|[^/\s:'\"<>)\]]+)", re.IGNORECASE)


def verify(served: Served, command: Command, site: str = "full") -> str:
    """One verbose run of ``command``: its answer checked, the hosts its output names, and
    the requests nginx saw. Returns a one-line summary."""
    served.nginx.clear_access_log(site)
    _, stdout, stderr = run_once(command, served.root, extra=command.verbose, keep_stdout=True)
    if command.check is not None:
        command.check(stdout)
    hosts = sorted({m.lower() for m in _URL_HOST.findall(stdout + stderr)} - {""})
    others = [h for h in hosts if h not in ("127.0.0.1", "localhost")]
    # Naming a host is not contacting it (a documentation link would be named), but any
    # host other than the local one is worth a look.
    if others:
        print(f"  WARNING: {command.name}'s output names other hosts: {others}")
    time.sleep(0.05)  # nginx logs a request once its response has gone out
    entries = served.access_log(site)
    gets = [e for e in entries if e.method == "GET"]
    pages = sum("/simple/" in e.uri for e in gets)
    metadata = sum(e.uri.endswith(".metadata") for e in gets)
    ranges = sum(bool(e.range) for e in gets)
    whole = len(gets) - pages - metadata - ranges
    not_get = len(entries) - len(gets)
    statuses = sorted({e.status for e in entries})
    parts = [f"{pages} pages", f"{metadata} .metadata"]
    if ranges:
        parts.append(f"{ranges} range requests")
    if whole:
        parts.append(f"{whole} whole files")
    if not_get:
        methods = ", ".join(sorted({e.method for e in entries} - {"GET"}))
        parts.append(f"{not_get} {methods} requests")
    return (
        f"  {command.name:12} {', '.join(parts)} (status {statuses}); "
        f"hosts named in -v output: {', '.join(hosts) or 'none'}"
    )


def alternate(commands: Sequence[Command], cwd: Path, runs: int = RUNS) -> list[list[Sample]]:
    """``runs`` rounds, each running every command once in turn; samples per command."""
    samples: list[list[Sample]] = [[] for _ in commands]
    for _ in range(runs):
        for i, command in enumerate(commands):
            samples[i].append(run_once(command, cwd, extra=command.quiet)[0])
    return samples


def median_wall(samples: Sequence[Sample]) -> float:
    return statistics.median(s.wall for s in samples)


def median_cpu(samples: Sequence[Sample]) -> float:
    return statistics.median(s.cpu for s in samples)


def load_average() -> str:
    """The 1-minute load average: other work on the machine shows up here."""
    return f"load {os.getloadavg()[0]:.2f}"


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x (target <= {target:g}x: {'met' if ratio <= target else 'MISSED'})"


def table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = ""
) -> str:
    """A text table; ``align`` has an ``l`` or ``r`` per column (default: the first column
    left, the others right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    body = [list(headers), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in body) for i in range(len(headers))]
    lines = [title]
    for row in body:
        cells = [
            cell.ljust(width) if side == "l" else cell.rjust(width)
            for cell, width, side in zip(row, widths, align, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _s(seconds: float) -> str:
    return f"{seconds:.3f}s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms"


# --------------------------------------------------------------------------- tables


def cold(served: Served, runs: int = RUNS) -> str:
    """The cold table: indexclient against uv, pip and the bare loop."""
    commands = [
        indexclient_command(served),
        uv_command(served),
        pip_command(served),
        bare_command(served),
    ]
    disk = _disk_tmpdir(served)
    if disk is not None:
        uv_disk = uv_command(served)
        commands.append(
            dataclasses.replace(uv_disk, name="uv, disk", env={**uv_disk.env, "TMPDIR": disk})
        )
    print("Checking each tool's answer, requests and hosts once (not timed):")
    for command in commands:
        print(verify(served, command))
    samples = alternate(commands, served.root, runs)
    medians = {c.name: median_wall(s) for c, s in zip(commands, samples, strict=True)}
    uv, pip = medians["uv"], medians["pip"]
    labels = {
        "indexclient": "indexclient metadata -r reqs.txt --no-cache -q --json",
        "uv": "uv pip compile --no-cache",
        "pip": "pip install --dry-run --no-deps --ignore-installed --report",
        "bare aiohttp": "bare aiohttp loop, 600 GETs (python -c)",
        "uv, disk": f"  the same uv, TMPDIR in {tempfile.gettempdir()} (disk)",
    }
    rows = [
        (
            labels[c.name],
            _s(medians[c.name]),
            _s(median_cpu(s)),
            f"{medians[c.name] / uv:.2f}x",
            f"{medians[c.name] / pip:.2f}x",
        )
        for c, s in zip(commands, samples, strict=True)
    ]
    ours = medians["indexclient"]
    text = table(
        f"Cold metadata, {len(served.names)} projects x {VERSIONS} versions over TLS "
        f"(page + newest .metadata each); whole process, median of {runs} alternating runs "
        f"({load_average()})",
        ("", "wall", "cpu", "vs uv", "vs pip"),
        rows,
    )
    text += (
        f"\n  indexclient vs uv:  {verdict(ours / uv, TARGET_VS_UV)}"
        f"\n  indexclient vs pip: {verdict(ours / pip, TARGET_VS_PIP)}"
    )
    if "uv, disk" in medians:
        text += (
            f"\n  (vs uv with its temporary files on disk: "
            f"{verdict(ours / medians['uv, disk'], TARGET_VS_UV)})"
        )
    return text


def _disk_tmpdir(served: Served) -> str | None:
    """A directory in the default temporary directory when that is on another filesystem
    than the benchmark's (tmpfs) scratch: the peers' temporary files on disk, for
    reference. Removed with the scratch directory's own cleanup of ``served.root``."""
    default = tempfile.gettempdir()
    if os.stat(default).st_dev == os.stat(served.root).st_dev:
        return None
    path = tempfile.mkdtemp(prefix="indexclient-bench-disk-", dir=default)
    served.cleanup.append(path)
    return path


def warm(served: Served, runs: int = RUNS) -> str:
    """A repeat with a filled cache against a cold run in the same rounds (so the ratio
    is not thrown by the machine's speed changing between tables); uv's warm cache for
    reference."""
    ours_dir = served.root / "cache-indexclient"
    uv_dir = served.root / "cache-uv"
    warm_commands = [
        indexclient_command(served, cache_dir=ours_dir),
        uv_command(served, cache_dir=uv_dir),
    ]
    print("Filling the caches (one run each), then checking a warm run's requests:")
    for command in warm_commands:
        run_once(command, served.root, extra=command.quiet)
        print(verify(served, command))
    samples = alternate([indexclient_command(served), *warm_commands], served.root, runs)
    cold, ours, uv = (median_wall(s) for s in samples)
    rows = [
        ("indexclient metadata --no-cache (cold)", _s(cold), _s(median_cpu(samples[0])), ""),
        (
            "indexclient metadata --cache-dir (filled)",
            _s(ours),
            _s(median_cpu(samples[1])),
            f"{ours / cold:.2f}x",
        ),
        ("uv pip compile --cache-dir (filled)", _s(uv), _s(median_cpu(samples[2])), ""),
    ]
    text = table(
        f"Warm repeat (max-age={MAX_AGE}) and cold, median of {runs} alternating runs "
        f"({load_average()})",
        ("", "wall", "cpu", "vs cold"),
        rows,
    )
    return text + f"\n  warm vs cold indexclient: {verdict(ours / cold, TARGET_WARM)}"


def variants(served: Served, runs: int = RUNS) -> str:
    """HTML pages only, and no .metadata files: indexclient against uv."""
    rows = []
    for site, label in (("html", "HTML pages only"), ("nometa", "no .metadata (ranges)")):
        commands = [indexclient_command(served, site), uv_command(served, site)]
        print(f"Checking the {label} variant:")
        for command in commands:
            print(verify(served, command, site))
        samples = alternate(commands, served.root, runs)
        ours, uv = (median_wall(s) for s in samples)
        rows.append((label, _s(ours), _s(uv), f"{ours / uv:.2f}x"))
    return table(
        f"Variants, cold, median of {runs} alternating runs ({load_average()})",
        ("", "indexclient", "uv", "vs uv"),
        rows,
    )


def _bare_loop() -> Callable[..., Any]:
    namespace: dict[str, Any] = {}
    exec(BARE_LOOP, namespace)  # the same code the script runs
    loop: Callable[..., Any] = namespace["bare_loop"]
    return loop


async def _ours(served: Served, *, trust_env: bool = True) -> float:
    from indexclient import IndexClient

    start = time.perf_counter()
    async with IndexClient(
        served.index_url(), environ={"SSL_CERT_FILE": str(served.ca_file)}, trust_env=trust_env
    ) as client:
        results = await client.metadata_for(served.names)
    elapsed = time.perf_counter() - start
    failures = [r for r in results if isinstance(r, Exception)]
    if failures:
        raise RuntimeError(f"metadata_for failed: {failures[:3]}")
    return elapsed


async def _bare(served: Served, urls: list[tuple[str, dict[str, str]]]) -> float:
    start = time.perf_counter()
    await _bare_loop()(urls, str(served.ca_file))
    return time.perf_counter() - start


def in_process(served: Served, runs: int = IN_PROCESS_RUNS) -> str:
    """IndexClient.metadata_for against the bare loop, timed inside this process."""
    urls = served.bare_urls()
    asyncio.run(_ours(served))  # imports and first contexts out of the way
    asyncio.run(_bare(served, urls))
    ours: list[float] = []
    bare: list[float] = []
    plain: list[float] = []
    for _ in range(runs):
        ours.append(asyncio.run(_ours(served)))
        bare.append(asyncio.run(_bare(served, urls)))
        plain.append(asyncio.run(_ours(served, trust_env=False)))
    b = statistics.median(bare)
    rows = [
        (f"bare aiohttp loop ({len(urls)} GETs, no parsing)", _ms(b), "1.00x"),
        (
            f"IndexClient.metadata_for({len(served.names)} names)",
            _ms(statistics.median(ours)),
            f"{statistics.median(ours) / b:.2f}x",
        ),
        (
            "  the same, trust_env=False (no proxy lookup)",
            _ms(statistics.median(plain)),
            f"{statistics.median(plain) / b:.2f}x",
        ),
    ]
    text = table(
        f"In process (no interpreter start; client or session opening included), "
        f"median of {runs} alternating runs ({load_average()})",
        ("", "wall", "vs bare"),
        rows,
    )
    return text + (
        f"\n  metadata_for vs bare loop: "
        f"{verdict(statistics.median(ours) / b, TARGET_IN_PROCESS)}"
        f"\n  ({len(os.environ)} variables in this process's environment)"
    )


def run(served: Served, runs: int = RUNS) -> None:
    """Print every end-to-end table."""
    print()
    print(cold(served, runs))
    print()
    print(warm(served, runs))
    print()
    print(variants(served, runs))
    print()
    print(in_process(served))


def main() -> None:
    with serving() as served:
        run(served)


if __name__ == "__main__":
    main()
