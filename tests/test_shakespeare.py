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


def test_three_way_parts_are_disjoint_contiguous_and_cover_the_text():
    text = shakespeare.text()
    split = shakespeare.three_way(text, valid_frac=0.05, test_frac=0.1)
    assert split.train + split.valid + split.test == text  # disjoint and covering: the parts tile the text
    assert text.endswith(split.test) and text.startswith(split.train)  # test is the contiguous tail
    assert split.train.endswith("\n") and split.valid.endswith("\n")  # no line shared by two parts
    assert abs(len(split.test) / len(text) - 0.1) < 1e-3 and abs(len(split.valid) / len(text) - 0.05) < 1e-3
    assert split.test.rstrip().endswith(shakespeare.works()["winters_tale"].rstrip())  # the last work is in test
    # every character of validation and test occurs in training, so a vocabulary built on train encodes them
    assert set(split.valid) <= set(split.train) and set(split.test) <= set(split.train)


def test_dev_split_holds_no_test_part():
    split = shakespeare.three_way("".join(f"line {i}\n" for i in range(100)), 0.2, 0.2)
    dev = split.dev()
    assert (dev.train, dev.valid) == (split.train, split.valid)
    assert not hasattr(dev, "test")
    assert dev.map(len) == shakespeare.DevSplit(len(split.train), len(split.valid))
    assert split.map(len) == shakespeare.Split(len(split.train), len(split.valid), len(split.test))


@pytest.mark.parametrize("valid_frac, test_frac, match", [(0.05, 0, "test_frac"), (0.05, 1, "test_frac"),
                                                          (0, 0.1, "valid_frac"), (0.9, 0.1, "valid_frac")])
def test_three_way_rejects_bad_fractions(valid_frac, test_frac, match):
    with pytest.raises(ValueError, match=match):
        shakespeare.three_way("a\nb\nc\nd\n", valid_frac, test_frac)
