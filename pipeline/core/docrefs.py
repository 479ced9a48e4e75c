"""Document numbers cited in a text, normalised (Nghị định 30/2020/NĐ-CP numbering).

Three shapes of number are recognised:

- administrative documents: ``749/QĐ-TTg``, ``96/KH-UBND``, ``50/TTr-STTTT``; official letters
  (công văn) carry the issuer first and a unit after it: ``1234/BTTTT-CĐSQG``;
- legal normative documents, with the year: ``13/2023/NĐ-CP``, ``02/2024/TT-BTTTT``, laws and
  resolutions of the National Assembly ``20/2023/QH15``;
- party documents, with a hyphen: ``02-NQ/TU``, ``57-NQ/TW``, ``08-QĐi/TW``.

A short mention after a full one ("Nghị quyết 57" after "Nghị quyết số 57-NQ/TW") resolves to it.
Fractions, dates, scores, phone numbers, prices and house numbers never match: every number must
carry a letter abbreviation after its slash (or, for party documents, a known type after its
hyphen).

Pure functions, no I/O (citations, the sentences that cite a number: :mod:`pipeline.core.citations`)::

    find_refs(text) -> list[str]                      # unique, in order of first mention
    normalize(number) -> str | None                   # one number as typed by an editor
    doc_type_of(number), issuer_of(number), year_of(number), scope_of(number)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.core.text import fold, nfc

# --- abbreviations -----------------------------------------------------------------------------

#: Document type abbreviations (Nghị định 30/2020/NĐ-CP, Phụ lục III; Quy định 66-QĐ/TW).
DOC_TYPES: dict[str, str] = {
    "QĐ": "Quyết định",
    "QĐi": "Quy định",
    "NQ": "Nghị quyết",
    "NQLT": "Nghị quyết liên tịch",
    "KH": "Kế hoạch",
    "TTr": "Tờ trình",
    "CT": "Chỉ thị",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "ĐA": "Đề án",
    "PA": "Phương án",
    "BC": "Báo cáo",
    "NĐ": "Nghị định",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "KL": "Kết luận",
    "CV": "Công văn",
    "CĐ": "Công điện",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "GM": "Giấy mời",
    "BB": "Biên bản",
    "L": "Luật",
    "PL": "Pháp lệnh",
    "LCT": "Lệnh",
}

#: Types a party document (``số-TYPE/ISSUER``) may carry.
PARTY_TYPES = frozenset({"NQ", "QĐ", "QĐi", "CT", "KL", "HD", "TB", "QC", "BC", "KH", "CTr",
                         "TTr", "ĐA", "CV", "TT"})

#: Issuers and their names. ``QH<n>``/``UBTVQH<n>`` (a legislature) are handled apart.
ISSUERS: dict[str, str] = {
    "TTg": "Thủ tướng Chính phủ",
    "CP": "Chính phủ",
    "VPCP": "Văn phòng Chính phủ",
    "BTTTT": "Bộ Thông tin và Truyền thông",
    "BKHCN": "Bộ Khoa học và Công nghệ",
    "BCA": "Bộ Công an",
    "BNV": "Bộ Nội vụ",
    "BTC": "Bộ Tài chính",
    "BCT": "Bộ Công Thương",
    "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "BYT": "Bộ Y tế",
    "BKHĐT": "Bộ Kế hoạch và Đầu tư",
    "BNNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn",
    "BNNMT": "Bộ Nông nghiệp và Môi trường",
    "BTNMT": "Bộ Tài nguyên và Môi trường",
    "BTP": "Bộ Tư pháp",
    "BLĐTBXH": "Bộ Lao động - Thương binh và Xã hội",
    "BVHTTDL": "Bộ Văn hóa, Thể thao và Du lịch",
    "BGTVT": "Bộ Giao thông vận tải",
    "BXD": "Bộ Xây dựng",
    "BQP": "Bộ Quốc phòng",
    "NHNN": "Ngân hàng Nhà nước Việt Nam",
    "UBND": "Ủy ban nhân dân tỉnh",
    "HĐND": "Hội đồng nhân dân tỉnh",
    "VPUBND": "Văn phòng Ủy ban nhân dân tỉnh",
    "VP": "Văn phòng (Ủy ban nhân dân, cơ quan)",   # letters of an office: 3310/VP-KSTT
    "STTTT": "Sở Thông tin và Truyền thông",
    "SKHCN": "Sở Khoa học và Công nghệ",
    "SGDĐT": "Sở Giáo dục và Đào tạo",
    "SNV": "Sở Nội vụ",
    "STC": "Sở Tài chính",
    "SYT": "Sở Y tế",
    "SCT": "Sở Công Thương",
    "STP": "Sở Tư pháp",
    "SKHĐT": "Sở Kế hoạch và Đầu tư",
    "STNMT": "Sở Tài nguyên và Môi trường",
    "SNNPTNT": "Sở Nông nghiệp và Phát triển nông thôn",
    "BCĐ": "Ban Chỉ đạo",
    "TW": "Ban Chấp hành Trung ương / Bộ Chính trị",
    "BCTW": "Bộ Chính trị",
    "BBT": "Ban Bí thư",
    "BTGTW": "Ban Tuyên giáo Trung ương",
    "BTGDVTW": "Ban Tuyên giáo và Dân vận Trung ương",
    "TU": "Tỉnh ủy (Ban Chấp hành Đảng bộ tỉnh)",
    "BTGTU": "Ban Tuyên giáo Tỉnh ủy",
    "BTCTU": "Ban Tổ chức Tỉnh ủy",
    "VPTU": "Văn phòng Tỉnh ủy",
    "HU": "Huyện ủy",
    "ThU": "Thành ủy",
    "ĐU": "Đảng ủy",
    "ĐUK": "Đảng ủy Khối",
    "BCSĐ": "Ban cán sự đảng",
}

#: Units that appear after an issuer (công văn) and need their Đ restored.
UNITS = ("CĐSQG", "CĐS", "KGVX", "CNTT", "BCVT", "TTĐT", "VP", "KT", "NC", "TH", "QLĐT")

_CENTRAL = {"TTg", "CP", "VPCP", "NHNN", "TW", "BCTW", "BBT", "BTGTW", "BTGDVTW"}
_LOCAL = {"HU", "ThU", "ĐU"}

_ROMAN = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _roman(n: int) -> str:
    out = []
    for value, sign in _ROMAN * 2:  # up to 39 is plenty for a legislature
        while n >= value:
            out.append(sign)
            n -= value
    return "".join(out)


def _key(token: str) -> str:
    return fold(token).upper()


def _build_canon() -> dict[str, str]:
    """folded upper-case key → canonical spelling, for keys that are not ambiguous."""
    seen: dict[str, set[str]] = {}
    for tok in (*DOC_TYPES, *ISSUERS, *UNITS):
        seen.setdefault(_key(tok), set()).add(tok)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


_CANON = _build_canon()
_KNOWN = set(DOC_TYPES) | set(ISSUERS) | set(UNITS)
_LEGISLATURE = re.compile(r"(UBTVQH|QH)(\d{1,2})")


def _canon(token: str) -> str | None:
    """The canonical spelling of an abbreviation, or None when it is not plausibly one.

    Known tokens are restored (``QD`` → ``QĐ``, ``TTG`` → ``TTg``, ``HDND`` → ``HĐND``); unknown
    ones are kept when written in capitals (units, local issuers), refused otherwise.
    """
    token = nfc(token).replace("\u00d0", "Đ").replace("\u00f0", "đ")
    if token in _KNOWN:
        return token
    m = _LEGISLATURE.fullmatch(token.upper())
    if m:
        return m.group(1) + m.group(2)
    known = _CANON.get(_key(token))
    if known:
        return known
    letters = re.sub(r"\d", "", token)
    if letters and letters == letters.upper() and re.fullmatch(r"[A-ZĐ]+\d{0,2}", token):
        return token
    return None


# --- finding ---------------------------------------------------------------------------------

_L = "A-Za-zĐđ\u00d0\u00f0"
_TOKEN = rf"[A-ZĐ\u00d0][{_L}]{{0,11}}\d{{0,2}}"
_SP = r"[ \t]{0,2}"
_HY = r"[ \t]?[-‐‑–][ \t]?"
# Not preceded by a digit, letter, dot, slash or hyphen (keeps "1.500/…", "a-12/…" out).
_START = r"(?<![\w./‐‑–-])"
_END = r"(?![\w/])"

# A number may carry one letter after its digits: 36a/NQ-CP, 17a/QĐ-UBND (kept in lower case),
# and be written with a thousands dot: 1.726/QĐ-BTTTT (read as 1726).
_NUM = r"(?:\d{1,2}\.\d{3}|\d{1,5})[a-zA-Z]?"
_ADMIN = re.compile(
    rf"{_START}(?P<num>{_NUM}){_SP}/{_SP}(?:(?P<year>(?:19|20)\d\d){_SP}/{_SP})?"
    rf"(?P<tokens>{_TOKEN}(?:{_HY}{_TOKEN})*){_END}")
_PARTY = re.compile(
    rf"{_START}(?P<num>\d{{1,4}}[a-zA-Z]?){_HY}(?P<type>{_TOKEN}){_SP}/{_SP}"
    rf"(?P<tokens>{_TOKEN}(?:{_HY}{_TOKEN})*){_END}")
_SPLIT_HY = re.compile(_HY)

#: Words that name a type in running text ("Nghị quyết 57", "Quyết định số 749").
TYPE_WORDS = ("Quyết định", "Quy định", "Nghị quyết", "Nghị định", "Thông tư", "Kế hoạch",
               "Chỉ thị", "Kết luận", "Luật", "Đề án", "Chương trình", "Tờ trình", "Hướng dẫn",
               "Thông báo", "Công văn", "Báo cáo", "Quy chế", "Công điện", "Pháp lệnh")
_SHORT = re.compile(
    r"(?<!\w)(?P<word>" + "|".join(sorted(TYPE_WORDS, key=len, reverse=True)) +
    r")(?:[ \t]+số)?[ \t]*:?[ \t]*(?P<num>\d{1,5}[a-z]?)(?![\w/.,‐‑–-]?\d)(?![\w/‐‑–-])",
    re.IGNORECASE)


@dataclass(frozen=True)
class _Ref:
    number: str
    start: int
    end: int
    full: bool = True


def _admin_number(m: re.Match) -> str | None:
    tokens = [_canon(t) for t in _SPLIT_HY.split(m.group("tokens"))]
    if not tokens or any(t is None for t in tokens):
        return None
    num, year = m.group("num").lower().replace(".", ""), m.group("year")
    first = tokens[0]
    if year:
        # legal normative: num/year/TYPE-ISSUER, or num/year/QH15 for the National Assembly
        if _LEGISLATURE.fullmatch(first) and len(tokens) == 1:
            return f"{num}/{year}/{first}"
        if first in DOC_TYPES and len(tokens) >= 2:
            return f"{num}/{year}/" + "-".join(tokens)
        return None
    if len(tokens) < 2:
        return None
    if first in DOC_TYPES or first in ISSUERS or first not in _KNOWN:
        # a typed document (QĐ-TTg), or a letter ISSUER-UNIT (BTTTT-CĐSQG, UBND-KGVX)
        if first not in DOC_TYPES and first not in ISSUERS and \
                not re.fullmatch(r"[A-ZĐ]{2,}\d{0,2}", first):
            return None
        return f"{num}/" + "-".join(tokens)
    return None


def _party_number(m: re.Match) -> str | None:
    typ = _canon(m.group("type"))
    if typ not in PARTY_TYPES:
        return None
    tokens = [_canon(t) for t in _SPLIT_HY.split(m.group("tokens"))]
    if any(t is None for t in tokens):
        return None
    return f"{m.group('num').lower()}-{typ}/" + "-".join(tokens)


def prepare(text: str) -> str:
    return nfc(text or "").replace("\u00d0", "Đ").replace("\u00f0", "đ")


def scan(text: str) -> list[_Ref]:
    """Every full and resolved short mention, in text order."""
    refs: list[_Ref] = []
    taken: list[tuple[int, int]] = []
    for rx, build in ((_PARTY, _party_number), (_ADMIN, _admin_number)):
        for m in rx.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            number = build(m)
            if number:
                refs.append(_Ref(number, m.start(), m.end()))
                taken.append((m.start(), m.end()))
    refs.sort(key=lambda r: r.start)
    shorts: list[_Ref] = []
    for m in _SHORT.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        word = m.group("word").lower()
        lead = _leading(m.group("num"))
        match = None
        for r in refs:  # the latest full mention before it, same leading number and type
            if r.start >= m.start():
                break
            if _leading(r.number) == lead and _type_matches(word, r.number):
                match = r
        if match:
            shorts.append(_Ref(match.number, m.start(), m.end(), full=False))
    return sorted(refs + shorts, key=lambda r: r.start)


def _leading(number: str) -> str:
    """The number without leading zeros, with its letter: "036a/NQ-CP" → "36a"."""
    m = re.match(r"(\d+)([a-zA-Z]?)", number)
    return (m.group(1).lstrip("0") or "0") + m.group(2).lower()


def _type_matches(word: str, number: str) -> bool:
    typ = doc_type_of(number) or ""
    if word == "luật" or word == "nghị quyết":
        return typ.lower() in (word, "luật") if _LEGISLATURE.search(number) else \
            typ.lower().startswith(word)
    return typ.lower().startswith(word)


def find_refs(text: str) -> list[str]:
    """Normalised document numbers cited in ``text``: unique, in order of first mention."""
    out: list[str] = []
    for r in scan(prepare(text)):
        if r.number not in out:
            out.append(r.number)
    return out


def normalize(number: str) -> str | None:
    """One document number as typed ("749 / QD-TTg", "số 96/KH-UBND") → ``749/QĐ-TTg``, or
    None when it is not a document number."""
    text = prepare(number).strip()
    text = re.sub(r"^(?:số|so)\s*:?\s*", "", text, flags=re.IGNORECASE)
    for r in scan(text):
        if r.full and r.start == 0 and r.end == len(text):
            return r.number
    return None


# --- reading a number ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Parts:
    num: str
    year: int | None
    type: str | None
    issuers: tuple[str, ...]
    party: bool


def _parts(number: str) -> _Parts | None:
    n = normalize(number) if number else None
    if not n:
        return None
    m = re.fullmatch(r"(\d+[a-z]?)-([^/]+)/(.+)", n)
    if m:
        return _Parts(m.group(1), None, m.group(2), tuple(m.group(3).split("-")), True)
    m = re.fullmatch(r"(\d+[a-z]?)/(?:(\d{4})/)?(.+)", n)
    num, year, rest = m.group(1), m.group(2), m.group(3).split("-")
    typ = rest[0] if rest[0] in DOC_TYPES else None
    issuers = tuple(rest[1:] if typ else rest[:1])
    return _Parts(num, int(year) if year else None, typ, issuers, False)


def _issuer_name(token: str) -> str | None:
    m = _LEGISLATURE.fullmatch(token)
    if m:
        body = "Ủy ban Thường vụ Quốc hội" if m.group(1) == "UBTVQH" else "Quốc hội"
        return f"{body} khóa {_roman(int(m.group(2)))}"
    return ISSUERS.get(token)


def doc_type_of(number: str) -> str | None:
    """The document type read from the abbreviation: ``749/QĐ-TTg`` → "Quyết định".

    A letter without a type (``1234/BTTTT-CĐSQG``) is a "Công văn"; ``20/2023/QH15`` is a
    "Luật" (a resolution of the National Assembly has the same shape: :func:`parse_citation`
    reads the word in the sentence).
    """
    p = _parts(number)
    if p is None:
        return None
    if p.type:
        return DOC_TYPES[p.type]
    if p.issuers and _LEGISLATURE.fullmatch(p.issuers[0]):
        return "Luật"
    return "Công văn"


def issuer_of(number: str) -> str | None:
    """The issuing body read from the number: ``749/QĐ-TTg`` → "Thủ tướng Chính phủ";
    joint documents list each issuer ("Bộ Tài chính, Bộ Thông tin và Truyền thông")."""
    p = _parts(number)
    if p is None:
        return None
    names = [_issuer_name(t) for t in p.issuers]
    if p.issuers and names[0] is None:
        return None
    known = [n for n in names if n]
    if p.type in ("TTLT", "NQLT"):
        return ", ".join(known) or None
    return known[0] if known else None


def year_of(number: str) -> int | None:
    """The year carried by a legal normative number (``13/2023/NĐ-CP`` → 2023), else None."""
    p = _parts(number)
    return p.year if p else None


def scope_of(number: str) -> str | None:
    """``central``, ``provincial`` or ``local`` as far as the issuer tells."""
    p = _parts(number)
    if p is None or not p.issuers:
        return None
    token = p.issuers[0]
    if token in _CENTRAL or _LEGISLATURE.fullmatch(token) or \
            ISSUERS.get(token, "").startswith("Bộ "):
        return "central"
    if token in _LOCAL:
        return "local"
    return "provincial"
