"""``plan.yml`` in a root: the plan's tasks, how their evidence is recognised, their targets, and
the report's letterhead. Schema: docs/plan-yml.md. Every problem is reported at once, one line
each, naming the key (``plan.yml: tasks[3].target.per: ...``); a missing file means no plan."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.core.errors import ConfigError
from pipeline.core.text import fold
from pipeline.core.yamlfile import FAST_LOADER, read_yaml_file

FILE = "plan.yml"
PER = ("week", "month", "quarter", "year")
PER_VI = {"week": "tuần", "month": "tháng", "quarter": "quý", "year": "năm"}
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})$")


@dataclass(frozen=True)
class Target:
    """One of: ``count`` per ``per``; an annual ``date`` (day, month) with ``count`` evidencing
    articles within ``window`` days of it; a ``share`` (%) of a configured ``denominator``."""
    kind: str                                   # count | date | share
    count: int = 1
    per: str = "year"
    day: int = 0
    month: int = 0
    window: int = 7
    share: float = 0.0
    denominator: int = 0
    unit: str = ""                              # what the denominator counts ("trường")

    @property
    def text(self) -> str:
        """Vietnamese wording: "1/tuần", "ngày 10/10 hằng năm", "50% của 120 trường"."""
        if self.kind == "count":
            return f"{self.count}/{PER_VI[self.per]}"
        if self.kind == "date":
            return f"ngày {self.day}/{self.month} hằng năm"
        share = f"{self.share:g}".replace(".", ",")
        return f"{share}% của {self.denominator} {self.unit}".rstrip()


@dataclass(frozen=True)
class Task:
    number: int
    name: str
    units: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    target: Target | None = None
    note: str = ""

    @property
    def measurable(self) -> bool:
        return bool(self.tags or self.sources or self.keywords)

    def evidenced_by(self, art, folded: str | None = None) -> bool:
        """Whether an article is evidence of the task: from one of ``sources`` (when given) and
        carrying one of ``tags`` or mentioning one of ``keywords`` (when either is given;
        keywords match case-, tone- and diacritic-insensitively in the title and summary/body)."""
        if not self.measurable:
            return False
        if self.sources and art.source not in self.sources:
            return False
        if not (self.tags or self.keywords):
            return True
        if self.tags and any(t in art.tags for t in self.tags):
            return True
        if self.keywords:
            folded = text_keys(art) if folded is None else folded
            return any(_has(folded, fold(k)) for k in self.keywords)
        return False


def text_keys(art) -> str:
    """An article's title, summary and body folded for keyword matching: lower case without
    diacritics or tone marks, ``đ`` → ``d`` (what ``pipeline.core.text.mentions_any`` accepts), by
    C-speed string methods only: made once per article, it is most of the counting's time."""
    text = f"{art.title}\n{art.summary}\n{art.body}"
    for old, new in _SEPARATORS:
        text = text.replace(old, new)          # str.replace: far faster than translate(dict)
    text = unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().split())


_SEPARATORS = (("đ", "d"), ("Đ", "D"), ("\u00d0", "D"), ("\u00f0", "d"), ("\u00a0", " "),
               ("\u2013", " "), ("\u2014", " "), ("\u201c", " "), ("\u201d", " "),
               ("\u2018", " "), ("\u2019", " "), ("\u2026", " "))


def _has(haystack: str, needle: str) -> bool:
    return bool(needle) and re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)",
                                      haystack) is not None


@dataclass(frozen=True)
class Letterhead:
    """The report's agency block, place, signer and recipients (``report:``)."""
    parent: str = ""                            # the governing body, e.g. UBND TỈNH ...
    agency: str = ""
    symbol: str = "BC"                          # the number's symbol: "/BC-STTTT"
    place: str = ""
    signer_authority: str = ""                  # e.g. "KT. GIÁM ĐỐC"
    signer_title: str = ""                      # e.g. "PHÓ GIÁM ĐỐC"
    signer_name: str = ""
    recipients: tuple[str, ...] = ()
    subject: str = "Kết quả công tác truyền thông về chuyển đổi số"


@dataclass(frozen=True)
class Plan:
    number: str = ""
    title: str = ""
    tasks: tuple[Task, ...] = ()
    report: Letterhead = field(default_factory=Letterhead)
    warnings: tuple[str, ...] = ()              # e.g. a tag the taxonomy does not (yet) have

    def task(self, number: int) -> Task | None:
        return next((t for t in self.tasks if t.number == number), None)


def _strs(value, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        problems.append(f"{FILE}: {where}: expected a list of strings")
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _int(value, where: str, problems: list[str], *, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        problems.append(f"{FILE}: {where}: expected a whole number ≥ {low}, got {value!r}")
        return low
    return value


def _target(raw, where: str, problems: list[str]) -> Target | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(f"{FILE}: {where}: expected a mapping such as {{count: 1, per: week}}")
        return None
    known = {"count", "per", "date", "window", "share", "denominator", "unit"}
    for key in raw:
        if key not in known:
            problems.append(f"{FILE}: {where}.{key}: unknown key (known: {', '.join(sorted(known))})")
    if "share" in raw:
        share = raw["share"]
        if isinstance(share, str):
            share = share.strip().rstrip("%").replace(",", ".")
        try:
            share = float(share)
        except (TypeError, ValueError):
            problems.append(f"{FILE}: {where}.share: expected a percentage such as 50, got {raw['share']!r}")
            share = 0.0
        if not 0 < share <= 100:
            problems.append(f"{FILE}: {where}.share: must be between 0 and 100")
        if "denominator" not in raw:
            problems.append(f"{FILE}: {where}.denominator: required with share (how many units "
                            "there are, e.g. the number of schools)")
        den = _int(raw.get("denominator", 1), f"{where}.denominator", problems, low=1)
        return Target("share", share=share, denominator=den, unit=str(raw.get("unit") or ""))
    count = _int(raw.get("count", 1), f"{where}.count", problems, low=1)
    if "date" in raw:
        m = _DATE.match(str(raw["date"]).strip())
        day = mon = 0
        if m:
            day, mon = int(m.group(1)), int(m.group(2))
        if not m or not (1 <= mon <= 12 and 1 <= day <= 31):
            problems.append(f"{FILE}: {where}.date: expected day/month such as 10/10, got {raw['date']!r}")
        window = _int(raw.get("window", 7), f"{where}.window", problems)
        return Target("date", count=count, day=day, month=mon, window=window)
    per = raw.get("per")
    if per not in PER:
        problems.append(f"{FILE}: {where}.per: expected one of {', '.join(PER)}, got {per!r}")
        per = "year"
    return Target("count", count=count, per=per)


def parse(data, *, known_tags: set[str] | None = None,
          known_sources: set[str] | None = None) -> Plan:
    """A :class:`Plan` from the loaded YAML; ConfigError listing every problem."""
    problems: list[str] = []
    warnings: list[str] = []
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{FILE}: expected a mapping with plan:, report: and tasks:")
    for key in data:
        if key not in ("plan", "report", "tasks"):
            problems.append(f"{FILE}: {key}: unknown key (known: plan, report, tasks)")
    head = data.get("plan") or {}
    if not isinstance(head, dict):
        problems.append(f"{FILE}: plan: expected a mapping with number: and title:")
        head = {}
    rep = data.get("report") or {}
    if not isinstance(rep, dict):
        problems.append(f"{FILE}: report: expected a mapping")
        rep = {}
    signer = rep.get("signer") or {}
    if not isinstance(signer, dict):
        problems.append(f"{FILE}: report.signer: expected a mapping with authority:, title:, name:")
        signer = {}
    letter = Letterhead(
        parent=str(rep.get("parent") or ""), agency=str(rep.get("agency") or ""),
        symbol=str(rep.get("symbol") or "BC"), place=str(rep.get("place") or ""),
        signer_authority=str(signer.get("authority") or ""),
        signer_title=str(signer.get("title") or ""), signer_name=str(signer.get("name") or ""),
        recipients=_strs(rep.get("recipients"), "report.recipients", problems),
        subject=str(rep.get("subject") or Letterhead.subject))
    tasks: list[Task] = []
    raw_tasks = data.get("tasks") or []
    if not isinstance(raw_tasks, list):
        problems.append(f"{FILE}: tasks: expected a list")
        raw_tasks = []
    seen: set[int] = set()
    for i, raw in enumerate(raw_tasks):
        where = f"tasks[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{FILE}: {where}: expected a mapping with number:, name:, evidence:, target:")
            continue
        for key in raw:
            if key not in ("number", "name", "units", "evidence", "target", "note"):
                problems.append(f"{FILE}: {where}.{key}: unknown key")
        number = _int(raw.get("number"), f"{where}.number", problems, low=1)
        if number in seen:
            problems.append(f"{FILE}: {where}.number: {number} is used twice")
        seen.add(number)
        name = str(raw.get("name") or "").strip()
        if not name:
            problems.append(f"{FILE}: {where}.name: required")
        ev = raw.get("evidence") or {}
        if not isinstance(ev, dict):
            problems.append(f"{FILE}: {where}.evidence: expected a mapping with tags:, sources:, keywords:")
            ev = {}
        for key in ev:
            if key not in ("tags", "sources", "keywords"):
                problems.append(f"{FILE}: {where}.evidence.{key}: unknown key (known: tags, sources, keywords)")
        tags = _strs(ev.get("tags"), f"{where}.evidence.tags", problems)
        sources = _strs(ev.get("sources"), f"{where}.evidence.sources", problems)
        for t in tags:
            if known_tags is not None and t not in known_tags:
                warnings.append(f"{FILE}: {where}.evidence.tags: {t!r} is not an activity tag "
                                "in taxonomy.yml (no article carries it yet)")
        for s in sources:
            if known_sources is not None and s not in known_sources:
                problems.append(f"{FILE}: {where}.evidence.sources: {s!r} is not a source in feeds.yml")
        tasks.append(Task(number=number, name=name,
                          units=_strs(raw.get("units"), f"{where}.units", problems),
                          tags=tags, sources=sources,
                          keywords=_strs(ev.get("keywords"), f"{where}.evidence.keywords", problems),
                          target=_target(raw.get("target"), f"{where}.target", problems),
                          note=str(raw.get("note") or "")))
    if problems:
        raise ConfigError(problems)
    return Plan(number=str(head.get("number") or ""), title=str(head.get("title") or ""),
                tasks=tuple(sorted(tasks, key=lambda t: t.number)), report=letter,
                warnings=tuple(warnings))


def known_tags(root: Path) -> set[str] | None:
    """Activity tag ids of the root's taxonomy (the package's when the root has none)."""
    from pipeline.site.publish import PACKAGE
    for path in (Path(root) / "taxonomy.yml", PACKAGE / "data" / "taxonomy.yml"):
        if path.is_file():
            try:
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_LOADER) or {}
            except (OSError, yaml.YAMLError):
                return None
            return {str(t.get("id")) for t in data.get("tags") or [] if isinstance(t, dict)}
    return None


def load(root: Path, *, sources: set[str] | None = None) -> Plan | None:
    """The root's plan.yml, or None when there is none. ConfigError (exit 2) when it is wrong."""
    path = Path(root) / FILE
    if not path.is_file():
        return None
    data, duplicates = read_yaml_file(path, FILE)
    if duplicates:                     # PyYAML would keep the last silently: say so (as feeds.yml)
        raise ConfigError(duplicates)
    return parse(data, known_tags=known_tags(root), known_sources=sources)
