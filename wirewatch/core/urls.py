"""Address canonicalisation: one story address, however a feed decorated it.

Built on w3lib (Scrapy's own URL library): ``canonicalize_url`` makes the
address safe and normalises its path (percent-escapes upper-cased and decoded
where they need not be, so ``%7E`` is ``~``; non-ASCII characters escaped as
UTF-8; dot segments resolved) and its host (lower case; IPv6 literals in their
RFC 5952 form, brackets kept); ``url_query_cleaner`` drops our tracking
parameters (data-contract.md, ``article_urls.url``). On top: the fragment, a
default port and a password are dropped.

The query keeps its parameters in the site's order. ``canonicalize_url`` would
sort them; it is not used on the query because sorting would change the key of
every stored address whose query has two parameters or more (the next crawl
would see each such story at a "new" address and fetch it again), and a site
writes its own links in one order anyway. Keys stored before w3lib stay valid:
what changes is only addresses that were not in canonical form to begin with
(lower-case or needless escapes, dot segments, raw non-ASCII paths, which
Scrapy's requests escape anyway, and IPv6 hosts, which were mangled).
"""

import re
from collections.abc import Sequence
from urllib.parse import SplitResult, parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

TRACKING_PARAMETERS = frozenset({"src", "ref", "fbclid", "gclid"})
TRACKING_PREFIXES = ("utm_",)


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


# Most story addresses: no port or user, a path and query parameters that need no
# (un)quoting, no dot segment. Canonical once scheme and host are lower-cased and
# tracking parameters and fragment dropped.
_PLAIN_ADDRESS = re.compile(
    r"((?i:https?))://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::([1-9][0-9]{0,4}))?"
    r"((?:/(?!\.\.?(?:/|[?#]|$))[A-Za-z0-9_.~!$&'()*+,=:@-]*)*)(?:\?([^#\s]*))?(?:#.*)?"
)
_MAX_PORT = 65535
_PLAIN_PARAMETER = re.compile(r"([A-Za-z0-9_.~-]+)(?:=([A-Za-z0-9_.~-]*))?")


def canonicalise_url(url: str) -> str:
    """Lower-case scheme and host, normalised path, no fragment, default port or tracking.

    The remaining query parameters keep their order: they can be meaningful to
    the site, and stored keys depend on it (see the module docstring). Raises
    ``ValueError`` for an address that does not parse (a bad port or IPv6 literal).
    """
    plain = _PLAIN_ADDRESS.fullmatch(url)
    if plain is not None:
        scheme, host, port, path, query = plain.groups()
        kept = _plain_query(query or "")
        if kept is not None and (port is None or int(port) <= _MAX_PORT):
            scheme = scheme.lower()
            if port is not None and int(port) != DEFAULT_PORTS[scheme]:
                host = f"{host}:{port}"
            address = f"{scheme}://{host.lower()}{path or '/'}"
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
    """``canonicalise_url`` for any address, through w3lib."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    address = canonicalize_url(urlunsplit((scheme, host, parts.path or "/", "", "")))
    query = _clean_query(parts.query)
    return f"{address}?{query}" if query else address


def _clean_query(query: str) -> str:
    """The query without tracking parameters, each parameter quoted once, in the site's order."""
    if not query:
        return ""
    tracking = [
        key
        for key, _, _ in (part.partition("=") for part in query.split("&"))
        if is_tracking_parameter(unquote_plus(key))
    ]
    kept = url_query_cleaner("?" + query, tracking, remove=True, unique=False).lstrip("?")
    return urlencode(parse_qsl(kept, keep_blank_values=True), doseq=True)


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
