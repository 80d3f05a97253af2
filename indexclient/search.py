"""Asking several indexes for a project, as uv does.

The indexes are asked in the settings' order (:meth:`indexes`), and what they answered
is put in groups to choose from, in order: a version and file are chosen from the first
group that has an acceptable one. Which groups, the index strategy says (uv's
meanings, ``--index-strategy``):

- ``first-index`` (the default): the indexes are asked one after the other and the
  first that has the project is the only one whose files count; the others are never
  asked about it. An attacker's upload of the same name to a later index cannot win
  (dependency confusion).
- ``unsafe-first-match``: every index is asked; each index's files are a group of
  their own, so the first index with an acceptable version gives it, even when a later
  one has a newer version.
- ``unsafe-best-match``: every index is asked and all their files are one group: the
  newest acceptable version wins wherever it is (on a tie, the earlier index's file).

Find-links locations are asked every time, alongside: their files join every group
(before the index's, as uv merges them), and they are the only group when no index has
the project. An index that is ``explicit`` is never asked, unless the project is pinned
to it; a pinned project is asked of its index only, without find-links (uv's
``[tool.uv.sources]``). Which statuses mean "not on this index" is the index's own
decision (:func:`~indexclient.indexes.missing_statuses`); any other failure stops the
search with its error. Offline, an index whose page is not in the cache counts as not
having the project, as in uv (the next one's cached page may answer); when no index
answers at all, the search fails with that OfflineError rather than "not found".
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.utils import NormalizedName

from indexclient.errors import IndexClientError, OfflineError
from indexclient.indexes import Found, Index
from indexclient.settings import IndexSpec
from indexclient.settings.values import IndexStrategy
from indexclient.simple import DistributionFile, ProjectPage

__all__ = ["Answer", "Candidates", "FoundProject", "Search"]


@dataclass(frozen=True, slots=True)
class Answer:
    """One index's page for a project."""

    index: IndexSpec
    found: Found


@dataclass(frozen=True, slots=True)
class Candidates:
    """What the search found for project ``name``: the groups of answers to choose from,
    in order, and every index (and find-links location) it asked."""

    name: str
    groups: tuple[tuple[Answer, ...], ...]
    asked: tuple[IndexSpec, ...]

    def answers(self) -> tuple[Answer, ...]:
        """Every answer once, in the order of the groups."""
        seen: dict[int, Answer] = {}
        for group in self.groups:
            for answer in group:
                seen.setdefault(id(answer), answer)
        return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class FoundProject:
    """A project's files as the search found them, and the index each came from.

    ``page`` holds the files the index strategy lets count, find-links files first,
    then each index's in search order (its URL, name and metadata are those of the
    first index's page); ``indexes`` lists the indexes and find-links locations they
    came from, in that order; :meth:`index_of` says which one a file came from.
    """

    __module__ = "indexclient"

    page: ProjectPage
    indexes: tuple[IndexSpec, ...]
    _sources: dict[int, IndexSpec] = field(repr=False, compare=False)

    @property
    def index(self) -> IndexSpec:
        """The index that answered: the first index (not a find-links location) whose
        files count, else the first find-links location."""
        return next((i for i in self.indexes if not i.find_links), self.indexes[0])

    def index_of(self, file: DistributionFile) -> IndexSpec:
        """The index (or find-links location) ``file`` of :attr:`page` came from."""
        return self._sources.get(id(file), self.index)


async def merged(answers: Sequence[Answer]) -> tuple[ProjectPage, dict[int, IndexSpec]]:
    """One page holding the files of every answer, in order, and the index of each file
    (by identity: the same file object, as the pages hold it)."""
    pages = [await answer.found.page() for answer in answers]
    if len(pages) == 1:
        page = pages[0]
        return page, {id(f): answers[0].index for f in page.files}
    sources: dict[int, IndexSpec] = {}
    files: list[DistributionFile] = []
    for answer, page in zip(answers, pages, strict=True):
        for file in page.files:
            sources.setdefault(id(file), answer.index)
            files.append(file)
    # The page of the first index that is not a find-links location names the result.
    first = next(
        (p for a, p in zip(answers, pages, strict=True) if not a.index.find_links), pages[0]
    )
    name: NormalizedName | None = next((p.name for p in pages if p.name), None)
    return ProjectPage(first.url, name, first.meta, tuple(files)), sources


class Search:
    """Asks ``indexes`` (in search order, explicit ones left out by the caller) and
    ``find_links`` for projects, with ``strategy``."""

    __slots__ = ("_asked", "find_links", "indexes", "nothing_to_search", "strategy")

    def __init__(
        self,
        indexes: Sequence[Index],
        find_links: Sequence[Index] = (),
        strategy: IndexStrategy = "first-index",
        nothing_to_search: IndexClientError | None = None,
    ) -> None:
        self.indexes = tuple(indexes)
        self.find_links = tuple(find_links)
        self.strategy = strategy
        #: Raised for a project that is not pinned when there is nothing to search
        #: (every configured index is explicit).
        self.nothing_to_search = nothing_to_search
        self._asked = tuple(i.spec for i in self.indexes + self.find_links)

    @property
    def simple(self) -> bool:
        """Whether a project's answer is one index's page alone: the first index that
        has it, with no find-links to merge (the memo's fast path may then answer)."""
        return not self.find_links and (self.strategy == "first-index" or len(self.indexes) < 2)

    def asked(self) -> tuple[IndexSpec, ...]:
        """The indexes and find-links locations a project is asked of, in order."""
        return self._asked

    async def candidates(self, name: str, pin: Index | None = None) -> Candidates:
        """What the indexes have of project ``name`` (valid and normalised), grouped by
        the strategy; only ``pin`` is asked when given."""
        offline: list[OfflineError] = []
        if pin is not None:
            pinned = await self._ask(pin, name, offline)
            if pinned is None and offline:
                raise offline[0]
            return Candidates(name, ((pinned,),) if pinned else (), (pin.spec,))
        if self.nothing_to_search is not None:
            raise self.nothing_to_search
        if not self.find_links and len(self.indexes) == 1:
            # The common case, once per requirement: one index, nothing alongside (and
            # offline, its page not cached is the search's error, as below).
            index = self.indexes[0]
            found = await index.project(name)
            answer = () if found is None else ((Answer(index.spec, found),),)
            return Candidates(name, answer, self._asked)
        links_task = asyncio.gather(*(self._ask(i, name, offline) for i in self.find_links))
        try:
            if self.strategy == "first-index":
                answers = await self._first(name, offline)
            else:
                every = await asyncio.gather(*(self._ask(i, name, offline) for i in self.indexes))
                answers = [a for a in every if a is not None]
        except BaseException:
            links_task.cancel()
            await asyncio.gather(links_task, return_exceptions=True)
            raise
        links = tuple(a for a in await links_task if a is not None)
        groups: tuple[tuple[Answer, ...], ...]
        if not answers:
            if not links and offline:
                raise offline[0]
            groups = (links,) if links else ()
        elif self.strategy == "unsafe-best-match":
            groups = ((*links, *answers),)
        else:  # first-index (one answer) and unsafe-first-match (one group each)
            groups = tuple((*links, answer) for answer in answers)
        return Candidates(name, groups, self._asked)

    async def _first(self, name: str, offline: list[OfflineError]) -> list[Answer]:
        for index in self.indexes:
            answer = await self._ask(index, name, offline)
            if answer is not None:
                return [answer]
        return []

    @staticmethod
    async def _ask(index: Index, name: str, offline: list[OfflineError]) -> Answer | None:
        try:
            found = await index.project(name)
        except OfflineError as exc:
            offline.append(exc)  # uv: offline and not cached is "not on this index"
            return None
        return None if found is None else Answer(index.spec, found)
