"""PEP 503 HTML pages: decoding, tokenizing, and building models.

Only ``<a>``, ``<base>`` and ``<meta>`` matter; the rest is skipped. Tag and attribute
names are lower-cased, character references in text and attribute values decoded
exactly once, a repeated attribute keeps its first value. The dedicated tokenizer in
:mod:`indexclient.simple._anchors` reads the markup indexes write; a page outside what
it handles is tokenized by the stdlib :class:`html.parser.HTMLParser` (:func:`stdlib_scan`),
which defines the results: the two agree on every page the fast one accepts.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from typing import NamedTuple, cast

from packaging.utils import canonicalize_name

from indexclient.errors import ParseError
from indexclient.simple._anchors import Attrs, Tokens, attributes, scan
from indexclient.simple._common import (
    Resolver,
    join_url,
    last_segment,
    parse_hash_fragment,
    project_name_from_url,
)
from indexclient.simple.models import (
    EMPTY_HASHES,
    DistributionFile,
    FrozenDict,
    IndexPage,
    Meta,
    PageFiles,
    ProjectLink,
    ProjectPage,
    lazy_project_page,
    new_distribution_file,
)

# Byte order marks in the order the WHATWG encoding standard checks them.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# A simplified WHATWG prescan: <meta charset=x> or <meta http-equiv=... content="...;
# charset=x"> within the first 1024 bytes.
_META_CHARSET = re.compile(
    rb"<meta\s[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:+-]+)", re.IGNORECASE
)
_PRESCAN_BYTES = 1024
# A truncated document leaves an unfinished tag, comment or declaration behind.
_UNFINISHED_MARKUP = re.compile(r"\s*<[A-Za-z/!?]")


def decode(content: bytes, charset: str | None, url: str) -> str:
    """Decode an HTML page, choosing the encoding as the WHATWG standard does.

    A BOM wins over the Content-Type ``charset`` (a BOM is the stronger evidence),
    then comes the ``charset``, then a ``<meta>`` declaration, then UTF-8. Labels
    Python does not know are ignored, as browsers ignore them.
    """
    encoding: str | None = None
    for bom, bom_encoding in _BOMS:
        if content.startswith(bom):
            encoding, content = bom_encoding, content[len(bom) :]
            break
    else:
        encoding = _known_encoding(charset)
        if encoding is None:
            m = _META_CHARSET.search(content, 0, _PRESCAN_BYTES)
            encoding = _known_encoding(m.group(1).decode("ascii")) if m else None
            # A meta declaration is read as ASCII, so it cannot truly declare
            # UTF-16 (WHATWG "prescan": UTF-16 labels mean UTF-8).
            if encoding is not None and encoding.startswith("utf-16"):
                encoding = "utf-8"
    encoding = encoding or "utf-8"
    try:
        return content.decode(encoding)
    except (LookupError, UnicodeError) as exc:
        raise ParseError(url, f"cannot decode the page as {encoding}: {exc}") from None


# Python text codecs that are not character sets a page could be written in.
# UTF-7 is excluded by the WHATWG encoding standard (it enables script injection).
_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "raw-unicode-escape", "unicode-escape", "undefined", "utf-7"}
)


def _known_encoding(label: str | None) -> str | None:
    """The Python codec for a charset label, or ``None`` if it is not a charset."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip())
    except (LookupError, ValueError):
        return None
    # Bytes-to-bytes codecs (base64, zlib, rot13...) are not text encodings.
    if info.name in _NOT_CHARSETS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def stdlib_scan(text: str, url: str) -> Tokens:
    """Tokenize with the stdlib :class:`html.parser.HTMLParser`: the reference for
    :func:`indexclient.simple._anchors.scan`, and the parser of every page it declines.

    Raises :class:`ParseError` for a page that ends inside markup (truncated) or holds
    a declaration the stdlib parser rejects.
    """
    # html.parser is imported only for a page the dedicated tokenizer declines.
    from indexclient.simple._stdlib_html import Scanner

    scanner = Scanner()
    try:
        scanner.feed(text)
    except AssertionError as exc:
        # _markupbase reports malformed declarations (<![...) this way.
        raise ParseError(url, f"malformed HTML: {exc}") from None
    # Whatever HTMLParser held back after the last feed() was incomplete: a
    # document that ends inside a tag, comment or <script> was cut short, and
    # the links in the lost part would be silently missing.
    if getattr(scanner, "cdata_elem", None) is not None:
        raise ParseError(url, f"HTML ends inside an unclosed <{scanner.cdata_elem}>")
    if _UNFINISHED_MARKUP.match(scanner.rawdata):
        raise ParseError(url, "HTML ends inside an unfinished tag or comment (truncated?)")
    scanner.finish()
    return Tokens.of_anchors(scanner.anchors, scanner.metas, scanner.base_href)


class HtmlDocument:
    """A tokenized page: what the model builders need, nothing else."""

    def __init__(self, text: str, url: str) -> None:
        tokens = scan(text) or stdlib_scan(text, url)
        self.url = url
        self.tokens = tokens
        self.metas = tokens.metas
        base_href = tokens.base_href
        # The base href is itself relative to the page URL.
        base = url if base_href is None else join_url(url, base_href.strip(), url)
        self.resolver = Resolver(base, url)
        self.page_resolver = Resolver(url, url)

    def api_version(self) -> str:
        """The PEP 629 version from the meta tag; "1.0" when there is none."""
        for name, content in self.metas:
            if name == "pypi:repository-version":
                return content.strip()
        return "1.0"

    def meta(self, api_version: str) -> Meta:
        """Page metadata from the ``pypi:`` meta tags (PEP 629, 708, 792)."""
        tracks: list[str] = []
        alternates: list[str] = []
        status: str | None = None
        reason: str | None = None
        resolve = self.page_resolver.resolve
        for name, content in self.metas:
            if name == "pypi:tracks":  # PEP 708, repeatable
                if content.strip():
                    tracks.append(resolve(content.strip()))
            elif name == "pypi:alternate-locations":  # PEP 708, repeatable
                if content.strip():
                    alternates.append(resolve(content.strip()))
            elif name == "pypi:project-status" and status is None:  # PEP 792
                status = content.strip().lower()
            elif name == "pypi:project-status-reason" and reason is None:  # PEP 792
                reason = content
        return Meta(api_version, tuple(tracks), tuple(alternates), status, reason)

    def project_page(self, meta: Meta) -> ProjectPage:
        """Build the project page; the project name comes from the URL."""
        tokens = self.tokens
        hrefs, texts, attrs = tokens.hrefs, tokens.texts, tokens.attrs
        if not all(hrefs):
            # An <a> without an href (or with a bare "href") is a placeholder, not a link.
            kept = [i for i, href in enumerate(hrefs) if href]
            hrefs = [hrefs[i] for i in kept]
            texts = [texts[i] for i in kept]
            attrs = [attrs[i] for i in kept]
        links = _Links(hrefs, texts, attrs, tokens.provenance)
        name = project_name_from_url(self.url)
        checked = _HtmlFiles.checked(self, links)
        if checked is None:
            # A link the page may not have: building file by file raises for the first.
            files = tuple(
                [self._file(attributes(a), text) for text, a in zip(texts, attrs, strict=True)]
            )
            return ProjectPage(self.url, name, meta, files)
        return lazy_project_page(self.url, name, meta, checked, ())

    def index_page(self, meta: Meta) -> IndexPage:
        """Build the index page: one project per anchor with an href."""
        resolve = self.resolver.resolve
        projects: list[ProjectLink] = []
        for href, text in zip(self.tokens.hrefs, self.tokens.texts, strict=True):
            if not href:
                continue
            url = resolve(href.strip())
            raw_name = text or last_segment(url)
            if raw_name:
                projects.append(ProjectLink(canonicalize_name(raw_name), raw_name, url))
        return IndexPage(self.url, meta, tuple(projects))

    def _file(self, attrs: Attrs, text: str) -> DistributionFile:
        href = attrs["href"] or ""
        # PEP 503: the hash travels in the fragment, which is never sent to a server.
        location, _, fragment = href.strip().partition("#")
        url = self.resolver.resolve(location)
        get = attrs.get
        if "data-core-metadata" in attrs:  # PEP 714; the PEP 658 name is the fallback
            metadata = _core_metadata(attrs["data-core-metadata"])
        elif "data-dist-info-metadata" in attrs:
            metadata = _core_metadata(attrs["data-dist-info-metadata"])
        else:
            metadata = None
        provenance = get("data-provenance")  # PEP 740
        return new_distribution_file(
            text or last_segment(url),
            url,
            parse_hash_fragment(fragment),
            (get("data-requires-python") or "").strip() or None,
            # PEP 592: the attribute's presence yanks; its value, if any, is the reason.
            (get("data-yanked") or "") if "data-yanked" in attrs else None,
            metadata,
            _GPG_SIG.get((get("data-gpg-sig") or "").strip().lower()),
            None,  # size: JSON pages only (PEP 700)
            None,  # upload time: likewise
            self.resolver.resolve(provenance.strip())
            if provenance and provenance.strip()
            else None,
        )


class _Links(NamedTuple):
    """A project page's anchors with an href: as :class:`Tokens` holds them."""

    hrefs: list[str | None]
    texts: list[str]
    attrs: list[Attrs | str]
    provenance: bool


class _HtmlFiles(PageFiles):
    """An HTML page's files, checked, built by :meth:`HtmlDocument._file` when used."""

    __slots__ = ("_doc", "_filenames", "_links")

    def __init__(self, doc: HtmlDocument, links: _Links) -> None:
        super().__init__(len(links.hrefs))
        self._doc: HtmlDocument | None = doc
        self._links: _Links | None = links
        self._filenames: list[str] | None = None

    @classmethod
    def checked(cls, doc: HtmlDocument, links: _Links) -> _HtmlFiles | None:
        """The files of a page whose every link :meth:`HtmlDocument._file` accepts (so
        building one later cannot fail), else None: resolving a link is the only
        check that can refuse an anchor. All hrefs are checked at once
        (:meth:`Resolver.cannot_fail`), else each is resolved."""
        resolver = doc.resolver
        # Every anchor here has an href.
        hrefs = cast("list[str]", links.hrefs)
        provenances = []
        if links.provenance:  # the attributes of every anchor with one are read
            provenances = [
                link.strip()
                for attrs in links.attrs
                if type(attrs) is dict and (link := attrs.get("data-provenance")) and link.strip()
            ]
        try:
            if not resolver.cannot_fail(hrefs, fragments=True):
                for href in hrefs:
                    resolver.resolve(href.strip().partition("#")[0])
            if not resolver.cannot_fail(provenances):
                for link in provenances:
                    resolver.resolve(link)
        except ParseError:  # UnsafeLinkError included
            return None
        return cls(doc, links)

    def filenames(self) -> Sequence[str]:
        names = self._filenames
        if names is None:
            assert self._links is not None  # only _release() clears it, after this
            names = self._links.texts
            if not all(names):  # an anchor without text is named by its URL, as in _file
                assert self._doc is not None
                resolve = self._doc.resolver.resolve
                names = [
                    text or last_segment(resolve((href or "").strip().partition("#")[0]))
                    for href, text in zip(self._links.hrefs, names, strict=True)
                ]
            self._filenames = names
        return names

    def _build(self, index: int) -> DistributionFile:
        assert self._doc is not None  # only _release() clears it
        assert self._links is not None
        links = self._links
        return self._doc._file(attributes(links.attrs[index]), links.texts[index])

    def _release(self) -> None:
        self.filenames()
        self._doc = None
        self._links = None


_GPG_SIG = {"true": True, "false": False}


def _core_metadata(value: str | None) -> FrozenDict | None:
    """PEP 658/714 attribute value: "true", "<hashname>=<hex>", or "false".

    Like pip, any other value (even a bare attribute) is taken to mean "available,
    hash unknown": the attribute's presence is what PEP 658 makes meaningful.
    """
    if value is None:
        return EMPTY_HASHES
    text = value.strip()
    lowered = text.lower()
    if lowered == "false":
        return None
    if lowered == "true":
        return EMPTY_HASHES
    return parse_hash_fragment(text)
