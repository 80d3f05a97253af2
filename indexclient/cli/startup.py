"""Start-up work that the command's own process can skip.

Importing ``aiohttp.connector`` builds two SSL contexts at module level and loads the
system's CA certificates into each: tens of milliseconds on a system with a full bundle,
paid by every run that goes to the network. indexclient never uses those contexts:
:class:`~indexclient.transport.connector.TrustConnector` gives every connection the
context of its trust source (docs/trust.md). So when the command owns the process,
:func:`skip_aiohttp_default_certificates` has that one module executed with the loading of
default certificates turned off. The two contexts then hold no CA: were one ever used, no
certificate would verify (it fails closed, never open).

Only the script does this (``run(..., whole_process=True)``): a program that embeds
indexclient keeps aiohttp as it is, since it may use aiohttp's defaults itself.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec
    from types import ModuleType

__all__ = ["skip_aiohttp_default_certificates"]

_MODULE = "aiohttp.connector"
# The methods through which an SSLContext loads the system's certificates:
# create_default_context calls load_default_certs, which calls set_default_verify_paths
# (aiohttp's unverified context calls the latter directly).
_LOADERS = ("load_default_certs", "set_default_verify_paths")


def skip_aiohttp_default_certificates() -> None:
    """Have ``aiohttp.connector``, when it is first imported, build its default SSL
    contexts without loading any certificate (see the module's docstring). Nothing
    happens if it is imported already."""
    if _MODULE in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())


# The finder and loader are the protocols' duck types: importlib.abc would import
# importlib.resources, tens of milliseconds more for every command.
class _Finder:
    """Finds ``aiohttp.connector`` through the other finders, wrapping its loader."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname != _MODULE:
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)  # one module, once
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = None if find is None else find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if hasattr(loader, "create_module") and hasattr(loader, "exec_module"):
            spec.loader = cast("Loader", _Loader(loader))
        return spec


class _Loader:
    """Executes a module with the loading of default certificates turned off."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._inner.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        # The switch is process-wide for the time of the import: with another thread
        # running, it could see it, so the module is then imported as it is.
        if threading.active_count() != 1:
            self._inner.exec_module(module)
            return
        with _no_default_certificates():
            self._inner.exec_module(module)


@contextlib.contextmanager
def _no_default_certificates() -> Iterator[None]:
    import ssl  # here: commands that make no connection do not import it

    cls = ssl.SSLContext
    # Only methods the class defines itself are put back; inherited ones (from the C
    # base class) are uncovered again by deleting the stand-in.
    own = {name: cls.__dict__[name] for name in _LOADERS if name in cls.__dict__}
    for name in _LOADERS:
        setattr(cls, name, _load_nothing)
    try:
        yield
    finally:
        for name in _LOADERS:
            if name in own:
                setattr(cls, name, own[name])
            else:
                delattr(cls, name)


def _load_nothing(self: object, *args: object, **kwargs: object) -> None:
    """Load no certificate."""
