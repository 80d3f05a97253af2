"""Which other trust source on this machine would accept a chain that was refused
(docs/trust.md, "Errors").

People behind a TLS-intercepting proxy or a private CA have usually told their other
tools where their CA is: ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``,
``NODE_EXTRA_CA_CERTS``, pip's ``cert`` (``PIP_CERT`` or ``cert =`` in a pip
configuration file), or the operating system's store. indexclient reads none of them as
trust (neither does uv, and a setting means the same here), except pip's ``cert`` when
no uv setting chooses the roots; but once a chain has been refused for its issuer it
looks at each, read-only and only to write the hint, and says which setting would make
the chain verify. The file in effect is not one of them: it has just refused the chain.
pip's files are found and read by :mod:`indexclient.pipconf`, as the settings read them.

Each source's certificates are read and asked whether they accept the presented chain
(:mod:`indexclient.tls.chains`: the chain walked with cryptography, each signature
verified, the path held to what the handshake checks). A throwaway SSLContext per
source cannot answer that: Python's ssl module verifies a chain only inside a
handshake, and replaying the server's side of one needs its private key. The host
name is the same for every source: the caller checks it once (``leaf_problem``).

Bounds: this runs only after a refusal, never on the success path, and at most
:data:`HINT_BUDGET` seconds (a worker thread, so a read that hangs cannot hold up the
error). Files are read through :func:`indexclient.userfiles.read_user_file` (regular
files of bounded size), at most :data:`MAX_DIRECTORY_FILES` from a directory. A source
that cannot be read is reported as unchecked, never raised. Verdicts are remembered
per chain and configuration for the process: concurrent requests failing on one server
pay once.
"""

from __future__ import annotations

import os
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from indexclient.pipconf import LOCATION_VARIABLES, read_config_files
from indexclient.tls.chains import Presented, accepts, parse_presented
from indexclient.tls.sources import CustomRoots, TrustSource, pem_certificates
from indexclient.tls.system_store import (
    SystemStore,
    built_in_defaults,
    find_system_store,
    store_files,
)
from indexclient.userfiles import MAX_TRUST_FILE, UnreadableFile, read_user_file

__all__ = [
    "CA_VARIABLES",
    "HINT_BUDGET",
    "MAX_DIRECTORY_FILES",
    "SourceVerdict",
    "check_sources",
    "in_effect",
    "platform_store",
]

#: The longest the hint may spend checking other sources, in seconds.
HINT_BUDGET = 2.0
#: Files read at most from one certificate directory (a system store has a few hundred).
MAX_DIRECTORY_FILES = 4096
#: Variables other tools read a CA bundle from, in the order they are reported.
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "PIP_CERT")
# Verdicts remembered for the process, per chain and configuration.
_MEMO_SIZE = 32
_memo: dict[tuple[object, ...], tuple[SourceVerdict, ...]] = {}
_memo_lock = threading.Lock()

_OS_VERIFIER = sys.platform in ("darwin", "win32")


@dataclass(frozen=True, slots=True)
class SourceVerdict:
    """Whether one trust source on this machine accepts a chain.

    ``source`` names it (``bundled roots``, ``system store``, a variable, ``pip cert``);
    ``where`` gives its path(s) and where it was named; ``trusts`` is None when it could
    not be checked (``note`` says why), else whether the chain verifies with its roots
    (``note`` then says what stopped it). ``fix`` is what would make indexclient use the
    source, when it trusts the chain, and ``label`` how a hint names it;
    ``in_effect`` marks the source a client used.
    """

    source: str
    where: str
    trusts: bool | None
    note: str = ""
    fix: str = ""
    label: str = ""
    in_effect: bool = False


@dataclass(frozen=True, slots=True)
class _Candidate:
    label: str
    source: str
    where: str
    paths: tuple[str, ...]
    fix: str
    # Why it cannot be checked (the OS verifier), when it cannot.
    unchecked: str = ""


def platform_store() -> SystemStore | None:
    """The store ``--system-certs`` would load here (without ``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR``, which would replace it); None where the operating system verifies
    (macOS, Windows: truststore's verifier cannot be asked without a connection)."""
    if _OS_VERIFIER:
        return None
    return find_system_store(built_in_defaults())


def in_effect(source: TrustSource, trusts: bool | None, note: str = "") -> SourceVerdict:
    """The row for the source a client used, with the verdict its handshake gave."""
    if isinstance(source, CustomRoots):
        where = f"{source.setting_names()} ({source.origin})"
        return SourceVerdict("custom roots", where, trusts, note, in_effect=True)
    if source.kind == "platform":
        if getattr(source, "os_verifier", _OS_VERIFIER):
            where = f"the operating system's verifier ({source.origin})"
        else:
            where = f"{find_system_store().describe()} ({source.origin})"
        return SourceVerdict("system store", where, trusts, note, in_effect=True)
    return SourceVerdict(
        "bundled roots", f"{_certifi_where()} ({source.origin})", trusts, note, in_effect=True
    )


def check_sources(
    presented: Sequence[bytes],
    source: TrustSource,
    *,
    leaf_problem: str | None = None,
    environ: Mapping[str, str] | None = None,
    platform: Callable[[], SystemStore | None] | None = None,
    budget: float = HINT_BUDGET,
) -> tuple[SourceVerdict, ...]:
    """Whether each trust source other than ``source`` accepts ``presented`` (DER, leaf
    first). ``leaf_problem`` is what no source can fix (the leaf not naming the host),
    from the caller; ``environ`` the variables to read (the process's by default);
    ``platform`` finds the system store (:func:`platform_store` unless given: tests
    give one laid out in a directory).

    Never raises: a source that cannot be read, or is not reached within ``budget``
    seconds, is reported as unchecked.
    """
    environ = os.environ if environ is None else environ
    platform = platform or platform_store
    key = (
        tuple(presented),
        leaf_problem,
        source.cache_key(),
        tuple(environ.get(name) for name in (*CA_VARIABLES, *LOCATION_VARIABLES)),
        platform,
    )
    with _memo_lock:
        known = _memo.get(key)
    if known is not None:
        return known
    work = _Work(list(presented), source, leaf_problem, environ, platform, budget)
    worker = threading.Thread(target=work.run, name="indexclient-trust-hint", daemon=True)
    worker.start()
    worker.join(budget)
    verdicts = work.snapshot(finished=not worker.is_alive())
    if not worker.is_alive():
        with _memo_lock:
            if len(_memo) >= _MEMO_SIZE:
                _memo.pop(next(iter(_memo)))
            _memo[key] = verdicts
    return verdicts


@dataclass
class _Work:
    """One check, run in a worker thread; its results read by the caller when done or
    when the budget is spent."""

    presented: list[bytes]
    source: TrustSource
    leaf_problem: str | None
    environ: Mapping[str, str]
    platform: Callable[[], SystemStore | None]
    budget: float
    candidates: list[_Candidate] = field(default_factory=list)
    verdicts: list[SourceVerdict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        deadline = time.monotonic() + self.budget
        try:
            candidates = _candidates(self.source, self.environ, self.platform)
            with self.lock:
                self.candidates = candidates
            chain = parse_presented(self.presented)
            files = _Files(deadline)
            for candidate in candidates:
                verdict = _judge(candidate, chain, files, self.leaf_problem)
                with self.lock:
                    self.verdicts.append(verdict)
        except Exception:  # noqa: S110 - a hint must never fail on its own
            pass

    def snapshot(self, *, finished: bool) -> tuple[SourceVerdict, ...]:
        with self.lock:
            done = list(self.verdicts)
            candidates = list(self.candidates)
        late = "not checked: out of time" if not finished else "not checked"
        for candidate in candidates[len(done) :]:
            done.append(
                SourceVerdict(candidate.source, candidate.where, None, late, label=candidate.label)
            )
        return tuple(done)


# --------------------------------------------------------------------------- sources


def _certifi_where() -> str:
    import certifi  # as in indexclient.tls.sources: only a run that needs it loads it

    where: str = certifi.where()
    return where


def _quoted(path: str) -> str:
    return shlex.quote(os.path.abspath(path))


def _candidates(
    source: TrustSource,
    environ: Mapping[str, str],
    platform: Callable[[], SystemStore | None],
) -> list[_Candidate]:
    unset = ""
    in_use = None
    if isinstance(source, CustomRoots):
        # pip's cert gives way to any trust setting of uv's, so the fixes below work as
        # they stand; SSL_CERT_FILE and SSL_CERT_DIR must be unset first (docs/trust.md).
        if source.file_setting == "SSL_CERT_FILE" or source.cert_dirs:
            unset = f"unset {_custom_variables(source)}"
        in_use = _real(source.cert_file) if source.cert_file else None
    found: list[_Candidate] = []
    if source.kind != "bundled":
        where = _certifi_where()
        # Custom roots replace the bundled ones; the platform store is left by a flag
        # that wins over the environment and the files (docs/trust.md, "Trust sources").
        fix = unset or "use --no-system-certs (UV_SYSTEM_CERTS=0)"
        found.append(_Candidate("the bundled roots", "bundled roots", where, (where,), fix))
    if source.kind != "platform":
        fix = "use --system-certs (UV_SYSTEM_CERTS=1)"
        fix = f"{unset} and {fix}" if unset else fix
        store = platform()
        if store is None:
            found.append(
                _Candidate(
                    "the operating system's verifier",
                    "system store",
                    "the operating system's verifier",
                    (),
                    fix,
                    unchecked="the operating system verifies; it cannot be asked "
                    "without connecting",
                )
            )
        else:
            paths = tuple(store_files(store, limit=MAX_DIRECTORY_FILES))
            where = store.describe()
            label = f"the system store ({where})"
            found.append(_Candidate(label, "system store", where, paths, fix))
    for name in CA_VARIABLES:
        value = environ.get(name)
        if value and _real(value) != in_use:
            where = f"{value} ({name}, environment)"
            found.append(_file_candidate(f"{name}={value}", name, where, value))
    for config, section, value in _pip_certs(environ):
        if _real(value) == in_use:
            continue
        where = f"{value} (cert in {config} [{section}])"
        found.append(_file_candidate(f"pip's cert in {config} ({value})", "pip cert", where, value))
    return found


def _real(path: str) -> str:
    """What makes two names of a CA file the same file."""
    return os.path.realpath(os.path.expanduser(path))


def _custom_variables(source: CustomRoots) -> str:
    names = ["SSL_CERT_FILE"] if source.cert_file else []
    return " and ".join([*names, "SSL_CERT_DIR"] if source.cert_dirs else names)


def _file_candidate(label: str, source: str, where: str, path: str) -> _Candidate:
    path = os.path.expanduser(path)
    fix = f"set SSL_CERT_FILE={_quoted(path)}"
    if source == "NODE_EXTRA_CA_CERTS":
        # Node adds this file to its own roots; SSL_CERT_FILE replaces the bundled ones.
        fix += " (it then replaces the bundled roots: add the CAs other servers need)"
    return _Candidate(label, source, where, (path,), fix)


def _pip_certs(environ: Mapping[str, str]) -> Iterable[tuple[str, str, str]]:
    """``(file, section, value)`` of every ``cert`` in pip's configuration files (every
    section: the hint looks for CA files wherever they are named); a file that cannot
    be read or parsed is passed over."""
    for read in read_config_files(environ):
        for section, keys in read.sections.items():
            value = keys.get("cert", "").strip()
            if value:
                yield read.path, section, value


# --------------------------------------------------------------------------- reading


class _Files:
    """Certificates by file, each file read once per check (by device and inode: a
    system directory's hash links and a variable naming the system bundle lead to the
    same file), until the deadline."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._read: dict[tuple[int, int], list[bytes] | str] = {}

    def certificates(self, paths: Sequence[str]) -> tuple[list[bytes], str]:
        """The certificates (DER) in ``paths``, and why the first one could not be read
        (empty when it could). Raises _OutOfTime at the deadline."""
        ders: list[bytes] = []
        problem = ""
        seen: set[tuple[int, int]] = set()
        for number, path in enumerate(paths):
            if time.monotonic() > self.deadline:
                raise _OutOfTime
            found = self._load(path, seen)
            if isinstance(found, str):
                if number == 0:
                    problem = found
                continue
            ders += found
        return ders, problem

    def _load(self, path: str, seen: set[tuple[int, int]]) -> list[bytes] | str:
        try:
            st = os.stat(path)
        except OSError as exc:
            return exc.strerror or "cannot be read"
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            return []
        seen.add(ident)
        found = self._read.get(ident)
        if found is None:
            try:
                # Regular files of bounded size only; a FIFO never blocks (docs/security.md).
                data = read_user_file(path, limit=MAX_TRUST_FILE)
            except UnreadableFile as exc:
                found = exc.reason
            else:
                found = pem_certificates(data) or "holds no PEM certificate"
            self._read[ident] = found
        return found


class _OutOfTime(Exception):
    pass


def _judge(
    candidate: _Candidate, chain: list[Presented], files: _Files, leaf_problem: str | None
) -> SourceVerdict:
    def verdict(trusts: bool | None, note: str = "") -> SourceVerdict:
        fix = candidate.fix if trusts else ""
        return SourceVerdict(
            candidate.source, candidate.where, trusts, note, fix, label=candidate.label
        )

    if candidate.unchecked:
        return verdict(None, f"not checked: {candidate.unchecked}")
    if not chain:
        return verdict(None, "not checked: the server presented no certificate")
    try:
        ders, problem = files.certificates(candidate.paths)
    except _OutOfTime:
        return verdict(None, "not checked: out of time")
    if not ders:
        # Nothing to trust: as SSL_CERT_FILE it would be refused at start, and an empty
        # system store refuses every server.
        return verdict(False, f"cannot be used: {problem or 'no certificate found'}")
    trusts, why = accepts(chain, ders)
    if trusts and leaf_problem:
        return verdict(False, f"holds the issuer, but {leaf_problem}")
    return verdict(trusts, why)
