"""Real, deterministic pure-Python wheels built in memory, for tests that need files to serve.

:func:`build_wheel` is what :func:`indexclient.testing.index.tiny_wheel` builds with; the
same arguments always give byte-identical wheels (fixed zip timestamps, payload bytes from a
seeded generator), so digests stay stable across runs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import random
import zipfile
from collections.abc import Iterable

from packaging.utils import canonicalize_name

__all__ = ["build_wheel"]

_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def _b64_digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    payload_size: int = 0,
    summary: str = "A generated package served by a static index",
) -> tuple[str, bytes, bytes]:
    """A real pure-Python wheel: ``(filename, wheel bytes, METADATA bytes)``.

    ``payload_size`` adds a stored (uncompressed) file of that many pseudo-random bytes
    *before* the ``.dist-info`` entries, as real wheels order them, so that the metadata
    sits near the end of a large file: reading it with range requests then costs a small
    fraction of the file.
    """
    dist = canonicalize_name(name).replace("-", "_")
    lines = ["Metadata-Version: 2.2", f"Name: {name}", f"Version: {version}"]
    lines.append(f"Summary: {summary}")
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {r}" for r in requires_dist]
    metadata = ("\n".join(lines) + "\n").encode()
    info = f"{dist}-{version}.dist-info"
    files: dict[str, tuple[bytes, int]] = {
        f"{dist}/__init__.py": (f'"""{name} {version}"""\n'.encode(), zipfile.ZIP_DEFLATED),
    }
    if payload_size:
        # Seeded, so the same arguments always build the same wheel; random, so it does
        # not compress and the file really is payload_size bytes larger.
        seed = int.from_bytes(hashlib.sha256(f"{name}=={version}".encode()).digest()[:8], "big")
        payload = random.Random(seed).randbytes(payload_size)  # noqa: S311 - not for security
        files[f"{dist}/_payload.bin"] = (payload, zipfile.ZIP_STORED)
    files[f"{info}/METADATA"] = (metadata, zipfile.ZIP_DEFLATED)
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: indexclient.testing.wheels\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
        zipfile.ZIP_DEFLATED,
    )
    record = "".join(
        f"{path},sha256={_b64_digest(data)},{len(data)}\n" for path, (data, _) in files.items()
    )
    record += f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = (record.encode(), zipfile.ZIP_DEFLATED)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, (data, method) in files.items():
            entry = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            entry.compress_type = method
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return f"{dist}-{version}-py3-none-any.whl", buffer.getvalue(), metadata
