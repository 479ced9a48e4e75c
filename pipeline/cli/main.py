"""The ``cds`` command line: thin commands over ``jobs``; user errors become one line each.

Exit status: 0 all well; 1 finished but something failed; 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.core.errors import CdsError, ConfigError


def eprint(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 without the usage dump."""

    def error(self, message: str):  # noqa: D102
        raise ConfigError(f"usage: {message} (see `cds --help`)")


def build_parser() -> Parser:
    p = Parser(prog="cds", description="Harvest and publish chuyển đổi số news.")
    p.add_argument("--root", type=Path, default=Path("."), help="the site root (default: .)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    p.add_argument("--version", action="version", version=f"cds {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    h = sub.add_parser("harvest", help="fetch the sources and store new and changed articles")
    h.add_argument("--source", action="append", default=[], metavar="ID",
                   help="harvest only this source (repeatable)")
    h.add_argument("--wait", action="store_true", help="wait for a running harvest to finish")
    h.add_argument("--due", action="store_true",
                   help="only the sources whose interval (or backoff) has passed")
    t = sub.add_parser("tag", help="(re)tag stored articles")
    t.add_argument("--all", action="store_true", help="re-tag every article not locked by an editor")
    t.add_argument("--explain", type=Path, metavar="PATH", help="show why an article gets its themes")
    t.add_argument("--evaluate", action="store_true",
                   help="score the tagger against the themes editors locked (themes_locked)")
    t.add_argument("--suggest", action="store_true",
                   help="propose taxonomy phrases that separate the themes editors corrected")
    sub.add_parser("publish", help="regenerate site_src/ from content/")
    sub.add_parser("build", help="publish, then build site/ with MkDocs, feeds and search")
    s = sub.add_parser("serve", help="build and serve the site on 127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--no-build", action="store_true", help="serve site/ as it is")
    r = sub.add_parser("run", help="harvest, then build")
    r.add_argument("--commit", action="store_true", help="commit content/ to git after a change")
    r.add_argument("--wait", action="store_true", help="wait for a running harvest to finish")
    r.add_argument("--due", action="store_true",
                   help="only the sources whose interval (or backoff) has passed")
    r.add_argument("--ping", action="store_true",
                   help="after the build, notify the WebSub hub (site.hub) of the changed feeds")
    sc = sub.add_parser("schedule", help="run `run` on the schedule in feeds.yml until stopped")
    sc.add_argument("--commit", action="store_true", help="commit content/ to git after a change")
    sub.add_parser("status", help="per-source health")
    sub.add_parser("check", help="validate feeds.yml and content/")
    d = sub.add_parser("docs", help="the legal documents register")
    dsub = d.add_subparsers(dest="docs_command", metavar="ACTION", parser_class=Parser)
    dsub.required = True
    da = dsub.add_parser("add", help="a new register entry prefilled from a cited number")
    da.add_argument("number", help="e.g. 749/QĐ-TTg")
    dm = sub.add_parser("demo", help="the whole pipeline against bundled sample sources")
    dm.add_argument("--out", type=Path, default=Path("demo-root"),
                    help="where to lay out the demo root (default: ./demo-root)")
    z = sub.add_parser("zalo", help="the Zalo Official Account operator's pack")
    zsub = z.add_subparsers(dest="zalo_command", metavar="ACTION", parser_class=Parser)
    zsub.required = True
    zp = zsub.add_parser("pack", help="a folder to publish an article or a month's digest from")
    zp.add_argument("id", metavar="ID", help="an article id, or a month like 2025-03")
    zp.add_argument("--out", type=Path, help="the folder (default: <root>/zalo/ID/)")
    pg = sub.add_parser("ping", help="notify the WebSub hub (site.hub) of the feeds a build changed")
    pg.add_argument("--all", action="store_true", help="every feed of the site, not only changed ones")
    op = sub.add_parser("opml", help="print the sources (or the site's own feeds) as OPML")
    op.add_argument("--site", action="store_true", help="the site's own feeds instead of the sources")
    rp = sub.add_parser("report", help="the communication-results report for a period")
    rp.add_argument("--period", required=True, metavar="PERIOD",
                    help="2025 (year), 2025-H1/H2, 2025-Q3 or 2025-10 (month)")
    rp.add_argument("--format", choices=("md", "csv", "docx"),
                    help="default: from --out's extension, else md")
    rp.add_argument("--out", type=Path, metavar="FILE", help="write here (default: stdout)")
    i = sub.add_parser("init", help="make a new root")
    i.add_argument("dir", type=Path)
    from pipeline.desk.cli import add_parsers
    add_parsers(sub, Parser)                 # review, desk
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        from pipeline.cli import commands
        return commands.dispatch(args)
    except ConfigError as exc:
        for line in exc.problems:
            eprint(f"error: {line}")
        return 2
    except CdsError as exc:
        eprint(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        eprint("interrupted")
        return 130
    except BrokenPipeError:                  # `cds … | head`: the reader went away
        sys.stderr.close()
        return 0
    except OSError as exc:                   # a folder of the root cannot be used (read-only
        eprint(f"error: {_os_problem(exc)}")    # .cds/, site_src a file…): the setup's problem
        return 2


def _os_problem(exc: OSError) -> str:
    """One line for an OSError: the file it is about, what went wrong."""
    where = exc.filename if exc.filename is not None else ""
    why = exc.strerror or str(exc) or type(exc).__name__
    if where:
        return f"{where}: {why.lower() if why[:1].isupper() else why} (check the folder exists, " \
               "is a folder and can be written)"
    return why
