"""seq_tasks: every date format parses back (datetime.strptime as the oracle), reversal pairs, the date vocabularies
(PaddedCharVocab itself is tested in test_vocab)."""

import datetime

import numpy as np
import pytest

from course_utils.data import seq_tasks as st

# strptime patterns for each format (C locale: English names); the ordinal's suffix is removed first.
PATTERNS = {
    "April 22, 2019": "%B %d, %Y",
    "Apr 22, 2019": "%b %d, %Y",
    "22 April 2019": "%d %B %Y",
    "22nd of April 2019": "%d of %B %Y",
    "22/04/2019": "%d/%m/%Y",
    "22.4.2019": "%d.%m.%Y",
    "2019/04/22": "%Y/%m/%d",
    "22-Apr-2019": "%d-%b-%Y",
    "Mon 22 Apr 2019": "%a %d %b %Y",
    "Monday, April 22, 2019": "%A, %B %d, %Y",
    "april 22 2019": "%B %d %Y",
    "APR 22 2019": "%b %d %Y",
}


def test_every_format_has_an_oracle_and_its_own_example():
    assert set(PATTERNS) == set(st.DATE_FORMATS)
    for fmt in st.DATE_FORMATS:  # each key is the format's own rendering of 22 April 2019
        assert st.format_date(datetime.date(2019, 4, 22), fmt) == fmt


@pytest.mark.parametrize("fmt", list(st.DATE_FORMATS))
def test_formats_parse_back_to_the_iso_date(fmt):
    for human, iso in st.random_dates(300, seed=7, formats=[fmt]):
        text = human
        if fmt == "22nd of April 2019":
            day, rest = human.split(" ", 1)
            assert day[-2:] in ("st", "nd", "rd", "th")
            text = f"{day[:-2]} {rest}"
        parsed = datetime.datetime.strptime(text, PATTERNS[fmt]).date()
        assert parsed.isoformat() == iso, human
        if "%a" in PATTERNS[fmt] or "%A" in PATTERNS[fmt]:  # strptime ignores weekdays: check it ourselves
            assert human.split()[0].rstrip(",") in (parsed.strftime("%a"), parsed.strftime("%A"))


def test_ordinals():
    days = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd",
            23: "23rd", 31: "31st"}
    for d, text in days.items():
        assert st.format_date(datetime.date(2000, 1, d), "22nd of April 2019").startswith(text + " of")


def test_random_dates_are_seeded_in_range_and_use_every_format():
    pairs = st.random_dates(3000, seed=1)
    assert pairs == st.random_dates(3000, seed=1) and pairs != st.random_dates(3000, seed=2)
    years = [int(iso[:4]) for _, iso in pairs]
    assert min(years) >= 1600 and max(years) <= 2399
    assert all(len(iso) == 10 and iso[4] == iso[7] == "-" for _, iso in pairs)
    examples = {st.format_date(datetime.date(2019, 4, 22), f) for f in st.DATE_FORMATS}
    assert len(examples) == len(st.DATE_FORMATS)


def test_date_vocab_covers_every_format():
    src_vocab, tgt_vocab = st.date_vocabs()
    data = st.encode_pairs(st.random_dates(3000, seed=3), src_vocab, tgt_vocab)
    assert tgt_vocab.decode(data.tgt) == data.targets
    assert src_vocab.decode(data.src) == data.inputs
    assert (data.tgt[np.arange(len(data)), 10] == st.EOS).all()


def test_reversal_pairs():
    pairs = st.reversal_pairs(500, min_len=3, max_len=9, seed=0)
    lengths = [len(s) for s, _ in pairs]
    assert min(lengths) == 3 and max(lengths) == 9
    assert all(t == s[::-1] and s.isdigit() for s, t in pairs)
    with pytest.raises(ValueError, match="min_len <= max_len"):
        st.reversal_pairs(5, min_len=4, max_len=2, seed=0)


def test_format_date_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="fmt must be one of"):
        st.format_date(datetime.date(2000, 1, 1), "%Y")
