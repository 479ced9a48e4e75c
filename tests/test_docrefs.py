"""Document references: a table of positive and negative strings with a precision/recall gate,
normalisation, types, issuers, years, short mentions and citations."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.core.citations import find_citations, parse_citation
from pipeline.core.docrefs import (
    doc_type_of,
    find_refs,
    issuer_of,
    normalize,
    scope_of,
    year_of,
)

# (text, the references expected in it, in order)
POSITIVE = [
    ("Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ", ["749/QĐ-TTg"]),
    ("Kế hoạch số 96/KH-UBND ngày 17/7/2023", ["96/KH-UBND"]),
    ("Số: 96 /KH-UBND", ["96/KH-UBND"]),
    ("theo Tờ trình số 50/TTr-STTTT ngày 07/7/2023", ["50/TTr-STTTT"]),
    ("Quyết định số 1726/QĐ-BTTTT ngày 12/10/2020", ["1726/QĐ-BTTTT"]),
    ("Công văn số 1234/BTTTT-CĐSQG của Bộ", ["1234/BTTTT-CĐSQG"]),
    ("Công văn số 3310/VP-KSTT của Văn phòng UBND tỉnh", ["3310/VP-KSTT"]),   # an office's letter
    ("Nghị định số 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân", ["13/2023/NĐ-CP"]),
    ("Luật Chuyển đổi số số 148/2025/QH15", ["148/2025/QH15"]),
    ("Nghị quyết số 02-NQ/TU ngày 19/11/2021", ["02-NQ/TU"]),
    ("Nghị quyết số 57-NQ/TW của Bộ Chính trị", ["57-NQ/TW"]),
    ("Quy định số 08-QĐi/TW về trách nhiệm nêu gương", ["08-QĐi/TW"]),
    ("Quyết định số 571/QĐ-UBND phê duyệt Đề án", ["571/QĐ-UBND"]),
    ("749 / QĐ-TTg", ["749/QĐ-TTg"]),
    ("749/QD-TTg", ["749/QĐ-TTg"]),
    ("749/QĐ - TTg", ["749/QĐ-TTg"]),
    ("749/QĐ–TTg (gạch ngang dài)", ["749/QĐ-TTg"]),
    ("13/2023/ND-CP", ["13/2023/NĐ-CP"]),
    ("08-QDi/TW", ["08-QĐi/TW"]),
    ("1234/BTTTT-CDSQG", ["1234/BTTTT-CĐSQG"]),
    ("20/2023/NQ-HDND", ["20/2023/NQ-HĐND"]),
    ("20/2023/NQ-HĐND của Hội đồng nhân dân tỉnh", ["20/2023/NQ-HĐND"]),
    ("Thông tư số 02/2024/TT-BTTTT", ["02/2024/TT-BTTTT"]),
    ("Luật Giao dịch điện tử số 20/2023/QH15", ["20/2023/QH15"]),
    ("Kết luận số 35-KL/TW", ["35-KL/TW"]),
    ("Chỉ thị số 05-CT/TU của Ban Thường vụ Tỉnh ủy", ["05-CT/TU"]),
    ("Chỉ thị số 05/CT-UBND ngày 12/4/2024", ["05/CT-UBND"]),
    ("Hướng dẫn số 05-HD/BTGTW", ["05-HD/BTGTW"]),
    ("Công văn số 1102/STTTT-CNTT", ["1102/STTTT-CNTT"]),
    ("Công văn 123/UBND-KGVX", ["123/UBND-KGVX"]),
    ("Công văn số 1234/TTg-KTTH của Thủ tướng", ["1234/TTg-KTTH"]),
    ("Văn bản số 12/CV-UBND", ["12/CV-UBND"]),
    ("Nghị quyết số 1234/NQ-UBTVQH15", ["1234/NQ-UBTVQH15"]),
    ("Thông tư liên tịch số 01/2024/TTLT-BTC-BTTTT", ["01/2024/TTLT-BTC-BTTTT"]),
    ("Thông báo số 45/TB-VPCP", ["45/TB-VPCP"]),
    ("Chương trình số 12/CTr-UBND", ["12/CTr-UBND"]),
    ("Đề án số 3/ĐA-UBND", ["3/ĐA-UBND"]),
    ("Báo cáo số 210/BC-STTTT", ["210/BC-STTTT"]),
    ("Quyết định số 06/QĐ-TTg (Đề án 06)", ["06/QĐ-TTg"]),
    ("Kế hoạch số 12/KH-HU của Huyện ủy", ["12/KH-HU"]),
    ("Nghị định 47/2024/NĐ-CP, thay thế Nghị định 130/2018/NĐ-CP",
     ["47/2024/NĐ-CP", "130/2018/NĐ-CP"]),
    ("(749/QĐ-TTg; 1726/QĐ-BTTTT)", ["749/QĐ-TTg", "1726/QĐ-BTTTT"]),
    ("Chuyển đổi số theo Quyết định 749/QĐ-TTg.", ["749/QĐ-TTg"]),
    ("theo Quyết định số 749/QĐ-TTg, Quyết định 749/QĐ-TTg nêu rõ", ["749/QĐ-TTg"]),
    ("Kế hoạch 38/KH-UBND, kế hoạch 38/KH-UBND", ["38/KH-UBND"]),
    ("Nghị quyết số 57-NQ/TW. Nghị quyết 57 là đột phá", ["57-NQ/TW"]),
    (unicodedata.normalize("NFD", "Quyết định số 749/QĐ-TTg"), ["749/QĐ-TTg"]),
    ("Quyết định số 749/\u00d0-TTg".replace("\u00d0", "Q\u00d0"), ["749/QĐ-TTg"]),
    # a letter after the digits is part of the number (kept in lower case)
    ("Nghị quyết số 36a/NQ-CP ngày 14/10/2015 của Chính phủ về Chính phủ điện tử",
     ["36a/NQ-CP"]),
    ("Quyết định số 17a/QĐ-UBND ngày 5/1/2024", ["17a/QĐ-UBND"]),
    ("Kế hoạch 123b/KH-UBND", ["123b/KH-UBND"]),
    ("Kế hoạch số 123B/KH-UBND", ["123b/KH-UBND"]),
    ("Nghị quyết 36a/NQ-CP. Nghị quyết 36a đặt mục tiêu", ["36a/NQ-CP"]),
    ("Quyết định 17a/QD-UBND", ["17a/QĐ-UBND"]),
    ("Quyết định số 1.726/QĐ-BTTTT", ["1726/QĐ-BTTTT"]),
]

NEGATIVE = [
    "chiếm 1/2 diện tích",
    "ngày 03/6/2020",
    "ngày 03-6-2020",
    "ngày 03.6.2020",
    "Ngày Chuyển đổi số quốc gia 10/10",
    "đường dây nóng 0227.3.123.456",
    "giá 1.500.000/tháng",
    "giá 150.000 đồng/kg",
    "phiên bản 2.1/4 của phần mềm",
    "đạt 9/10 điểm",
    "phòng chống Covid-19",
    "COVID-19/SARS-CoV-2",
    "địa chỉ số 12/3 ngõ 5",
    "số 12/3A phố Lý Bôn",
    "hỗ trợ 24/7",
    "mạng 3/4G-LTE",
    "tiêu chuẩn ISO/IEC 27001:2013",
    "TCVN 11930:2017",
    "tỷ lệ 31/63 tỉnh",
    "8/8 huyện, thành phố",
    "260/260 xã",
    "Quốc lộ 39 km 12/QL-39",
    "F-16/A",
    "1.250/KH",
    "xếp thứ 24/63",
    "Hạng B2/C1",
    "Nghị quyết 57 (không có số đầy đủ trước đó)",
    "giờ làm việc 7h30/17h",
    "lúc 10:30/11:00",
    "Quốc lộ 10a",
    "phòng 3a/2",
    "lô 12a/5",
    "số nhà 12a/34 ngõ 7",
    "căn hộ 12A/HH-01",
    "tòa nhà 5A/KCN",
    "lớp 9a/2",
    "giá 1.250/KH",
    "doanh thu 12.500/tháng",
    "Nghị quyết 36a (không có số đầy đủ trước đó)",
]


def _precision_recall() -> tuple[float, float, list]:
    tp = fp = fn = 0
    wrong = []
    for text, expected in POSITIVE:
        got = find_refs(text)
        tp += len(set(got) & set(expected))
        fp += len(set(got) - set(expected))
        fn += len(set(expected) - set(got))
        if got != expected:
            wrong.append((text, expected, got))
    for text in NEGATIVE:
        got = find_refs(text)
        fp += len(got)
        if got:
            wrong.append((text, [], got))
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), wrong


def test_table_sizes():
    assert len(POSITIVE) >= 40
    assert len(NEGATIVE) >= 20


def test_precision_and_recall():
    precision, recall, wrong = _precision_recall()
    assert precision >= 0.95, wrong
    assert recall >= 0.95, wrong


@pytest.mark.parametrize("text,expected", POSITIVE)
def test_positive(text, expected):
    assert find_refs(text) == expected


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative(text):
    assert find_refs(text) == []


def test_order_of_first_mention_and_unique():
    text = ("Thực hiện Nghị quyết số 02-NQ/TU, Quyết định 749/QĐ-TTg và Nghị quyết 02-NQ/TU; "
            "Kế hoạch 96/KH-UBND.")
    assert find_refs(text) == ["02-NQ/TU", "749/QĐ-TTg", "96/KH-UBND"]


def test_results_are_nfc():
    for number in find_refs(unicodedata.normalize("NFD", "Nghị định 13/2023/NĐ-CP, 08-QĐi/TW")):
        assert unicodedata.is_normalized("NFC", number)


@pytest.mark.parametrize("typed,expected", [
    ("749/QĐ-TTg", "749/QĐ-TTg"),
    ("749 / QD-TTg", "749/QĐ-TTg"),
    ("số 96/KH-UBND", "96/KH-UBND"),
    ("Số: 96 /KH-UBND", "96/KH-UBND"),
    ("02-nq/tu".upper(), "02-NQ/TU"),
    ("13/2023/nđ-cp".upper(), "13/2023/NĐ-CP"),
    (" 57-NQ/TW ", "57-NQ/TW"),
    ("10/10", None),
    ("hello", None),
    ("749/QĐ-TTg và 1726/QĐ-BTTTT", None),
])
def test_normalize(typed, expected):
    assert normalize(typed) == expected


@pytest.mark.parametrize("number,doc_type,issuer,year,scope", [
    ("749/QĐ-TTg", "Quyết định", "Thủ tướng Chính phủ", None, "central"),
    ("96/KH-UBND", "Kế hoạch", "Ủy ban nhân dân tỉnh", None, "provincial"),
    ("50/TTr-STTTT", "Tờ trình", "Sở Thông tin và Truyền thông", None, "provincial"),
    ("1726/QĐ-BTTTT", "Quyết định", "Bộ Thông tin và Truyền thông", None, "central"),
    ("1234/BTTTT-CĐSQG", "Công văn", "Bộ Thông tin và Truyền thông", None, "central"),
    ("13/2023/NĐ-CP", "Nghị định", "Chính phủ", 2023, "central"),
    ("148/2025/QH15", "Luật", "Quốc hội khóa XV", 2025, "central"),
    ("02-NQ/TU", "Nghị quyết", "Tỉnh ủy (Ban Chấp hành Đảng bộ tỉnh)", None, "provincial"),
    ("57-NQ/TW", "Nghị quyết", "Ban Chấp hành Trung ương / Bộ Chính trị", None, "central"),
    ("08-QĐi/TW", "Quy định", "Ban Chấp hành Trung ương / Bộ Chính trị", None, "central"),
    ("35-KL/TW", "Kết luận", "Ban Chấp hành Trung ương / Bộ Chính trị", None, "central"),
    ("05/CT-UBND", "Chỉ thị", "Ủy ban nhân dân tỉnh", None, "provincial"),
    ("45/TB-VPCP", "Thông báo", "Văn phòng Chính phủ", None, "central"),
    ("05-HD/BTGTW", "Hướng dẫn", "Ban Tuyên giáo Trung ương", None, "central"),
    ("12/CTr-UBND", "Chương trình", "Ủy ban nhân dân tỉnh", None, "provincial"),
    ("3/ĐA-UBND", "Đề án", "Ủy ban nhân dân tỉnh", None, "provincial"),
    ("210/BC-STTTT", "Báo cáo", "Sở Thông tin và Truyền thông", None, "provincial"),
    ("02/2024/TT-BTTTT", "Thông tư", "Bộ Thông tin và Truyền thông", 2024, "central"),
    ("12/CV-UBND", "Công văn", "Ủy ban nhân dân tỉnh", None, "provincial"),
    ("20/2023/NQ-HĐND", "Nghị quyết", "Hội đồng nhân dân tỉnh", 2023, "provincial"),
    ("1234/NQ-UBTVQH15", "Nghị quyết", "Ủy ban Thường vụ Quốc hội khóa XV", None, "central"),
    ("12/KH-HU", "Kế hoạch", "Huyện ủy", None, "local"),
    ("01/2024/TTLT-BTC-BTTTT", "Thông tư liên tịch",
     "Bộ Tài chính, Bộ Thông tin và Truyền thông", 2024, "central"),
    ("749/QD-TTg", "Quyết định", "Thủ tướng Chính phủ", None, "central"),
    ("1234/TTg-KTTH", "Công văn", "Thủ tướng Chính phủ", None, "central"),
    ("36a/NQ-CP", "Nghị quyết", "Chính phủ", None, "central"),
    ("17a/QĐ-UBND", "Quyết định", "Ủy ban nhân dân tỉnh", None, "provincial"),
])
def test_reading_a_number(number, doc_type, issuer, year, scope):
    assert doc_type_of(number) == doc_type
    assert issuer_of(number) == issuer
    assert year_of(number) == year
    assert scope_of(number) == scope


def test_reading_garbage():
    for bad in ("", "10/10", "abc", "1/2"):
        assert doc_type_of(bad) is None
        assert issuer_of(bad) is None
        assert year_of(bad) is None


def test_unknown_issuer_has_no_name_but_a_type():
    assert doc_type_of("15/KH-XYZ") == "Kế hoạch"
    assert issuer_of("15/KH-XYZ") is None


def test_short_mention_resolves_only_after_a_full_one():
    text = ("Nghị quyết 57 được nhắc trước. Sau đó Nghị quyết số 57-NQ/TW ngày 22/12/2024 được "
            "quán triệt. Nghị quyết 57 xác định đột phá. Quyết định 57 thì khác.")
    cites = find_citations(text)
    assert [n for n, _ in cites] == ["57-NQ/TW", "57-NQ/TW"]
    assert cites[1][1] == "Nghị quyết 57 xác định đột phá."


def test_a_letter_suffix_is_part_of_the_number():
    assert normalize("36A/NQ-CP") == "36a/NQ-CP"
    assert normalize("số 17a / QĐ-UBND") == "17a/QĐ-UBND"
    # "Nghị quyết 36" is not "Nghị quyết 36a", and the other way round
    text = "Nghị quyết số 36a/NQ-CP về Chính phủ điện tử. Nghị quyết 36 thì khác. Nghị quyết 36a"
    assert [n for n, _ in find_citations(text)] == ["36a/NQ-CP", "36a/NQ-CP"]
    assert find_refs("Nghị quyết số 36/NQ-CP và Nghị quyết số 36a/NQ-CP") == \
        ["36/NQ-CP", "36a/NQ-CP"]


def test_short_mention_of_a_law_and_a_decree():
    text = ("Nghị định số 13/2023/NĐ-CP có hiệu lực. Theo Nghị định 13, chủ thể dữ liệu có 11 "
            "quyền. Quy định số 08-QĐi/TW nêu rõ. Quy định 08 yêu cầu nêu gương.")
    numbers = [n for n, _ in find_citations(text)]
    assert numbers == ["13/2023/NĐ-CP", "13/2023/NĐ-CP", "08-QĐi/TW", "08-QĐi/TW"]


def test_citations_sentence_and_prefill():
    text = ("Thực hiện Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ phê duyệt "
            "Chương trình Chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030; Quyết định "
            "số 1726/QĐ-BTTTT ngày 12/10/2020 của Bộ Thông tin và Truyền thông về việc phê duyệt "
            "Đề án xác định Bộ chỉ số đánh giá chuyển đổi số, Ủy ban nhân dân tỉnh ban hành Kế "
            "hoạch này. Sở TT&TT đã hướng dẫn.")
    cites = find_citations(text)
    assert [n for n, _ in cites] == ["749/QĐ-TTg", "1726/QĐ-BTTTT"]
    first = parse_citation(cites[0][1], "749/QĐ-TTg")
    assert first == {
        "number": "749/QĐ-TTg", "doc_type": "Quyết định", "issuer": "Thủ tướng Chính phủ",
        "issued": "2020-06-03", "scope": "central", "year": None,
        "title": "Phê duyệt Chương trình Chuyển đổi số quốc gia đến năm 2025, định hướng đến "
                 "năm 2030"}
    second = parse_citation(cites[1][1], "1726/QĐ-BTTTT")
    assert second["issued"] == "2020-10-12"
    assert second["issuer"] == "Bộ Thông tin và Truyền thông"
    assert second["title"] == ("Về việc phê duyệt Đề án xác định Bộ chỉ số đánh giá chuyển đổi "
                               "số")


@pytest.mark.parametrize("sentence,number,key,value", [
    ("Nghị quyết số 02-NQ/TU ngày 19 tháng 11 năm 2021 của Ban Chấp hành Đảng bộ tỉnh về chuyển "
     "đổi số tỉnh Thái Bình đến năm 2025.", "02-NQ/TU", "issued", "2021-11-19"),
    ("Nghị quyết số 02-NQ/TU ngày 19/11/2021 của Ban Chấp hành Đảng bộ tỉnh về chuyển đổi số "
     "tỉnh Thái Bình đến năm 2025.", "02-NQ/TU", "title",
     "Về chuyển đổi số tỉnh Thái Bình đến năm 2025"),
    ("Nghị quyết số 02-NQ/TU ngày 19/11/2021 của Ban Chấp hành Đảng bộ tỉnh về chuyển đổi số.",
     "02-NQ/TU", "issuer", "Ban Chấp hành Đảng bộ tỉnh"),
    ("Nghị định số 13/2023/NĐ-CP ngày 17/4/2023 của Chính phủ về bảo vệ dữ liệu cá nhân có hiệu "
     "lực từ 01/7/2023.", "13/2023/NĐ-CP", "title", "Về bảo vệ dữ liệu cá nhân"),
    ("Luật Giao dịch điện tử số 20/2023/QH15 được Quốc hội thông qua.", "20/2023/QH15", "title",
     "Luật Giao dịch điện tử"),
    ("Nghị quyết số 43/2022/QH15 của Quốc hội về chính sách tài khóa.", "43/2022/QH15",
     "doc_type", "Nghị quyết"),
    ("Kế hoạch số 12/KH-UBND ngày 31/2/2025 của UBND tỉnh.", "12/KH-UBND", "issued", None),
    ("Kế hoạch số 12/KH-UBND của Ủy ban nhân dân huyện Vũ Thư về chuyển đổi số.", "12/KH-UBND",
     "scope", "local"),
    ("Quyết định số 749/QĐ-TTg phê duyệt Chương trình Chuyển đổi số quốc gia.", "749/QD-TTg",
     "title", "Phê duyệt Chương trình Chuyển đổi số quốc gia"),
    ("Câu này không trích dẫn gì.", "749/QĐ-TTg", "issued", None),
    ("Thực hiện Nghị quyết số 36a/NQ-CP ngày 14/10/2015 của Chính phủ về Chính phủ điện tử, "
     "những năm qua, việc ứng dụng công nghệ thông tin đạt kết quả.", "36a/NQ-CP", "title",
     "Về Chính phủ điện tử"),
    ("Nghị quyết số 36a/NQ-CP ngày 14/10/2015 của Chính phủ.", "36a/NQ-CP", "issued",
     "2015-10-14"),
])
def test_parse_citation(sentence, number, key, value):
    assert parse_citation(sentence, number)[key] == value


@given(st.text(max_size=200))
def test_never_crashes_and_always_normalised(text):
    for number in find_refs(text):
        assert normalize(number) == number
        assert doc_type_of(number) is not None
    for number, sentence in find_citations(text):
        assert isinstance(parse_citation(sentence, number), dict)
