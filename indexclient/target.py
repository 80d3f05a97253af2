"""The environment files are chosen for: a Python version, a platform and uv's rules for
binaries, pre-releases and upload dates (no IO).

:class:`Target` is what ``--python-version``, ``--python-platform``, ``--only-binary``,
``--no-binary``, ``--prerelease`` and ``--exclude-newer`` mean to ``uv pip compile``,
as a value: :meth:`Target.current` is the running interpreter (the default everywhere),
:meth:`Target.for_` another one. Platform names are uv's (``linux``, ``macos``,
``windows``, ``x86_64-manylinux_2_28``, ``aarch64-apple-darwin``...), each with the
operating system, architecture and minimum versions uv gives it, and the wheel tags a
target accepts are built with :mod:`packaging.tags` in uv's order of preference.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Final, Literal, get_args

from packaging.tags import Tag, compatible_tags, cpython_tags, sys_tags
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from indexclient.errors import ConfigurationError

__all__ = [
    "ALL",
    "PLATFORM_NAMES",
    "PRERELEASE_MODES",
    "Prerelease",
    "Target",
    "binary_rule",
    "check_platform",
    "check_prerelease",
    "check_python_version",
    "parse_exclude_newer",
    "platform_tags",
]

Prerelease = Literal["disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit"]
#: uv's ``--prerelease`` values; uv 0.13's default is the last.
PRERELEASE_MODES: Final[tuple[str, ...]] = get_args(Prerelease)
DEFAULT_PRERELEASE: Final = "if-necessary-or-explicit"

#: In a binary rule: every project (``:all:``).
ALL: Final = ":all:"

# --------------------------------------------------------------------------- platforms


@dataclass(frozen=True, slots=True)
class _Platform:
    """What one of uv's platform names stands for (uv's ``TargetTriple::platform``)."""

    os: Literal["manylinux", "musllinux", "macos", "windows", "android", "pyodide", "ios"]
    arch: str
    #: manylinux/musllinux glibc or musl version, macOS/iOS version, Android API level,
    #: Pyodide ABI year.
    version: tuple[int, int] = (0, 0)
    simulator: bool = False


def _manylinux(arch: str, minor: int) -> _Platform:
    return _Platform("manylinux", arch, (2, minor))


_PLATFORMS: dict[str, _Platform] = {
    "windows": _Platform("windows", "x86_64"),
    "linux": _Platform("manylinux", "x86_64", (2, 28)),
    "macos": _Platform("macos", "aarch64", (13, 0)),
    "x86_64-pc-windows-msvc": _Platform("windows", "x86_64"),
    "aarch64-pc-windows-msvc": _Platform("windows", "aarch64"),
    "i686-pc-windows-msvc": _Platform("windows", "x86"),
    "x86_64-unknown-linux-gnu": _Platform("manylinux", "x86_64", (2, 28)),
    "aarch64-apple-darwin": _Platform("macos", "aarch64", (13, 0)),
    "x86_64-apple-darwin": _Platform("macos", "x86_64", (13, 0)),
    "aarch64-unknown-linux-gnu": _Platform("manylinux", "aarch64", (2, 28)),
    "aarch64-unknown-linux-musl": _Platform("musllinux", "aarch64", (1, 2)),
    "x86_64-unknown-linux-musl": _Platform("musllinux", "x86_64", (1, 2)),
    "riscv64-unknown-linux": _Platform("manylinux", "riscv64", (2, 39)),
    "x86_64-manylinux2014": _manylinux("x86_64", 17),
    "aarch64-manylinux2014": _manylinux("aarch64", 17),
    **{f"x86_64-manylinux_2_{m}": _manylinux("x86_64", m) for m in (17, 28, *range(31, 41))},
    **{f"aarch64-manylinux_2_{m}": _manylinux("aarch64", m) for m in (17, 28, *range(31, 41))},
    "aarch64-linux-android": _Platform("android", "aarch64", (24, 0)),
    "x86_64-linux-android": _Platform("android", "x86_64", (24, 0)),
    "wasm32-pyodide2024": _Platform("pyodide", "wasm32", (2024, 0)),
    "wasm32-pyodide2025": _Platform("pyodide", "wasm32", (2025, 0)),
    "arm64-apple-ios": _Platform("ios", "aarch64", (13, 0)),
    "arm64-apple-ios-simulator": _Platform("ios", "aarch64", (13, 0), simulator=True),
    "x86_64-apple-ios-simulator": _Platform("ios", "x86_64", (13, 0), simulator=True),
}

# uv's other spellings of the same names (clap aliases and serde aliases).
_ALIASES: dict[str, str] = {
    "x8664-pc-windows-msvc": "x86_64-pc-windows-msvc",
    "arm64-pc-windows-msvc": "aarch64-pc-windows-msvc",
    "x8664-unknown-linux-gnu": "x86_64-unknown-linux-gnu",
    "x8664-apple-darwin": "x86_64-apple-darwin",
    "x8664-unknown-linux-musl": "x86_64-unknown-linux-musl",
    "manylinux2014_x86_64": "x86_64-manylinux2014",
    "x8664-manylinux2014": "x86_64-manylinux2014",
    "manylinux2014_aarch64": "aarch64-manylinux2014",
    **{
        alias: f"{arch}-manylinux_2_{m}"
        for arch, short in (("x86_64", "x8664"), ("aarch64", "aarch64"))
        for m in (17, 28, *range(31, 41))
        for alias in (f"manylinux_2_{m}_{arch}", f"{short}-manylinux2{m}")
    },
}

#: uv's ``--python-platform`` names (uv 0.13), in the order uv lists them.
PLATFORM_NAMES: Final[tuple[str, ...]] = tuple(_PLATFORMS)

# The oldest glibc minor version each architecture has manylinux wheels for (uv's
# ``Arch::get_minimum_manylinux_minor``): manylinux1 for x86, manylinux2014 for arm.
_MANYLINUX_FLOOR = {"x86_64": 5, "x86": 5, "aarch64": 17, "riscv64": 31}
_MAC_FORMATS = {
    "x86_64": ("x86_64", "intel", "fat64", "fat32", "universal2", "universal"),
    "aarch64": ("arm64", "universal2"),
}


def platform_tags(name: str) -> tuple[str, ...]:
    """The platform tags a uv platform name accepts, best first, as uv orders them.

    Raises KeyError for a name uv does not know (see :meth:`Target.for_`)."""
    p = _PLATFORMS[_ALIASES.get(name, name)]
    arch = p.arch
    found: list[str] = []
    if p.os == "manylinux":
        for minor in range(p.version[1], _MANYLINUX_FLOOR[arch] - 1, -1):
            found.append(f"manylinux_2_{minor}_{arch}")
            # The legacy names of PEP 600, each just after its manylinux_2_X.
            legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}.get(minor)
            if legacy:
                found.append(f"{legacy}_{arch}")
        found.append(f"linux_{arch}")
    elif p.os == "musllinux":
        found += [f"musllinux_1_{minor}_{arch}" for minor in range(p.version[1], -1, -1)]
        found.append(f"linux_{arch}")
    elif p.os == "macos":
        formats = _MAC_FORMATS[arch]
        found += [f"macosx_{major}_0_{f}" for major in range(p.version[0], 10, -1) for f in formats]
        # universal2 (arm64) or every x86_64 format may claim a 10.x version.
        older = formats if arch == "x86_64" else ("universal2",)
        found += [f"macosx_10_{minor}_{f}" for minor in range(16, 3, -1) for f in older]
    elif p.os == "windows":
        found.append({"x86_64": "win_amd64", "x86": "win32", "aarch64": "win_arm64"}[arch])
    elif p.os == "android":
        abi = {"aarch64": "arm64_v8a", "x86_64": "x86_64"}[arch]
        found += [f"android_{level}_{abi}" for level in range(p.version[0], 15, -1)]
    elif p.os == "pyodide":
        year = p.version[0]
        found += [f"pyemscripten_{year}_0_wasm32", f"pyodide_{year}_0_wasm32"]
    else:  # ios
        kind = "iphonesimulator" if p.simulator else "iphoneos"
        multiarch = f"{'arm64' if arch == 'aarch64' else arch}_{kind}"
        major, minor = p.version
        found += [f"ios_{major}_{m}_{multiarch}" for m in range(minor, -1, -1)]
        earlier = [(mj, m) for mj in range(major - 1, 11, -1) for m in range(9, -1, -1)]
        found += [f"ios_{mj}_{m}_{multiarch}" for mj, m in earlier]
    return tuple(found)


# os_name, sys_platform and platform_system of each kind of platform, and the
# platform_machine spellings that differ from the architecture's name.
_MARKER_OS: dict[str, tuple[str, str, str]] = {
    "manylinux": ("posix", "linux", "Linux"),
    "musllinux": ("posix", "linux", "Linux"),
    "macos": ("posix", "darwin", "Darwin"),
    "windows": ("nt", "win32", "Windows"),
    "android": ("posix", "android", "Android"),
    "ios": ("posix", "ios", "iOS"),
    "pyodide": ("posix", "emscripten", "Emscripten"),
}
_MACHINE: dict[tuple[str, str], str] = {
    ("macos", "aarch64"): "arm64",
    ("ios", "aarch64"): "arm64",
    ("windows", "x86_64"): "AMD64",
    ("windows", "aarch64"): "ARM64",
    ("windows", "x86"): "x86",
    ("pyodide", "wasm32"): "wasm32",
}

# --------------------------------------------------------------------------- values


def check_python_version(text: str, flag: str = "--python-version") -> Version:
    """``3.12`` or ``3.12.4`` (uv's ``--python-version``: major.minor, a patch optional).
    A wrong value is a ConfigurationError naming ``flag``."""
    try:
        version = Version(text.strip())
    except InvalidVersion:
        version = None
    if (
        version is None
        or len(version.release) not in (2, 3)
        or version.release[0] != 3
        or version.pre
        or version.post
        or version.dev
        or version.local
        or version.epoch
    ):
        raise ConfigurationError.single(
            f"{flag} {text!r}",
            "not a Python version: give major.minor, e.g. 3.12 (or 3.12.4)",
        )
    return version


def check_platform(text: str, flag: str = "--python-platform") -> str:
    """One of uv's platform names (or one of its aliases), as its canonical name."""
    platform = _ALIASES.get(text.strip(), text.strip())
    if platform not in _PLATFORMS:
        raise ConfigurationError.single(
            f"{flag} {text!r}", "not one of uv's platform names: " + ", ".join(PLATFORM_NAMES)
        )
    return platform


def check_prerelease(text: str, flag: str = "--prerelease") -> str:
    """One of uv's pre-release modes (:data:`PRERELEASE_MODES`)."""
    mode = text.strip()
    if mode not in PRERELEASE_MODES:
        raise ConfigurationError.single(
            f"{flag} {text!r}", "expected one of " + ", ".join(PRERELEASE_MODES)
        )
    return mode


def binary_rule(values: Iterable[str], flag: str) -> frozenset[str]:
    """The projects a ``--no-binary``/``--only-binary`` list names (normalised), in pip's
    and uv's words: ``:all:`` every project, ``:none:`` clears what came before; each
    value may itself be comma-separated. ``ALL`` in the result stands for every project."""
    chosen: set[str] = set()
    for value in values:
        for item in (v.strip() for v in value.split(",")):
            if not item:
                continue
            if item == ":all:":
                chosen = {ALL}
            elif item == ":none:":
                chosen = set()
            elif re.fullmatch(r"[A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?", item, re.I | re.A):
                chosen.add(canonicalize_name(item))
            else:
                raise ConfigurationError.single(
                    f"{flag} {item!r}", "expected :all:, :none: or project names"
                )
    return frozenset(chosen)


# uv's spans (jiff's ``Span``): the "friendly" format (``3 days``, ``1 week, 2 days``,
# ``2h 30m``, ``3 days ago``, an ``HH:MM:SS`` last) and ISO 8601 durations (``P3D``,
# ``P1W``, ``PT36H``). Unit names are case-sensitive in the friendly format, as in jiff.
_FRIENDLY_UNITS: dict[str, str] = {
    **dict.fromkeys(("years", "year", "yrs", "yr", "y"), "years"),
    **dict.fromkeys(("months", "month", "mos", "mo"), "months"),
    **dict.fromkeys(("weeks", "week", "wks", "wk", "w"), "weeks"),
    **dict.fromkeys(("days", "day", "d"), "days"),
    **dict.fromkeys(("hours", "hour", "hrs", "hr", "h"), "hours"),
    **dict.fromkeys(("minutes", "minute", "mins", "min", "m"), "minutes"),
    **dict.fromkeys(("seconds", "second", "secs", "sec", "s"), "seconds"),
    **dict.fromkeys(("milliseconds", "millisecond", "msecs", "msec", "ms"), "milliseconds"),
    **dict.fromkeys(
        ("microseconds", "microsecond", "usecs", "usec", "us", "\u00b5s", "\u00b5secs"),
        "microseconds",
    ),
    **dict.fromkeys(("nanoseconds", "nanosecond", "nsecs", "nsec", "ns"), "nanoseconds"),
}
_UNIT_WORDS = "|".join(sorted(map(re.escape, _FRIENDLY_UNITS), key=len, reverse=True))
_FRIENDLY_PART = re.compile(rf"(\d+)(?:\.(\d+))?\s*({_UNIT_WORDS})(?![A-Za-z])")
_CLOCK = re.compile(r"(\d+):(\d{2}):(\d{2})(?:\.(\d+))?")
_ISO = re.compile(
    r"[+-]?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)(?:[.,](\d+))?H)?(?:(\d+)(?:[.,](\d+))?M)?(?:(\d+)(?:[.,](\d+))?S)?)?",
    re.IGNORECASE,
)
# The largest span jiff (so uv) takes, in days: about 20,000 years.
_MAX_DAYS = 7_304_484
_SMALL_UNITS = ("hours", "minutes", "seconds", "milliseconds", "microseconds", "nanoseconds")


def _fraction(whole: str, part: str | None) -> float:
    return float(f"{whole}.{part}") if part else float(whole)


def _friendly(text: str) -> dict[str, float] | None:
    """The units of a friendly span, or None when ``text`` is not one."""
    body = text
    if body[:1] in "+-":
        body = body[1:].lstrip()
    elif body.endswith(" ago"):
        body = body[: -len(" ago")].rstrip()
    units: dict[str, float] = {}
    position = 0
    while position < len(body):
        clock = _CLOCK.match(body, position)
        if clock and clock.end() == len(body):
            hours, minutes, seconds, frac = clock.groups()
            for unit, number in (("hours", hours), ("minutes", minutes)):
                units[unit] = units.get(unit, 0) + float(number)
            units["seconds"] = units.get("seconds", 0) + _fraction(seconds, frac)
            return units
        part = _FRIENDLY_PART.match(body, position)
        if part is None:
            return None
        whole, frac, word = part.groups()
        unit = _FRIENDLY_UNITS[word]
        position = part.end()
        rest = body[position:]
        last = not rest.strip(" ,")
        # jiff: a fraction only on the last unit, and only on hours or smaller.
        if unit in units or (frac and (not last or unit not in _SMALL_UNITS)):
            return None
        units[unit] = _fraction(whole, frac)
        separator = re.match(r"\s*,?\s*", rest)
        assert separator is not None
        position += separator.end()
    return units or None


def _iso(text: str) -> dict[str, float] | None:
    """The units of an ISO 8601 duration, or None when ``text`` is not one."""
    found = _ISO.fullmatch(text)
    if found is None or text.upper().rstrip("T").endswith("P") or text.upper().endswith("T"):
        return None
    g = found.groups()
    units: dict[str, float] = {}
    for unit, number in (("years", g[0]), ("months", g[1]), ("weeks", g[2]), ("days", g[3])):
        if number is not None:
            units[unit] = float(number)
    for unit, (whole, frac) in zip(
        ("hours", "minutes", "seconds"), (g[4:6], g[6:8], g[8:10]), strict=True
    ):
        if whole is not None:
            units[unit] = _fraction(whole, frac)
    return units or None


def _span(text: str, flag: str) -> timedelta | None:
    """A relative ``--exclude-newer`` as uv reads it: how far back from now; None when
    ``text`` is not a span. Years and months are refused, as uv refuses them (their
    length depends on the date)."""
    units = _iso(text) if text.lstrip("+-").lstrip()[:1] in ("P", "p") else _friendly(text)
    if units is None:
        return None
    for unit, instead in (("years", 365), ("months", 30)):
        if units.get(unit):
            raise ConfigurationError.single(
                f"{flag} {text!r}",
                f"a duration in {unit} is not allowed (as in uv); use days instead, e.g. "
                f"{int(units[unit] * instead)} days",
            )
    days = units.get("days", 0) + 7 * units.get("weeks", 0)
    try:
        span = timedelta(
            days=days,
            hours=units.get("hours", 0),
            minutes=units.get("minutes", 0),
            seconds=units.get("seconds", 0),
            milliseconds=units.get("milliseconds", 0),
            microseconds=units.get("microseconds", 0) + units.get("nanoseconds", 0) / 1000,
        )
    except OverflowError:
        span = timedelta.max
    if span.days > _MAX_DAYS:
        raise ConfigurationError.single(f"{flag} {text!r}", "the duration is too long")
    return span


def parse_exclude_newer(
    text: str, flag: str = "--exclude-newer", *, now: datetime | None = None
) -> datetime:
    """uv's ``--exclude-newer``: an RFC 3339 timestamp (``2024-03-01T00:00:00Z``); a
    date, which keeps everything uploaded on that day in the local time zone (uv: the
    cutoff is the start of the next day); or a duration back from ``now`` (default the
    current time), as uv 0.13 takes it: ``3 days``, ``1 week, 2 days``, ``24h``, ``3
    days ago``, or ISO 8601 ``P3D``, ``PT36H`` (a sign is ignored; years and months are
    refused). The cutoff of a duration is computed at each call."""
    raw = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            day = date.fromisoformat(raw) + timedelta(days=1)
            return datetime.combine(day, time()).astimezone().astimezone(timezone.utc)
        stamp = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        stamp = None
    if stamp is None:
        span = _span(raw, flag)
        if span is not None:
            current = datetime.now(timezone.utc) if now is None else now
            try:
                return current.astimezone(timezone.utc) - span
            except OverflowError:
                raise ConfigurationError.single(
                    f"{flag} {text!r}", "the duration reaches back before year 1"
                ) from None
    if stamp is None or stamp.tzinfo is None:
        raise ConfigurationError.single(
            f"{flag} {text!r}",
            "expected a date like 2024-01-01, a timestamp with a time zone like "
            "2024-01-01T00:00:00Z, or a duration like 3 days or P3D",
        )
    return stamp.astimezone(timezone.utc)


@functools.cache
def _current_tags() -> tuple[Tag, ...]:
    return tuple(sys_tags())


@functools.cache
def _running_python() -> Version:
    return Version(".".join(map(str, sys.version_info[:3])))


@functools.cache
def _running_platforms() -> tuple[str, ...]:
    from packaging.tags import platform_tags as running

    return tuple(running())


def _tags_for(python: Version, platforms: Sequence[str]) -> tuple[Tag, ...]:
    # uv's Tags::from_env for CPython; packaging yields the same order: the exact ABI,
    # abi3 down to 3.2 (cpXY-none after cpXY-abi3), then pyXY/py3 for the platforms,
    # then the "any" tags.
    major, minor = python.release[:2]
    interpreter = f"cp{major}{minor}"
    return (
        *cpython_tags((major, minor), [interpreter], platforms),
        *compatible_tags((major, minor), interpreter, platforms),
    )


@dataclass(frozen=True, slots=True)
class Target:
    """The Python, platform and rules files are chosen for.

    ``python_version`` is compared with each file's Requires-Python; ``tags`` are the
    wheel tags accepted, best first; ``platform`` is uv's platform name (None: the
    running platform). ``only_binary`` and ``no_binary`` hold normalised project names
    (or :data:`ALL`); ``prerelease`` is one of uv's modes; ``exclude_newer`` (aware)
    leaves out files uploaded at or after it (PEP 700 ``upload-time``).
    """

    __module__ = "indexclient"

    python_version: Version
    tags: tuple[Tag, ...] = field(repr=False)
    platform: str | None = None
    only_binary: frozenset[str] = frozenset()
    no_binary: frozenset[str] = frozenset()
    prerelease: str = DEFAULT_PRERELEASE
    exclude_newer: datetime | None = None
    #: True for :meth:`current`: the running interpreter's own tags and version.
    running: bool = field(default=False, repr=False)

    @classmethod
    def current(cls) -> Target:
        """The running interpreter, with uv's default rules (today's behaviour)."""
        return _current()

    @classmethod
    def for_(
        cls,
        *,
        python_version: str | Version | None = None,
        python_platform: str | None = None,
        only_binary: Iterable[str] = (),
        no_binary: Iterable[str] = (),
        prerelease: str | None = None,
        exclude_newer: str | datetime | None = None,
    ) -> Target:
        """A target as ``uv pip compile`` takes it: ``python_version`` (``"3.12"``;
        default the running one), ``python_platform`` (a uv platform name; default the
        running platform), ``only_binary``/``no_binary`` (``:all:``, ``:none:``,
        names), ``prerelease`` (one of :data:`PRERELEASE_MODES`) and ``exclude_newer``
        (a date, an RFC 3339 timestamp or an aware datetime).

        A wrong value is a :class:`~indexclient.errors.ConfigurationError` naming the
        flag (and, for a platform or a mode, the valid ones)."""
        if python_version is None:
            python = _running_python()
        elif isinstance(python_version, Version):
            python = check_python_version(str(python_version))
        else:
            python = check_python_version(python_version)
        platform = None if python_platform is None else check_platform(python_platform)
        mode = DEFAULT_PRERELEASE if prerelease is None else check_prerelease(prerelease)
        if isinstance(exclude_newer, datetime):
            if exclude_newer.tzinfo is None:
                raise ConfigurationError.single(
                    "exclude_newer", "a datetime with a time zone (naive given)"
                )
            cutoff: datetime | None = exclude_newer.astimezone(timezone.utc)
        else:
            cutoff = None if exclude_newer is None else parse_exclude_newer(exclude_newer)
        same_python = python_version is None
        if platform is None and same_python:
            tags = _current_tags()
        else:
            platforms = _running_platforms() if platform is None else platform_tags(platform)
            tags = _tags_for(python, platforms)
        return cls(
            python,
            tags,
            platform,
            binary_rule(only_binary, "--only-binary"),
            binary_rule(no_binary, "--no-binary"),
            mode,
            cutoff,
            running=platform is None and same_python,
        )

    def accepts_tags(self, tags: Iterable[Tag]) -> bool:
        """Whether a wheel with ``tags`` is installable on this target."""
        accepted = _tag_set(self.tags)
        return any(tag in accepted for tag in tags)

    def wheels_allowed(self, name: NormalizedName) -> bool:
        """Whether wheels of ``name`` may be chosen (not ``--no-binary``). uv's rule for a
        project named by both flags: under ``--no-binary :all:``, a project named by
        ``--only-binary`` keeps its wheels (unless that is ``:all:`` too)."""
        if ALL in self.no_binary:
            return ALL not in self.only_binary and name in self.only_binary
        return name not in self.no_binary

    def sdists_allowed(self, name: NormalizedName) -> bool:
        """Whether an sdist of ``name`` may be chosen (not ``--only-binary``); the same
        rule the other way round: under ``--only-binary :all:``, a project named by
        ``--no-binary`` keeps its sdists."""
        if ALL in self.only_binary:
            return ALL not in self.no_binary and name in self.no_binary
        return name not in self.only_binary

    @property
    def is_default(self) -> bool:
        """The running interpreter with uv's default rules (:meth:`current`)."""
        return (
            self.running
            and not self.only_binary
            and not self.no_binary
            and self.prerelease == DEFAULT_PRERELEASE
            and self.exclude_newer is None
        )

    def markers(self) -> dict[str, str]:
        """The PEP 508 marker variables of this target, for requirement markers.

        The running interpreter's own (packaging's) for :meth:`current`; for another
        Python version those of the running platform with the version replaced; for a
        platform name, what uv gives that platform (CPython on its OS and machine,
        ``platform_release`` and ``platform_version`` empty)."""
        from packaging.markers import default_environment

        found = {key: str(value) for key, value in default_environment().items()}
        if self.running:
            return found
        release = self.python_version.release
        found["python_version"] = f"{release[0]}.{release[1]}"
        found["python_full_version"] = str(self.python_version)
        found["implementation_version"] = str(self.python_version)
        if self.platform is None:
            return found
        p = _PLATFORMS[_ALIASES.get(self.platform, self.platform)]
        os_name, sys_platform, system = _MARKER_OS[p.os]
        machine = _MACHINE.get((p.os, p.arch), p.arch)
        found |= {
            "os_name": os_name,
            "sys_platform": sys_platform,
            "platform_system": system,
            "platform_machine": machine,
            "platform_release": "",
            "platform_version": "",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
        }
        return found

    def fingerprint(self) -> str:
        """A stable digest of everything a choice depends on (the memo's key): the
        same target gives the same fingerprint in every process."""
        parts = [
            str(self.python_version),
            self.platform or "running",
            ",".join(sorted(self.only_binary)),
            ",".join(sorted(self.no_binary)),
            self.prerelease,
            "" if self.exclude_newer is None else self.exclude_newer.isoformat(),
        ]
        if not self.running:
            # The tags are derived from the rest, but name them so a change of the
            # derivation never reuses an answer.
            parts.append(hashlib.sha256(" ".join(map(str, self.tags)).encode()).hexdigest())
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@functools.cache
def _tag_set(tags: tuple[Tag, ...]) -> frozenset[Tag]:
    return frozenset(tags)


@functools.cache
def _current() -> Target:
    return Target(_running_python(), _current_tags(), running=True)
