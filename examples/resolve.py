"""A small dependency resolver: resolvelib (the resolver pip uses) with IndexClient as
its provider. It prints a pinned set of versions that satisfies the requirements.

    UV_DEFAULT_INDEX=https://index.corp.example/simple/ \\
        python examples/resolve.py "web-toolkit>=2" "tiny-utils<1"

    # the pinned set for another interpreter and platform (uv's names and meanings)
    python examples/resolve.py --python-version 3.12 --python-platform windows web-toolkit

The index and trust come from configuration, as for the command (UV_DEFAULT_INDEX,
uv.toml, SSL_CERT_FILE...). resolvelib is synchronous, so the provider holds an
`indexclient.sync.IndexClient`: one event loop on a thread, one connection pool. Two
things keep it fast:

- each project's page is fetched once, and the candidates of a project are read from
  it without IO (`select_files` chooses the files for each version);
- when a candidate's dependencies are asked for, the pages of all of them are fetched at
  once (`projects`), then the metadata of the newest acceptable version of each, from
  several threads at once (the sync client is thread-safe), since that is what the
  resolver will try next; a version it backtracks to costs one more
  metadata fetch (a PEP 658 file or a few range requests, never a whole wheel when the
  index allows better).

Versions, files and markers are chosen for the target (`--python-version`,
`--python-platform`; the running interpreter by default); extras of dependencies are not
followed (a dependency `pkg[extra]` counts as `pkg`): it is an example, not an
installer. Exit status: 0 with a pinned set, 1 when none exists (the conflict is
printed), 2 for a configuration problem.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from resolvelib import AbstractProvider, BaseReporter, ResolutionImpossible, Resolver

from indexclient import DistributionFile, IndexClientError, ProjectPage, Target
from indexclient.select import select_files
from indexclient.sync import IndexClient


@dataclass(frozen=True)
class Candidate:
    """One version of a project, with the file its metadata is read from."""

    name: NormalizedName
    version: Version
    file: DistributionFile


class Provider(AbstractProvider[Requirement, Candidate, NormalizedName]):
    """resolvelib's questions, answered from one IndexClient."""

    def __init__(self, client: IndexClient, target: Target) -> None:
        self.client = client
        self.target = target
        self.markers = target.markers()
        self.pages: dict[NormalizedName, ProjectPage] = {}
        self.dependencies: dict[tuple[NormalizedName, Version], list[Requirement]] = {}
        self.metadata_fetches = 0
        self.lock = threading.Lock()

    def identify(self, requirement_or_candidate: Requirement | Candidate) -> NormalizedName:
        return canonicalize_name(requirement_or_candidate.name)

    def get_preference(
        self,
        identifier: NormalizedName,
        resolutions: Mapping[NormalizedName, Candidate],
        candidates: Mapping[NormalizedName, Iterator[Candidate]],
        information: Mapping[NormalizedName, Iterator[Any]],
        backtrack_causes: Sequence[Any],
    ) -> Any:
        # Projects that caused a conflict first (pip's rule), then by name: a stable order.
        causes = {canonicalize_name(c.requirement.name) for c in backtrack_causes}
        return (identifier not in causes, identifier)

    def _page(self, name: NormalizedName) -> ProjectPage:
        page = self.pages.get(name)
        if page is None:
            page = self.pages[name] = self.client.project(name)
        return page

    def find_matches(
        self,
        identifier: NormalizedName,
        requirements: Mapping[NormalizedName, Iterator[Requirement]],
        incompatibilities: Mapping[NormalizedName, Iterator[Candidate]],
    ) -> Iterable[Candidate]:
        wanted = list(requirements[identifier])
        refused = {c.version for c in incompatibilities[identifier]}
        page = self._page(identifier)
        found = []
        for version in reversed(page.versions_available()):  # newest first
            if version in refused or not all(
                r.specifier.contains(version, prereleases=True) for r in wanted
            ):
                continue
            # select_files applies Requires-Python, yanking and wheel tags to this version.
            chosen = select_files(page, f"{identifier}=={version}", target=self.target)
            if chosen is not None:
                found.append(Candidate(identifier, version, chosen.best))
        return found

    def is_satisfied_by(self, requirement: Requirement, candidate: Candidate) -> bool:
        return requirement.specifier.contains(candidate.version, prereleases=True)

    def get_dependencies(self, candidate: Candidate) -> Iterable[Requirement]:
        found = self._dependencies_of(candidate)
        self._prefetch(found)
        return found

    def _dependencies_of(self, candidate: Candidate) -> list[Requirement]:
        key = (candidate.name, candidate.version)
        with self.lock:
            known = self.dependencies.get(key)
        if known is None:
            metadata = self.client.core_metadata(candidate.file).metadata
            known = _applicable(metadata.requires_dist, self.markers)
            with self.lock:
                self.metadata_fetches += 1
                self.dependencies[key] = known
        return known

    def _prefetch(self, requirements: list[Requirement]) -> None:
        """The pages of new dependencies, then the metadata of the newest acceptable
        version of each, all at once: the resolver will try those next."""
        new = sorted({canonicalize_name(r.name) for r in requirements} - self.pages.keys())
        for name, page in zip(new, self.client.projects(new, return_exceptions=True), strict=True):
            if isinstance(page, ProjectPage):  # an error is met again, and raised, later
                self.pages[name] = page
        newest = []
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            if name in self.pages:
                matches = self.find_matches(name, {name: iter([requirement])}, {name: iter(())})
                newest.extend(list(matches)[:1])
        # The sync client is safe from several threads: each call is a task on its loop.
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(self._dependencies_of, newest))


def _applicable(requires_dist: Iterable[str], markers: dict[str, str]) -> list[Requirement]:
    """The dependencies whose markers hold for the target (extras not followed)."""
    found = []
    for text in requires_dist:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({**markers, "extra": ""}):
            requirement.extras = set()
            requirement.marker = None
            found.append(requirement)
    return found


class Reporter(BaseReporter[Requirement, Candidate, NormalizedName]):
    """Counts what the resolver did, to show that it backtracked."""

    def __init__(self) -> None:
        self.rejected = 0

    def rejecting_candidate(self, criterion: Any, candidate: Candidate) -> None:
        self.rejected += 1


def resolve(client: IndexClient, requirements: Sequence[str], target: Target) -> dict[str, Any]:
    """The pinned set for ``requirements`` on ``target``, and what it cost."""
    provider, reporter = Provider(client, target), Reporter()
    result = Resolver(provider, reporter).resolve([Requirement(r) for r in requirements])
    pins = sorted(result.mapping.values(), key=lambda c: c.name)
    return {
        "pins": {c.name: str(c.version) for c in pins},
        "files": {c.name: c.file.filename for c in pins},
        "pages": len(provider.pages),
        "metadata_fetches": provider.metadata_fetches,
        "rejected_candidates": reporter.rejected,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("requirements", nargs="+", help="PEP 508 requirements")
    parser.add_argument("--index-url", help="the index (default: from configuration)")
    parser.add_argument("--python-version", help="the target Python, e.g. 3.12")
    parser.add_argument("--python-platform", help="uv's platform name, e.g. linux, windows")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    arguments = parser.parse_args(argv)
    try:
        target = Target.for_(
            python_version=arguments.python_version, python_platform=arguments.python_platform
        )
        with IndexClient(arguments.index_url) as client:
            answer = resolve(client, arguments.requirements, target)
    except ResolutionImpossible as exc:
        print("error: no set of versions satisfies the requirements:", file=sys.stderr)
        for cause in exc.causes:
            parent = f" (from {cause.parent.name} {cause.parent.version})" if cause.parent else ""
            print(f"  {cause.requirement}{parent}", file=sys.stderr)
        return 1
    except IndexClientError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 2
    if arguments.json:
        print(json.dumps(answer, indent=2))
    else:
        for name, version in answer["pins"].items():
            print(f"{name}=={version}")
        print(
            f"{answer['pages']} pages, {answer['metadata_fetches']} metadata files, "
            f"{answer['rejected_candidates']} candidates rejected",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
