"""pipeline.harvest.dedupe: a portal's re-post of a newspaper article is found as a near-duplicate; two
different articles on the same topic are not; credit lines name the original's source.

The texts are written for these tests (no real news text): the original as a newspaper would
publish it, the re-post as a department portal would copy it (another title, a photo with a
credit, a few words changed, a sentence dropped, decomposed tone marks, "Nguồn:" at the end),
and a different article about CĐS in another district with the same vocabulary.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.harvest.dedupe import (
    BINS,
    EMPTY,
    DupIndex,
    credited_source,
    normalise,
    shingles,
    signature,
    similarity,
)

ORIGINAL = """\
Những năm gần đây, huyện Kiến Xương xác định chuyển đổi số là nhiệm vụ trọng tâm, gắn với cải \
cách hành chính và xây dựng chính quyền số. Huyện đã ban hành kế hoạch triển khai Kế hoạch số \
96/KH-UBND của UBND tỉnh, giao chỉ tiêu cụ thể cho từng xã, thị trấn và từng cơ quan chuyên môn.

Đến nay, 100% cán bộ, công chức cấp huyện và cấp xã được cấp tài khoản thư điện tử công vụ; tỷ \
lệ văn bản đi, đến được xử lý trên môi trường mạng đạt trên 95%. Bộ phận một cửa của huyện tiếp \
nhận hồ sơ trực tuyến toàn trình đối với nhiều thủ tục như đăng ký hộ kinh doanh, cấp giấy phép \
xây dựng, chứng thực bản sao điện tử.

Tại xã Quang Bình, tổ công nghệ số cộng đồng gồm 12 thành viên thường xuyên đến từng thôn hướng \
dẫn người dân cài đặt ứng dụng VNeID, thanh toán không dùng tiền mặt và nộp hồ sơ trên Cổng dịch \
vụ công quốc gia. Ông Nguyễn Văn Hùng, Chủ tịch UBND xã cho biết: “Ban đầu nhiều cụ cao tuổi còn \
ngại, nhưng khi được cầm tay chỉ việc thì bà con thấy tiện lợi, không phải đi lại nhiều lần”.

Bên cạnh kết quả đạt được, huyện vẫn còn khó khăn về hạ tầng mạng ở một số thôn ven biển, trình \
độ sử dụng công nghệ của một bộ phận người dân còn hạn chế. Thời gian tới, huyện tiếp tục tuyên \
truyền, nâng cao nhận thức về chuyển đổi số, phấn đấu đến hết năm 2025 có trên 80% hộ gia đình \
sử dụng dịch vụ thanh toán điện tử, 100% thôn có cáp quang và sóng di động 4G ổn định.

**Minh Hằng**
"""

# The portal's copy: photo and credit first, "Thời gian qua" for "Những năm gần đây", "hơn" for
# "trên", one sentence dropped, the author line gone, a source line added, and decomposed marks.
REPOST = unicodedata.normalize("NFD", """\
![Cán bộ xã Quang Bình hướng dẫn người dân](https://sotttt.example.gov.vn/uploads/anh-1.jpg)

*Cán bộ xã Quang Bình hướng dẫn người dân cài đặt VNeID. Ảnh: Minh Hằng*

Thời gian qua, huyện Kiến Xương xác định chuyển đổi số là nhiệm vụ trọng tâm, gắn với cải cách \
hành chính và xây dựng chính quyền số. Huyện đã ban hành kế hoạch triển khai Kế hoạch số \
96/KH-UBND của UBND tỉnh, giao chỉ tiêu cụ thể cho từng xã, thị trấn và từng cơ quan chuyên môn.

Đến nay, 100% cán bộ, công chức cấp huyện và cấp xã được cấp tài khoản thư điện tử công vụ; tỷ \
lệ văn bản đi, đến được xử lý trên môi trường mạng đạt hơn 95%. Bộ phận một cửa của huyện tiếp \
nhận hồ sơ trực tuyến toàn trình đối với nhiều thủ tục như đăng ký hộ kinh doanh, cấp giấy phép \
xây dựng, chứng thực bản sao điện tử.

Tại xã Quang Bình, tổ công nghệ số cộng đồng gồm 12 thành viên thường xuyên đến từng thôn hướng \
dẫn người dân cài đặt ứng dụng VNeID, thanh toán không dùng tiền mặt và nộp hồ sơ trên Cổng dịch \
vụ công quốc gia.

Bên cạnh kết quả đạt được, huyện vẫn còn khó khăn về hạ tầng mạng ở một số thôn ven biển, trình \
độ sử dụng công nghệ của một bộ phận người dân còn hạn chế. Thời gian tới, huyện tiếp tục tuyên \
truyền, nâng cao nhận thức về chuyển đổi số, phấn đấu đến hết năm 2025 có trên 80% hộ gia đình \
sử dụng dịch vụ thanh toán điện tử, 100% thôn có cáp quang và sóng di động 4G ổn định.

*Nguồn: [Báo Thái Bình](https://baothaibinh.example.vn/tin-tuc/kien-xuong-cds.html)*
""")

# Same topic, same plan, same vocabulary, another district and another text.
OTHER = """\
Thực hiện Kế hoạch số 96/KH-UBND của UBND tỉnh về tuyên truyền chuyển đổi số, huyện Vũ Thư đã \
chỉ đạo các xã, thị trấn kiện toàn tổ công nghệ số cộng đồng và đưa nội dung chuyển đổi số vào \
sinh hoạt chi bộ hằng tháng. Mỗi thôn, tổ dân phố có ít nhất một thành viên phụ trách hướng dẫn \
người dân sử dụng dịch vụ công trực tuyến.

Năm 2024, huyện tổ chức 36 lớp tập huấn kỹ năng số cho hơn 2.000 lượt cán bộ, đoàn viên thanh \
niên và hội viên phụ nữ. Nhiều hợp tác xã nông nghiệp ở Song Lãng, Minh Quang đã đưa sản phẩm \
gạo, rau an toàn lên sàn thương mại điện tử, bán hàng qua mạng xã hội và nhận thanh toán bằng mã \
QR. Bà Trần Thị Lan, Giám đốc một hợp tác xã cho biết doanh thu bán trực tuyến năm nay tăng gần \
gấp đôi so với năm trước.

Ở lĩnh vực y tế và giáo dục, 100% trạm y tế xã đã triển khai hồ sơ sức khỏe điện tử, các trường \
học thu học phí không dùng tiền mặt. Người dân có thể đặt lịch khám, tra cứu kết quả xét nghiệm \
ngay trên điện thoại mà không phải xếp hàng chờ đợi.

Lãnh đạo huyện Vũ Thư nhấn mạnh, chuyển đổi số không chỉ là việc của cơ quan nhà nước mà cần sự \
tham gia của mọi người dân và doanh nghiệp. Huyện sẽ tiếp tục rà soát các thủ tục hành chính đủ \
điều kiện để cung cấp dịch vụ công trực tuyến toàn trình, đồng thời xây dựng mô hình thôn thông \
minh tại một số địa phương có điều kiện.

Thu Hoài - Quang Huy
"""

SOURCES = {
    "bao-thai-binh": "Báo Thái Bình",
    "dai-thai-binh": "Đài Phát thanh và Truyền hình Thái Bình",
    "so-tttt": "Sở Thông tin và Truyền thông Thái Bình",
}


def test_texts_are_realistic_length():
    for text in (ORIGINAL, REPOST, OTHER):
        assert 150 <= len(text.split()) <= 320


def test_normalise_folds_and_drops_credits():
    out = normalise(REPOST)
    assert out == out.lower() and "đ" not in out and "\n" not in out
    assert "nguon" not in out and "thai binh" not in out          # the credit line is gone
    assert "uploads" not in out and "http" not in out               # image and link targets
    assert "minh hang" not in out                                   # the photo credit
    assert out.startswith("can bo xa quang binh huong dan nguoi dan cai dat vneid")
    assert "minh hang" not in normalise(ORIGINAL)                  # the author line
    assert not normalise(OTHER).endswith("quang huy")


def test_signature_shape_and_determinism():
    sig = signature(ORIGINAL)
    assert len(sig) == BINS and all(isinstance(v, int) for v in sig)
    assert sig == signature(ORIGINAL)
    assert signature("") == (EMPTY,) * BINS
    assert similarity(signature(""), signature("")) == 0.0
    assert similarity(sig, sig) == 1.0


def test_signature_does_not_depend_on_hash_seed():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pipeline.harvest.dedupe import signature;"
            "print(signature('Chuyển đổi số ở Thái Bình năm 2025 đạt nhiều kết quả'))")
    root = str(Path(__file__).resolve().parents[1])
    outs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outs.add(subprocess.run([sys.executable, "-c", code, root], env=env, check=True,
                                capture_output=True, text=True).stdout)
    assert len(outs) == 1


def test_estimate_is_close_to_true_jaccard():
    a, b = shingles(ORIGINAL), shingles(REPOST)
    true = len(a & b) / len(a | b)
    assert abs(similarity(signature(ORIGINAL), signature(REPOST)) - true) < 0.2


def test_repost_is_found_and_other_article_is_not():
    index = DupIndex()
    assert index.add("original", ORIGINAL)
    assert index.add("other", OTHER)
    found = index.find(REPOST, threshold=0.6)
    assert found is not None and found[0] == "original" and found[1] >= 0.6
    assert similarity(signature(ORIGINAL), signature(OTHER)) < 0.2

    index.remove("original")
    assert index.find(REPOST) is None          # OTHER is on the same topic, but not a copy
    assert len(index) == 1 and "other" in index


def test_find_excludes_and_replaces():
    index = DupIndex()
    index.add("original", ORIGINAL)
    assert index.find(ORIGINAL) == ("original", 1.0)
    assert index.find(ORIGINAL, exclude=["original"]) is None
    index.add("original", OTHER)               # re-adding replaces the old signature
    assert index.find(REPOST) is None
    assert index.find(OTHER) == ("original", 1.0)


def test_short_texts_are_never_matched():
    index = DupIndex()
    assert not index.add("a", "Xem video tại đây")
    index.add("b", ORIGINAL)
    assert index.find("Xem video tại đây") is None


def test_short_query_falls_back_to_full_comparison():
    # ~25 shingles leave many bins empty: the band guarantee does not hold, every article is
    # compared, and an exact copy is still found.
    text = ("Sáng nay tỉnh Thái Bình tổ chức hội nghị sơ kết công tác chuyển đổi số sáu tháng "
            "đầu năm với sự tham gia của lãnh đạo các sở ngành và các huyện thành phố trong tỉnh")
    index = DupIndex()
    index.add("x", ORIGINAL)
    index.add("short", text)
    assert index.find(text) == ("short", 1.0)


@pytest.mark.parametrize("tail, expected", [
    ("Nguồn: Báo Thái Bình", "bao-thai-binh"),
    ("nguon: bao thai binh", "bao-thai-binh"),
    ("NGUỒN: BÁO THÁI BÌNH", "bao-thai-binh"),
    ("Theo Báo Thái Bình", "bao-thai-binh"),
    ("Theo Bao Thai Binh dien tu", "bao-thai-binh"),
    ("(Nguồn: baothaibinh.com.vn)", "bao-thai-binh"),
    ("*Nguồn: [Báo Thái Bình](https://baothaibinh.example.vn/a.html)*", "bao-thai-binh"),
    ("**Theo Đài PT-TH Thái Bình**", None),           # not the source's name: no guess
    ("Theo Đài Phát thanh và Truyền hình Thái Bình", "dai-thai-binh"),
    ("Nguồn: Sở Thông tin và Truyền thông Thái Bình", "so-tttt"),
    ("Nguồn: TTXVN", None),
    ("Nguồn ảnh: Báo Thái Bình", None),               # a photo credit, not the article's
])
def test_credited_source(tail, expected):
    text = "Nội dung bài viết về chuyển đổi số.\n\nMinh Hằng\n\n" + tail + "\n"
    assert credited_source(text, SOURCES) == expected


def test_credited_source_inline_and_hosts():
    text = "Huyện đã hoàn thành các chỉ tiêu năm 2024. (Nguồn: thaibinhtv.vn)"
    assert credited_source(text, SOURCES) is None
    hosts = {"dai-thai-binh": ["thaibinhtv.vn", "www.thaibinhtv.vn"]}
    assert credited_source(text, SOURCES, hosts) == "dai-thai-binh"
    assert credited_source(REPOST, SOURCES) == "bao-thai-binh"
    assert credited_source(ORIGINAL, SOURCES) is None


def test_credit_must_be_at_the_end():
    text = "Nguồn: Báo Thái Bình\n\n" + ORIGINAL
    assert credited_source(text, SOURCES) is None


def test_add_signature_matches_add():
    index = DupIndex()
    index.add_signature("original", signature(ORIGINAL))
    assert index.find(REPOST)[0] == "original"
    with pytest.raises(ValueError):
        index.add_signature("bad", (1, 2, 3))


def _index_state(index: DupIndex) -> dict:
    return index.signatures()


def test_signatures_kept_between_harvests_give_the_index_adding_every_body_gives(tmp_path: Path):
    from pipeline.harvest import dupcache

    short = "Tin ngắn."
    bodies = [("a", ORIGINAL), ("b", OTHER), ("c", short), ("d", ORIGINAL)]
    expected = DupIndex()
    for article_id, body in bodies:
        expected.add(article_id, body)
    first = DupIndex()
    assert dupcache.index_bodies(first, bodies, tmp_path) == 3      # "d" is "a"'s body
    assert _index_state(first) == _index_state(expected)
    again = DupIndex()
    assert dupcache.index_bodies(again, bodies, tmp_path) == 0      # nothing signed again
    assert _index_state(again) == _index_state(expected)
    assert again.find(REPOST)[0] == "a"
    # a body that changed is signed again, and the index has its new signature
    changed = [("a", REPOST), *bodies[1:]]
    third = DupIndex()
    assert dupcache.index_bodies(third, changed, tmp_path) == 1
    want = DupIndex()
    for article_id, body in changed:
        want.add(article_id, body)
    assert _index_state(third) == _index_state(want)


@pytest.mark.parametrize("damage", ["garbage", "fingerprint", "row"])
def test_a_damaged_or_foreign_signature_cache_is_not_trusted(tmp_path: Path, damage: str):
    import sqlite3

    from pipeline.harvest import dupcache

    bodies = [("a", ORIGINAL), ("b", OTHER)]
    dupcache.index_bodies(DupIndex(), bodies, tmp_path)
    path = tmp_path / dupcache.CACHE_FILE
    if damage == "garbage":
        path.write_bytes(b"not a database" * 100)
    else:
        con = sqlite3.connect(path)
        with con:
            if damage == "fingerprint":
                con.execute("UPDATE meta SET value = 'other code'")
            else:       # rows of the wrong shape
                con.execute("UPDATE sigs SET sig = ?", (b"\0" * 7,))
        con.close()
    index = DupIndex()
    assert dupcache.index_bodies(index, bodies, tmp_path) == 2
    assert index.find(REPOST)[0] == "a"


_BIN = st.one_of(st.just(EMPTY), st.integers(0, 3), st.integers(0, (1 << 58) - 1))


@settings(max_examples=300, deadline=None)
@given(st.lists(_BIN, min_size=BINS, max_size=BINS), st.lists(st.booleans(), min_size=BINS,
                                                              max_size=BINS), st.data())
def test_packed_comparison_is_similarity(a, keep, data):
    """DupIndex compares signatures packed in one integer: the very float :func:`similarity`
    gives, EMPTY bins (alone or in both) included."""
    from pipeline.harvest import dedupe

    b = [x if k else data.draw(_BIN) for x, k in zip(a, keep, strict=True)]
    pa, pb = dedupe.pack(tuple(a)), dedupe.pack(tuple(b))
    assert dedupe._score(pa, dedupe._empty_lanes(pa), pb, dedupe._empty_lanes(pb)) == \
        similarity(tuple(a), tuple(b))


def test_find_is_the_best_match_before_and_after_the_bands_are_built():
    """The first FULL_SCANS finds compare with every article, later ones through the LSH
    bands: both give the answer of comparing with every signature (best score, then smallest
    id), for near copies, exact copies, short texts and texts matching nothing."""
    import random

    from pipeline.harvest import dedupe

    rng = random.Random(7)
    vocab = sorted(set((ORIGINAL + " " + OTHER).split()))
    texts = {f"id{i:03d}": " ".join(rng.choice(vocab) for _ in range(rng.choice((8, 30, 200, 250))))
             for i in range(150)}
    texts["dup-b"] = texts["dup-a"] = texts["id005"]               # ties: smallest id wins
    index = DupIndex()
    for article_id, text in texts.items():
        index.add(article_id, text)
    index.remove("id007")
    sigs = index.signatures()
    queries = []
    for i in range(4 * dedupe.FULL_SCANS):
        words = texts[f"id{i % 150:03d}"].split()
        if i % 3 == 0 and len(words) > 6:
            words[2:5] = ["Thái", "Bình", "nay"]
        elif i % 3 == 1:
            words = [rng.choice(vocab) for _ in range(200)]
        queries.append(" ".join(words))
    assert index._bands is None
    for n, query in enumerate(queries):
        sig, count = dedupe.sketch(query)
        want = None
        if count >= index.min_shingles:
            for article_id in sorted(sigs):
                score = similarity(sig, sigs[article_id])
                if score >= 0.6 and (want is None or score > want[1]):
                    want = (article_id, score)
        assert index.find(query, threshold=0.6) == want, n
    assert index._bands is not None                 # built after FULL_SCANS long queries
    long = next(k for k, v in texts.items() if len(v.split()) >= 200 and k < "id1")
    index.add("late", texts[long])                  # kept in the bands from now on
    index.remove(long)
    assert index.find(texts[long]) == ("late", 1.0)
