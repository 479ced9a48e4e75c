"""The tagger: taxonomy loading and validation, matching real Vietnamese, the relevance gate,
scoring, explanations. The quality gate on labelled texts is tests/eval/tagging/."""

from __future__ import annotations

import copy
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.errors import ConfigError
from pipeline.core.models import PILLARS, THEMES, Tagging
from pipeline.tagging.tag import FILENAME, Taxonomy, explain, tag

DEFAULT = Path(__file__).resolve().parents[1] / "pipeline" / "data" / FILENAME

CDS_TITLE = "Chuyển đổi số mang lại lợi ích gì cho người dân?"
CDS_BODY = (
    "Chuyển đổi số là quá trình thay đổi tổng thể cách sống, cách làm việc dựa trên công nghệ "
    "số. Lợi ích lớn nhất của chuyển đổi số là người dân nộp hồ sơ trực tuyến, thanh toán không "
    "dùng tiền mặt mọi lúc, mọi nơi. Vì sao phải chuyển đổi số? Vì đó là xu thế tất yếu, giúp "
    "nâng cao chất lượng cuộc sống. Khái niệm chính quyền số cũng cần được hiểu đúng.")


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.default()


def _data() -> dict:
    return yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))


def _strip_marks(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))


# --- the packaged taxonomy ---------------------------------------------------------------------

def test_default_taxonomy_has_the_plan_themes_pillars_and_activities(taxonomy):
    assert [c.id for c in taxonomy.themes] == list(THEMES)
    assert [c.id for c in taxonomy.pillars] == list(PILLARS)
    tags = {c.id for c in taxonomy.tags}
    assert {"ngay-cds-quoc-gia", "ngay-chu-nhat-so", "tap-huan", "hoi-nghi", "cuoc-thi",
            "ngoai-khoa", "truyen-thanh-co-so", "trien-lam"} <= tags
    for c in (*taxonomy.themes, *taxonomy.pillars, *taxonomy.tags):
        assert c.id.isascii() and c.name and not c.name.isascii(), c.id   # Vietnamese names
    for c in taxonomy.themes:
        assert c.description and c.phrases and c.title
    assert taxonomy.theme("van-ban").doc_ref_weight > 0
    assert any(c.against for c in taxonomy.themes)


def test_load_reads_the_roots_copy_first(tmp_path):
    assert Taxonomy.load(tmp_path).source.endswith(f"data/{FILENAME}")
    assert Taxonomy.load(None).themes == Taxonomy.default().themes
    data = _data()
    data["themes"][0]["name"] = "Nhận thức (bản của tỉnh)"
    (tmp_path / FILENAME).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loaded = Taxonomy.load(tmp_path)
    assert loaded.source == str(tmp_path / FILENAME)
    assert loaded.theme("nhan-thuc").name == "Nhận thức (bản của tỉnh)"


def test_bad_yaml_is_one_line_with_file_and_line(tmp_path):
    (tmp_path / FILENAME).write_text("themes: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Taxonomy.load(tmp_path)
    msg = str(err.value)
    assert str(tmp_path / FILENAME) in msg and "line" in msg and "YAML" in msg
    assert "\n" not in msg and "Traceback" not in msg


def test_every_problem_is_reported_with_its_key():
    data = _data()
    data["themes"][1]["id"] = "trach-nhiem-x"           # not a theme of the plan
    data["themes"][2]["threshold"] = "cao"              # not a number
    data["themes"][3]["phrases"]["điển hình"] = -1      # weights are positive
    data["themes"][0]["phrase"] = ["typo in the key"]   # unknown key
    data["tags"].append({"id": "Hội thảo", "name": "Hội thảo", "phrases": ["hội thảo"]})
    data["relevance"]["min_score"] = None
    with pytest.raises(ConfigError) as err:
        Taxonomy.from_dict(data, source="root/taxonomy.yml")
    problems = err.value.problems
    text = "\n".join(problems)
    assert all(p.startswith("root/taxonomy.yml: ") for p in problems)
    assert "themes[1] (trach-nhiem-x): id: 'trach-nhiem-x' is not one of" in text
    assert "themes: trach-nhiem is missing" in text
    assert "themes[2] (van-ban).threshold: must be a number, not 'cao'" in text
    assert "themes[3] (dien-hinh).phrases.điển hình: must be greater than 0" in text
    assert "themes[0] (nhan-thuc): unknown key 'phrase'" in text
    assert f"tags[{len(data['tags']) - 1}] (Hội thảo): id: 'Hội thảo' must be an ASCII slug" in text
    assert err.value.exit_code == 2


def test_second_round_keys_are_checked():
    data = _data()
    data["lead_words"] = -5
    data["assign"] = {"default": "khac", "secondary": "cao", "extra": 1}
    data["relevance"]["lead_scor"] = 2
    with pytest.raises(ConfigError) as err:
        Taxonomy.from_dict(data, source="root/taxonomy.yml")
    text = str(err.value)
    assert "lead_words: must be 0 or more, not -5" in text
    assert "assign.default: 'khac' is not one of" in text
    assert "assign.secondary: must be a number, not 'cao'" in text
    assert "assign: unknown key 'extra'" in text
    assert "relevance: unknown key 'lead_scor'" in text


def test_a_relevant_text_without_a_theme_gets_the_default_and_the_main_theme_comes_first(
        taxonomy):
    # IT application in 2017 words: no awareness vocabulary, no "chuyển đổi số"
    t = tag("Ứng dụng công nghệ thông tin trong cơ quan nhà nước",
            "Đến nay 100% sở, ngành sử dụng phần mềm quản lý văn bản và điều hành; cổng dịch vụ "
            "công của tỉnh cung cấp 300 dịch vụ công trực tuyến mức độ 3, từng bước xây dựng "
            "chính quyền điện tử.", taxonomy)
    assert t.themes == ["nhan-thuc"]
    data = _data()
    del data["assign"]                      # the first round's rule: none forced
    data["model"] = {"enabled": False}      # (the rules' own rule; the model, on by default,
                                            # reads this e-government text as on topic)
    assert tag("Ứng dụng công nghệ thông tin trong cơ quan nhà nước",
               "Cổng dịch vụ công cung cấp 300 dịch vụ công trực tuyến, xây dựng chính quyền "
               "điện tử.", Taxonomy.from_dict(data)).themes == []
    story = tag("Hợp tác xã điển hình bán nông sản trên sàn thương mại điện tử",
                "Mô hình điển hình của hợp tác xã được nhân rộng: doanh thu tăng gấp đôi, kinh "
                "nghiệm được chia sẻ, chuyển đổi số giúp xã viên hưởng lợi.", taxonomy)
    assert story.themes[0] == "dien-hinh"


def test_blockers_void_exact_matches_and_guards_keep_longer_phrases(taxonomy):
    t = tag("Chuyển đổi số hiệu xe", "Chủ xe chuyển đổi số hiệu xe sang biển 5 số.", taxonomy)
    assert t.scores["cds"] == 0 and t.themes == []
    t = tag("", "giá dịch vụ công khai; dịch vụ công cộng", taxonomy)
    assert t.scores["cds"] == 0
    plain = tag("", "co so du lieu quoc gia ve dan cu", taxonomy)
    assert any("cơ sở dữ liệu" in line for line in plain.evidence["cds"])


def test_a_tag_cannot_take_a_theme_id():
    data = _data()
    data["tags"][0]["id"] = "van-ban"
    with pytest.raises(ConfigError, match=r"tags\[0\] \(van-ban\): id: already the id"):
        Taxonomy.from_dict(data)


def test_phrases_may_be_a_plain_list():
    data = _data()
    data["themes"][0]["phrases"] = ["lợi ích", "là gì"]
    t = Taxonomy.from_dict(data)
    assert [p.weight for p in t.theme("nhan-thuc").phrases] == [1.0, 1.0]


def test_not_a_mapping():
    with pytest.raises(ConfigError, match="must be a mapping"):
        Taxonomy.from_text("- a\n- b\n", source="x.yml")


# --- tagging --------------------------------------------------------------------------------

def test_tag_returns_a_tagging_with_scores_and_evidence(taxonomy):
    t = tag(CDS_TITLE, CDS_BODY, taxonomy)
    assert isinstance(t, Tagging)
    assert t.themes == ["nhan-thuc"]
    assert "xa-hoi-so" not in t.pillars
    assert set(t.scores) >= {"cds", *THEMES, *PILLARS}
    assert any("lợi ích" in line for line in t.evidence["nhan-thuc"])


def test_tag_is_pure(taxonomy):
    before = copy.deepcopy(taxonomy)
    first = tag(CDS_TITLE, CDS_BODY, taxonomy)
    second = tag(CDS_TITLE, CDS_BODY, taxonomy)
    assert first == second
    assert taxonomy == before


def test_decomposed_unicode_tags_the_same(taxonomy):
    nfd = tag(unicodedata.normalize("NFD", CDS_TITLE), unicodedata.normalize("NFD", CDS_BODY),
              taxonomy)
    assert nfd == tag(CDS_TITLE, CDS_BODY, taxonomy)


def test_case_does_not_matter(taxonomy):
    assert tag(CDS_TITLE.upper(), CDS_BODY.upper(), taxonomy).themes == ["nhan-thuc"]


def test_old_and_new_tone_placement_are_the_same():
    data = _data()
    data["themes"][0]["phrases"] = {"hòa nhập số": 10}
    data["themes"][0]["threshold"] = 10
    t = Taxonomy.from_dict(data)
    body = CDS_BODY + " Người cao tuổi hoà nhập số."
    assert tag("Chuyển đổi số", body, t).scores["nhan-thuc"] == 10
    assert tag("Chuyển đổi số", body.replace("hoà", "hòa"), t).scores["nhan-thuc"] == 10


def test_text_without_diacritics_gets_the_same_themes(taxonomy):
    plain = tag(_strip_marks(CDS_TITLE), _strip_marks(CDS_BODY), taxonomy)
    assert plain.themes == ["nhan-thuc"]
    assert any("không dấu" in line for line in plain.evidence["cds"])


def test_the_typo_chuyen_doi_so(taxonomy):
    typo = tag(CDS_TITLE.replace("Chuyển", "Chuyên"), CDS_BODY.replace("chuyển", "chuyên"),
               taxonomy)
    right = tag(CDS_TITLE, CDS_BODY, taxonomy)
    assert typo.scores == right.scores
    assert typo.themes == right.themes


@pytest.mark.parametrize("text", [
    "Chuyển đổi sổ đỏ sang sổ hồng cho người dân",
    "chuyen doi so do sang so hong",                  # the same, typed without marks
    "chinh quyen so tai phoi hop",                     # chính quyền sở tại
    "tỷ lệ chuyển đổi so với năm trước",               # a marked phrase with an unmarked stand-in
    "Kết quả xổ số kiến thiết, số lượng vé số phát hành",
    "Chuyển đổi cơ cấu cây trồng, chuyển đổi mục đích sử dụng đất",
    "Xây dựng chính quyền cơ sở vững mạnh, chính quyền gần dân",
    "Nộp hồ sơ tại trụ sở Sở Tài chính",
])
def test_folds_that_change_meaning_do_not_count(taxonomy, text):
    t = tag(text, text, taxonomy)
    assert t.scores["cds"] == 0, t.evidence["cds"]
    assert t.themes == [] and t.pillars == [] and t.tags == []


def test_unmarked_text_still_matches_next_to_a_guard(taxonomy):
    # "so voi" guards the "so" right before it, not a whole sentence
    t = tag("", "chuyen doi so la xu the, tang 10% so voi nam truoc", taxonomy)
    assert any("chuyển đổi số" in line for line in t.evidence["cds"])


def test_a_passing_mention_gets_no_theme(taxonomy):
    title = "Thái Bình đón gần 1 triệu lượt khách du lịch dịp đầu xuân"
    body = ("Trong quý I, tỉnh đón 980.000 lượt khách, tăng 12% so với cùng kỳ. Các di tích đền "
            "Trần, chùa Keo thu hút đông du khách. Ban quản lý bố trí lực lượng bảo đảm an ninh, "
            "niêm yết giá công khai, vệ sinh môi trường. Một số di tích bán vé bằng mã QR, một "
            "phần của chuyển đổi số ngành du lịch. Năm nay tỉnh phát triển du lịch tâm linh gắn "
            "với nông nghiệp, nâng cao chất lượng dịch vụ lưu trú, ẩm thực và vận chuyển khách.")
    t = tag(title, body, taxonomy)
    assert 0 < t.scores["cds"] < taxonomy.relevance.min_score
    assert t.themes == [] and t.pillars == [] and t.tags == []


def test_a_long_article_with_a_few_mentions_is_not_about_cds(taxonomy):
    filler = "Nông dân thu hoạch lúa, giá lúa ổn định, thời tiết thuận lợi cho vụ đông. " * 40
    body = filler + "Chuyển đổi số, chuyển đổi số, chuyển đổi số là xu thế tất yếu, có lợi ích."
    t = tag("Vụ mùa bội thu", body, taxonomy)
    assert t.scores["cds"] >= taxonomy.relevance.min_score   # enough points …
    assert t.themes == []                                    # … but far too thin


def test_title_phrases_count_double():
    data = _data()
    data["themes"][0]["phrases"] = {"xyz": 1}
    data["themes"][0]["title"] = {"lợi ích": 3}
    t = Taxonomy.from_dict(data)
    assert tag("Lợi ích của chuyển đổi số", CDS_BODY, t).scores["nhan-thuc"] == 6
    assert tag("Chuyển đổi số", CDS_BODY, t).scores["nhan-thuc"] == 0


def test_phrases_against_a_theme_subtract():
    data = _data()
    data["themes"][0]["phrases"] = {"lợi ích": 2}
    data["themes"][0]["title"] = {}
    data["themes"][0]["against"] = {"xu thế": 1.5}
    data["themes"][0]["context_bonus"] = 0
    data["lead_bonus"] = 0
    t = Taxonomy.from_dict(data)
    # "lợi ích" ×1 in the body (+2), "xu thế" ×1 (−1.5)
    assert tag("Chuyển đổi số", CDS_BODY, t).scores["nhan-thuc"] == 0.5


def test_repeats_are_capped():
    data = _data()
    data["max_count"] = 2
    data["lead_bonus"] = 0
    data["themes"][0]["phrases"] = {"chuyển đổi số": 1}
    data["themes"][0]["title"] = {}
    data["themes"][0]["context_bonus"] = 0
    t = Taxonomy.from_dict(data)
    assert tag("", CDS_BODY, t).scores["nhan-thuc"] == 2


def test_markdown_links_and_addresses_are_not_text(taxonomy):
    body = ("Giá lúa vụ mùa tăng. [Xem thêm](https://example.vn/chuyen-doi-so/chinh-quyen-so) "
            "![ảnh](https://example.vn/chuyen-doi-so.jpg) www.chuyendoiso.vn/chuyen-doi-so "
            "<a href='/chuyen-doi-so'>tin khác</a>")
    assert tag("Giá lúa", body, taxonomy).scores["cds"] == 0


def test_doc_refs_are_listed_even_when_not_about_cds(taxonomy):
    t = tag("Chuyển đổi mục đích sử dụng đất",
            "Công bố Quyết định số 1532/QĐ-UBND về chuyển đổi mục đích sử dụng đất.", taxonomy)
    assert t.themes == []
    assert t.doc_refs == ["1532/QĐ-UBND"]


def test_van_ban_from_a_document_article(taxonomy):
    t = tag("UBND tỉnh ban hành Kế hoạch chuyển đổi số năm 2025",
            "Ủy ban nhân dân tỉnh vừa ban hành Kế hoạch số 12/KH-UBND ngày 20/01/2025 về chuyển "
            "đổi số năm 2025, cụ thể hóa Nghị quyết số 02-NQ/TU và Quyết định số 571/QĐ-UBND. "
            "Kế hoạch đề ra 42 chỉ tiêu, giao nhiệm vụ cho từng sở, ngành; chính quyền số, dịch "
            "vụ công trực tuyến toàn trình đạt 100%.", taxonomy)
    assert "van-ban" in t.themes
    assert t.doc_refs == ["12/KH-UBND", "02-NQ/TU", "571/QĐ-UBND"]


def test_activity_tags(taxonomy):
    t = tag("Hưởng ứng Ngày Chuyển đổi số quốc gia 10/10",
            "Sáng 10/10, tỉnh tổ chức hội thảo, triển lãm về chuyển đổi số, cuộc thi tìm hiểu "
            "chuyển đổi số, buổi học ngoại khóa cho học sinh, tập huấn kỹ năng số; sự kiện "
            "\"Ngày Chủ nhật số\" và chuyên mục trên đài truyền thanh xã.", taxonomy)
    assert t.tags == ["ngay-cds-quoc-gia", "ngay-chu-nhat-so", "tap-huan", "hoi-nghi",
                      "cuoc-thi", "ngoai-khoa", "truyen-thanh-co-so", "trien-lam"]


def test_empty_input(taxonomy):
    t = tag("", "", taxonomy)
    assert t.themes == [] and t.doc_refs == [] and t.scores["cds"] == 0
    assert "KHÔNG" in explain("", "", taxonomy)


# --- explain ----------------------------------------------------------------------------------

def test_explain_shows_scores_and_the_phrases_that_earned_them(taxonomy):
    out = explain(CDS_TITLE, CDS_BODY, taxonomy)
    assert "Liên quan đến chuyển đổi số: CÓ" in out
    for theme in taxonomy.themes:
        assert f"{theme.id} ({theme.name}): " in out
    assert "✓ nhan-thuc" in out and "✗ van-ban" in out
    assert "«lợi ích» ×2 +4.0" in out
    assert "«lợi ích» [tiêu đề] +4.0" in out
    assert "Kết quả: chủ đề = nhan-thuc" in out


def test_explain_says_why_a_passing_mention_has_no_theme(taxonomy):
    out = explain("Giá lúa tăng", "Giá lúa tăng mạnh, một phần nhờ chuyển đổi số.", taxonomy)
    assert "Liên quan đến chuyển đổi số: KHÔNG" in out
    assert "thoáng qua" in out
    assert "chủ đề = (không)" in out


def test_a_long_article_about_cds_is_still_tagged(taxonomy):
    body = "\n\n".join([CDS_BODY] * 20)                     # ~1,300 words, no CĐS title
    t = tag("Tin tức trong tuần", body, taxonomy)
    assert t.themes == ["nhan-thuc"]


@given(st.text(max_size=300), st.text(max_size=2000))
@settings(max_examples=60, deadline=None)
def test_never_crashes(taxonomy, title, body):
    t = tag(title, body, taxonomy)
    assert set(t.themes) <= set(THEMES)
    assert isinstance(explain(title, body, taxonomy), str)


# --- third round: multi-label, sentence evidence, plan reference, activity thresholds ----------

TWO_THEMES_TITLE = "Trường THCS Lê Lợi: hiệu trưởng đi đầu, nhà trường thành điển hình chuyển đổi số"
TWO_THEMES_BODY = (
    "Trường THCS Lê Lợi là điển hình chuyển đổi số của huyện, được tặng bằng khen; nhiều trường "
    "đã đến học tập kinh nghiệm, cách làm được nhân rộng.\n\n"
    "Thầy hiệu trưởng là người đứng đầu, trực tiếp chỉ đạo và chịu trách nhiệm về chuyển đổi "
    "số của trường, phân công từng tổ trưởng phụ trách, đưa kết quả vào xếp loại thi đua.")


def test_each_theme_is_chosen_on_its_own_evidence(taxonomy):
    t = tag(TWO_THEMES_TITLE, TWO_THEMES_BODY, taxonomy)
    assert set(t.themes) == {"dien-hinh", "trach-nhiem"}
    # a stronger first theme does not raise the bar for the second one
    louder = TWO_THEMES_BODY + " Mô hình tiêu biểu, điểm sáng, tiên phong, tôn vinh, tuyên dương."
    assert "trach-nhiem" in tag(TWO_THEMES_TITLE, louder, taxonomy).themes
    for theme in t.themes:
        assert t.scores[theme] >= taxonomy.theme(theme).threshold


def test_explain_shows_sentences_phrases_score_and_threshold(taxonomy):
    out = explain(TWO_THEMES_TITLE, TWO_THEMES_BODY, taxonomy)
    assert "✓ trach-nhiem (Vai trò, trách nhiệm của cấp ủy và người đứng đầu): " in out
    assert f"/ ngưỡng {taxonomy.theme('trach-nhiem').threshold:g} — đạt ngưỡng" in out
    assert "bằng chứng theo câu:" in out
    assert "câu 2: “Thầy hiệu trưởng là người đứng đầu" in out
    assert "«người đứng đầu» +3.0" in out
    assert "chưa đạt ngưỡng" in out                      # van-ban, nhan-thuc


def test_plan_reference_comes_from_the_taxonomy():
    data = _data()
    data.pop("plan_ref", None)
    out = explain(CDS_TITLE, CDS_BODY, Taxonomy.from_dict(data))
    assert "Kế hoạch 96" not in out and "\nChủ đề: mỗi chủ đề" in out   # neutral default
    data["plan_ref"] = "Kế hoạch 12/KH-UBND của tỉnh Nam Định, mục II"
    out = explain(CDS_TITLE, CDS_BODY, Taxonomy.from_dict(data))
    assert "Chủ đề (Kế hoạch 12/KH-UBND của tỉnh Nam Định, mục II):" in out
    root = Taxonomy.from_file(Path(__file__).resolve().parents[1] / FILENAME)
    assert root.plan_ref == "Kế hoạch 96/KH-UBND, mục II.1"
    data["plan_ref"] = ["not", "text"]
    with pytest.raises(ConfigError, match="plan_ref: must be a text"):
        Taxonomy.from_dict(data)


def test_an_activity_mentioned_in_passing_is_not_tagged(taxonomy):
    lead = ("Sáng 9/10, xã Vũ Lăng tổ chức hướng dẫn người dân sử dụng dịch vụ công trực "
            "tuyến, thanh toán không dùng tiền mặt, cài đặt ứng dụng VNeID trên điện thoại.")
    passing = ("\n\nNgười dân cần hỗ trợ có thể liên hệ tổ công nghệ số cộng đồng ở thôn. "
               "Chuyển đổi số giúp người dân tiết kiệm thời gian.")
    t = tag("Xã Vũ Lăng hướng dẫn người dân dùng dịch vụ số", lead + passing, taxonomy)
    assert "to-cong-nghe-so" not in t.tags
    t = tag("Tổ công nghệ số cộng đồng xã Vũ Lăng hướng dẫn người dân", lead + passing,
            taxonomy)
    assert "to-cong-nghe-so" in t.tags                 # named in the title
    t = tag("Xã Vũ Lăng hướng dẫn người dân dùng dịch vụ số",
            lead.replace("xã Vũ Lăng", "tổ công nghệ số cộng đồng xã Vũ Lăng") + passing,
            taxonomy)
    assert "to-cong-nghe-so" in t.tags                 # in the lead and again below


PLAN_TITLE = "Xã Yên Thịnh ban hành kế hoạch tổ chức Ngày Chủ nhật số năm 2027"
PLAN_BODY = (
    "UBND xã Yên Thịnh vừa ban hành kế hoạch tổ chức Ngày Chủ nhật số năm 2027 để đẩy mạnh "
    "chuyển đổi số. Theo kế hoạch, Ngày Chủ nhật số sẽ được tổ chức vào Chủ nhật tuần đầu hằng "
    "tháng tại nhà văn hóa các thôn; đoàn viên hướng dẫn người dân dùng dịch vụ công trực tuyến, "
    "thanh toán không dùng tiền mặt. Đề nghị các thôn thông báo đến từng hộ.")
REPORT_TITLE = "Xã Yên Thịnh tổ chức Ngày Chủ nhật số tháng 3"
REPORT_BODY = (
    "Sáng 2/3, xã Yên Thịnh tổ chức Ngày Chủ nhật số tại nhà văn hóa các thôn để đẩy mạnh "
    "chuyển đổi số. Các đoàn viên đã hướng dẫn 180 người dân nộp hồ sơ trên dịch vụ công trực "
    "tuyến, cài đặt ứng dụng thanh toán không dùng tiền mặt.")


def test_an_activity_a_plan_announces_is_not_tagged_its_report_is(taxonomy):
    """The results count activities that happened: a plan, a guidance or a notice announcing
    one is not it, even naming it in its title (plan cues: "ban hành kế hoạch", "sẽ", "đề
    nghị"); a report is (report cues: "đã", "180 người dân")."""
    assert "ngay-chu-nhat-so" not in tag(PLAN_TITLE, PLAN_BODY, taxonomy).tags
    assert "ngay-chu-nhat-so" in tag(REPORT_TITLE, REPORT_BODY, taxonomy).tags
    # a news item's plain "X tổ chức Y", with no cue either way, is a report
    plain = REPORT_BODY.split(" Các đoàn viên")[0]
    assert "ngay-chu-nhat-so" in tag(REPORT_TITLE, plain, taxonomy).tags
    # an invitation ("Thông báo", "mời bà con") is a notice
    notice = tag("Thông báo Ngày Chủ nhật số tháng 4",
                 "Sáng Chủ nhật 6/4, tại nhà văn hóa các thôn, xã tổ chức Ngày Chủ nhật số, hướng "
                 "dẫn dịch vụ công trực tuyến, chuyển đổi số. Kính mời bà con mang theo điện "
                 "thoại và căn cước.", taxonomy)
    assert "ngay-chu-nhat-so" not in notice.tags
    # a report whose last line announces the next one stays a report: the title and the
    # first sentence naming the activity count double
    after = REPORT_BODY + " Tháng tới, xã sẽ tổ chức Ngày Chủ nhật số tại chợ."
    assert "ngay-chu-nhat-so" in tag(REPORT_TITLE, after, taxonomy).tags


def test_one_mention_counts_when_its_sentence_reports_the_activity(taxonomy):
    """One mention mid-text is a passing one (under the threshold) unless its own sentence
    reports the activity twice over (``single``): "đã" and a number of people; a percentage
    is not a number of people."""
    base = ("Sáng 2/3, xã Yên Thịnh tổ chức ngày hội chuyển đổi số, hướng dẫn người dân dùng "
            "dịch vụ công trực tuyến, thanh toán không dùng tiền mặt trên điện thoại. ")
    base += ("\n\nNgười dân được giới thiệu cách nhận biết cuộc gọi lừa đảo, bảo vệ tài khoản "
             "ngân hàng và dữ liệu cá nhân trên mạng xã hội.\n\n")
    weak = base + "Tổ công nghệ số cộng đồng của các thôn giúp 90% hộ cài ứng dụng."
    strong = base + "Tổ công nghệ số cộng đồng của các thôn đã giúp 230 người cài ứng dụng."
    title = "Ngày hội chuyển đổi số ở xã Yên Thịnh"
    assert "to-cong-nghe-so" in tag(title, strong, taxonomy).tags
    assert "to-cong-nghe-so" not in tag(title, weak, taxonomy).tags
    # without marks, the number still counts ("230 nguoi"); a marked "5 hồ" is not "5 hộ"
    t = tag(title, _strip_marks(strong), taxonomy)
    assert "to-cong-nghe-so" in t.tags


def test_editors_set_what_counts_as_a_report():
    """``activity_report`` is the editors': without it any activity over its threshold is
    tagged (the old rule); ``needs_report: false`` exempts one activity; cues are theirs."""
    data = _data()
    assert "ngay-chu-nhat-so" not in tag(PLAN_TITLE, PLAN_BODY, Taxonomy.from_dict(data)).tags
    legacy = copy.deepcopy(data)
    del legacy["activity_report"]
    assert "ngay-chu-nhat-so" in tag(PLAN_TITLE, PLAN_BODY, Taxonomy.from_dict(legacy)).tags
    exempt = copy.deepcopy(data)
    next(c for c in exempt["tags"] if c["id"] == "ngay-chu-nhat-so")["needs_report"] = False
    assert "ngay-chu-nhat-so" in tag(PLAN_TITLE, PLAN_BODY, Taxonomy.from_dict(exempt)).tags
    strict = copy.deepcopy(data)
    strict["activity_report"]["min_net"] = 50
    strict["activity_report"]["single_net"] = 0
    assert "ngay-chu-nhat-so" not in tag(REPORT_TITLE, REPORT_BODY,
                                         Taxonomy.from_dict(strict)).tags
    # the default site taxonomy (the root copy) reads the same cues
    root = Taxonomy.from_file(Path(__file__).resolve().parents[1] / FILENAME)
    assert root.activity_report == Taxonomy.from_dict(data).activity_report


def test_activity_report_problems_are_listed():
    data = _data()
    ar = data["activity_report"]
    ar["window"] = -1
    ar["plan"]["đã"] = 1                     # also a report cue
    ar["colour"] = "red"
    data["tags"][0]["needs_report"] = "yes"
    with pytest.raises(ConfigError) as err:
        Taxonomy.from_dict(data, source="root/taxonomy.yml")
    text = str(err.value)
    assert "activity_report.window: must be a whole number 0 or more" in text
    assert "activity_report.plan: 'đã' is also in report" in text
    assert "activity_report: unknown key 'colour'" in text
    assert "needs_report: must be true or false, not 'yes'" in text


def test_explain_shows_why_an_activity_is_reported_or_announced(taxonomy):
    out = explain(PLAN_TITLE, PLAN_BODY, taxonomy)
    part = out[out.index("\nHoạt động:"):]
    assert "✗ ngay-chu-nhat-so" in part
    assert "tiêu đề (×2): “Xã Yên Thịnh ban hành kế hoạch" in part
    assert "«kế hoạch» -2.0" in part and "«sẽ» -3.0" in part
    assert "bài là kế hoạch, hướng dẫn hay thông báo về hoạt động" in part
    out = explain(REPORT_TITLE, REPORT_BODY, taxonomy)
    part = out[out.index("\nHoạt động:"):]
    assert "✓ ngay-chu-nhat-so" in part and "«180 người dân» +2.0" in part
    assert "→ bài tường thuật hoạt động" in part


def test_a_theme_may_weigh_its_phrases_more_where_a_sentence_speaks_of_cds():
    """Per-theme ``context_bonus``: "lợi ích" in a sentence about CĐS earns more than in one
    that is not (awareness beside a meeting or a document); another theme keeps the top one."""
    data = _data()
    data["context_bonus"] = 0
    data["lead_bonus"] = 0
    data["themes"][0]["phrases"] = {"lợi ích": 2}
    data["themes"][0]["title"] = {}
    data["themes"][0]["context_bonus"] = 1
    data["themes"][1]["phrases"] = {"lợi ích": 2}
    data["themes"][1]["title"] = {}
    data["themes"][1].pop("context_bonus", None)
    t = Taxonomy.from_dict(data)
    inside = tag("", "Lợi ích của chuyển đổi số rất rõ.", t).scores
    outside = tag("", "Lợi ích của vụ lúa rất rõ. Chuyển đổi số.", t).scores
    assert inside["nhan-thuc"] == 4 and outside["nhan-thuc"] == 2
    assert inside["trach-nhiem"] == outside["trach-nhiem"] == 2
    data["themes"][0]["context_bonus"] = "nhiều"
    with pytest.raises(ConfigError, match=r"themes\[0\] \(nhan-thuc\)\.context_bonus"):
        Taxonomy.from_dict(data)


def test_strong_theme_evidence_lowers_the_cds_score_needed():
    """A success story told in its own words (CĐS named once, dense in CĐS vocabulary) is about
    CĐS when a theme's own score is well over its threshold; without that evidence it is not."""
    body = ("Thôn Phú Lạc lắp camera an ninh kết nối điện thoại thông minh của từng hộ. Đây là mô "
            "hình điển hình, cách làm hay được huyện biểu dương, tuyên dương và nhân rộng; nhiều "
            "thôn đến học tập kinh nghiệm. Người dân xem camera qua ứng dụng số.")
    data = _data()
    data["model"] = {"enabled": False}      # the rules' gate alone
    data["relevance"]["strong_min_score"] = 0
    data["relevance"]["strong_ratio"] = 0
    off = Taxonomy.from_dict(data)
    data["relevance"]["strong_min_score"] = 1
    data["relevance"]["strong_ratio"] = 1.2
    on = Taxonomy.from_dict(data)
    assert tag("Thôn Phú Lạc có camera", body, off).themes == []
    assert "dien-hinh" in tag("Thôn Phú Lạc có camera", body, on).themes
    plain = "Thôn Phú Lạc lắp camera an ninh. Người dân xem camera qua điện thoại thông minh."
    assert tag("Thôn Phú Lạc có camera", plain, on).themes == []


# --- van-ban: whose document (round 11) --------------------------------------------------------

VB_TITLE = "{who} ban hành kế hoạch chuyển đổi số năm 2025"
VB_BODY = (
    "{who} vừa ban hành Kế hoạch số 45/KH-UBND về chuyển đổi số năm 2025. Theo đó, kế hoạch đặt "
    "mục tiêu cụ thể: 80% hồ sơ thủ tục hành chính được giải quyết trực tuyến, phát triển chính "
    "quyền số, kinh tế số và xã hội số. Kế hoạch nêu rõ nhóm nhiệm vụ, giải pháp và giao nhiệm vụ "
    "cho các cơ quan, đơn vị tổ chức phổ biến, quán triệt nội dung kế hoạch.")


@pytest.mark.parametrize("form", ["nfc", "nfd", "plain"])
def test_a_communes_own_plan_is_not_van_ban_a_provinces_is(form):
    data = _data()
    data["model"] = {"enabled": False}      # the rules alone
    t = Taxonomy.from_dict(data)
    write = {"nfc": lambda s: s, "nfd": lambda s: unicodedata.normalize("NFD", s),
             "plain": _strip_marks}[form]

    def run(who: str) -> Tagging:
        return tag(write(VB_TITLE.format(who=who)), write(VB_BODY.format(who=who)), t)

    commune, province = run("UBND xã Tân Lập"), run("UBND tỉnh Tuyên Quang")
    assert commune.doc_refs == province.doc_refs == ["45/KH-UBND"]   # still listed
    assert "van-ban" in province.themes
    assert province.scores["van-ban"] >= 20
    assert "van-ban" not in commune.themes
    assert commune.scores["van-ban"] == 0       # neither the number nor "ban hành" counts
    assert not any("văn bản được trích dẫn" in line for line in commune.evidence["van-ban"])


@pytest.mark.parametrize("number", ["09-NQ/HU", "12-KH/ĐU"])
def test_a_local_party_committees_number_is_not_counted(number):
    data = _data()
    data["model"] = {"enabled": False}
    t = Taxonomy.from_dict(data)
    body = f"Chuyển đổi số: triển khai văn bản số {number} về chuyển đổi số. " + CDS_BODY
    assert not any("văn bản được trích dẫn" in line for line in tag("", body, t).evidence["van-ban"])
    body = body.replace(number, "57-NQ/TW")
    assert any("1 văn bản được trích dẫn" in line for line in tag("", body, t).evidence["van-ban"])
