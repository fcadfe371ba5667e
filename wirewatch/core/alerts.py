"""What a watch's webhook receives: the body, its signature, and when to try again.

Pure functions: the delivery pass (``scheduler.delivery``) reads the match and
its story from storage, builds the body here, posts it, and records the result.

- ``json`` bodies: ``{"watch", "event", "match_id", "matched_at", "story": {...}}``
  with the story's id, wire ID, title, provider, published_at, canonical address,
  every address, the matched revision and a short excerpt.
- ``slack`` bodies: ``{"text": ...}``, which Slack and Mattermost incoming
  webhooks post as a message; the page's text is escaped for their markup.
- The signature is ``sha256=<hex of HMAC-SHA256(secret, body)>``, sent in
  ``X-Wirewatch-Signature``.
"""

import hashlib
import hmac
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

EXCERPT_CHARS = 300
SIGNATURE_HEADER = "X-Wirewatch-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class AlertStory:
    """The story of a match, at the matched revision."""

    id: int
    wire_id: str | None
    title: str
    provider: str
    published_at: datetime | None
    canonical_url: str
    addresses: tuple[str, ...]
    revision: int
    body: str


@dataclass(frozen=True)
class Alert:
    """One match to deliver: what matched, and for which watch."""

    match_id: int
    watch: str
    event: str
    matched_at: datetime
    story: AlertStory


def excerpt(body: str, limit: int = EXCERPT_CHARS) -> str:
    """The body's beginning, cut at a word boundary, with ``…`` when cut."""
    flat = " ".join(body.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + "…"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def alert_document(alert: Alert) -> dict[str, object]:
    """The ``json`` format's body, as a mapping."""
    story = alert.story
    return {
        "watch": alert.watch,
        "event": alert.event,
        "match_id": alert.match_id,
        "matched_at": _iso(alert.matched_at),
        "story": {
            "id": story.id,
            "wire_id": story.wire_id,
            "title": story.title,
            "provider": story.provider,
            "published_at": _iso(story.published_at),
            "canonical_url": story.canonical_url,
            "addresses": list(story.addresses),
            "revision": story.revision,
            "excerpt": excerpt(story.body),
        },
    }


def slack_escape(text: str) -> str:
    """Text as Slack/Mattermost markup shows it literally (``&``, ``<``, ``>`` escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(alert: Alert) -> str:
    story = alert.story
    what = "new story" if alert.event == "new" else f"revised story (revision {story.revision})"
    when = f"{story.published_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if story.published_at else ""
    link = f"<{slack_escape(story.canonical_url)}|{slack_escape(story.title)}>"
    details = " · ".join(part for part in (slack_escape(story.provider), when) if part)
    lines = [f"wirewatch *{alert.watch}*: {what}", link, details, slack_escape(excerpt(story.body))]
    return "\n".join(line for line in lines if line)


def alert_body(alert: Alert, fmt: str) -> bytes:
    """The POST body in the watch's format (``json`` or ``slack``), UTF-8 JSON."""
    document = {"text": slack_text(alert)} if fmt == "slack" else alert_document(alert)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """The ``X-Wirewatch-Signature`` value: ``sha256=`` and the HMAC-SHA256 of the body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def alert_headers(alert: Alert, body: bytes, secret: str | None, user_agent: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": user_agent,
        IDEMPOTENCY_HEADER: str(alert.match_id),
    }
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, body)
    return headers


def backoff(
    attempts: int, initial: float, maximum: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait after the ``attempts``-th failed try: doubling from ``initial``, capped
    at ``maximum``, then jittered down by up to half so that many failed matches spread out."""
    ceiling = min(maximum, initial * 2 ** max(0, attempts - 1))
    return ceiling * (0.5 + 0.5 * (rng or random).random())


def addresses_of(urls: Sequence[str], canonical: str) -> tuple[str, ...]:
    """Every address, the canonical one first."""
    return (canonical, *(url for url in urls if url != canonical))
