"""Choosing from a found page, with the memo as the fast path.

A warm run finds its pages in the HTTP cache (fresh: their bodies not even read) and
its answers in the memo, keyed by each page's digest (see :mod:`indexclient.memo`).
:class:`Chooser` gives the remembered selection when there is one, and chooses from the
parsed page (remembering the choice) when there is not; :meth:`Chooser.result` adds
the chosen file's metadata, remembered or read. :meth:`Chooser.answer_now` gives a
requirement's whole answer without awaiting anything, when the memo holds all of it: a
warm run of hundreds spends no time scheduling tasks that never wait.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from indexclient.errors import ConfigurationError, MetadataError, ProjectNotFound
from indexclient.fetching import FileMetadata, MetadataResult
from indexclient.indexes import Found, Index
from indexclient.indexes.simple_api import SimpleApiIndex
from indexclient.memo import (
    Memo,
    RememberedSelection,
    selection_from_json,
    selection_key,
    selection_to_json,
)
from indexclient.search import Answer, Candidates, merged
from indexclient.select import (
    Selection,
    is_plain_name,
    parsed_requirement,
    project_name,
    requirement_problem,
    select_files,
)
from indexclient.settings import IndexSpec
from indexclient.simple import DistributionFile
from indexclient.target import Target
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from indexclient.simple.metadata import CoreMetadata

__all__ = ["Chooser", "metadata_file", "name_and_text", "parse_requirement"]

# Requirements answered together by Chooser.answer_all (their rows read in one batch).
_BATCH = 256


class Chooser:
    """Chooses files from found pages, remembering choices in ``memo`` (if any)."""

    __slots__ = ("memo",)

    def __init__(self, memo: Memo | None) -> None:
        self.memo = memo

    async def choose(
        self,
        candidates: Candidates,
        requirement: str | Requirement,
        text: str,
        target: Target | None = None,
    ) -> tuple[Selection, RememberedSelection | None]:
        """The selection for ``requirement`` (whose canonical text is ``text``) from the
        first group of ``candidates`` that has an acceptable file, with the index its
        best file came from, and its memo entry when the group is one page with a
        digest to key it by.

        Chosen for ``target`` (None: the running interpreter). Raises ProjectNotFound
        when no file matches (naming the pages looked at), or when no index has the
        project (naming the indexes asked)."""
        if not candidates.groups:
            raise ProjectNotFound(text, [redact_url(i.url) for i in candidates.asked])
        looked_at: list[str] = []
        parsed = None
        for group in candidates.groups:
            if len(group) == 1:
                chosen = await self._choose_one(group[0], requirement, text, target)
                if chosen is not None:
                    return chosen
                looked_at.append(group[0].found.url)
                continue
            if parsed is None:
                parsed = parse_requirement(requirement)
            page, sources = await merged(group)
            selection = select_files(page, parsed, target=target)
            if selection is not None:
                index = sources.get(id(selection.best), group[0].index)
                return dataclasses.replace(selection, index=index), None
            looked_at += [a.found.url for a in group]
        raise ProjectNotFound(text, [redact_url(u) for u in dict.fromkeys(looked_at)])

    async def _choose_one(
        self, answer: Answer, requirement: str | Requirement, text: str, target: Target | None
    ) -> tuple[Selection, RememberedSelection | None] | None:
        """The selection from one index's page (remembered, or chosen and remembered),
        or None when no file of it is acceptable."""
        found, index = answer.found, answer.index
        remembered = self._remembered(found, text, target)
        if remembered is not None:
            return dataclasses.replace(remembered[0], index=index), remembered[1]
        page = await found.page()
        selection = select_files(page, parse_requirement(requirement), target=target)
        if selection is None:
            return None
        selection = dataclasses.replace(selection, index=index)
        # Keyed by the body actually parsed (page() may have had to fetch it again).
        memo = self.memo if found.digest else None
        if memo is None:
            return selection, None
        key = selection_key(found.url, found.content_type, found.digest, text, target)
        value = selection_to_json(selection)
        # Written by the caller (RememberedSelection.store): with its metadata, when
        # metadata_for reads some, in one write.
        return selection, RememberedSelection(memo, key, value, stored=False)

    def _remembered(
        self, found: Found, text: str, target: Target | None, key: str | None = None
    ) -> tuple[Selection, RememberedSelection] | None:
        # A page served from the cache was very likely chosen from before: the memo
        # keeps that answer, keyed by the page's digest, so parsing is skipped.
        memo = self.memo if found.digest else None
        if memo is None:
            return None
        if key is None:
            key = selection_key(found.url, found.content_type, found.digest, text, target)
        stored = memo.get("selection", key)
        selection = selection_from_json(stored)
        if selection is None or not isinstance(stored, dict):
            return None
        return selection, RememberedSelection(memo, key, stored)

    async def result(
        self,
        requirement: str,
        selection: Selection,
        memo: RememberedSelection | None,
        read: Callable[[DistributionFile], Awaitable[FileMetadata]],
    ) -> MetadataResult:
        """``requirement``'s answer: the metadata of ``selection``'s file (a wheel when
        there is one) as remembered with the selection, else as ``read``, then
        remembered with it."""
        file = metadata_file(selection)
        remembered = memo.metadata(file) if memo is not None else None
        try:
            if remembered is not None:
                core, source = remembered
            else:
                found = await read(file)
                core, source = found.metadata, found.source
            _check_name(file, core, selection.name)
            if remembered is None and memo is not None:
                memo.add_metadata(file, core, source)
        finally:
            if memo is not None:
                memo.store()  # the choice at least, whatever became of its metadata
        return MetadataResult(
            requirement, selection.name, selection.version, file, core, source, selection.index
        )

    def answer_now(
        self, index: Index, requirement: str, target: Target | None = None
    ) -> MetadataResult | None:
        """``requirement``'s answer when ``index`` (the one the search would find first:
        the first index, or the one the project is pinned to) and the memo give all of
        it now, with no await. None whenever anything would need IO or parsing (the
        async path does that, and reports an invalid requirement in its place)."""
        return self.answer_all([(index, requirement)], target)[0]

    def answer_all(
        self, asked: Sequence[tuple[Index, str]], target: Target | None = None
    ) -> list[MetadataResult | None]:
        """:meth:`answer_now` for each ``(index, requirement)`` of ``asked``, in order.

        The same answers, found stage by stage: every page's cached head read in a
        batch, then every remembered selection: a warm run spends much less on a batch
        of lookups than on as many apart, each among the work of answering one."""
        if self.memo is None:
            return [None] * len(asked)
        if len(asked) > _BATCH:
            return [
                a
                for at in range(0, len(asked), _BATCH)
                for a in self._answer_batch(asked[at : at + _BATCH], target)
            ]
        return self._answer_batch(asked, target)

    def _answer_batch(
        self, asked: Sequence[tuple[Index, str]], target: Target | None
    ) -> list[MetadataResult | None]:
        assert self.memo is not None
        named: list[tuple[Index, str, str, str] | None] = []
        ahead: dict[int, tuple[SimpleApiIndex, list[str]]] = {}
        for index, requirement in asked:
            try:
                name, text = name_and_text(requirement)
                name = project_name(name)
            except ConfigurationError:
                named.append(None)
                continue
            named.append((index, requirement, text, name))
            if isinstance(index, SimpleApiIndex):
                ahead.setdefault(id(index), (index, []))[1].append(name)
        for index, names in ahead.values():
            if len(names) > 1:  # one row is read as cheaply where it is needed
                index.read_ahead(names)
        # Each page found now, with the memo key of its answer.
        found_all: list[tuple[Found, str] | None] = []
        for item in named:
            found = None
            if item is not None:
                try:
                    found = item[0].project_now(item[3])
                except ConfigurationError:
                    found = None
            if item is None or found is None or not found.digest:
                found_all.append(None)
                continue
            key = selection_key(found.url, found.content_type, found.digest, item[2], target)
            found_all.append((found, key))
        keys = [found[1] for found in found_all if found is not None]
        if len(keys) > 1:
            self.memo.read_ahead("selection", keys)
        return [
            None if item is None or found is None else self._answer(item, *found, target)
            for item, found in zip(named, found_all, strict=True)
        ]

    def _answer(
        self, item: tuple[Index, str, str, str], found: Found, key: str, target: Target | None
    ) -> MetadataResult | None:
        """answer_now's answer from ``found``, the page of ``item``'s project, whose
        answer the memo keeps under ``key``."""
        index, requirement, text, _ = item
        remembered = self._remembered(found, text, target, key)
        if remembered is None:
            return None
        selection, memo = remembered
        file = metadata_file(selection)
        metadata = memo.metadata(file)
        if metadata is None:
            return None
        core, source = metadata
        if core.canonical_name != selection.name:
            return None  # the async path reports it
        spec: IndexSpec = index.spec
        return MetadataResult(
            requirement, selection.name, selection.version, file, core, source, spec
        )


def _check_name(file: DistributionFile, core: CoreMetadata, name: str) -> None:
    """Refuse metadata that names another project than the one chosen: an index may
    serve any bytes under a file's name (docs/security.md, "Names")."""
    if core.canonical_name != name:
        raise MetadataError(
            redact_url(file.url), f"the metadata names {core.canonical_name}, not {name}"
        )


def name_and_text(requirement: str | Requirement) -> tuple[str, str]:
    """The project name of ``requirement`` and its canonical text (the memo's key)."""
    if isinstance(requirement, str) and is_plain_name(requirement):
        # A name alone is its own canonical text (str(Requirement(name)) == name); the
        # requirement parser is needed only if the memo cannot answer.
        return requirement, requirement
    parsed = parse_requirement(requirement)
    return parsed.name, str(parsed)


def metadata_file(selection: Selection) -> DistributionFile:
    """The file whose metadata ``metadata_for`` reads: a wheel when there is one."""
    files = selection.files
    if len(files) == 1:
        return files[0]  # the best, wheel or not: its filename need not be parsed
    return next((f for f in files if f.is_wheel), selection.best)


def parse_requirement(requirement: str | Requirement) -> Requirement:
    """``requirement`` parsed (once per process), or a usage error naming it."""
    if not isinstance(requirement, str):
        return requirement
    problem = requirement_problem(requirement)
    if problem is not None:
        raise ConfigurationError.single(
            f"requirement {requirement!r}", f"not a PEP 508 requirement: {problem}"
        )
    return parsed_requirement(requirement)
