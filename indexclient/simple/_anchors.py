"""A dedicated tokenizer for PEP 503 pages: anchors, ``<base href>`` and ``<meta>``.

It gives exactly what :class:`html.parser.HTMLParser` gives for these three tags, over
the markup real indexes write, with compiled regular expressions run over the whole
text instead of the stdlib parser's per-construct Python calls (about 3x faster on
large pages). It accepts only a strict subset of HTML, on which every supported
Python's ``html.parser`` agrees (3.10's, and the HTML5-conformant rewrite of later
patch releases alike); on anything outside it :func:`scan` returns ``None`` and the
caller parses the page with the stdlib, so no page's result depends on this module.

The subset, and what leaves it (the page then goes to the stdlib parser):

* Start tags ``<name attr attr=value ...>`` or ``.../>``: ASCII names
  (``[a-zA-Z][-.:_a-zA-Z0-9]*``), attributes separated by HTML whitespace (space, tab,
  LF, CR, FF), values in ``"``, ``'`` or unquoted without whitespace or ``"'<>```
  and not starting with ``=``.
  Names are lower-cased, values have character references decoded once
  (:func:`html.unescape`), a repeated attribute keeps its first value. Leaving: any
  other shape (``a="x"b``, ``a==b``, ``a= >``, stray ``/``, odd whitespace such as
  ``\\v`` or U+00A0 inside a tag, an unterminated tag).
* End tags ``</name>``, optionally with whitespace before ``>``. Leaving: ``</ a>``,
  ``</a x>``, ``</>``, ``</3>`` (the stdlib versions disagree on these).
* Comments ``<!-- ... -->`` whose text holds no ``--``, does not start with ``>`` or
  ``->`` and does not end with ``-``; ``<!DOCTYPE ...>``; ``<? ... >``. Leaving:
  ``<![CDATA[``, other ``<!`` declarations, comments outside that shape.
* ``<script>`` and ``<style>`` hold raw text up to their end tag, written ``</script>``
  (any case, whitespace before ``>``), with nothing before it that some stdlib version
  could take for one (``</ script>``, ``</script/>``); ``<title>`` and ``<textarea>``
  hold text without any ``<``. Leaving: ``<!--`` inside a script or style, other
  content of those four, a self-closing one, and ``<xmp>``,
  ``<iframe>``, ``<noembed>``, ``<noframes>``, ``<plaintext>``, ``<svg>``, ``<math>``
  (newer parsers give these special content).
* Text: any, split into chunks at markup and decoded with :func:`html.unescape` chunk
  by chunk, as the stdlib does. A ``<`` not followed by a letter, ``/``, ``!`` or ``?``
  is text. Leaving: a NUL anywhere, a ``<`` as the last character.
* Character references in attribute values: newer parsers decode a named reference
  in a value only when it is exact and not followed by ``=`` (HTML5), older ones as
  :func:`html.unescape` does; a value where the two differ (``&notit;``, ``&copy=``,
  ``&ampx``) leaves the subset. Query strings such as ``?a=1&b=2`` do not.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import unescape
from html.entities import html5

Attrs = dict[str, "str | None"]


class Tokens:
    """What a page's markup says: anchors (attributes and text), metas, the base."""

    __slots__ = ("anchors", "base_href", "metas")

    def __init__(
        self,
        anchors: list[tuple[Attrs, str]],
        metas: list[tuple[str, str]],
        base_href: str | None,
    ) -> None:
        self.anchors = anchors
        self.metas = metas
        self.base_href = base_href


# HTML whitespace. Python's \s also matches \v, \x1c-\x1f and Unicode spaces, which
# the stdlib parsers treat differently from version to version: a tag holding one
# does not match these patterns, and the page leaves the fast path.
_WS = r"[ \t\n\r\f]"
_TAG_NAME = r"[a-zA-Z][-.:_a-zA-Z0-9]*"
_ATTR_NAME = r"[a-zA-Z_:][-.:_a-zA-Z0-9]*"
# Unquoted: no whitespace of any kind (\s: what the older stdlib stops at), none of
# "'<>` (HTML5 parse errors), and no "=" first (the older stdlib reads a==b as a=b).
_UNQUOTED = r"[^\s\"'<=>`][^\s\"'<>`]*"
_VALUE = rf"(?:\"[^\"]*\"|'[^']*'|{_UNQUOTED})"
_ATTR = rf"{_WS}+{_ATTR_NAME}(?:{_WS}*={_WS}*{_VALUE})?"

# One match per piece of markup. Groups 1-2: a whole anchor whose text holds no markup
# (attributes, text), the usual shape; group 3: another anchor's attributes; group 4:
# an anchor's end tag; groups 5-7: another start tag (name, attributes, "/" if
# self-closing); no group: a <br> without attributes (between anchors on most pages:
# skipped as the start-tag branch would), another end tag, a comment, doctype or
# processing instruction, all skipped; group 8: markup outside the subset. Anchors
# come first: they are most of a page.
_MARKUP = re.compile(
    rf"<(?:[aA]((?:{_ATTR})*){_WS}*/?>([^<]*)</[aA]{_WS}*>"
    rf"|[aA]((?:{_ATTR})*){_WS}*/?>"
    rf"|/[aA]{_WS}*()>"
    rf"|[bB][rR]{_WS}*/?>"
    rf"|({_TAG_NAME})((?:{_ATTR})*){_WS}*(/?)>"
    rf"|/{_TAG_NAME}{_WS}*>"
    r"|!--(?!-?>)[^-]*(?:-[^-]+)*-->"
    r"|![dD][oO][cC][tT][yY][pP][eE][^>]*>"
    r"|\?[^>]*>"
    r"|()(?:[a-zA-Z/!?]|\Z))"
)
_WHOLE_ANCHOR, _ANCHOR, _ANCHOR_END, _START, _OTHER = 2, 3, 4, 7, 8

_ATTR_FIND = re.compile(
    rf"{_WS}+({_ATTR_NAME})(?:{_WS}*(=){_WS}*(?:\"([^\"]*)\"|'([^']*)'|({_UNQUOTED})))?"
)

# The attributes of most tags on most pages: a subset of _ATTR_FIND's matches.
_PLAIN_ATTR = re.compile(rf'{_WS}+([a-z_:][-.:_a-z0-9]*)="([^"]*)"')
_PLAIN_ATTRS = re.compile(rf'(?:{_WS}+[a-z_:][-.:_a-z0-9]*="[^"]*")*')

# Elements whose content is not markup. script and style: raw text in every version;
# title and textarea: text with references decoded (newer versions) or ordinary
# content (older ones), the same when it holds no "<".
_RAW_TEXT = frozenset({"script", "style"})
_PLAIN_TEXT = frozenset({"title", "textarea"})
_TEXT_ONLY = _RAW_TEXT | _PLAIN_TEXT
# Elements newer parsers give special content (raw text, foreign content) and older
# ones do not: a page using one is left to the stdlib parser.
_SPECIAL = frozenset({"xmp", "iframe", "noembed", "noframes", "plaintext", "svg", "math"})
_END_TAG = {name: re.compile(rf"</{name}{_WS}*>", re.IGNORECASE | re.ASCII) for name in _TEXT_ONLY}
# Where a script or style may end, for any stdlib version: older ones end it at
# `</\s*script\s*>` (Unicode case folding: "\u017f" matches "s"), newer ones at
# `</script` before whitespace, "/" or ">". Both are matches of this; the first match
# must be a plain end tag (_END_TAG), which both versions then end the element at.
_END_CANDIDATE = {name: re.compile(rf"</\s*{name}", re.IGNORECASE) for name in _RAW_TEXT}

# Named references in attribute values: the name (letters and digits) and the next
# character, if any.
_NAMED_REF = re.compile(r"&([a-zA-Z][a-zA-Z0-9]*)(.?)", re.DOTALL)
# Names html.unescape decodes without a ';' (the HTML5 "legacy" entities).
_LEGACY = frozenset(name for name in html5 if not name.endswith(";"))
_LONGEST_LEGACY = max(map(len, _LEGACY))


def scan(text: str) -> Tokens | None:  # noqa: PLR0915 - one loop, for speed
    """Tokenize a decoded page, or ``None`` when it leaves the subset this module
    handles (the module docstring lists it): the caller then uses the stdlib parser."""
    if "\x00" in text:
        return None
    anchors: list[tuple[Attrs, str]] = []
    metas: list[tuple[str, str]] = []
    base_href: str | None = None
    anchor: Attrs | None = None
    pieces: list[str] = []  # the open anchor's text, decoded chunk by chunk
    pos = 0
    restart = True
    while restart:
        restart = False
        for m in _MARKUP.finditer(text, pos):
            if anchor is not None and m.start() > pos:
                pieces.append(unescape(text[pos : m.start()]))
            pos = m.end()
            kind = m.lastindex
            if kind is None:
                continue
            if kind in (_WHOLE_ANCHOR, _ANCHOR):
                attrs = _attributes(m.group(1) if kind == _WHOLE_ANCHOR else m.group(3))
                if attrs is None:
                    return None
                # An <a> inside an open <a> closes it (HTML "adoption agency" rule).
                if anchor is not None:
                    anchors.append((anchor, "".join(pieces).strip()))
                    pieces = []
                if kind == _WHOLE_ANCHOR:
                    anchors.append((attrs, unescape(m.group(2)).strip()))
                    anchor = None
                else:
                    anchor = attrs
            elif kind == _ANCHOR_END:
                if anchor is not None:
                    anchors.append((anchor, "".join(pieces).strip()))
                    anchor = None
                    pieces = []
            elif kind == _START:
                tag = m.group(5).lower()
                if tag == "meta" or tag == "base":  # noqa: PLR1714 - faster than a set here
                    attrs = _attributes(m.group(6))
                    if attrs is None:
                        return None
                    if tag == "meta":
                        name, content = attrs.get("name"), attrs.get("content")
                        if name is not None and content is not None:
                            metas.append((name.strip().lower(), content))
                    elif base_href is None:
                        # HTML: the document base URL comes from the first <base> with
                        # an href.
                        base_href = attrs.get("href")
                elif tag in _TEXT_ONLY:
                    if m.group(7):
                        return None  # <script/>: versions disagree on whether it opens
                    pos = _skip_text(text, pos, tag, pieces if anchor is not None else None)
                    if pos < 0:
                        return None
                    restart = True  # go on after the end tag
                    break
                elif tag in _SPECIAL:
                    return None
            else:
                return None
    if anchor is not None:
        if pos < len(text):
            pieces.append(unescape(text[pos:]))
        anchors.append((anchor, "".join(pieces).strip()))
    return Tokens(anchors, metas, base_href)


def _skip_text(text: str, pos: int, tag: str, pieces: list[str] | None) -> int:
    """Skip the content of a script, style, title or textarea starting at ``pos`` and its
    end tag; return the position after it, or -1 when the content leaves the subset.
    ``pieces`` (the open anchor's text, if any) receives the content as the stdlib gives
    it: raw for script and style, decoded for the others."""
    raw = tag in _RAW_TEXT
    if raw:
        candidate = _END_CANDIDATE[tag].search(text, pos)
        close = -1 if candidate is None else candidate.start()
    else:
        close = text.find("<", pos)
    end = _END_TAG[tag].match(text, close) if close >= 0 else None
    if end is None or (raw and "<!--" in text[pos:close]):
        return -1
    if pieces is not None and close > pos:
        pieces.append(text[pos:close] if raw else unescape(text[pos:close]))
    return end.end()


def _attributes(source: str) -> Attrs | None:
    """The attributes of a start tag (its text after the name); ``None`` when a value's
    character references would decode differently between stdlib versions."""
    # reversed: for a repeated attribute the first one counts (HTML), as in the stdlib
    # scanner's dict(reversed(attrs)).
    attrs: Attrs
    if _PLAIN_ATTRS.fullmatch(source):
        # What indexes write: lower-case names, double-quoted values. _ATTR_FIND finds
        # the same names and values there; dict() builds them without a Python loop.
        attrs = dict(reversed(_PLAIN_ATTR.findall(source)))
    else:
        attrs = {
            name.lower(): (double or single or bare) if equals else None
            for name, equals, double, single, bare in reversed(_ATTR_FIND.findall(source))
        }
    if "&" in source:
        for name, value in attrs.items():
            if value and "&" in value:
                decoded = _decoded_value(value)
                if decoded is None:
                    return None
                attrs[name] = decoded
    return attrs


@lru_cache(maxsize=256)
def _decoded_value(value: str) -> str | None:
    """An attribute value with its character references decoded, or ``None`` when the
    stdlib versions would decode them differently. Cached: pages repeat the same few
    (``data-requires-python="&gt;=3.8"`` on every file of a release)."""
    return unescape(value) if _references_agree(value) else None


def _references_agree(value: str) -> bool:
    """Whether every named reference in ``value`` decodes the same under HTML5's
    attribute rule (newer stdlib parsers) and :func:`html.unescape` (older ones)."""
    for name, following in _NAMED_REF.findall(value):
        prefixed = any(
            name[:size] in _LEGACY for size in range(2, min(len(name), _LONGEST_LEGACY) + 1)
        )
        if not prefixed:
            continue  # neither decodes it, or both decode "name;" exactly
        if following == ";":
            if name + ";" not in html5:
                return False
        elif following == "=" or name not in _LEGACY:
            return False
    return True
