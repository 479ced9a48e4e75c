"""The desk's "add document" form: fields prefilled from :func:`pipeline.store.register.prefill`,
checked with the register's own validation (:func:`pipeline.store.register.check_fields`), each
problem told in one Vietnamese sentence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pipeline.core import docrefs
from pipeline.core.text import nfc
from pipeline.store import register

#: The form's fields (register keys) and their Vietnamese labels, in the form's order.
FIELDS = {"doc_type": "Loại văn bản", "issuer": "Cơ quan ban hành", "issued": "Ngày ban hành",
          "title": "Trích yếu", "scope": "Phạm vi", "signer": "Người ký",
          "url": "Đường dẫn văn bản gốc"}
MAX_CHARS = 2000            # per field
_VN_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")


def number_of(raw: str) -> str | None:
    """The normalised document number in ``raw``, or None."""
    return docrefs.normalize(nfc(raw or "").strip())


def initial(info: Mapping[str, Any]) -> dict[str, str]:
    """The form's values from :func:`register.prefill`'s ``info``."""
    values = {k: str(info.get(k) or "") for k in FIELDS}
    issued = info.get("issued")
    values["issued"] = issued.isoformat() if isinstance(issued, date) else ""
    return values


def values_of(form: Mapping[str, str]) -> dict[str, str]:
    """The editor's values as typed (NFC, trimmed); a day/month/year date becomes ISO when it is
    a real date (else kept as typed, for the check to report)."""
    values = {k: nfc(str(form.get(k) or "")).strip() for k in FIELDS}
    m = _VN_DATE.fullmatch(values["issued"])
    if m:
        try:
            values["issued"] = date(int(m.group(3)), int(m.group(2)),
                                    int(m.group(1))).isoformat()
        except ValueError:
            pass
    return values


def check(number: str, values: Mapping[str, str]) -> tuple[register.Doc | None, dict[str, str]]:
    """(the entry, None when there is a problem; {field: one Vietnamese message})."""
    errors: dict[str, str] = {}
    for key, text in values.items():
        if len(text) > MAX_CHARS:
            errors[key] = f"{FIELDS.get(key, key)}: dài quá {MAX_CHARS} ký tự."
    doc, problems = register.check_fields(number, {k: v for k, v in values.items()
                                                   if k not in errors})
    for key, why in problems:
        errors.setdefault(key, message(number, key, why, values.get(key, "")))
    return (None if errors else doc), errors


def message(number: str, key: str, why: str, value: str) -> str:
    """One Vietnamese sentence for the register's problem ``why`` with ``key``."""
    label = FIELDS.get(key, key)
    if key == "number":
        return (f"Số hiệu «{number}» không phải số hiệu văn bản (ví dụ 749/QĐ-TTg, "
                "13/2023/NĐ-CP, 57-NQ/TW).")
    if key == "doc_type":
        if why.startswith("missing"):
            hint = docrefs.doc_type_of(number)
            return "Hãy điền loại văn bản" + (f" (số hiệu cho biết: {hint})." if hint else ".")
        m = re.search(r"\(([^()]*)\)$", why)
        want = m.group(1).replace(" or ", " hoặc ") if m else ""
        return (f"Loại văn bản «{value}» không khớp với số hiệu {number}"
                + (f": phải là {want}." if want else "."))
    if key == "issued":
        year = docrefs.year_of(number)
        if "year" in why and year:
            return f"Ngày ban hành {value} không thuộc năm {year} ghi trong số hiệu {number}."
        return (f"Ngày ban hành «{value}» không phải là một ngày có thật; hãy viết theo dạng "
                "ngày/tháng/năm, ví dụ 05/11/2023.")
    if key == "scope":
        names = ", ".join(register.SCOPES.values())
        if why.startswith("missing"):
            return f"Hãy chọn phạm vi ({names})."
        return f"Phạm vi «{value}» không hợp lệ: chọn một trong {names}."
    if key == "url":
        return f"Đường dẫn «{value}» không phải địa chỉ bắt đầu bằng http:// hoặc https://."
    return f"{label}: giá trị «{value}» không hợp lệ."
