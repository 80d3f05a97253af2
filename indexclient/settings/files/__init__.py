"""uv-compatible configuration files: discover, read, validate and write them.

Which files are read (:func:`discover`), highest precedence first:

1. **project**: the nearest ``uv.toml``, or ``pyproject.toml`` with a ``[tool.uv]`` table,
   in ``cwd`` or one of its parents. In one directory ``uv.toml`` wins (a ``[tool.uv]``
   table beside it is ignored, with a warning, as uv does). A ``pyproject.toml`` without
   ``[tool.uv]`` does not count: the search goes on upward. The search stops at the first
   directory that has either. (uv starts a workspace member's search at the workspace
   root; indexclient has no notion of workspaces and starts at ``cwd``.)
2. **user**: ``$XDG_CONFIG_HOME/uv/uv.toml`` (an absolute ``XDG_CONFIG_HOME`` only), else
   ``$HOME/.config/uv/uv.toml``; ``%APPDATA%\\uv\\uv.toml`` on Windows. Only the ``HOME``
   of ``environ`` is used: without it (and without ``XDG_CONFIG_HOME``) there is no user
   file.
3. **system**: the first existing ``DIR/uv/uv.toml`` for ``DIR`` in the colon-separated
   ``XDG_CONFIG_DIRS`` (``/etc/xdg`` when unset or empty; the list ends at its first
   empty entry), else ``/etc/uv/uv.toml``; ``%SYSTEMDRIVE%\\ProgramData\\uv\\uv.toml`` on
   Windows.

``--config-file PATH`` (``config_file=``, or ``UV_CONFIG_FILE`` when the argument is not
given) is used **in place of every discovered file: project, user and system alike**.
This is what uv does (its documentation: "this file will be used in place of any
discovered configuration files (e.g., user-level configuration will be ignored)"), so
a ``--config-file`` means the same thing to uv and to indexclient. The file is read as a
``uv.toml`` whatever its name (a ``pyproject.toml`` gets a warning, as in uv). A relative
path is taken relative to ``cwd``. A missing explicit file is a problem.

``--no-config`` (``no_config=True``) or a true ``UV_NO_CONFIG`` disables discovery: no
project, user or system file is read. An explicit ``--config-file`` still applies (uv
checks it first). ``no_config=False`` means "the flag was not given", so ``UV_NO_CONFIG``
is then consulted; a value that is not one of uv's boolean words is a problem (reported
with the files' problems, which are still read so that every problem shows at once).

Keys read, at the top level of ``uv.toml`` or under ``[tool.uv]`` of ``pyproject.toml``:
``system-certs`` (bool), ``native-tls`` (bool, deprecated alias of ``system-certs``: a
warning; ``system-certs`` wins when a file has both), ``allow-insecure-host`` (list of
strings, each checked with :func:`~indexclient.tls.hosts.parse_insecure_host`),
``index-url`` (URL string), ``extra-index-url`` (list of URL strings), ``[[index]]``
tables (``url`` required; ``name``, ``default``, ``explicit``, ``format``,
``authenticate``, ``ignore-error-codes``, ``cache-control`` optional, with uv's
meanings; at most one ``default = true`` per file), ``find-links`` (list of URLs or
paths, a relative path taken from the file's directory as uv takes it), ``no-index``
(bool), ``index-strategy`` and ``keyring-provider`` (uv's words), ``no-cache`` (bool),
``no-sources`` (bool), ``no-sources-package`` (list of names),
``concurrent-downloads`` (positive integer), ``offline`` (bool), and the target's keys
(:class:`~indexclient.Target`, as ``uv pip compile`` reads them): ``prerelease`` and
``exclude-newer`` (a date, a timestamp, a duration such as ``3 days``, or ``false``),
``no-binary`` (bool) and ``no-binary-package`` (names), each value checked with the
function ``Target`` uses. Index URLs must be
``http``, ``https`` (with a host) or ``file`` URLs. Every other key uv knows is
handled as ``_keys`` says: refused by name when it changes which index, version or file
uv would use and indexclient does not do it, a warning for the proxy keys, ignored
quietly when it does not matter to an index client; keys uv does not know are ignored.

The ``[pip]`` sub-table (``[tool.uv.pip]``): the index keys above (``index``,
``index-url``, ``extra-index-url``, ``find-links``, ``no-index``, ``index-strategy``,
``keyring-provider``, ``no-sources``, ``no-sources-package``), ``prerelease``,
``exclude-newer``, ``allow-insecure-host``, ``system-certs`` and ``native-tls`` are read
there too, as a fallback (``python-version``, ``python-platform``, ``only-binary`` and
the list ``no-binary`` are read from ``[pip]`` only, where uv reads them): for a single
value ``[pip]`` wins over the top level; the lists are concatenated, ``[pip]``'s first.
That is how ``uv pip compile`` reads them (checked by running uv 0.13.9: a ``[pip]``
``index-url`` wins, and ``[pip]``'s ``extra-index-url`` is searched before the top
level's); indexclient answers what ``uv pip`` would.

Every problem of every file (wrong types and values, unparsable TOML, unreadable files)
is collected and returned in :attr:`Discovery.problems`; the caller raises one
:class:`~indexclient.errors.ConfigurationError`. Each problem names the file and the key,
e.g. ``allow-insecure-host in /p/uv.toml: expected a list of strings, got an integer``. A
string shown in a problem has the userinfo of its URLs hidden
(:func:`indexclient.urls.redact_url`).

Reading is safe whatever sits at a path (docs/security.md, "Files you name"): every file
is read with :func:`indexclient.userfiles.read_user_file`, so it must be a regular file
(after symlinks) of at most :data:`indexclient.userfiles.MAX_CONFIG_FILE` bytes (4 MiB).
A FIFO, a device, a directory or a larger file where a file is looked for (project, user
or system location) or named (``--config-file``, ``UV_CONFIG_FILE``) is a problem naming
the file (and the flag or variable), never a silent skip, a hang or a memory blow-up;
only a missing path (or a dangling symlink) counts as no file. The text must be UTF-8
(the problem gives the line of the first bad byte), and its shape is checked before
tomllib parses it: at most ``MAX_NESTING`` (64) levels of nested arrays and inline tables
and ``MAX_KEY_PARTS`` (64) dotted parts in a key or table name (``_toml_scan``; tomllib's
cost grows with the square of the parts, and it recurses once per level). Every failure
is one problem, never a ``RecursionError``.

:func:`merged` combines files as uv does: for a single value the first file (in
precedence order) that defines it wins; ``allow-insecure-host`` is the union of all
files, each entry keeping its origin; ``extra-index-url``, ``find-links``,
``no-sources-package`` and ``[[index]]`` lists are concatenated, the project's entries
first (so a user file's ``[[index]]`` with ``default = true`` wins over a project
file's ``index-url``, as in uv).

Writing (:func:`set_value`, for ``config set KEY VALUE``): the value is validated first
(nothing is written when it is invalid). Then, holding an exclusive lock on
``.NAME.lock`` beside the file (so that concurrent runs lose no update; a run waits at
most ``_lock.LOCK_TIMEOUT``, 10 seconds), the file is read (safely, as above), only the
new value is rendered with ``tomli_w`` and spliced into the original text, the result is
parsed and compared with the intended document, and only then does it replace the file
atomically (a temporary file in the same directory, then :func:`os.replace`). **Comments,
order and formatting of everything else are kept**, and so are the line endings
(``\\n`` or ``\\r\\n``) and the file's mode. An existing key's value is replaced in place
(a comment after it stays); a new key goes after the last key of its table (for a
``uv.toml`` with no top-level key, above the first table header and its comments). For
``pyproject.toml`` the key goes under ``[tool.uv]``, a table added at the end of the file
when missing. Setting a list key (``allow-insecure-host``, ``extra-index-url``)
*appends* the given entries (comma- or whitespace-separated) to the list already in the
file, skipping entries already there; the array keeps its items, comments and layout
(one item a line when it spans several lines). ``config set`` refuses, leaving the file
as it was: a ``tool.uv`` defined by dotted keys (``tool.uv.offline = true``) or an inline
table (``tool = {uv = {...}}``), a key written as a table, a file that is not a readable
regular file of valid TOML within the limits, a result that would not read back as
intended or would exceed ``MAX_CONFIG_FILE``, and a lock held by another run for too long.

Nothing here touches the network or process-wide state: ``cwd`` and ``environ`` are
always passed in.
"""

from typing import TYPE_CHECKING

from indexclient._lazy import lazy_attributes
from indexclient.settings.files._discover import discover, project_config_path, user_config_path
from indexclient.settings.files._model import (
    ETC_UV_TOML,
    READ_KEYS,
    SETTABLE_KEYS,
    ConfigFile,
    Discovery,
    FileValues,
    IndexEntry,
    Scope,
    merged,
)
from indexclient.settings.files._read import read_file, read_index_tables
from indexclient.settings.files._toml import load_toml

if TYPE_CHECKING:
    from indexclient.settings.files._write import set_value

__all__ = [
    "ETC_UV_TOML",
    "READ_KEYS",
    "SETTABLE_KEYS",
    "ConfigFile",
    "Discovery",
    "FileValues",
    "IndexEntry",
    "Scope",
    "discover",
    "load_toml",
    "merged",
    "project_config_path",
    "read_file",
    "read_index_tables",
    "set_value",
    "user_config_path",
]


if not TYPE_CHECKING:
    # Writing (tomli-w) is for `config set` only; reading settings never loads it.
    __getattr__ = lazy_attributes(
        __name__, {"set_value": "indexclient.settings.files._write"}, globals()
    )
