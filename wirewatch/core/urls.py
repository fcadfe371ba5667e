"""Address canonicalisation: one story address, however a feed decorated it."""

import re
from collections.abc import Sequence
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset({"src", "ref", "fbclid", "gclid"})
TRACKING_PREFIXES = ("utm_",)


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


# Most story addresses: no port or user, query parameters whose names and values need no
# quoting. Canonical once scheme and host are lower-cased and tracking parameters and
# fragment dropped.
_PLAIN_ADDRESS = re.compile(r"((?i:https?))://([A-Za-z0-9.-]+)(/[^?#\s]*)?(?:\?([^#\s]*))?(?:#.*)?")
_PLAIN_PARAMETER = re.compile(r"([A-Za-z0-9_.~-]+)(?:=([A-Za-z0-9_.~-]*))?")


def canonicalise_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment, default ports and tracking parameters.

    The path and the order of the remaining query parameters are kept: they can be
    meaningful to the site.
    """
    plain = _PLAIN_ADDRESS.fullmatch(url)
    if plain is not None:
        scheme, host, path, query = plain.groups()
        kept = _plain_query(query or "")
        if kept is not None:
            address = f"{scheme.lower()}://{host.lower()}{path or '/'}"
            return f"{address}?{kept}" if kept else address
    return canonicalise_parts(url)


def _plain_query(query: str) -> str | None:
    """The query without tracking parameters, or None when a parameter needs (un)quoting."""
    kept = []
    for part in query.split("&"):
        if not part:
            continue
        parameter = _PLAIN_PARAMETER.fullmatch(part)
        if parameter is None:
            return None
        name, value = parameter.groups()
        if not is_tracking_parameter(name):
            kept.append(f"{name}={value or ''}")
    return "&".join(kept)


def canonicalise_parts(url: str) -> str:
    """``canonicalise_url`` for any address, through ``urllib.parse``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = parts.query and urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not is_tracking_parameter(k)
        ],
        doseq=True,
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_PORT = re.compile(r"^[^:/\s]+:\d{1,5}$")
"""An ``allowed_domains`` entry that names a port: ``127.0.0.1:18100``."""


def site_of(url: str) -> str:
    """The host of ``url``, with ``:port`` when the address names a port other than its scheme's.

    What ``allowed_domains`` defaults to for a start URL: ``http://127.0.0.1:18100/feed``
    gives ``127.0.0.1:18100``, ``https://menafn.com:443/rss`` gives ``menafn.com``.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = _port(parts.port if _valid_port(parts) else None, parts.scheme)
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def on_site(url: str, sites: Sequence[str]) -> bool:
    """Whether ``url`` belongs to one of ``sites`` (``allowed_domains`` entries); none: any.

    An entry is a host name, which covers its subdomains on every port
    (``menafn.com``: ``www.menafn.com``, ``menafn.com:8080``), or ``host:port``,
    which covers that host and its subdomains on that port alone (the scheme's
    default port when the address names none): a port is part of a site's
    identity only when the entry says so.
    """
    if not sites:
        return True
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "http://[broken/": on no site
        return False
    host = (parts.hostname or "").lower()
    if not host or not _valid_port(parts):
        return False
    port = _port(parts.port, parts.scheme)
    for site in sites:
        name, wanted = split_site(site)
        if (host == name or host.endswith("." + name)) and wanted in (None, port):
            return True
    return False


def split_site(site: str) -> tuple[str, int | None]:
    """An ``allowed_domains`` entry as (host name, port or None for any port)."""
    site = site.strip().lower()
    if _HOST_PORT.match(site):
        name, _, port = site.rpartition(":")
        return name, int(port)
    return site, None


def _valid_port(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 -- raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return True


def _port(explicit: int | None, scheme: str) -> int | None:
    return explicit if explicit is not None else DEFAULT_PORTS.get(scheme.lower())
