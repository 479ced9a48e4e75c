"""Headless Chromium for the tests, driven over the DevTools protocol with the standard library.

No PyPI dependency: a minimal RFC 6455 WebSocket client (client-masked text frames,
fragmentation, ping/pong) carries the protocol's JSON messages. Usage::

    with Browser() as browser:
        tab = browser.tab(width=390, height=844, mobile=True)
        tab.record_network()
        tab.goto(server.url("/"))
        tab.settle()                             # until the network is quiet
        tab.screenshot(path)                     # full page PNG
        violations = tab.axe(AXE_JS)             # axe-core's violations, as dicts
        hosts = {r.host for r in tab.requests}

Every browser has its own throw-away profile, each ``tab()`` its own browser context (no shared
cache or storage). Name resolution is switched off (``--host-resolver-rules``): a page may *try*
to reach another host (the request is recorded) but nothing leaves loopback.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
         "--font-render-hinting=none",
         # no DNS at all: a request for any other host fails (and is still recorded)
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]


def chromium_path() -> str | None:
    """The Chromium executable ($CDS_CHROMIUM, then chromium / chromium-browser / chrome on
    PATH), or None."""
    env = os.environ.get("CDS_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol (a client on loopback, text frames)."""

    def __init__(self, port: int, path: str, timeout: float = 30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           ).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._recv()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError("DevTools handshake refused: " + head.decode("latin-1"))

    def _recv(self) -> bytes:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("DevTools connection closed")
        return chunk

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.buf += self._recv()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    @staticmethod
    def _mask(data: bytes, mask: bytes) -> bytes:
        n = len(data)
        if not n:
            return b""
        key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        return (int.from_bytes(data, "big") ^ key).to_bytes(n, "big")

    def _frame(self, opcode: int, data: bytes) -> None:
        n = len(data)
        head = bytearray([0x80 | opcode])                  # FIN + opcode
        if n < 126:
            head.append(0x80 | n)                          # MASK bit: clients always mask
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        self.sock.sendall(bytes(head) + mask + self._mask(data, mask))

    def send(self, text: str) -> None:
        self._frame(0x1, text.encode("utf-8"))

    def recv(self) -> str:
        parts: list[bytes] = []
        while True:
            b1, b2 = self._read(2)
            n = b2 & 0x7F
            if n == 126:
                n = int.from_bytes(self._read(2), "big")
            elif n == 127:
                n = int.from_bytes(self._read(8), "big")
            mask = self._read(4) if b2 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = self._mask(payload, mask)
            opcode = b1 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("DevTools connection closed")
            if opcode == 0x9:                              # ping → pong
                self._frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            parts.append(payload)
            if b1 & 0x80:
                return b"".join(parts).decode("utf-8")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Browser:
    """A headless Chromium process with its own profile. A context manager; ``close()`` ends it."""

    def __init__(self, executable: str | None = None, *, extra_flags: list[str] | None = None,
                 timeout: float = 30.0):
        exe = executable or chromium_path()
        if not exe:
            raise FileNotFoundError("chromium not found")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="cds-chromium-")
        self.proc = subprocess.Popen(
            [exe, *FLAGS, *(extra_flags or []), "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ws: WebSocket | None = None
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError(f"chromium did not start ({exe})")
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        self.ws = WebSocket(int(port), path, timeout)
        self.next_id = 0
        self.events: dict[str, list[dict]] = {}           # sessionId → events not yet read

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _dispatch(self, msg: dict) -> None:
        if "method" in msg:
            self.events.setdefault(msg.get("sessionId", ""), []).append(msg)

    def call(self, method: str, session: str | None = None, **params) -> dict:
        """Send one command and wait for its answer; events met meanwhile are kept."""
        assert self.ws is not None
        self.next_id += 1
        msg_id = self.next_id
        msg: dict = {"id": msg_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") != msg_id:
                self._dispatch(reply)
                continue
            if "error" in reply:
                raise RuntimeError(f"{method}: {reply['error'].get('message', reply['error'])}")
            return reply.get("result", {})

    def tab(self, width: int = 1280, height: int = 800, *, mobile: bool = False,
            scale: float = 1.0) -> Tab:
        """A new page in a fresh browser context, with the given viewport."""
        context = self.call("Target.createBrowserContext")["browserContextId"]
        target = self.call("Target.createTarget", url="about:blank",
                           browserContextId=context)["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        tab = Tab(self, session, target)
        tab.call("Page.enable")
        tab.call("Runtime.enable")
        tab.viewport(width, height, mobile=mobile, scale=scale)
        return tab

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.call("Browser.close")
            except (OSError, ConnectionError, RuntimeError):
                pass
            self.ws.close()
            self.ws = None
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


@dataclass
class Request:
    url: str
    type: str             # DevTools resource type: Document, Stylesheet, Script, Image, Font, XHR…
    failed: str = ""      # the error text when it failed (e.g. net::ERR_NAME_NOT_RESOLVED)
    status: int = 0       # the HTTP status of its response (0: none yet, or not HTTP)

    @property
    def host(self) -> str:
        """host[:port] of the URL ("" for data:/blob: URLs)."""
        return urlsplit(self.url).netloc


class Tab:
    """One page. ``requests`` holds what it asked for since ``record_network()``."""

    def __init__(self, browser: Browser, session: str, target: str):
        self.browser, self.session, self.target = browser, session, target
        self.requests: list[Request] = []
        self._by_id: dict[str, Request] = {}
        self._inflight: dict[str, float] = {}         # requestId → when it started
        self.console_errors: list[str] = []
        self.console_messages: list[str] = []          # console.error and browser log errors
        self._loads = 0                                   # Page.loadEventFired seen

    def call(self, method: str, **params) -> dict:
        result = self.browser.call(method, self.session, **params)
        self._drain()
        return result

    def _drain(self) -> list[dict]:
        events = self.browser.events.pop(self.session, [])
        for ev in events:
            method, p = ev["method"], ev.get("params", {})
            if method == "Network.requestWillBeSent":
                rid = p["requestId"]
                if rid not in self._by_id:                 # redirects reuse the id
                    req = Request(p["request"]["url"], p.get("type", "Other"))
                    self._by_id[rid] = req
                    self.requests.append(req)
                self._inflight.setdefault(rid, time.monotonic())
            elif method == "Network.responseReceived":
                if p["requestId"] in self._by_id:
                    self._by_id[p["requestId"]].status = int(p["response"].get("status") or 0)
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                entry = p["entry"]
                self.console_messages.append(f"{entry.get('text', '')} {entry.get('url', '')}")
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                args = p.get("args", [])
                self.console_messages.append(" ".join(str(a.get("value", a.get("description", "")))
                                                      for a in args))
            elif method == "Network.loadingFinished":
                self._inflight.pop(p["requestId"], None)
            elif method == "Network.loadingFailed":
                self._inflight.pop(p["requestId"], None)
                if p["requestId"] in self._by_id:
                    self._by_id[p["requestId"]].failed = p.get("errorText", "failed")
            elif method == "Page.loadEventFired":
                self._loads += 1
            elif method == "Runtime.exceptionThrown":
                self.console_errors.append(
                    p.get("exceptionDetails", {}).get("exception", {}).get("description")
                    or p.get("exceptionDetails", {}).get("text", "exception"))
        return events

    # -- page -------------------------------------------------------------------------------

    def viewport(self, width: int, height: int, *, mobile: bool = False,
                 scale: float = 1.0) -> None:
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=scale, mobile=mobile)
        self.call("Emulation.setTouchEmulationEnabled", enabled=mobile)

    def record_network(self) -> None:
        """Start (or restart) recording requests (and console errors); the browser's cache is
        off meanwhile."""
        self.requests, self._by_id, self._inflight = [], {}, {}
        self.console_errors, self.console_messages = [], []
        self.call("Log.enable")
        self.call("Network.enable")
        self.call("Network.setCacheDisabled", cacheDisabled=True)

    def js(self, expression: str, timeout: float | None = None):
        """Evaluate ``expression`` (promises awaited) and return its JSON value."""
        params: dict = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if timeout:
            params["timeout"] = int(timeout * 1000)
        res = self.call("Runtime.evaluate", **params)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            raise RuntimeError(d.get("exception", {}).get("description") or d.get("text", "JS error"))
        return res.get("result", {}).get("value")

    def wait(self, expression: str, timeout: float = 20.0):
        """Poll ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout:.0f} s: {expression}")
            time.sleep(0.05)

    def goto(self, url: str, timeout: float = 20.0) -> None:
        """Open ``url`` and wait for its load event."""
        loads = self._loads
        res = self.call("Page.navigate", url=url)
        if res.get("errorText"):
            raise RuntimeError(f"{url}: {res['errorText']}")
        deadline = time.monotonic() + timeout
        while self._loads == loads:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: not loaded after {timeout:.0f} s")
            time.sleep(0.02)
            self.call("Runtime.evaluate", expression="0")  # pumps the events

    def settle(self, quiet: float = 0.3, timeout: float = 10.0, stale: float = 3.0) -> None:
        """Wait until no request has been in flight for ``quiet`` seconds (needs
        ``record_network``); lazy images, fonts and scripts started late are then recorded.
        A request open for more than ``stale`` seconds no longer counts (a worker's script
        reports its end to the worker's target, not the page's)."""
        deadline = time.monotonic() + timeout
        calm_since = None
        while time.monotonic() < deadline:
            self.js("0")                                   # pumps the events
            now = time.monotonic()
            if any(now - t < stale for t in self._inflight.values()):
                calm_since = None
            elif calm_since is None:
                calm_since = time.monotonic()
            elif time.monotonic() - calm_since >= quiet:
                return
            time.sleep(0.05)

    def screenshot(self, path: Path | str, *, full_page: bool = True) -> Path:
        """A PNG of the page (the whole length when ``full_page``) written to ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        params: dict = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            width = self.js("document.documentElement.clientWidth")
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width,
                                "height": min(size["height"], 16000), "scale": 1})
        data = self.call("Page.captureScreenshot", **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    # -- accessibility ----------------------------------------------------------------------

    def axe(self, axe_js: Path | str = AXE_JS, options: dict | None = None) -> list[dict]:
        """Run axe-core on the page; its ``violations`` (id, impact, help, nodes[target,
        html, failureSummary])."""
        if not self.js("typeof window.axe === 'object'"):
            self.js(Path(axe_js).read_text(encoding="utf-8") + "\n;0")
        opts = json.dumps(options or {"resultTypes": ["violations"]})
        return self.js(f"""axe.run(document, {opts}).then((r) => r.violations.map((v) => ({{
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({{target: n.target, html: n.html,
                                        summary: n.failureSummary}}))}})))""", timeout=30)

    def close(self) -> None:
        try:
            self.browser.call("Target.closeTarget", targetId=self.target)
        except (OSError, ConnectionError, RuntimeError):
            pass


def describe(violations: list[dict], limit: int = 3) -> str:
    """A readable summary of axe violations for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes)")
        for n in v["nodes"][:limit]:
            lines.append(f"    {' '.join(map(str, n['target']))}: {n['html'][:160]}")
            if n.get("summary"):
                lines.append("      " + n["summary"].replace("\n", "\n      ")[:400])
    return "\n".join(lines)
