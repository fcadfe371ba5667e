"""The sample web's pages, modelled on ``shared/samples``: pure functions from data to text.

Two article templates: the wire site's (menafn.com-like: ``<p>`` paragraphs, the
``(MENAFN- Provider)`` lead, a wire-ID line, the ``MENAFN`` line and the Legal
Disclaimer) and the partner's (WordPress-like: ``<br><br>`` runs, ``<h3>``
subheadings, JSON-LD ``datePublished``). Plus listings, RSS, sitemaps and robots.txt.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape

from wirewatch.app.sampleweb.stories import Story

WIRE_SITE_NAME = "MENAFN.COM"
PARTNER_SITE_NAME = "Gulf Business Wire"
STALE_DATELINE = "Tuesday, 02 January 2024 12:17 GMT"
PARTNER_OFFSET = timezone(timedelta(hours=4))
DISCLAIMER = (
    "MENAFN provides the information \u201cas is\u201d without warranty of any kind. We do not "
    "accept any responsibility or liability for the accuracy, content, images, videos, "
    "licenses, completeness, legality, or reliability of the information contained in this "
    "article. If you have any complaints or copyright issues related to this article, kindly "
    "contact the provider above."
)

Link = tuple[str, str]
"""An (href, text) pair."""


def attribution(story: Story) -> str:
    """``(MENAFN)`` or ``(MENAFN- Provider)``; some stories use the spaced variant, as real feeds do."""
    if story.provider == "MENAFN":
        return "(MENAFN)"
    dash = "MENAFN - " if story.number % 11 == 0 else "MENAFN- "
    return f"({dash}{story.provider})"


def wire_dateline(story: Story) -> str:
    if story.wrong_dateline:
        return STALE_DATELINE
    return f"{story.published_at:%A, %d %B %Y %H:%M} GMT"


def wire_article(story: Story, path: str, related: Sequence[Link], *, padding: int = 0) -> str:
    """The wire site's article page; ``padding`` bytes of filler make an oversized page."""
    paragraphs = []
    for index, text in enumerate(story.paragraphs):
        if index == 0:
            text = f"{attribution(story)} {text}"
        if index in story.subheadings:
            paragraphs.append(f"      <p><strong>{escape(text)}</strong></p>")
        else:
            paragraphs.append(f"      <p>{escape(text, quote=False)}</p>")
    body = "\n".join(paragraphs)
    footer = (
        '    <div class="provider-footer">\n'
        '      <p><img src="/images/menafn_smalllogo.jpg" alt="">MENAFN</p>\n'
        f'      <p class="disclaimer"><b>Legal Disclaimer:</b><br>{escape(DISCLAIMER)}</p>\n'
        "    </div>\n"
    )
    story_html = (
        f'    <div class="date">{wire_dateline(story)}</div>\n'
        f"    <h1>{escape(story.title)}</h1>\n"
        f"{_SHARE}"
        '    <div class="story-body">\n'
        f"{body}\n"
        f'      <p class="wire-id">{story.wire_id}</p>\n'
        "    </div>\n"
        f"{footer}"
    )
    filler = f"<!-- {'x' * padding} -->\n" if padding else ""
    return _wire_page(story.title, path, story_html, related, filler)


def wire_empty_shell(title: str, path: str, related: Sequence[Link]) -> str:
    """The wire template with its article body missing, as a broken CMS serves it."""
    story_html = (
        f'    <div class="date">{STALE_DATELINE}</div>\n'
        f"    <h1>{escape(title)}</h1>\n"
        f"{_SHARE}"
        '    <div class="story-body">\n    </div>\n'
    )
    return _wire_page(title, path, story_html, related, "")


_SHARE = (
    '    <div class="share"><a href="#">Facebook</a><a href="#">X</a>'
    '<a href="#">LinkedIn</a><a href="#">Email</a></div>\n'
)


def _wire_page(title: str, path: str, story_html: str, related: Sequence[Link], filler: str) -> str:
    items = "\n".join(
        f'      <li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in related
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} | {WIRE_SITE_NAME}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{escape(title)}">
<meta property="og:site_name" content="{WIRE_SITE_NAME}">
<link rel="canonical" href="{escape(path)}">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
</head>
<body>
{_wire_header()}
<main>
  <div class="ad-slot">Advertisement</div>
  <article class="story">
{story_html}  </article>
  <aside class="related">
    <h3>Most Read</h3>
    <ul>
{items}
    </ul>
  </aside>
</main>
{filler}<footer class="site-footer">&copy; MENAFN. All rights reserved. <a href="/privacy.aspx">Privacy</a></footer>
</body>
</html>
"""


def _wire_header() -> str:
    return """<header class="site-header">
  <a class="logo" href="/"><img src="/images/menafn_smalllogo.jpg" alt="MENAFN"></a>
  <nav class="menu">
    <a href="/news/world">World</a> <a href="/news/world?page=2">More news</a>
  </nav>
  <form class="search" action="/search.aspx"><input name="q" placeholder="Search"><button>Search</button></form>
</header>"""


def partner_article(story: Story, related: Sequence[Link]) -> str:
    """The partner's WordPress-like page; stories without a wire ID carry no MENAFN markers at all."""
    local = story.published_at.astimezone(PARTNER_OFFSET)
    iso = local.isoformat()
    lines = []
    for index, text in enumerate(story.paragraphs):
        if index == 0 and story.has_wire_id:
            text = f"{attribution(story)} {text}"
        if index in story.subheadings:
            lines.append(f"      <h3>{escape(text, quote=False)}</h3>")
        else:
            lines.append(f"      {escape(text, quote=False)}<br><br>")
    if story.has_wire_id:
        lines.append(f"      {story.wire_id}<br><br>")
        lines.append(
            f'      <div class="menafn-credit">MENAFN<br><br>Legal Disclaimer:<br>'
            f"{escape(DISCLAIMER)}</div>"
        )
    byline = "MENAFN" if story.has_wire_id else "Staff Reporter"
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.title,
            "datePublished": iso,
            "publisher": {"@type": "Organization", "name": PARTNER_SITE_NAME},
        }
    )
    sidebar = " ".join(f'<a href="{escape(h)}">{escape(t)}</a>' for h, t in related)
    body = "\n".join(lines)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{escape(story.title)} - {PARTNER_SITE_NAME}</title>
<meta property="article:published_time" content="{iso}">
<script type="application/ld+json">{ld}</script>
</head>
<body class="single-post">
<div id="topbar"><span class="today">Friday, 21 November 2025</span> <a href="/subscribe">Subscribe</a></div>
<div id="wrapper">
  <div class="breadcrumbs"><a href="/">Home</a> &raquo; <a href="/category/world">World</a></div>
  <div class="post">
    <h2 class="post-title">{escape(story.title)}</h2>
    <div class="post-meta">By {byline} | {local:%d %b %Y, %I:%M %p}</div>
    <div class="entry-content">
{body}
    </div>
    <div class="tags">Tags: <a href="/tag/economy">Economy</a>, <a href="/tag/gulf">Gulf</a></div>
    <div class="comments"><h4>Leave a comment</h4><form><textarea></textarea></form></div>
  </div>
  <div id="sidebar"><h4>Trending</h4>{sidebar}</div>
</div>
</body>
</html>
"""


def listing(site_name: str, heading: str, links: Sequence[Link], next_href: str | None) -> str:
    """A paginated list of article links, with ``rel="next"`` in the head and the pager."""
    items = "\n".join(
        f'    <li><a class="headline" href="{escape(href)}">{escape(text)}</a></li>'
        for href, text in links
    )
    head_next = f'<link rel="next" href="{escape(next_href)}">\n' if next_href else ""
    pager = (
        f'  <div class="pager"><a rel="next" href="{escape(next_href)}">Next &raquo;</a></div>\n'
        if next_href
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(heading)} | {escape(site_name)}</title>
{head_next}</head>
<body>
<h1>{escape(heading)}</h1>
<main>
  <ul class="news-list">
{items}
  </ul>
{pager}</main>
</body>
</html>
"""


def rss_feed(title: str, site_url: str, self_url: str, items: Iterable[tuple[Story, str]]) -> str:
    """An RSS 2.0 feed of (story, link) pairs, newest first."""
    entries = []
    newest: datetime | None = None
    for story, link in items:
        newest = max(newest, story.published_at) if newest else story.published_at
        lead = f"{attribution(story)} {story.paragraphs[0]}"
        entries.append(
            "<item>\n"
            f"<title>{escape(story.title)}</title>\n"
            f"<link>{escape(link)}</link>\n"
            f'<guid isPermaLink="false">{story.number}</guid>\n'
            f"<pubDate>{format_datetime(story.published_at, usegmt=True)}</pubDate>\n"
            f"<description>{escape(lead[:160])}...</description>\n"
            "</item>"
        )
    build = (
        f"<lastBuildDate>{format_datetime(newest, usegmt=True)}</lastBuildDate>\n" if newest else ""
    )
    body = "\n".join(entries)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{escape(title)}</title>
<link>{escape(site_url)}</link>
<description>Latest news from {escape(title)}</description>
<atom:link href="{escape(self_url)}" rel="self" type="application/rss+xml"/>
{build}{body}
</channel>
</rss>
"""


def sitemap_index(sitemaps: Iterable[tuple[str, datetime]]) -> str:
    entries = "\n".join(
        f"<sitemap><loc>{escape(loc)}</loc><lastmod>{w3c(lastmod)}</lastmod></sitemap>"
        for loc, lastmod in sitemaps
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}\n</sitemapindex>\n"
    )


def sitemap(urls: Iterable[tuple[str, datetime]]) -> str:
    entries = "\n".join(
        f"<url><loc>{escape(loc)}</loc><lastmod>{w3c(lastmod)}</lastmod></url>"
        for loc, lastmod in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}\n</urlset>\n"
    )


def w3c(moment: datetime) -> str:
    """W3C datetime as sitemaps use it: ``2025-11-17T09:42:00+00:00``."""
    return moment.isoformat(timespec="seconds")


def robots_txt(disallow: Sequence[str], sitemap_url: str | None) -> str:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallow)]
    if sitemap_url:
        lines += ["", f"Sitemap: {sitemap_url}"]
    return "\n".join(lines) + "\n"


def error_page(status: int, reason: str) -> str:
    return (
        f"<!DOCTYPE html>\n<html><head><title>{status} {escape(reason)}</title></head>"
        f"<body><h1>{status} {escape(reason)}</h1><p>Please try again later.</p></body></html>\n"
    )
