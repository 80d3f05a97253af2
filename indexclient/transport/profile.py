"""How a request is made, so the cache never crosses a trust or credential boundary.

A cached answer records its :class:`~indexclient.transport.cache.FetchProfile`: how the
request that fetched it was made (verified TLS, unverified TLS under allow-insecure-host, or
plain http: the weakest over its redirect hops) and a keyed digest of the Authorization
values sent. It may answer a later request, fresh or offline, only when that request
would be made the same way (docs/security.md, "The cache"). Both sides are computed
here, from the same two decisions the transport makes: :func:`mode_of` is the
connector's predicate, :meth:`Credentials.attempt` the one that sets Authorization.

Credentials found only after a server refused the first request (netrc's, a keyring's)
are recorded too; a warm run cannot tell in advance whether the server would refuse, so
a request is taken as made the same way when it matches the recording either as a first
request would be made or as it would be made again with those (a keyring's credentials
by the lookup that gives them: a warm run asks no keyring).

No aiohttp or yarl here: the check runs for every answer a warm run takes from the cache.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from indexclient.tls.trust import Trust
from indexclient.transport.auth import Credentials, origin_of
from indexclient.transport.cache import FetchProfile, HttpCache, Origin

__all__ = ["Hop", "Mismatch", "compare", "fetch_profile", "mode_of"]

VERIFIED, UNVERIFIED, PLAIN = "verified", "unverified", "http"
_STRENGTH = {PLAIN: 0, UNVERIFIED: 1, VERIFIED: 2}
_DESCRIBED = {
    VERIFIED: "over verified TLS",
    UNVERIFIED: "over TLS without certificate verification (allow-insecure-host)",
    PLAIN: "over plain http",
}


def mode_of(trust: Trust, scheme: str, host: str, port: int | None) -> str:
    """How a connection to ``scheme://host:port`` is made: the decision of
    :class:`~indexclient.transport.connector.TrustConnector`, by the same predicate."""
    if scheme != "https":
        return PLAIN
    if trust.insecure_hosts and trust.insecure_match(scheme, host, port) is not None:
        return UNVERIFIED
    return VERIFIED


@dataclass(frozen=True, slots=True)
class Hop:
    """One request of a chain of redirects: where it went, how, and what identifies the
    credentials sent (the Authorization value, or for a keyring's the lookup that gave
    them; held in memory only, the cache stores its keyed digest)."""

    origin: Origin
    mode: str
    credential: str | None


def fetch_profile(hops: Sequence[Hop], cache: HttpCache) -> FetchProfile:
    """The profile of a request made through ``hops``: the weakest mode, and the keyed
    digest of what was sent (computed only when something was)."""
    mode = min((hop.mode for hop in hops), key=_STRENGTH.__getitem__)
    auth = cache.credential_digest([hop.credential for hop in hops])
    return FetchProfile(mode, auth, tuple(hop.origin for hop in hops))


def given_authorization(headers: Mapping[str, str]) -> str | None:
    """The caller's own Authorization header, however spelt."""
    for name, value in headers.items():
        if name.lower() == "authorization":
            return value
    return None


#: Answers of expected_profile kept per Credentials, at most (then started again): one
#: per recorded profile and index in a run, or per URL outside every index.
_KEPT_PROFILES = 1024


def expected_profile(
    recorded: FetchProfile,
    url: str,
    headers: Mapping[str, str],
    *,
    trust: Trust,
    credentials: Credentials,
    cache: HttpCache,
) -> FetchProfile | None:
    """How a request for ``url`` (without credentials) would be made now, through the
    redirects ``recorded``; None when the recording does not start at ``url``'s origin."""
    hops = recorded.hops
    first = origin_of(url)
    if not hops or hops[0] != first:
        return None
    given = given_authorization(headers) if headers else None
    # A warm run asks this for thousands of entries recorded the same few ways: the
    # answer is kept in ``credentials.derived()``, which every change to the
    # credentials empties, under everything else it is computed from (the trust and
    # the cache are checked by identity: they are the HTTP client's).
    key = (hops, recorded.auth, given, credentials.scope(url, first), credentials.keyring)
    kept = credentials.derived()
    found = kept.get(key)
    if type(found) is tuple and found[0] is trust and found[1] is cache:
        answer: FetchProfile = found[2]
        return answer
    answer = _expected(
        recorded, url, first, given, trust=trust, credentials=credentials, cache=cache
    )
    if len(kept) >= _KEPT_PROFILES:
        kept.clear()
    kept[key] = (trust, cache, answer)
    return answer


def _expected(
    recorded: FetchProfile,
    url: str,
    first: Origin,
    given: str | None,
    *,
    trust: Trust,
    credentials: Credentials,
    cache: HttpCache,
) -> FetchProfile:
    """expected_profile's answer, computed."""
    hops = recorded.hops
    # fetch_profile's work without its Hop objects.
    modes = [mode_of(trust, *hop) for hop in hops]
    mode = modes[0] if len(modes) == 1 else min(modes, key=_STRENGTH.__getitem__)
    auth = cache.credential_digest([credentials.for_hop(h, first, given, url) for h in hops])
    if auth != recorded.auth and recorded.auth:
        # Perhaps fetched with what netrc or a keyring gave after a refusal.
        late = [credentials.late_for_hop(h, first, given, url) for h in hops]
        if cache.credential_digest(late) == recorded.auth:
            auth = recorded.auth
    return FetchProfile(mode, auth, hops)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Why a cached answer may not answer a request as it stands.

    ``conditional`` says whether the server may be asked to confirm it (a conditional
    request, whose 304 then vouches for the stored body): not when the request would be
    made with stronger TLS than the answer was fetched with, since a verified server's
    304 cannot vouch for bytes an unverified connection delivered.
    """

    reason: str
    conditional: bool


def compare(recorded: FetchProfile | None, expected: FetchProfile | None) -> Mismatch | None:
    """None when a request made as ``expected`` may take an answer fetched as
    ``recorded``; else why not."""
    if recorded is None:
        return Mismatch("the cached answer does not say how it was fetched", False)
    if expected is None:
        return Mismatch("the cached answer was fetched from another origin", False)
    if recorded.same_way(expected):
        return None
    if recorded.mode != expected.mode:
        return Mismatch(
            f"the cached answer was fetched {_DESCRIBED[recorded.mode]}, and this request "
            f"would be made {_DESCRIBED[expected.mode]}",
            _STRENGTH[recorded.mode] >= _STRENGTH[expected.mode],
        )
    if not recorded.auth:
        reason = "the cached answer was fetched without credentials, and this request has some"
    elif not expected.auth:
        reason = "the cached answer was fetched with credentials, and this request has none"
    else:
        reason = "the cached answer was fetched with other credentials than this request has"
    return Mismatch(reason, True)
