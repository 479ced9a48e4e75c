"""``cds review …`` and ``cds desk …``: parsers and commands (wired in by ``pipeline.cli.main``)."""

from __future__ import annotations

import getpass
import os
import sys

from pipeline.core.errors import ConfigError

DEFAULT_PORT = 8040
ACTIONS = ("approve", "reject", "feature", "unfeature", "retag", "lock", "unlock", "propose")


def eprint(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def add_parsers(sub, parser_class) -> None:
    r = sub.add_parser("review", help="the review queue from the terminal")
    rsub = r.add_subparsers(dest="review_command", metavar="ACTION", parser_class=parser_class)
    rsub.required = True
    ls = rsub.add_parser("list", help="articles waiting for review (or --status …)")
    ls.add_argument("--status", default="pending",
                    choices=("pending", "published", "rejected", "all"))
    ls.add_argument("--source", metavar="ID", help="only this source")
    sh = rsub.add_parser("show", help="an article's file and why it has its themes")
    sh.add_argument("ids", nargs="+", metavar="ID")
    for action in ACTIONS:
        a = rsub.add_parser(action, help=f"{action} articles")
        a.add_argument("ids", nargs="+", metavar="ID")
        if action == "reject":
            a.add_argument("--reason", default="", help="why (kept in the front matter)")
        if action == "retag":
            a.add_argument("--themes", required=True, action="append", metavar="T1,T2",
                           help="the themes to keep, comma-separated (sets themes_locked)")
    rsub.add_parser("docs", help="harvested documents waiting for review (review: pending)")
    ad = rsub.add_parser("approve-doc", help="publish pending documents (by number)")
    ad.add_argument("numbers", nargs="+", metavar="NUMBER")
    rd = rsub.add_parser("reject-doc", help="reject pending documents (never shown)")
    rd.add_argument("numbers", nargs="+", metavar="NUMBER")
    rd.add_argument("--reason", default="", help="why (kept in the entry)")
    u = rsub.add_parser("undo", help="a new commit putting back what a desk commit changed")
    u.add_argument("commit")

    d = sub.add_parser("desk", help="the editors' web desk (and its accounts)")
    d.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; behind a reverse proxy only)")
    d.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    d.add_argument("--behind-proxy", action="store_true",
                   help="trust X-Forwarded-Proto/-For/-Host from a reverse proxy on 127.0.0.1")
    dsub = d.add_subparsers(dest="desk_command", metavar="ACTION", parser_class=parser_class)
    au = dsub.add_parser("adduser", help="a new account; the password is read twice")
    au.add_argument("name")
    au.add_argument("--role", required=True, choices=("editor", "reviewer"))
    pw = dsub.add_parser("passwd", help="change a password (ends that user's sessions)")
    pw.add_argument("name")
    dl = dsub.add_parser("deluser", help="remove an account")
    dl.add_argument("name")
    dsub.add_parser("users", help="list the accounts")


def read_password() -> str:
    """Twice on the terminal, or two lines of standard input; never from the command line."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        second = getpass.getpass("Nhập lại mật khẩu: ")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
        second = sys.stdin.readline().rstrip("\r\n")
    if first != second:
        raise ConfigError("the two passwords differ; nothing changed")
    return first


def cli_author():
    from pipeline.desk.gitlog import Author
    name = os.environ.get("CDS_EDITOR")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "cds"
    return Author.editor(name)


def cmd_review(args) -> int:
    from pipeline import config as config_mod
    from pipeline.desk import review
    from pipeline.tagging import tag as tagger

    config = config_mod.load(args.root)
    rv = review.Review(config)
    action = args.review_command
    if action == "list":
        tz = config_mod.timezone(config)
        rows = [a for a in rv.articles() if args.status in ("all", a.status)
                and (not args.source or a.source == args.source)]
        rows.sort(key=lambda a: (a.harvested, a.published, a.id), reverse=True)
        for a in rows:
            print(f"{a.id}  {a.published.astimezone(tz):%Y-%m-%d}  {a.status:<9}  {a.source}  "
                  f"[{','.join(a.themes)}]  {a.title}")
        eprint(f"{len(rows)} article(s) ({args.status})")
        return 0
    if action == "show":
        missing = 0
        taxonomy = tagger.Taxonomy.load(config.root)
        for article_id in args.ids:
            art = rv.get(article_id)
            if art is None:
                eprint(f"error: {article_id}: no such article")
                missing += 1
                continue
            print(f"# {rv.rel(art)}")
            print(rv.file_text(art))
            print(tagger.explain(art.title, art.body, taxonomy))
        return 1 if missing else 0
    if action in ("docs", "approve-doc", "reject-doc"):
        return review_docs(config, args)
    if action == "undo":
        out = rv.undo(args.commit, cli_author())
    elif action == "approve":
        out = rv.approve(args.ids, cli_author())
    elif action == "reject":
        out = rv.reject(args.ids, cli_author(), args.reason)
    elif action in ("feature", "unfeature"):
        out = rv.feature(args.ids, cli_author(), on=action == "feature")
    elif action in ("lock", "unlock"):
        out = rv.set_lock(args.ids, cli_author(), on=action == "lock")
    elif action == "propose":
        out = rv.propose(args.ids, cli_author())
    else:
        themes = [t for v in args.themes for t in v.split(",")]
        out = rv.retag(args.ids, themes, cli_author())
    for article_id in out.missing:
        eprint(f"error: {article_id}: no such article")
    commit = f", commit {out.commit[:10]}" if out.commit else ""
    eprint(f"{out.verb}: {len(out.changed)} changed, {len(out.unchanged)} already so, "
           f"{len(out.missing)} not found{commit}")
    return 0 if out.ok else 1


def review_docs(config, args) -> int:
    from pipeline.desk import docreview

    if args.review_command == "docs":
        rows = docreview.pending(config)
        for d in rows:
            issued = d.issued.isoformat() if d.issued else "?"
            print(f"{d.number}  {issued}  {d.doc_type}  {d.issuer}  {d.source}  {d.title}")
        eprint(f"{len(rows)} document(s) waiting for review")
        return 0
    verb = "approve" if args.review_command == "approve-doc" else "reject"
    out = docreview.decide(config, verb, args.numbers, cli_author(), getattr(args, "reason", ""))
    for number in out.missing:
        eprint(f"error: {number}: no such document in content/van-ban/")
    for number in out.unchanged:
        eprint(f"{number}: not waiting for review; unchanged")
    commit = f", commit {out.commit[:10]}" if out.commit else ""
    eprint(f"{out.verb}: {len(out.changed)} document(s) changed, {len(out.unchanged)} unchanged, "
           f"{len(out.missing)} not found{commit}")
    return 0 if out.ok else 1


def cmd_desk(args) -> int:
    from pipeline import config as config_mod
    from pipeline.desk import auth

    config = config_mod.load(args.root)
    users = auth.Users(config.root)
    action = args.desk_command
    if action == "adduser":
        auth.check_name(args.name)
        users.add(args.name, args.role, read_password())
        eprint(f"account {args.name} ({args.role}) added to {auth.users_path(config.root)}")
        return 0
    if action == "passwd":
        if users.get(args.name) is None:
            raise ConfigError(f"{args.name}: no such account")
        users.passwd(args.name, read_password())
        eprint(f"password of {args.name} changed; its sessions are ended")
        return 0
    if action == "deluser":
        users.delete(args.name)
        eprint(f"account {args.name} removed")
        return 0
    if action == "users":
        for name in users.names():
            print(f"{name}  {users.get(name).role}")
        return 0
    return serve(config, host=args.host, port=args.port, behind_proxy=args.behind_proxy)


def proxy_settings() -> dict:
    """waitress settings for a reverse proxy on the same machine (nginx, docs/deploy.md): its
    X-Forwarded-Proto makes the desk see HTTPS (Secure cookies), X-Forwarded-For the reader's
    address (login throttling). Without them waitress drops these headers."""
    return {"trusted_proxy": "127.0.0.1", "trusted_proxy_count": 1,
            "trusted_proxy_headers": "x-forwarded-proto x-forwarded-for x-forwarded-host",
            "clear_untrusted_proxy_headers": True}


def serve(config, *, host: str, port: int, behind_proxy: bool = False) -> int:
    import waitress

    from pipeline.desk.app import create_app
    from pipeline.desk.auth import Users

    app = create_app(config)
    if not Users(config.root).names():
        eprint("no desk account yet: add one with "
               f"`cds --root {config.root} desk adduser NAME --role reviewer`")
    if host not in ("127.0.0.1", "localhost", "::1"):
        eprint(f"warning: listening on {host}: put the desk behind the agency's HTTPS reverse "
               "proxy (docs/deploy.md)")
    try:
        server = waitress.create_server(app, host=host, port=port, threads=8, ident="cds-desk",
                                        **(proxy_settings() if behind_proxy else {}))
    except OSError as exc:
        raise ConfigError(f"--port {port}: cannot listen on {host} ({exc.strerror})") from None
    eprint(f"Bàn biên tập: http://{host}:{server.effective_port}/  (Ctrl-C để dừng)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
