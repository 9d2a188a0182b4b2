"""The shipped Shakespeare corpus: complete, uncorrupted, and split without overlap."""

import pytest

from course_utils.data import shakespeare


def test_all_works_present_with_known_sizes():
    works = shakespeare.works()
    assert len(works) == shakespeare.N_WORKS == 42
    assert list(works) == sorted(works)
    assert works["hamlet"].startswith("HAMLET") or "HAMLET" in works["hamlet"][:200]
    # totals measured on the package's files before compression (wc -c, tr | sort -u)
    assert sum(len(t) for t in works.values()) == 5_057_198
    assert len(set("".join(works.values()))) == 84  # 83 printable/space characters + newline


def test_no_gutenberg_boilerplate_and_no_folio_duplicates():
    joined = shakespeare.text()
    assert "gutenberg" not in joined.lower()
    assert not any(name.endswith("_f") for name in shakespeare.works())


def test_split_text_cuts_at_a_line_break_without_overlap():
    text = shakespeare.text()
    train, valid = shakespeare.split_text(text, 0.1)
    assert train + valid == text
    assert train.endswith("\n")
    assert abs(len(valid) / len(text) - 0.1) < 1e-3


@pytest.mark.parametrize("bad", [0, 1, -0.2, 1.5])
def test_split_text_rejects_bad_fraction(bad):
    with pytest.raises(ValueError, match="valid_frac"):
        shakespeare.split_text("a\nb\nc\n", bad)


def test_split_text_rejects_empty_text():
    with pytest.raises(ValueError, match="non-empty string"):
        shakespeare.split_text("", 0.1)
