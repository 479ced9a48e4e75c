"""Dateline boilerplate in front of summaries: every shape the sources print is taken off, and a
sentence that merely starts with a number, a date or capitals is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.dateline import strip_dateline

ICT = timezone(timedelta(hours=7))
BODY = "Sáng nay, xã Vũ Hội ra mắt tổ công nghệ số cộng đồng."

PREFIXES = [
    "21/04/2024 07:30 CH | (TBTV) - ",
    "21/04/2024 07:30 SA | (TBTV) – ",
    "(TBTV) - ",
    "(ĐN) – ",
    "(ĐN) —",
    "(TBTV)- ",
    "(Chinhphu.vn) - ",
    "(Dân trí) - ",
    "(TBO) ",
    "TBO - ",
    "TBTV | ",
    "VOV.VN – ",
    "THÁI BÌNH - ",
    "Thứ bảy, 7/3/2026, 00:05 (GMT+7) ",
    "Thứ Hai, 21/04/2024 - 07:30 | ",
    "Chủ nhật, 07/04/2024, 9:05 GMT+7 | (TBTV) - ",
    "07-03-2026 - 00:01 AM ",
    "07-03-2026 - 00:01 AM | ",
    "15:33, 17/08/2026 ",
    "15:33 17/08/2026 | ",
    "17/08/2026 15:33 - ",
    "17/08/2026 - ",
    "17.08.2026 | ",
    "2024-04-21 07:30 ",
    "21/04/2024 7h30 | ",
    "07:30 - ",
    "21/04/2024 (TBTV) - ",
    "  21/04/2024 07:30 CH | (TBTV) - ",
]

UNTOUCHED = [
    "12 xã đã hoàn thành chuyển đổi số trong năm 2024.",
    "2024 là năm dữ liệu số của tỉnh.",
    "21/4 là ngày Sách và Văn hóa đọc Việt Nam.",
    "17/08/2026, UBND tỉnh tổ chức hội nghị sơ kết.",
    "Ngày 21/04/2024, tỉnh khai trương trung tâm điều hành.",
    "3 - 5 cán bộ mỗi xã được tập huấn.",
    "100% hồ sơ được xử lý trực tuyến.",
    "COVID-19 thúc đẩy thanh toán không dùng tiền mặt.",
    "UBND tỉnh ban hành kế hoạch chuyển đổi số.",
    "(Ảnh minh họa) Người dân dùng dịch vụ công.",
    "Sáng 21/04/2024 - lễ ra mắt diễn ra tại xã.",
    "5G phủ sóng toàn bộ trung tâm huyện.",
    "17/08/2026",
    "(TBTV) - ",
    "",
]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_dateline_shape_is_stripped(prefix):
    assert strip_dateline(prefix + BODY) == BODY


@pytest.mark.parametrize("text", UNTOUCHED)
def test_sentences_that_start_with_a_number_are_left_alone(text):
    assert strip_dateline(text) == text


dates = st.builds(lambda d, m, y, s: f"{d:02d}{s}{m:02d}{s}{y}", st.integers(1, 28),
                  st.integers(1, 12), st.integers(2000, 2030), st.sampled_from("/-."))
times = st.builds(lambda h, mi, ampm: f"{h:02d}:{mi:02d}{ampm}", st.integers(0, 23),
                  st.integers(0, 59), st.sampled_from(["", " SA", " CH", " AM", " PM"]))
seps = st.sampled_from([" - ", " – ", " — ", " | ", "- ", "| "])
agencies = st.sampled_from(["(TBTV)", "(ĐN)", "(BTB)", "(VOV)", "(Chinhphu.vn)", "TBO", "NDO"])
sentences = st.sampled_from([BODY, "Người dân xã Đông Hòa nộp hồ sơ trực tuyến.",
                             "Hội nghị tổng kết năm 2024 diễn ra tại huyện Tiền Hải."])


@settings(max_examples=300, deadline=None)
@given(dates, times, seps, agencies, sentences, st.booleans(), st.booleans())
def test_generated_datelines_are_stripped(date, time, sep, agency, sentence, time_first, with_agency):
    stamp = f"{time}, {date}" if time_first else f"{date} {time}"
    prefix = stamp + sep + (agency + sep if with_agency else "")
    assert strip_dateline(prefix + sentence) == sentence
    assert strip_dateline(sentence) == sentence


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([" xã", "%", " năm", ", tỉnh", "/4 là ngày"]),
       sentences)
def test_a_sentence_starting_with_a_number_is_never_cut(number, tail, sentence):
    text = f"{number}{tail} {sentence}"
    assert strip_dateline(text) == text


# --- where summaries are made and shown ------------------------------------------------------

STORED = "21/04/2024 07:30 CH | (TBTV) - " + BODY


def test_harvest_stores_the_summary_without_its_dateline():
    from pipeline import jobs
    from pipeline.core.models import Item, Source
    from pipeline.harvest import run
    from pipeline.tagging import tag

    src = Source(id="tbtv", name="Đài TBTV", kind="feed", url="https://tbtv.example.vn/rss")
    now = datetime(2024, 4, 21, 8, 0, tzinfo=ICT)
    item = Item(url="https://tbtv.example.vn/tin/1.html", title="Ra mắt tổ công nghệ số",
                content_html=f"<p>{BODY}</p>", summary=f"<p>{STORED}</p>", published=now)
    taxonomy = tag.Taxonomy.default()  # not load(package data): that made it a root with a .cds/
    assert run.to_article(item, src, jobs.tagger_for(taxonomy), now).summary == BODY


def test_articles_stored_before_are_shown_and_fed_without_it(tmp_path):
    """Listings, meta descriptions and both feeds, from a stored summary left as it was."""
    from pipeline.core.models import Article, Config, Defaults, Site, Source
    from pipeline.site import feeds_out, publish

    art = Article(id="00000000000000aa", title="Ra mắt tổ công nghệ số",
                  url="https://tbtv.example.vn/tin/1.html", source="tbtv",
                  published=datetime(2024, 4, 21, 7, 30, tzinfo=ICT),
                  harvested=datetime(2024, 4, 21, 8, 0, tzinfo=ICT), body=BODY, summary=STORED,
                  themes=["nhan-thuc"], path=Path("articles/2024/04/ra-mat.md"))
    assert publish.summary_of(art) == BODY
    no_summary = Article(**{**art.__dict__, "summary": "", "body": STORED})
    assert publish.summary_of(no_summary) == BODY
    config = Config(root=tmp_path, site=Site(title="Thử", url="https://example.gov.vn/"),
                    defaults=Defaults(), sources=(Source(id="tbtv", name="Đài truyền hình", kind="feed",
                                                         url="https://tbtv.example.vn/rss"),))
    feeds_out.write_feeds(config, [art], tmp_path / "site", theme_names={"nhan-thuc": "Nhận thức"})
    for feed in ("rss.xml", "atom.xml"):
        text = (tmp_path / "site" / feed).read_text(encoding="utf-8")
        assert "TBTV" not in text and "07:30 CH" not in text, feed
        assert BODY in text
