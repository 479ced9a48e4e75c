"""Serve a built site with the real nginx and the shipped `deploy/nginx-cds.conf` on a free
loopback port, for the tests of that configuration (skipped where nginx is not installed)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def nginx_binary() -> str:
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None)
    if nginx is None:
        pytest.skip("nginx not installed (apt-get install nginx-light)")
    return nginx


@contextmanager
def nginx_serving(site: Path, tmp_path: Path) -> Iterator[str]:
    """nginx with `deploy/nginx-cds.conf` serving ``site``; yields its base URL."""
    nginx = nginx_binary()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conf = (DEPLOY / "nginx-cds.conf").read_text(encoding="utf-8")
    assert "listen 80;" in conf and "/srv/cds/site" in conf
    conf = (conf.replace("/srv/cds/site", str(site)).replace("listen [::]:80;", "")
            .replace("listen 80;", f"listen 127.0.0.1:{port};"))
    (tmp_path / "cds.conf").write_text(conf, encoding="utf-8")
    mime = "/etc/nginx/mime.types"
    main = "\n".join([
        "user root;" if os.geteuid() == 0 else "",      # tmp_path is private to this user
        f"pid {tmp_path}/nginx.pid;", f"error_log {tmp_path}/error.log;", "events {}", "http {",
        f"  include {mime};" if Path(mime).exists() else "", "  access_log off;",
        *(f"  {kind}_temp_path {tmp_path}/{kind};"
          for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")),
        f"  include {tmp_path}/cds.conf;", "}", ""])
    (tmp_path / "nginx.conf").write_text(main, encoding="utf-8")
    argv = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    res = subprocess.run([*argv, "-t", "-q"], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    proc = subprocess.Popen([*argv, "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
