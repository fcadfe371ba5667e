"""Extraction throughput: ``crawler.extract.extract`` vs ``trafilatura.extract`` vs a bare parse.

Builds at least 500 MENAFN-style pages from the golden templates (each copy with
its own wire ID, article number and shuffled sentences), then times, in the same
run and on the same pages, our extraction, trafilatura's, and
``lxml.html.fromstring`` alone (the floor no extractor beats). Prints pages per
second for each (median of the repeats) and the ratios against the targets:
at least 10x trafilatura, within 3x of the bare parse. When the compiled tree
walks are built, our extraction is also timed with the Python walks instead,
the speed of an install without a C compiler, in a separate round of passes.
Last, the ratio to the bare parse as the same pages carry more of a real
page's weight (our cost per page is roughly fixed on top of the parse).

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

from wirewatch.core.record import ArticleRecord  # noqa: E402
from wirewatch.crawler.extract import extract, speedups  # noqa: E402

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


_HEAD_END = re.compile(rb"(?i)</head\s*>")
_BODY_START = re.compile(rb"(?i)<body[^>]*>")
_BODY_END = re.compile(rb"(?i)</body\s*>")


def _page_weight(rng: random.Random, scale: float = 1.0) -> tuple[bytes, bytes, bytes]:
    """Head, top and bottom markup of the weight real news pages carry around a story.

    A tracking and ad script, a stylesheet, social and app metadata, a menu,
    a most-read list and a footer of links: no markers, no dates, so the
    record stays the same. ``scale`` shrinks or grows every part alike.
    """
    words = [w.decode() for w in _SENTENCE_WORDS]

    def count(full: int) -> int:
        return round(full * scale)

    script = "".join(
        f"window.dataLayer.push({{'event':'{rng.choice(words)}','slot':'div-gpt-{i}',"
        f"'sizes':[[300,250],[728,90]],'targeting':{{'section':'{rng.choice(words)}'}}}});\n"
        for i in range(count(120))
    )
    style = "".join(f".c{i}{{margin:{i % 7}px;color:#{i:06x}}}\n" for i in range(count(400)))
    metas = "".join(
        f'<meta name="app-{i}" content="{rng.choice(words)} {rng.choice(words)}">\n'
        f'<link rel="preload" href="/static/{i}.js" as="script">\n'
        for i in range(count(30))
    )
    head = f"<script>{script}</script>\n<style>{style}</style>\n{metas}"
    links = "".join(
        f'<li class="menu-item"><a href="/section/{i}/{rng.choice(words)}">'
        f"{rng.choice(words).title()} {rng.choice(words)}</a></li>\n"
        for i in range(count(150))
    )
    top = f'<nav class="main-menu"><ul>{links}</ul></nav>\n'
    most_read = "".join(
        f'<li><a href="/story/{i}">{" ".join(rng.choice(words) for _ in range(9))}</a></li>\n'
        for i in range(count(40))
    )
    bottom = (
        f'<aside class="most-read"><ol>{most_read}</ol></aside>\n'
        f'<footer class="site-footer"><ul>{links}</ul></footer>\n'
        f'<script src="/static/app.js"></script><script>{script[: count(3000)]}</script>\n'
    )
    return head.encode(), top.encode(), bottom.encode()


def _wrap(body: bytes, head: bytes, top: bytes, bottom: bytes) -> bytes:
    body = _HEAD_END.sub(lambda m: head + m[0], body, count=1)
    body = _BODY_START.sub(lambda m: m[0] + top, body, count=1)
    return _BODY_END.sub(lambda m: bottom + m[0], body, count=1)


def with_page_weight(pages: list[Page], seed: int = 11, scale: float = 1.0) -> list[Page]:
    """The same pages with a real page's head, menu, lists and footer around the story."""
    rng = random.Random(seed)
    weighted = []
    for url, body, headers in pages:
        head, top, bottom = _page_weight(rng, scale)
        weighted.append((url, _wrap(body, head, top, bottom), headers))
    return weighted


def _ours(page: Page) -> object:
    return extract(*page)


def _ours_python_walks(page: Page) -> object:
    """Our extraction as installed without a C compiler: the Python tree walks."""
    compiled, speedups.treewalk = speedups.treewalk, None
    try:
        return extract(*page)
    finally:
        speedups.treewalk = compiled


def _trafilatura(page: Page) -> object:
    return trafilatura.extract(page[1], url=page[0])


def _bare_parse(page: Page) -> object:
    return lxml.html.fromstring(page[1])


CHUNK = 70
OURS = "wirewatch.crawler.extract.extract"
TRAFILATURA = "trafilatura.extract"
BARE = "lxml.html.fromstring"
PYTHON_WALKS = "Python walks"


def _one_pass(
    contenders: dict[str, Callable[[Page], object]], pages: list[Page], clock: Callable[[], float]
) -> dict[str, float]:
    """Pages/s of each contender over one pass.

    Contenders take turns chunk by chunk (in rotating order), so a burst of load
    from other processes hits all of them alike, while each chunk still runs with
    its own code and data warm, as it would in a crawl.
    """
    spent = dict.fromkeys(contenders, 0.0)
    names = list(contenders)
    for number, first in enumerate(range(0, len(pages), CHUNK)):
        chunk = pages[first : first + CHUNK]
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            function = contenders[name]
            start = clock()
            for page in chunk:
                function(page)
            spent[name] += clock() - start
    return {name: len(pages) / seconds for name, seconds in spent.items()}


def measure(
    contenders: dict[str, Callable[[Page], object]],
    pages: list[Page],
    repeats: int,
    clock: Callable[[], float],
    slow: str | None = None,
    slow_repeats: int = 0,
) -> dict[str, float]:
    """Median pages/s of each contender over the repeats (``slow`` only in the first few)."""
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(repeats):
        running = {
            name: function
            for name, function in contenders.items()
            if name != slow or round_number < slow_repeats
        }
        for name, rate in _one_pass(running, pages, clock).items():
            rates[name].append(rate)
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=560)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trafilatura-repeats", type=int, default=3)
    parser.add_argument(
        "--clock",
        choices=["cpu", "wall"],
        default="cpu",
        help="cpu: process CPU time (steady on a shared machine); wall: elapsed time",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 140 pages, 2 passes (1 for trafilatura)"
    )
    args = parser.parse_args()
    if args.quick:
        args.pages, args.repeats, args.trafilatura_repeats = 140, 2, 1
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    fixtures = build_pages(args.pages)
    for title, pages in (
        ("fixture-size pages", fixtures),
        ("the same pages with a real page's weight", with_page_weight(fixtures)),
    ):
        print(f"\n== {title} ==")
        _report(pages, args.repeats, args.trafilatura_repeats, args.clock, clock)
    if not args.quick:
        _report_by_weight(fixtures, args.repeats, clock)


def _report(
    pages: list[Page],
    repeats: int,
    trafilatura_repeats: int,
    clock_name: str,
    clock: Callable[[], float],
) -> None:
    records = sum(isinstance(_ours(page), ArticleRecord) for page in pages)
    templates = len({url for url, _, _ in pages})
    size = statistics.median(len(body) for _, body, _ in pages) / 1024
    print(
        f"{len(pages)} pages from {templates} templates, median {size:.1f} KiB; {records} became records"
    )
    print(
        f"clock: {clock_name}; median of {repeats} passes ({trafilatura_repeats} for trafilatura); "
        f"tree walks: {'compiled' if speedups.treewalk is not None else 'Python (not built)'}"
    )
    targets: dict[str, Callable[[Page], object]] = {
        OURS: _ours,
        TRAFILATURA: _trafilatura,
        BARE: _bare_parse,
    }
    rates = measure(targets, pages, repeats, clock, TRAFILATURA, trafilatura_repeats)
    for name, rate in rates.items():
        print(f"{name:<26} {rate:10.0f} pages/s")
    ours, trafila, bare = rates[OURS], rates[TRAFILATURA], rates[BARE]
    print(f"ours / trafilatura = {ours / trafila:5.2f}x  (target >= 10x)")
    print(f"bare parse / ours  = {bare / ours:5.2f}x  (target <= 3x)")
    if speedups.treewalk is not None:
        walks = measure({OURS: _ours, PYTHON_WALKS: _ours_python_walks}, pages, repeats, clock)
        print(
            f"then on their own: {walks[OURS]:.0f} pages/s compiled, "
            f"{walks[PYTHON_WALKS]:.0f} with the Python walks: "
            f"{walks[OURS] / walks[PYTHON_WALKS]:.2f}x"
        )


WEIGHTS = (0.0, 0.0625, 0.125, 0.25, 0.5, 1.0)


def _report_by_weight(pages: list[Page], repeats: int, clock: Callable[[], float]) -> None:
    """How the ratio to the bare parse falls as pages carry more of a real page's weight.

    Our extraction costs a roughly fixed amount per page on top of the parse, so
    the ratio depends on page size; only ours and the bare parse alternate here.
    """
    print("\n== bare parse / ours by page weight (the two alone, alternating) ==")
    for scale in WEIGHTS:
        weighted = with_page_weight(pages, scale=scale) if scale else pages
        size = statistics.median(len(body) for _, body, _ in weighted) / 1024
        rates = measure({OURS: _ours, BARE: _bare_parse}, weighted, repeats, clock)
        print(
            f"{size:6.1f} KiB: ours {rates[OURS]:6.0f} pages/s, bare parse {rates[BARE]:6.0f}: "
            f"{rates[BARE] / rates[OURS]:5.2f}x"
        )


if __name__ == "__main__":
    main()
