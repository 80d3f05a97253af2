"""indexclient.testing as a pytest plugin, used as a downstream project would use it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexclient import IndexClient, MetadataResult
from indexclient.errors import ClientCertificateRequiredError, ConnectError
from indexclient.testing.index import tiny_wheel
from indexclient.testing.plugin import RunningIndex

pytest_plugins = ["pytester"]

# pytest imports the plugin in every project that has indexclient installed; these must
# wait until a fixture is used (README, "Testing support").
HEAVY = ("aiohttp", "cryptography", "yarl")


def test_importing_the_plugin_loads_no_network_stack() -> None:
    code = (
        "import sys, indexclient.testing.plugin\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.split())
    assert "indexclient" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded.intersection(HEAVY))


def test_index_serves_generated_wheels_to_the_command(indexclient_index: RunningIndex) -> None:
    indexclient_index.add_wheel("demo", "1.0")
    indexclient_index.add_wheel("demo", "1.1", requires_dist=["other>=2"])
    env = {**os.environ, **indexclient_index.env, "UV_NO_CONFIG": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "indexclient", "versions", "demo", "--no-cache"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1.0", "1.1"]


def test_index_serves_files_from_disk(indexclient_index: RunningIndex, tmp_path: Path) -> None:
    filename, content, _ = tiny_wheel("mytool", "0.1", requires_dist=["attrs"])
    (tmp_path / filename).write_bytes(content)
    indexclient_index.add_distribution(tmp_path / filename)

    async def fetch() -> list[MetadataResult | Exception]:
        async with IndexClient(environ=indexclient_index.env) as client:
            return list(await client.metadata_for(["mytool"]))

    (result,) = asyncio.run(fetch())
    assert isinstance(result, MetadataResult)
    assert result.source == "pep658"
    assert result.metadata.requires_dist == ("attrs",)
    assert indexclient_index.server.requests, "the index recorded the requests"


def test_mtls_index_requires_the_client_certificate(
    indexclient_mtls_index: RunningIndex,
) -> None:
    indexclient_mtls_index.add_wheel("demo", "1.0")
    assert indexclient_mtls_index.client_cert is not None

    async def versions(env: dict[str, str]) -> list[str]:
        async with IndexClient(environ=env) as client:
            return [str(v) for v in await client.versions("demo")]

    assert asyncio.run(versions(indexclient_mtls_index.env)) == ["1.0"]
    without = {k: v for k, v in indexclient_mtls_index.env.items() if k != "SSL_CLIENT_CERT"}
    # Python 3.10's asyncio server resets instead of sending the TLS alert.
    with pytest.raises((ClientCertificateRequiredError, ConnectError)):
        asyncio.run(versions(without))


def test_downstream_suite_gets_the_fixtures(pytester: pytest.Pytester) -> None:
    # A project that merely has indexclient installed: the entry point provides the
    # fixtures without any conftest.
    pytester.makepyfile(
        test_downstream="""
        import urllib.request, ssl, json

        def test_index(indexclient_index, indexclient_ca):
            indexclient_index.add_wheel("demo", "2.0")
            context = ssl.create_default_context(cafile=str(indexclient_ca.ca_file))
            request = urllib.request.Request(
                indexclient_index.url + "demo/",
                headers={"Accept": "application/vnd.pypi.simple.v1+json"},
            )
            with urllib.request.urlopen(request, context=context) as response:
                page = json.load(response)
            assert [f["filename"] for f in page["files"]] == ["demo-2.0-py3-none-any.whl"]
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_downstream_suite_without_the_fixtures_pays_no_imports(pytester: pytest.Pytester) -> None:
    # The plugin is loaded (its fixtures are registered) but no test asks for one.
    pytester.makepyfile(
        test_plain=f"""
        import sys

        def test_plain(request):
            assert "indexclient.testing.plugin" in sys.modules
            assert request.config.pluginmanager.has_plugin("indexclient")
            assert not [m for m in sys.modules if m.split(".")[0] in {HEAVY!r}]
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
