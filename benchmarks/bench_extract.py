"""Extraction throughput: ``crawler.extract.extract`` vs ``trafilatura.extract`` vs a bare parse.

Builds at least 500 MENAFN-style pages from the golden templates (each copy with
its own wire ID, article number and shuffled sentences), then times, in the same
run and on the same pages, our extraction, trafilatura's, and
``lxml.html.fromstring`` alone (the floor no extractor beats). Prints pages per
second for each (median of the repeats) and the ratios against the targets:
at least 10x trafilatura, within 3x of the bare parse.

Run: ``.venv/bin/python benchmarks/bench_extract.py [--pages N] [--repeats R]``
"""

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
import trafilatura

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from crawler.extract import extract  # noqa: E402
from wirewatch.record import ArticleRecord  # noqa: E402

TEMPLATES = REPO_ROOT / "tests" / "crawler" / "extract" / "templates"
_WIRE_ID = re.compile(rb"MENAFN(\d{8})(\d{12})ID(\d{10})")
_SENTENCE_WORDS = (
    b"ministry officials markets growth investors exports quarter percent agreement project "
    b"regional banks energy port trade council statement analysts capacity funding"
).split()

Page = tuple[str, bytes, dict[str, str]]


def _variant(body: bytes, number: int, rng: random.Random) -> bytes:
    """The template with a new wire ID and article number and an extra sentence in the text."""
    article = 1_200_000_000 + number
    body = _WIRE_ID.sub(lambda m: b"MENAFN%s%sID%d" % (m[1], m[2], article), body)
    words = b" ".join(rng.choice(_SENTENCE_WORDS) for _ in range(rng.randint(8, 20)))
    return body.replace(b"percent", b"percent, " + words, 1)


def build_pages(count: int, seed: int = 7) -> list[Page]:
    """``count`` pages cycling through every template in the golden manifest."""
    manifest = json.loads((TEMPLATES / "manifest.json").read_text(encoding="utf-8"))
    sources = [
        (entry["url"], (TEMPLATES / f"{name}.html").read_bytes(), entry["headers"])
        for name, entry in manifest.items()
    ]
    rng = random.Random(seed)
    return [
        (url, _variant(body, index, rng), headers)
        for index, (url, body, headers) in enumerate(
            sources[i % len(sources)] for i in range(count)
        )
    ]


def _ours(page: Page) -> object:
    return extract(*page)


def _trafilatura(page: Page) -> object:
    return trafilatura.extract(page[1], url=page[0])


def _bare_parse(page: Page) -> object:
    return lxml.html.fromstring(page[1])


def pages_per_second(function: Callable[[Page], object], pages: list[Page], repeats: int) -> float:
    """Median pages/s over ``repeats`` passes."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for page in pages:
            function(page)
        rates.append(len(pages) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=560)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trafilatura-repeats", type=int, default=3)
    args = parser.parse_args()

    pages = build_pages(args.pages)
    records = sum(isinstance(_ours(page), ArticleRecord) for page in pages)
    print(f"{len(pages)} pages, {len(pages) // 7} per template; {records} became records")
    ours = pages_per_second(_ours, pages, args.repeats)
    bare = pages_per_second(_bare_parse, pages, args.repeats)
    trafila = pages_per_second(_trafilatura, pages, args.trafilatura_repeats)
    print(f"{'crawler.extract.extract':<26} {ours:10.0f} pages/s")
    print(f"{'trafilatura.extract':<26} {trafila:10.0f} pages/s")
    print(f"{'lxml.html.fromstring':<26} {bare:10.0f} pages/s")
    print(f"ours / trafilatura = {ours / trafila:5.1f}x  (target >= 10x)")
    print(f"bare parse / ours  = {bare / ours:5.1f}x  (target <= 3x)")


if __name__ == "__main__":
    main()
