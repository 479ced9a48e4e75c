"""Theme and pillar names are data: the root's ``taxonomy.yml``, else the package's, else the
built-in table below."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.core.models import PILLARS, THEMES

PACKAGE = Path(__file__).resolve().parent.parent.parent
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml when there, else Python

# Built-in names, used where the root's taxonomy.yml (or the package's) does not name a theme.
BUILTIN_THEMES = {
    "nhan-thuc": ("Nhận thức về chuyển đổi số",
                  "Khái niệm, tầm quan trọng, ý nghĩa, mục tiêu, tác động và lợi ích của chuyển "
                  "đổi số, chính quyền số, công nghệ số."),
    "trach-nhiem": ("Vai trò, trách nhiệm",
                    "Vai trò, trách nhiệm của cấp ủy đảng và người đứng đầu cơ quan, đơn vị trong "
                    "chuyển đổi số."),
    "van-ban": ("Văn bản, chính sách",
                "Tuyên truyền, phổ biến văn bản, chính sách của Trung ương và của tỉnh về chuyển "
                "đổi số."),
    "dien-hinh": ("Câu chuyện thành công",
                  "Câu chuyện thành công, gương điển hình, kinh nghiệm triển khai chuyển đổi số ở "
                  "các đơn vị, địa phương."),
}
BUILTIN_PILLARS = {
    "chinh-quyen-so": ("Chính quyền số", ""),
    "kinh-te-so": ("Kinh tế số", ""),
    "xa-hoi-so": ("Xã hội số", ""),
}


@dataclass(frozen=True)
class Topic:
    """A theme or a pillar: id, Vietnamese name, description (from taxonomy.yml)."""
    id: str
    name: str
    description: str = ""


def _topics(data: object, builtin: Mapping[str, tuple[str, str]],
            order: Sequence[str]) -> dict[str, Topic]:
    """Topics from ``{id: {name, description}}`` or ``[{id, name, description}, …]``."""
    if isinstance(data, list):
        data = {str(e["id"]): e for e in data if isinstance(e, Mapping) and e.get("id")}
    entries = data if isinstance(data, Mapping) else {}
    ids = list(order) + [str(k) for k in entries if str(k) not in order]
    out: dict[str, Topic] = {}
    for tid in ids:
        entry = entries.get(tid)
        entry = entry if isinstance(entry, Mapping) else {}
        name, desc = builtin.get(tid, (tid, ""))
        out[tid] = Topic(tid, str(entry.get("name") or name).strip(),
                         " ".join(str(entry.get("description") or desc).split()))
    return out


def load_topics(root: Path) -> tuple[dict[str, Topic], dict[str, Topic], list[str]]:
    """Themes and pillars with their Vietnamese names: the root's ``taxonomy.yml``, else the
    package's, else the built-in table. Returns (themes, pillars, warnings)."""
    warnings: list[str] = []
    data: Mapping = {}
    for path in (Path(root) / "taxonomy.yml", PACKAGE / "data" / "taxonomy.yml"):
        if not path.is_file():
            continue
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            warnings.append(f"{path}: cannot be read ({type(exc).__name__}); built-in theme names used")
            continue
        data = loaded if isinstance(loaded, Mapping) else {}
        break
    return (_topics(data.get("themes"), BUILTIN_THEMES, THEMES),
            _topics(data.get("pillars"), BUILTIN_PILLARS, PILLARS), warnings)
