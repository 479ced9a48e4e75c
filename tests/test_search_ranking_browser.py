"""Search ranking in a real browser: a page holding every word of the query as a whole word ranks
above a page that only has words the query's words begin ("so" → "song", "sôi"), however often
those appear. Same site markup and helpers as tests/test_search_browser.py."""

from __future__ import annotations

import pytest

from pipeline.demo.localserver import LocalServer
from pipeline.site import search
from tests.browser import Browser, chromium_path
from tests.test_search_browser import Art, make_site, search_page, url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="chromium not installed"),
    pytest.mark.skipif(search.pagefind_binary() is None, reason="no pagefind binary"),
]

FILLER = " ".join(["Người dân trong thôn cùng nhau dọn dẹp đường làng và trồng thêm cây xanh."] * 6)

WHOLE = [   # "chủ nhật" and "số" as whole words
    Art("ngay-chu-nhat-so-vu-ninh", "Ngày Chủ nhật số ở xã Vũ Ninh", "2024-03-10", "bao",
        ("nhan-thuc",), "Đoàn viên hướng dẫn người dân cài ứng dụng định danh vào Ngày Chủ nhật số."),
    Art("chu-nhat-so-lan-hai", "Huyện tổ chức Chủ nhật số lần thứ hai", "2025-01-19", "dai",
        ("nhan-thuc",), "Các tổ công nghệ số cộng đồng hỗ trợ dịch vụ công trực tuyến."),
    Art("thon-sach-dep", "Thôn sạch đẹp nhờ sức dân", "2023-05-02", "cong", ("dien-hinh",),
        FILLER + "\n\nCuối tháng, thôn còn hưởng ứng Chủ nhật số do huyện phát động."),
]
PREFIX_ONLY = [   # "chủ nhật" whole, "so" only as the start of "sôi", "song", "sóng"
    Art("chu-nhat-soi-dong", "Chủ nhật sôi động: chủ nhật sôi nổi ở làng chèo", "2024-06-02", "bao",
        ("nhan-thuc",), "Chủ nhật nào làng cũng sôi động; chủ nhật sôi nổi với hội chèo, sóng nhạc "
        "vang khắp xóm, chủ nhật song hành cùng lễ hội."),
    Art("song-hanh-chu-nhat", "Song hành cùng chủ nhật xanh", "2024-07-07", "dai", ("dien-hinh",),
        "Chủ nhật xanh song hành với phong trào sống xanh; chủ nhật nào cũng sôi nổi."),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site_dir = make_site(tmp_path_factory.mktemp("ranking"), WHOLE + PREFIX_ONLY)
    assert search.run_index(site_dir).pages == len(WHOLE + PREFIX_ONLY)
    with LocalServer(site_dir) as server:
        yield server


@pytest.fixture(scope="module")
def tab():
    with Browser() as browser:
        yield browser.tab(1280, 900)


@pytest.mark.parametrize("query", ["chu nhat so", "chủ nhật số", "CHU NHAT SO"])
def test_whole_word_matches_rank_above_prefix_matches(site, tab, query):
    page = search_page(tab, url(site, q=query))
    slugs = [next(a.slug for a in WHOLE + PREFIX_ONLY if a.slug in h) for h in page.hrefs]
    whole = {a.slug for a in WHOLE}
    assert set(slugs[: len(whole)]) == whole, slugs
    assert len(slugs) == len(WHOLE + PREFIX_ONLY), slugs        # prefix matches still listed


def test_a_single_short_word_prefers_the_word_itself(site, tab):
    page = search_page(tab, url(site, q="so"))
    whole = {a.slug for a in WHOLE}
    slugs = [next(a.slug for a in WHOLE + PREFIX_ONLY if a.slug in h) for h in page.hrefs]
    assert set(slugs[: len(whole)]) == whole, slugs
