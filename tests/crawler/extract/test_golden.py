"""Golden tests (Fundus style): each stored page gives exactly its expected record."""

import pytest

from tests.crawler.extract.golden import SHARED_SAMPLES, Golden, shared_goldens, template_goldens
from wirewatch.core.record import ArticleRecord
from wirewatch.crawler.extract import extract


def _check(golden: Golden) -> None:
    result = extract(golden.url, golden.body(), golden.headers)
    assert isinstance(result, ArticleRecord), f"{golden.name}: rejected: {result}"
    actual = result.to_expected_json()
    expected = golden.expected()
    assert set(actual) == set(expected)
    for field in expected:
        if field == "paragraphs":
            continue
        assert actual[field] == expected[field], f"{golden.name}: field {field}"
    actual_paragraphs = actual["paragraphs"]
    expected_paragraphs = expected["paragraphs"]
    assert isinstance(actual_paragraphs, list) and isinstance(expected_paragraphs, list)
    for index, (got, want) in enumerate(zip(actual_paragraphs, expected_paragraphs, strict=False)):
        assert got == want, f"{golden.name}: paragraph {index}"
    assert len(actual_paragraphs) == len(expected_paragraphs), f"{golden.name}: paragraph count"


@pytest.mark.parametrize("golden", template_goldens(), ids=lambda golden: golden.name)
def test_template_gives_its_expected_record(golden: Golden) -> None:
    _check(golden)


@pytest.mark.skipif(
    not SHARED_SAMPLES.is_dir(),
    reason=f"shared samples folder {SHARED_SAMPLES} not present (copies in templates/ still run)",
)
@pytest.mark.parametrize("golden", shared_goldens(), ids=lambda golden: golden.name)
def test_shared_sample_gives_its_expected_record(golden: Golden) -> None:
    _check(golden)


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="shared samples folder not present")
@pytest.mark.parametrize("golden", shared_goldens(), ids=lambda golden: golden.name)
def test_stored_copy_matches_shared_sample(golden: Golden) -> None:
    copy = next(g for g in template_goldens() if g.name == golden.name)
    assert copy.body() == golden.body()
    assert copy.expected() == golden.expected()


def test_seed_dateline_is_flagged_and_replaced_by_the_wire_date() -> None:
    golden = next(g for g in template_goldens() if g.name == "menafn-article")
    result = extract(golden.url, golden.body(), golden.headers)
    assert isinstance(result, ArticleRecord)
    assert result.published_at is not None
    assert result.published_at.isoformat() == "2025-11-17T00:00:00+00:00"
    assert result.published_precision == "date"
    assert result.quality_flags_text == "dateline_mismatch"


def test_both_sample_pages_hash_alike() -> None:
    pages = [g for g in template_goldens() if g.name in ("menafn-article", "partner-article")]
    records = [extract(g.url, g.body(), g.headers) for g in pages]
    assert all(isinstance(record, ArticleRecord) for record in records)
    hashes = {record.content_hash for record in records if isinstance(record, ArticleRecord)}
    assert len(hashes) == 1
