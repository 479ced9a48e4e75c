"""pipeline.harvest.dates: Vietnamese date strings → aware datetimes; "today" stamps are not dates."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.harvest.dates import (
    find_date,
    has_offset,
    is_today_line,
    iter_dates,
    parse_date,
    plausible,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ICT = timezone(timedelta(hours=7))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=ICT)


@pytest.mark.parametrize("text, expected", [
    # the shapes real sources print
    ("Thứ 4, 09/06/2021 | 18:37:56", at(2021, 6, 9, 18, 37, 56)),
    ("Thứ 5, 15.06.2017 | 11:22:40", at(2017, 6, 15, 11, 22, 40)),
    ("08/08/2022 10:11 SA", at(2022, 8, 8, 10, 11)),
    ("08/08/2022 10:11 CH", at(2022, 8, 8, 22, 11)),
    ("08/08/2022 12:05 SA", at(2022, 8, 8, 0, 5)),
    ("08/08/2022 12:05 CH", at(2022, 8, 8, 12, 5)),
    ("Cập nhật: 07:34, 23/04/2022 (GMT+7)", at(2022, 4, 23, 7, 34)),
    ("Chủ nhật, 17/11/2024, 09:38[GMT+7]", at(2024, 11, 17, 9, 38)),
    ("ngày 03 tháng 6 năm 2020", at(2020, 6, 3)),
    ("Ngày 3 tháng 6 năm 2020 lúc 9 giờ 15 phút", at(2020, 6, 3, 9, 15)),
    ("Thứ Hai, 06/09/2021 - 14:05", at(2021, 9, 6, 14, 5)),
    ("CN, 17/11/2024", at(2024, 11, 17)),
    ("Thứ 2, 18.03.2024 | 07:05:12", at(2024, 3, 18, 7, 5, 12)),
    ("Đăng lúc: 14h20 ngày 25/12/2023", at(2023, 12, 25, 14, 20)),
    ("14:20 | 25/12/2023", at(2023, 12, 25, 14, 20)),
    ("(15/03/2024 08:02)", at(2024, 3, 15, 8, 2)),
    ("Gửi bởi admin vào T5, 12/10/2023 - 16:40", at(2023, 10, 12, 16, 40)),
    ("Thứ 4, 09/06/2021 | 18:37:56 | 4,455 lượt xem", at(2021, 6, 9, 18, 37, 56)),
    ("10/06/21 09:00", at(2021, 6, 10, 9, 0)),
    ("9/6/2021", at(2021, 6, 9)),
    # ISO 8601 and RFC 822
    ("2021-06-09T18:37:56+07:00", at(2021, 6, 9, 18, 37, 56)),
    ("2021-06-09T11:37:56Z", at(2021, 6, 9, 18, 37, 56)),
    ("2021-06-09T11:37:56.123+00:00", at(2021, 6, 9, 18, 37, 56)),
    ("2021-06-09 18:37", at(2021, 6, 9, 18, 37)),
    ("2021-06-09", at(2021, 6, 9)),
    ("2024-08-30 06:45:00", at(2024, 8, 30, 6, 45)),
    ("20240316T080000+0700", at(2024, 3, 16, 8, 0)),
    ("20240316T010000Z", at(2024, 3, 16, 8, 0)),
    ("Wed, 09 Jun 2021 18:37:56 +0700", at(2021, 6, 9, 18, 37, 56)),
    ("Wed, 09 Jun 2021 11:37:56 GMT", at(2021, 6, 9, 18, 37, 56)),
    ("June 9, 2021 6:37 PM", at(2021, 6, 9, 18, 37)),
    ("9 June 2021", at(2021, 6, 9)),
    # month-first only when day-first cannot be
    ("12/25/2021 10:00", at(2021, 12, 25, 10, 0)),
    # decomposed tone marks and entities' leftovers are fine
    (unicodedata.normalize("NFD", "Thứ Năm, 15/06/2017 11:22"), at(2017, 6, 15, 11, 22)),
])
def test_parse_date_reads_real_shapes(text, expected):
    got = parse_date(text, TZ)
    assert got == expected
    assert got.tzinfo is not None and got.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("text", [
    "", "4,455 lượt xem", "Lượt xem: 1.203", "Điện thoại: 0227.3.123.456", "Thứ Hai",
    "version 1.2.3", "31/02/2021", "Thu, 01 Jan 1970 00:00:00 +0000", "năm 2020", "tháng 6/2020",
])
def test_parse_date_none_when_no_plausible_date(text):
    assert parse_date(text, TZ) is None


def test_time_without_offset_is_in_the_site_timezone():
    utc = parse_date("09/06/2021 18:37", ZoneInfo("UTC"))
    assert utc == datetime(2021, 6, 9, 18, 37, tzinfo=UTC)
    assert parse_date("09/06/2021 18:37 (GMT+7)", ZoneInfo("UTC")) == \
        datetime(2021, 6, 9, 11, 37, tzinfo=UTC)


def test_result_is_expressed_in_the_site_timezone():
    got = parse_date("2021-06-09T11:37:56Z", TZ)
    assert got.tzinfo == TZ and got.hour == 18


def test_weekday_decides_between_day_first_and_month_first():
    # 6 September 2021 was a Monday, 9 June 2021 a Wednesday.
    assert parse_date("Thứ Hai, 06/09/2021", TZ) == at(2021, 9, 6)
    assert parse_date("Thứ Tư, 06/09/2021", TZ) == at(2021, 6, 9)


def test_has_offset():
    assert has_offset("Wed, 09 Jun 2021 18:37:56 +0700")
    assert has_offset("2021-06-09T18:37:56Z")
    assert has_offset("07:34, 23/04/2022 (GMT+7)")
    assert not has_offset("2021-06-09T18:37:56")
    assert not has_offset("09/06/2021 18:37")
    assert not has_offset("Út Tư 09/06/2021")        # "út" is a word, not UT


@pytest.mark.parametrize("line", [
    "Thái Bình, ngày 24 tháng 4 năm 2025",
    "Hà Nội, ngày 3 tháng 6 năm 2020.",
    unicodedata.normalize("NFD", "Thái Bình, ngày 24 tháng 4 năm 2025"),
    "Hôm nay: Thứ Ba, 19/11/2024",
    "Hôm nay, ngày 20 tháng 3 năm 2024",
])
def test_today_lines(line):
    assert is_today_line(line)


@pytest.mark.parametrize("line", [
    "ngày 03 tháng 6 năm 2020",
    "Thứ Năm, ngày 24 tháng 4 năm 2025",
    "Thứ 4, 09/06/2021 | 18:37:56",
    "Ngày đăng: 11/04/2023 - 09:12",
    "Ngày 24 tháng 4 năm 2025, UBND tỉnh ban hành Kế hoạch số 45/KH-UBND về chuyển đổi số.",
])
def test_not_today_lines(line):
    assert not is_today_line(line)


def test_find_date_skips_the_dateline_and_today():
    text = "Thái Bình, ngày 24 tháng 4 năm 2025\nTrang chủ | Tin tức\nĐăng lúc 09:12 ngày 11/04/2023"
    assert find_date(text, TZ) == at(2023, 4, 11, 9, 12)
    clock = "Thứ Hai, 24/04/2025 15:02\nNgày đăng: 11/04/2023"
    now = at(2025, 4, 24, 15, 3)
    assert find_date(clock, TZ) == at(2025, 4, 24, 15, 2)
    assert find_date(clock, TZ, now=now) == at(2023, 4, 11)
    assert find_date("Ngày đăng: 11/04/2099", TZ, now=now) is None        # future


def test_find_date_does_not_borrow_a_neighbours_time():
    assert list(iter_dates("12/06/2017 và 15/06/2017 11:22", TZ)) == [
        at(2017, 6, 12), at(2017, 6, 15, 11, 22)]


def test_plausible():
    now = at(2024, 5, 1, 12)
    assert plausible(at(2024, 4, 30), now, TZ)
    assert plausible(at(2024, 5, 1, 8), now, TZ)
    assert not plausible(at(2024, 5, 1, 8), now, TZ, allow_today=False)
    assert not plausible(at(2024, 5, 3), now, TZ)


# --- round trip: any moment, written the way Vietnamese sites write it, reads back -----------

WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
WEEKDAY_NUMBERS = ["Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "CN"]


def _h12(dt: datetime) -> tuple[int, str]:
    return (dt.hour % 12 or 12), ("SA" if dt.hour < 12 else "CH")


# (format function, keeps seconds, keeps time, states its offset)
FORMATS = {
    "weekday | time": (lambda d, wd: f"{wd}, {d:%d/%m/%Y} | {d:%H:%M:%S}", True, True, False),
    "dotted": (lambda d, wd: f"{wd}, {d:%d.%m.%Y} | {d:%H:%M:%S}", True, True, False),
    "SA/CH": (lambda d, wd: f"{d:%d/%m/%Y} {_h12(d)[0]:02d}:{d:%M} {_h12(d)[1]}", False, True,
              False),
    "cap nhat": (lambda d, wd: f"Cập nhật: {d:%H:%M}, {d:%d/%m/%Y} (GMT+7)", False, True, True),
    "header clock": (lambda d, wd: f"{wd}, {d.day}/{d.month}/{d.year}, {d:%H:%M}[GMT+7]",
                     False, True, True),
    "ngay thang nam": (lambda d, wd: f"ngày {d:%d} tháng {d.month} năm {d.year}", False, False,
                       False),
    "dashes": (lambda d, wd: f"{d.day}-{d.month}-{d.year} {d:%H:%M}", False, True, False),
    "h ngay": (lambda d, wd: f"{d:%H}h{d:%M} ngày {d.day}/{d.month}/{d.year}", False, True, False),
    "time first": (lambda d, wd: f"{d:%H:%M} | {d:%d/%m/%Y}", False, True, False),
    "iso": (lambda d, wd: d.isoformat(), True, True, True),
    "rfc 822": (lambda d, wd: format_datetime(d), True, True, True),
    "iso basic": (lambda d, wd: f"{d:%Y%m%dT%H%M%S%z}", True, True, True),
}


@settings(max_examples=60, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2090, 12, 31)),
    fmt=st.sampled_from(sorted(FORMATS)),
    numbered=st.booleans(),
    decomposed=st.booleans(),
    quarter_hours=st.integers(-12 * 4, 14 * 4),
)
def test_round_trip(moment, fmt, numbered, decomposed, quarter_hours):
    render, seconds, with_time, with_offset = FORMATS[fmt]
    zone = ICT
    if fmt in ("iso", "rfc 822", "iso basic"):    # these carry any offset
        zone = timezone(timedelta(minutes=15 * quarter_hours))
    d = moment.replace(microsecond=0, tzinfo=zone)
    if not seconds:
        d = d.replace(second=0)
    if not with_time:
        d = d.replace(hour=0, minute=0)
    wd = (WEEKDAY_NUMBERS if numbered else WEEKDAY_NAMES)[d.weekday()]
    text = render(d, wd)
    if decomposed:
        text = unicodedata.normalize("NFD", text)
    # A stated offset must win over the site's zone; without one the site's zone applies.
    site = ZoneInfo("UTC") if with_offset else TZ
    got = parse_date(text, site)
    assert got == d, text
    assert got.tzinfo is not None


def test_relative_dates_are_read_against_now():
    now = at(2024, 5, 1, 12, 30)
    assert parse_date("2 giờ trước", TZ, now=now) == at(2024, 5, 1, 10, 30)
    assert parse_date("15 phút trước", TZ, now=now) == at(2024, 5, 1, 12, 15)
    assert parse_date("3 ngày trước", TZ, now=now) == at(2024, 4, 28, 12, 30)
    assert parse_date("5 hours ago", TZ, now=now) == at(2024, 5, 1, 7, 30)
    assert parse_date("Hôm qua 10:20", TZ, now=now) == at(2024, 4, 30, 10, 20)
    assert parse_date("Hôm nay, 08:05", TZ, now=now) == at(2024, 5, 1, 8, 5)
    assert parse_date("Hôm nay 01/05/2023 08:00", TZ, now=now) == at(2023, 5, 1, 8, 0)
    assert parse_date("2 giờ trước", TZ) is None             # without now: no guess
