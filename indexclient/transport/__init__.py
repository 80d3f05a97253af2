"""aiohttp transport: the trust-aware connector, HTTP with checked redirects, errors."""

from indexclient.transport.connector import TrustConnector
from indexclient.transport.http import HttpClient, Response, redact_url

__all__ = ["HttpClient", "Response", "TrustConnector", "redact_url"]
