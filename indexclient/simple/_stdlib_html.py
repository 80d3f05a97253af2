"""The stdlib-based tokenizer: the reference the dedicated one is checked against, and
the parser of every page the dedicated one declines (see ``_html.stdlib_scan``)."""

from __future__ import annotations

from html.parser import HTMLParser

from indexclient.simple._anchors import Attrs


class Scanner(HTMLParser):
    """Collects anchors (attributes and text), the first base href, and meta tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base_href: str | None = None
        self.anchors: list[tuple[Attrs, str]] = []
        self.metas: list[tuple[str, str]] = []
        self._anchor: Attrs | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            # An <a> inside an open <a> closes it (HTML "adoption agency" rule).
            self._close_anchor()
            # reversed: for a repeated attribute the first one counts (HTML spec).
            self._anchor = dict(reversed(attrs))
        elif tag == "meta":
            found = dict(reversed(attrs))
            name, content = found.get("name"), found.get("content")
            if name is not None and content is not None:
                self.metas.append((name.strip().lower(), content))
        elif tag == "base" and self.base_href is None:
            # HTML: the document base URL comes from the first <base> with an href.
            self.base_href = dict(reversed(attrs)).get("href")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # HTML ignores the self-closing flag on non-void elements: <a href=x/> opens.
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._close_anchor()

    def handle_data(self, data: str) -> None:
        if self._anchor is not None:
            self._text.append(data)

    def _close_anchor(self) -> None:
        if self._anchor is not None:
            self.anchors.append((self._anchor, "".join(self._text).strip()))
            self._anchor = None
            self._text = []

    def finish(self) -> None:
        """Close the parser, closing an anchor left open at the end."""
        self.close()
        self._close_anchor()
