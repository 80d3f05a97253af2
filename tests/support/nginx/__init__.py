"""nginx as a test fixture: real TLS servers on 127.0.0.1, one ``server {}`` per case.

The asyncio servers of :mod:`indexclient.testing.servers` run Python's own ``ssl`` module on
both ends of the connection. nginx is an independent implementation of the server side (its
own OpenSSL configuration, alerts, ranges, ETags, keep-alive), so serving the same cases
through it shows that the client works against the servers people actually run::

    sites = [Site("ok", root=www, cert=pki.root.issue_leaf())]
    with NginxServer(sites) as nginx:
        url = nginx.url("ok")              # https://127.0.0.1:<port>/
        ...
        nginx.access_log("ok")             # what nginx saw, one AccessLogEntry per request

Everything nginx writes (configuration, certificates, keys, pid file, logs, temporary
directories) lives in one private directory; nothing needs root, and nothing listens
anywhere but on 127.0.0.1. nginx runs in the foreground as a single process
(``daemon off; master_process off;``), so there are no workers to switch users and a plain
``SIGQUIT`` stops it.

Static simple indexes for it to serve come from :mod:`support.static_index`:
for a site with ``negotiate=True`` the directories under ``/simple/`` answer with
``index.json`` (as ``application/vnd.pypi.simple.v1+json``) when the Accept header asks for
PEP 691 JSON, and with ``index.html`` otherwise, with ``Vary: Accept``.
"""

from support.nginx.access_log import AccessLogEntry
from support.nginx.binary import (
    NGINX_LOCATIONS,
    SKIP_REASON,
    NginxError,
    find_nginx,
    nginx_version,
)
from support.nginx.server import NginxServer
from support.nginx.site import ClientCertCheck, Site, TLSProtocol

__all__ = [
    "NGINX_LOCATIONS",
    "SKIP_REASON",
    "AccessLogEntry",
    "ClientCertCheck",
    "NginxError",
    "NginxServer",
    "Site",
    "TLSProtocol",
    "find_nginx",
    "nginx_version",
]
