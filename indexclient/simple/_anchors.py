"""A dedicated tokenizer for PEP 503 pages: anchors, ``<base href>`` and ``<meta>``.

It gives exactly what :class:`html.parser.HTMLParser` gives for these three tags, over
the markup real indexes write, with compiled regular expressions run over the whole
text instead of the stdlib parser's per-construct Python calls. A run of anchors in the
shape indexes write (``<a href="..." name="...">text</a>``, then at most a ``<br>``) is
read in bulk, and its anchors' attributes are read only when asked for
(:func:`attributes`): on a page of thousands of files, over 10x the stdlib's speed.
It accepts only a strict subset of HTML, on which every supported Python's
``html.parser`` agrees (3.10's, and the HTML5-conformant rewrite of later patch
releases alike); on anything outside it :func:`scan` returns ``None`` and the caller
parses the page with the stdlib, so no page's result depends on this module.

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
from collections.abc import Sequence
from functools import lru_cache
from html import unescape
from html.entities import html5

Attrs = dict[str, "str | None"]


class Tokens:
    """What a page's markup says: anchors, metas, the base.

    The anchors, in page order, are three parallel lists: ``hrefs`` (the decoded href,
    None without one), ``texts``, and ``attrs``: each anchor's attributes, or the source
    text they are read from when needed (:func:`attributes`). ``provenance``: whether
    some anchor has a ``data-provenance`` attribute; the attributes of every such anchor
    are read. ``anchors`` gives (attributes, text) pairs, every attribute read.
    """

    __slots__ = ("attrs", "base_href", "hrefs", "metas", "provenance", "texts")

    def __init__(  # noqa: PLR0917
        self,
        hrefs: list[str | None],
        texts: list[str],
        attrs: list[Attrs | str],
        metas: list[tuple[str, str]],
        base_href: str | None,
        provenance: bool,
    ) -> None:
        self.hrefs = hrefs
        self.texts = texts
        self.attrs = attrs
        self.metas = metas
        self.base_href = base_href
        self.provenance = provenance

    @classmethod
    def of_anchors(
        cls, anchors: list[tuple[Attrs, str]], metas: list[tuple[str, str]], base_href: str | None
    ) -> Tokens:
        """Tokens from anchors whose attributes are all read (the stdlib scanner's)."""
        return cls(
            [attrs.get("href") for attrs, _ in anchors],
            [text for _, text in anchors],
            [attrs for attrs, _ in anchors],
            metas,
            base_href,
            any("data-provenance" in attrs for attrs, _ in anchors),
        )

    @property
    def anchors(self) -> list[tuple[Attrs, str]]:
        """Each anchor's attributes and text, in page order."""
        return list(zip(map(attributes, self.attrs), self.texts, strict=True))


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

# A run of anchors in the shape indexes write, one after another: "<a", the href
# first, lower-case names, double-quoted values, text without markup, "</a>", then at
# most a <br> and text before the next. Read in bulk: one match per run, then
# _RUN_ANCHOR finds its anchors (each a match of the whole-anchor branch below too).
_PLAIN_MORE_ATTRS = rf'(?:{_WS}+[a-z_:][-.:_a-z0-9]*="[^"]*")*'
_RUN_ITEM = rf'a{_WS}+href="[^"]*"{_PLAIN_MORE_ATTRS}>[^<]*</a>(?:<br{_WS}*/?>)?[^<]*'
_RUN_ANCHOR = re.compile(rf'<a({_WS}+href="([^"]*)"{_PLAIN_MORE_ATTRS})>([^<]*)</a>')

# One match per piece of markup. Group 1: a run of anchors of the usual shape (above);
# groups 2-3: another whole anchor whose text holds no markup (attributes, text);
# group 4: another anchor's attributes; group 5: an anchor's end tag; groups 6-8:
# another start tag (name, attributes, "/" if self-closing); no group: a <br> without
# attributes (between anchors on most pages: skipped as the start-tag branch would),
# another end tag, a comment, doctype or processing instruction, all skipped; group 9:
# markup outside the subset. Anchors come first: they are most of a page.
_MARKUP = re.compile(
    rf"<(?:({_RUN_ITEM}(?:<{_RUN_ITEM})*)"
    rf"|[aA]((?:{_ATTR})*){_WS}*/?>([^<]*)</[aA]{_WS}*>"
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
_RUN, _WHOLE_ANCHOR, _ANCHOR, _ANCHOR_END, _START, _OTHER = 1, 3, 4, 5, 8, 9

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
# character, if any; but for those every version decodes alike and values hold most
# (&gt; in every data-requires-python), which the search steps over without a match
# (the next search starts where it would after matching them: they end with ";").
_NAMED_REF = re.compile(r"&(?!(?:gt|lt|amp|quot);)([a-zA-Z][a-zA-Z0-9]*)(.?)", re.DOTALL)
# Names html.unescape decodes without a ';' (the HTML5 "legacy" entities).
_LEGACY = frozenset(name for name in html5 if not name.endswith(";"))
_LONGEST_LEGACY = max(map(len, _LEGACY))


def scan(text: str) -> Tokens | None:  # noqa: PLR0915 - one loop, for speed
    """Tokenize a decoded page, or ``None`` when it leaves the subset this module
    handles (the module docstring lists it): the caller then uses the stdlib parser."""
    if "\x00" in text:
        return None
    hrefs: list[str | None] = []
    texts: list[str] = []
    values: list[Attrs | str] = []
    provenance = False
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
            if kind <= _ANCHOR:  # a run, a whole anchor or an anchor's start tag
                # An <a> inside an open <a> closes it (HTML "adoption agency" rule).
                if anchor is not None:
                    hrefs.append(anchor.get("href"))
                    texts.append("".join(pieces).strip())
                    values.append(anchor)
                    anchor = None
                    pieces = []
                if kind == _RUN:
                    run = _run(text, m.start(), pos)
                    if run is None:
                        return None
                    hrefs += run[0]
                    texts += run[1]
                    values += run[2]
                    provenance = provenance or run[3]
                    continue
                attrs = _attributes(m.group(2) if kind == _WHOLE_ANCHOR else m.group(4))
                if attrs is None:
                    return None
                provenance = provenance or "data-provenance" in attrs
                if kind == _WHOLE_ANCHOR:
                    hrefs.append(attrs.get("href"))
                    texts.append(unescape(m.group(3)).strip())
                    values.append(attrs)
                else:
                    anchor = attrs
            elif kind == _ANCHOR_END:
                if anchor is not None:
                    hrefs.append(anchor.get("href"))
                    texts.append("".join(pieces).strip())
                    values.append(anchor)
                    anchor = None
                    pieces = []
            elif kind == _START:
                tag = m.group(6).lower()
                if tag == "meta" or tag == "base":  # noqa: PLR1714 - faster than a set here
                    attrs = _attributes(m.group(7))
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
                    if m.group(8):
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
        hrefs.append(anchor.get("href"))
        texts.append("".join(pieces).strip())
        values.append(anchor)
    return Tokens(hrefs, texts, values, metas, base_href, provenance)


def _run(
    text: str, start: int, end: int
) -> tuple[Sequence[str], Sequence[str], Sequence[Attrs | str], bool] | None:
    """The anchors of a run (see _RUN_ITEM) in ``text[start:end]``: hrefs, texts and
    attributes, left unread (:func:`attributes` reads them) but for anchors with a
    ``data-provenance``, and whether there are any. ``None`` when a value's character
    references would decode differently between stdlib versions.

    Everything here is done for the whole run at once: one pass of _RUN_ANCHOR, and
    a check of all attribute values' references over their joined sources (no
    character of a source but a value's is "&", ";" or "="; a reference at a value's
    end is followed by its quote, which counts as nothing following would)."""
    sources, hrefs, texts = zip(*_RUN_ANCHOR.findall(text, start, end), strict=True)
    joined = "\x00".join(sources)
    values: Sequence[Attrs | str] = sources
    if "&" in joined:
        if not _references_agree(joined):
            return None
        hrefs = tuple([_decoded(h) if "&" in h else h for h in hrefs])
    provenance = "data-provenance" in joined
    if provenance:
        # PEP 740 links are checked with the page (_html._HtmlFiles.checked): their
        # anchors' attributes are read now.
        values = [_read(s) if "data-provenance" in s else s for s in sources]
        provenance = any(isinstance(v, dict) and "data-provenance" in v for v in values)
    if "&" in "\x00".join(texts):
        texts = tuple([unescape(t).strip() for t in texts])
    else:
        texts = tuple(map(str.strip, texts))
    return hrefs, texts, values, provenance


def attributes(attrs: Attrs | str) -> Attrs:
    """A :data:`Link`'s attributes, read from their source if :func:`scan` left them
    unread (which it does only after checking that they read the same everywhere)."""
    return attrs if isinstance(attrs, dict) else _read(attrs)


def _read(source: str) -> Attrs:
    attrs = _attributes(source)
    if attrs is None:  # pragma: no cover - scan checked the references of the run
        raise AssertionError(f"attributes read differently by stdlib versions: {source!r}")
    return attrs


def _decoded(value: str) -> str:
    decoded = _decoded_value(value)
    if decoded is None:  # pragma: no cover - scan checked the references of the run
        raise AssertionError(f"a value read differently by stdlib versions: {value!r}")
    return decoded


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
    return all(
        _reference_agrees(name, following) for name, following in set(_NAMED_REF.findall(value))
    )


def _reference_agrees(name: str, following: str) -> bool:
    """Whether the named reference ``&name`` followed by ``following`` (a character, or
    "" at the end of the value) decodes the same under both rules."""
    prefixed = any(name[:size] in _LEGACY for size in range(2, min(len(name), _LONGEST_LEGACY) + 1))
    if not prefixed:
        return True  # neither decodes it, or both decode "name;" exactly
    if following == ";":
        return name + ";" in html5
    return following != "=" and name in _LEGACY
