"""Address canonicalisation: one story address, however a feed decorated it."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
