"""A portal without a feed (`kind: html`), harvested over loopback: listing pages followed to
`max_pages`, article pages read by selectors, and a listing that changes between two runs."""

from __future__ import annotations

from pipeline import config as config_mod
from pipeline import jobs
from pipeline.demo.localserver import LocalServer, serve_validated
from pipeline.store import articles as store
from tests.conftest import make_root

ARTICLE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title} - Sở TT&TT</title></head>
<body><div class="top">Thứ Năm, 26/11/2026 | Tăng tương phản | A- A A+</div>
<div class="crumb">Trang chủ &gt; Tin tức &gt; Chuyển đổi số</div>
<h2 class="title-detail">{title}</h2><div class="date-detail">Cập nhật: 07:34, {day}/04/2022 (GMT+7)</div>
<div class="content-detail"><p>{text}</p><p>Xã tiếp tục triển khai chuyển đổi số, đưa dịch vụ công trực tuyến đến từng thôn.</p>
<div class="box-share">Chia sẻ Facebook Zalo In bài viết</div></div>
<div class="tin-lien-quan"><h3>Tin cùng chuyên mục</h3><ul><li><a href="x.html">Tin khác</a></li></ul></div>
</body></html>"""


def listing(items, next_href=None):
    rows = "".join(
        f'<div class="news-item"><h3><a href="{href}">{title}</a></h3>'
        f'<span class="date">{day}/04/2022 10:11 SA</span><p class="sapo">{sapo}</p></div>'
        for href, title, day, sapo in items)
    nxt = f'<a class="next" href="{next_href}">Trang sau</a>' if next_href else ""
    return f'<html><body><div class="list">{rows}</div><div class="pager">{nxt}</div></body></html>'


class Portal:
    """A department portal whose listing and articles the test can change between runs."""

    def __init__(self):
        self.pages = {
            "/tin-tuc/index.html": listing([
                ("bai-1.html", "Xã Vũ Hội số hóa thủ tục", "20", "Vũ Hội triển khai chuyển đổi số."),
                ("/tin-tuc/bai-2.html", "Tập huấn kỹ năng số", "19", "Tập huấn chuyển đổi số."),
            ], next_href="trang-2.html"),
            "/tin-tuc/trang-2.html": listing([
                ("bai-3.html", "Hội nghị chính quyền số", "18", "Hội nghị về chuyển đổi số."),
                ("bai-4.html", "Ngày Chủ nhật số ở Tiền Hải", "17", "Ngày Chủ nhật số."),
            ], next_href="trang-3.html"),
            "/tin-tuc/trang-3.html": listing([
                ("bai-5.html", "Bài ngoài giới hạn trang", "16", "Không được đọc."),
            ]),
        }
        for n, (title, day) in enumerate([("Xã Vũ Hội số hóa thủ tục", "20"),
                                          ("Tập huấn kỹ năng số", "19"),
                                          ("Hội nghị chính quyền số", "18"),
                                          ("Ngày Chủ nhật số ở Tiền Hải", "17"),
                                          ("Bài ngoài giới hạn trang", "16")], start=1):
            self.pages[f"/tin-tuc/bai-{n}.html"] = ARTICLE.format(
                title=title, day=day, text=f"Nội dung bài {n} về chuyển đổi số ở cơ sở.")

    def route(self, h):
        path = h.path.split("?")[0]
        body = self.pages.get(path)
        if body is None:
            h.send_response(404)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        serve_validated(h, body.encode("utf-8"), "text/html; charset=utf-8", mtime=1_700_000_000)


FEEDS = """\
site: {{title: T, url: "http://127.0.0.1:9/"}}
sources:
  - id: so-tttt
    name: Sở Thông tin và Truyền thông
    kind: html
    url: "{base}/tin-tuc/index.html"
    list: {{item: .news-item, link: h3 a, date: .date, summary: .sapo, next: a.next, max_pages: 2}}
    article:
      body: div.content-detail
      title: h2.title-detail
      date: .date-detail
      remove: [.box-share, .tin-lien-quan]
"""


def test_listing_pages_articles_and_a_changing_listing(tmp_path):
    portal = Portal()
    server = LocalServer(routes={p: portal.route for p in portal.pages})
    with server:
        root = make_root(tmp_path / "root", FEEDS.format(base=server.base))
        config = config_mod.load(root)
        first = jobs.harvest(config, progress=False)
        rep = first.sources[0]
        assert rep.ok and rep.new == 4 and rep.fetched == 4, rep
        arts = {a.title: a for a in store.Store(root / "content").articles()}
        assert set(arts) == {"Xã Vũ Hội số hóa thủ tục", "Tập huấn kỹ năng số",
                             "Hội nghị chính quyền số", "Ngày Chủ nhật số ở Tiền Hải"}
        vu_hoi = arts["Xã Vũ Hội số hóa thủ tục"]
        assert vu_hoi.url == server.url("/tin-tuc/bai-1.html")           # relative link resolved
        assert vu_hoi.published.isoformat() == "2022-04-20T07:34:00+07:00"  # the page's own date
        for chrome in ("Tăng tương phản", "A- A A+", "Chia sẻ", "Tin cùng chuyên mục", "26/11/2026"):
            assert chrome not in vu_hoi.body
        assert "Nội dung bài 1" in vu_hoi.body

        # Nothing changed: the first listing page answers 304 and nothing is fetched again.
        before = len(server.requests)
        second = jobs.harvest(config, progress=False)
        assert second.sources[0].not_modified and not second.changed
        assert server.paths_requested()[before:] == ["/tin-tuc/index.html"]

        # The listing changes: a new article on top, one entry's summary and page edited.
        portal.pages["/tin-tuc/index.html"] = listing([
            ("bai-6.html", "Bài mới về công dân số", "21", "Công dân số và chuyển đổi số."),
            ("bai-1.html", "Xã Vũ Hội số hóa thủ tục", "20", "Vũ Hội đẩy mạnh chuyển đổi số."),
            ("/tin-tuc/bai-2.html", "Tập huấn kỹ năng số", "19", "Tập huấn chuyển đổi số."),
        ], next_href="trang-2.html")
        portal.pages["/tin-tuc/bai-6.html"] = ARTICLE.format(
            title="Bài mới về công dân số", day="21", text="Nội dung bài 6 về công dân số.")
        portal.pages["/tin-tuc/bai-1.html"] = portal.pages["/tin-tuc/bai-1.html"].replace(
            "Nội dung bài 1", "Nội dung bài 1 (đã sửa)")
        server.routes.update({p: portal.route for p in portal.pages})
        before = len(server.requests)
        third = jobs.harvest(config, progress=False)
        rep = third.sources[0]
        assert (rep.new, rep.updated) == (1, 1), rep
        fetched = server.paths_requested()[before:]
        assert "/tin-tuc/bai-2.html" not in fetched and "/tin-tuc/bai-3.html" not in fetched
        assert "/tin-tuc/trang-3.html" not in fetched                        # max_pages: 2
        edited = store.Store(root / "content").find_by_url(server.url("/tin-tuc/bai-1.html"))
        assert "(đã sửa)" in edited.body and edited.updated is not None
        assert edited.harvested == vu_hoi.harvested and edited.path == vu_hoi.path


def test_changed_selectors_make_the_next_harvest_read_every_entry_again(tmp_path):
    portal = Portal()
    server = LocalServer(routes={p: portal.route for p in portal.pages})
    with server:
        root = make_root(tmp_path / "root", FEEDS.format(base=server.base))
        jobs.harvest(config_mod.load(root), progress=False)
        # The editor now also drops the article's closing sentence's block: a new `remove`.
        (root / "feeds.yml").write_text(
            FEEDS.format(base=server.base).replace("remove: [.box-share, .tin-lien-quan]",
                                                   "remove: [.box-share, .tin-lien-quan, p + p]"),
            encoding="utf-8")
        config = config_mod.load(root)
        before = len(server.requests)
        report = jobs.harvest(config, progress=False)
        fetched = server.paths_requested()[before:]
        assert not report.sources[0].not_modified
        assert "/tin-tuc/bai-2.html" in fetched               # read again with the new selectors
        assert report.sources[0].updated == 4
        again = jobs.harvest(config, progress=False)         # and then settled: 304 as before
        assert again.sources[0].not_modified
