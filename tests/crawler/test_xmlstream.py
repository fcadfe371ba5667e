"""Feeds and sitemaps read a piece at a time: sizes checked first, entities never resolved."""

import gzip
from pathlib import Path

import psutil
import pytest

from wirewatch.crawler.discover import (
    BadLink,
    DiscoveryError,
    DocumentTooLarge,
    Entry,
    checked_size,
    chunks,
    read_feed,
    read_sitemap,
)
from wirewatch.crawler.discover.xmlstream import CHUNK_BYTES, head

BASE = "https://wire.example/sitemap.xml"


def sitemap(*locs: str, doctype: str = "") -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0"?>{doctype}<urlset>{entries}</urlset>'.encode()


def feed(*links: str, doctype: str = "") -> bytes:
    items = "".join(f"<item><link>{link}</link></item>" for link in links)
    return f'<?xml version="1.0"?>{doctype}<rss><channel>{items}</channel></rss>'.encode()


def test_a_gzipped_document_is_measured_inflated_and_one_over_its_limit_refused() -> None:
    body = sitemap(*(f"https://wire.example/1110{n:06d}/s" for n in range(2000)))
    packed = gzip.compress(body)
    assert checked_size(packed, len(body)) == len(body)
    with pytest.raises(DocumentTooLarge, match="inflates to more than"):
        checked_size(packed, len(body) - 1)
    with pytest.raises(DocumentTooLarge, match=r"^is more than"):
        checked_size(body, len(body) - 1)


def test_gzip_members_are_all_inflated_and_a_broken_gzip_is_an_error() -> None:
    assert b"".join(chunks(gzip.compress(b"<urlset>") + gzip.compress(b"</urlset>"))) == (
        b"<urlset></urlset>"
    )
    packed = gzip.compress(bytes(range(256)) * 400)
    with pytest.raises(DiscoveryError, match="cut short"):
        checked_size(packed[: len(packed) // 2], 10**9)
    corrupt = packed[:20] + bytes(b ^ 0xFF for b in packed[20:60]) + packed[60:]
    with pytest.raises(DiscoveryError, match="not readable as gzip"):
        checked_size(corrupt, 10**9)
    assert head(gzip.compress(b"<urlset>" + b" " * 10_000), 8) == b"<urlset>"


def test_an_entry_split_across_chunks_reads_whole() -> None:
    loc = "https://wire.example/1110354612/a?x=1&y=2&amp;z=3"
    body = sitemap("https://wire.example/0", loc)
    cut = body.index(b"&y") + 1
    entries = list(read_sitemap([body[:cut], body[cut:]], BASE))
    assert entries[1] == Entry("https://wire.example/1110354612/a?x=1&y=2&z=3")


def test_bare_ampersands_are_kept_but_cdata_is_left_as_written() -> None:
    body = feed(
        "https://wire.example/a?x=1&y=2",
        "<![CDATA[https://wire.example/b?x=1&y=2&amp;]]>",
        "https://wire.example/c?p=&#38;&lt;",
    )
    assert [e.url for e in read_feed([body], BASE) if isinstance(e, Entry)] == [
        "https://wire.example/a?x=1&y=2",
        "https://wire.example/b?x=1&y=2&amp;",
        "https://wire.example/c?p=&<",
    ]


def test_character_references_decode_and_other_entities_make_the_address_a_bad_link(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    doctype = (
        f'<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY inner "declared">]>'
    )
    body = sitemap(
        "https://wire.example/1110000020/xxe-&xxe;-tail",
        "https://wire.example/1110000021/inner-&inner;",
        "https://wire.example/1110000022/story&#45;one&#x2D;two",
        "https://wire.example/1110000023/caf&eacute;&nbsp;x",
        doctype=doctype,
    )
    assert list(read_sitemap([body], BASE)) == [
        BadLink(
            "https://wire.example/1110000020/xxe-&xxe;-tail",
            "uses the entity &xxe;, which is never resolved",
        ),
        BadLink(
            "https://wire.example/1110000021/inner-&inner;",
            "uses the entity &inner;, which is never resolved",
        ),
        Entry("https://wire.example/1110000022/story-one-two"),
        Entry("https://wire.example/1110000023/caf\u00e9\u00a0x"),
    ]


def test_an_unparsable_address_is_a_bad_link_not_an_error() -> None:
    assert list(read_feed([feed("http://[broken/")], BASE)) == [
        BadLink("http://[broken/", "not a valid address: Invalid IPv6 URL")
    ]


def test_a_large_sitemap_is_read_without_building_it_in_memory() -> None:
    lines = b"".join(
        b"<url><loc>https://wire.example/1110%06d/s</loc></url>\n" % n for n in range(300_000)
    )
    junk = b"<junk/>" * 200_000
    body = b"<urlset>" + lines + junk + b"</urlset>"
    assert len(body) > 15 * CHUNK_BYTES
    process = psutil.Process()
    before = process.memory_info().rss
    count = 0
    peak = before
    for count, _ in enumerate(read_sitemap(chunks(body), BASE), start=1):
        if count % 20_000 == 0:
            peak = max(peak, process.memory_info().rss)
    assert count == 300_000
    assert peak - before < 40 * 2**20, f"reading grew RSS by {(peak - before) / 2**20:.0f} MB"
