"""Private keys: the kinds on offer, a process-wide cache of the slow ones, and PEM encoding."""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Iterator, Sequence
from typing import Literal, TypeAlias, get_args

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

KeyType: TypeAlias = Literal[
    "rsa1024",
    "rsa2048",
    "rsa3072",
    "rsa4096",
    "ec-p256",
    "ec-p384",
    "ec-p521",
    "ec-secp256k1",
    "ed25519",
    "dsa2048",
]
"""The kinds of key this module can generate. ``ec-secp256k1`` is a curve the client's policy
rejects, ``rsa1024`` and ``dsa2048`` are there to test refusal of weak or obsolete keys."""

KEY_TYPES: tuple[KeyType, ...] = get_args(KeyType)
"""Every :data:`KeyType`, handy for ``pytest.mark.parametrize``."""

KeyFormat: TypeAlias = Literal["pkcs8", "pkcs1", "sec1"]
"""PEM private-key encodings: PKCS#8 (any key), PKCS#1 (RSA only), SEC1 (EC only)."""

PrivateKey: TypeAlias = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | dsa.DSAPrivateKey
)
"""The private key types :func:`generate_key` returns."""

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ec-p256": ec.SECP256R1,
    "ec-p384": ec.SECP384R1,
    "ec-p521": ec.SECP521R1,
    "ec-secp256k1": ec.SECP256K1,
}

KEY_POOL_SIZE = 4
"""How many distinct keys of each slow kind (RSA, DSA) issuing methods cycle through."""

# Slow kinds come from the cache; EC and Ed25519 keys take well under a millisecond, so issuing
# methods always make fresh ones and never have to reason about sharing.
_SLOW_KINDS = frozenset({"rsa1024", "rsa2048", "rsa3072", "rsa4096", "dsa2048"})

_key_cache: dict[tuple[KeyType, int], PrivateKey] = {}
_key_cache_lock = threading.Lock()
_pool_counters: dict[KeyType, Iterator[int]] = {}


@functools.cache
def _dsa_parameters() -> dsa.DSAParameters:
    # Generating DSA domain parameters is the slow part (up to seconds); keys sharing them is
    # normal practice (FIPS 186 domain parameters) and makes each further key cheap.
    return dsa.generate_parameters(key_size=2048)


def _new_key(kind: KeyType) -> PrivateKey:
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    if kind in _CURVES:
        return ec.generate_private_key(_CURVES[kind]())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "dsa2048":
        return _dsa_parameters().generate_private_key()
    raise ValueError(f"unknown key type {kind!r}; expected one of {', '.join(KEY_TYPES)}")


def generate_key(kind: KeyType, slot: int | None = 0) -> PrivateKey:
    """Return a private key of ``kind``, from a process-wide cache.

    RSA keys (a quarter of a second or more for 4096 bits) and the first DSA key (domain
    parameters, shared by later DSA keys) are slow to make, so keys are cached by
    ``(kind, slot)``: the same ``slot`` always returns the same key object, different slots
    give different keys, and each slot is generated lazily on first use (an ``rsa4096`` key is
    never made unless asked for). ``slot=None`` bypasses the cache and returns a fresh key.
    Keys are immutable, so sharing them between tests is safe.

    Issuing methods without an explicit ``key`` take fresh EC/Ed25519 keys and rotate RSA/DSA
    keys through slots ``0..KEY_POOL_SIZE-1``, never reusing a key of the issuing chain.
    """
    if kind not in KEY_TYPES:
        raise ValueError(f"unknown key type {kind!r}; expected one of {', '.join(KEY_TYPES)}")
    if slot is None:
        return _new_key(kind)
    with _key_cache_lock:
        key = _key_cache.get((kind, slot))
        if key is None:
            key = _key_cache[(kind, slot)] = _new_key(kind)
        return key


def _public_der(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _allocate_key(kind: KeyType, avoid: Sequence[PrivateKey] = ()) -> PrivateKey:
    """A key for a new certificate: fresh when cheap, else the next cached one in rotation.

    ``avoid`` holds the issuer chain's keys, so a certificate never shares its key with the
    authority that signed it (a leaf whose key is its issuer's would be a confusing fixture).
    """
    if kind not in _SLOW_KINDS:
        return generate_key(kind, slot=None)
    avoided = {_public_der(k) for k in avoid}
    for _ in range(KEY_POOL_SIZE):
        with _key_cache_lock:
            counter = _pool_counters.setdefault(kind, itertools.cycle(range(KEY_POOL_SIZE)))
            slot = next(counter)
        key = generate_key(kind, slot=slot)
        if _public_der(key) not in avoided:
            return key
    # Only reachable if the chain already holds every pooled key: step outside the pool.
    return generate_key(kind, slot=None)


def _private_pem(key: PrivateKey, fmt: KeyFormat, password: bytes | None) -> bytes:
    if fmt == "pkcs8":
        private_format = serialization.PrivateFormat.PKCS8
    elif fmt == "pkcs1":
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"PKCS#1 encodes RSA keys only, not {type(key).__name__}")
        private_format = serialization.PrivateFormat.TraditionalOpenSSL
    elif fmt == "sec1":
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"SEC1 encodes EC keys only, not {type(key).__name__}")
        private_format = serialization.PrivateFormat.TraditionalOpenSSL
    else:
        raise ValueError(f"unknown key format {fmt!r}")
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password is not None
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, private_format, encryption)
