"""Address canonicalisation: one story address, however a feed decorated it."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset({"src", "ref", "fbclid", "gclid"})
TRACKING_PREFIXES = ("utm_",)


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


# An address that is canonical already but for an empty path or tracking parameters:
# most story addresses.
_PLAIN_ADDRESS = re.compile(r"(https?)://([a-z0-9.-]+)(/[^?#\s]*)?(?:\?([^#\s]*))?")


def canonicalize_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment, default ports and tracking parameters.

    The path and the order of the remaining query parameters are kept: they can be
    meaningful to the site.
    """
    plain = _PLAIN_ADDRESS.fullmatch(url)
    if plain is not None:
        scheme, host, path, query = plain.groups()
        if not query or all(_is_dropped(part) for part in query.split("&")):
            return f"{scheme}://{host}{path or '/'}"
    return canonicalize_parts(url)


def _is_dropped(part: str) -> bool:
    """An empty query part or a tracking parameter (still one once its name is unquoted)."""
    return not part or is_tracking_parameter(part.partition("=")[0])


def canonicalize_parts(url: str) -> str:
    """``canonicalize_url`` for any address, through ``urllib.parse``."""
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
