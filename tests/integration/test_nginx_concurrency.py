"""1,000 metadata requests at once through one IndexClient, against nginx over TLS.

200 projects of 5 versions, each pinned (``name==version``): a project page and a PEP 658
file per requirement, 2,000 HTTPS requests over the client's bounded connection pool.
No timing assertions: it must simply all work (it takes a few seconds).
"""

from __future__ import annotations

from indexclient import IndexClient
from indexclient.client import MetadataResult

from .conftest import MANY_PROJECTS, MANY_VERSIONS, ManySites


async def test_one_thousand_concurrent_metadata_requests(many_sites: ManySites) -> None:
    requirements = many_sites.index.requirements()
    assert len(requirements) == MANY_PROJECTS * MANY_VERSIONS == 1000
    mark = len(many_sites.nginx.access_log("many"))
    done: list[int] = []
    async with IndexClient(
        many_sites.index_url, environ={"SSL_CERT_FILE": str(many_sites.ca_file)}
    ) as client:
        results = await client.metadata_for(requirements, progress=lambda n, _: done.append(n))
        limit = client.settings.concurrency.value

    failures = [r for r in results if not isinstance(r, MetadataResult)]
    assert failures == []
    assert done[-1] == len(requirements)
    for requirement, result in zip(requirements, results, strict=True):
        assert isinstance(result, MetadataResult)
        name, _, version = requirement.partition("==")
        assert (result.name, str(result.version), result.source) == (name, version, "pep658")
        assert result.metadata.raw == many_sites.index.file(name, version).metadata

    entries = many_sites.nginx.access_log("many", wait_for=mark + 2000)[mark:]
    assert len(entries) == 2000
    assert {e.status for e in entries} == {200}
    assert sum(e.uri.endswith(".metadata") for e in entries) == 1000
    # One pooled, kept-alive connection per concurrency slot at most: TLS contexts are
    # reused, so aiohttp's pool (keyed on the context) never opens extra connections.
    assert len({e.connection for e in entries}) <= limit
    assert {e.tls for e in entries} == {"TLSv1.3"}
