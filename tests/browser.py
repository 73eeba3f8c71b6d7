"""Headless Chromium driven over the DevTools protocol, for the tests of the HTML pages.

The protocol runs over a pipe (``--remote-debugging-pipe``: Chromium reads commands on its
fd 3 and writes answers and events on its fd 4, each a JSON text ended by a NUL byte), so it
needs no package, no port and no download: Debian's chromium and the standard library.

    with Chromium(tmp_path / "profile") as browser:
        page = browser.open(path.as_uri())
        page.screenshot(tmp_path / "page.png")
        page.cjk_fallbacks()        # [] when every Chinese glyph was drawn by a CJK font
"""
from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-pipe"]

# Chinese characters (CJK ideographs, their extensions and compatibility forms). Punctuation
# such as ，。「」 is left out: a Latin font may hold some of it, and then rightly draws it.
CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
NOT_RENDERED = {"HEAD", "SCRIPT", "STYLE", "TITLE", "TEMPLATE", "NOSCRIPT"}


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Debian's chromium is required (make test installs it: make system-packages)"
    return found


def cjk_families(env: dict | None = None) -> set[str]:
    """The font families installed here that hold Chinese glyphs, as fontconfig lists them."""
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                            env=env, timeout=60).stdout
    return {name.strip() for line in listed.splitlines() for name in line.split(",") if name.strip()}


class ProtocolError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium, ended when the ``with`` block ends."""

    def __init__(self, profile: Path, env: dict | None = None, timeout: float = 60.0):
        self.timeout = timeout
        self._next = 0
        self._buffer = b""
        self._events: list[dict] = []
        to_child, self._send_fd = os.pipe()       # we write, Chromium reads on its fd 3
        self._recv_fd, from_child = os.pipe()     # Chromium writes on its fd 4, we read

        def fds():
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        self.process = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        pass_fds=(3, 4), preexec_fn=fds, env=env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (OSError, ProtocolError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._send_fd, self._recv_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._recv_fd], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._recv_fd, 1 << 20)
            if not chunk:
                raise ProtocolError(f"Chromium closed the pipe (exit code {self.process.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._send_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise ProtocolError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._events.append(answer)

    def wait_for(self, method: str, session: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self._events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self._events.remove(event)
                    return event.get("params", {})
            self._events.append(self._read(deadline))

    def open(self, url: str, width: int = 1200, height: int = 900) -> Page:
        """A new tab with ``url`` loaded, its images decoded and its fonts ready."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = Page(self, session)
        page.call("Page.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)
        page.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired", session)
        page.evaluate("Promise.all([document.fonts.ready, ...[...document.images].map(i => i.decode()"
                      ".catch(() => null))]).then(() => true)")
        return page


class Page:
    """One tab: JavaScript, a full-page screenshot, and which fonts drew the text."""

    def __init__(self, browser: Chromium, session: str):
        self.browser, self.session = browser, session

    def call(self, method: str, **params) -> dict:
        return self.browser.call(method, self.session, **params)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise ProtocolError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """The whole page, as tall as its content, as a PNG."""
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def plots(self) -> list[dict]:
        """Every ``figure.plot``: how many images and inline SVGs it holds, and whether each is
        drawn (an image decoded with a natural width, an SVG with a box of non-zero size)."""
        return self.evaluate("""[...document.querySelectorAll("figure.plot")].map(f => ({
            id: f.id,
            images: [...f.querySelectorAll("img")].map(i => i.complete && i.naturalWidth > 0),
            svgs: [...f.querySelectorAll("svg")].filter(s => !s.parentElement.closest("svg")).map(s => {
                const r = s.getBoundingClientRect(); return r.width > 0 && r.height > 0; })}))""")

    def drawn(self) -> dict:
        """Every <img> and every outermost inline <svg> of the page, drawn or not."""
        return self.evaluate("""({
            images: [...document.images].map(i => i.complete && i.naturalWidth > 0),
            svgs: [...document.querySelectorAll("svg")].filter(s => !s.parentElement.closest("svg"))
                  .map(s => { const r = s.getBoundingClientRect(); return r.width > 0 && r.height > 0; })})""")

    def cjk_text(self) -> list[tuple[int, str, str]]:
        """(nodeId, tag, text of its own text nodes) of every rendered element whose own
        text holds a Chinese character."""
        self.call("DOM.enable")
        self.call("CSS.enable")
        root = self.call("DOM.getDocument", depth=-1, pierce=True)["root"]
        found = []

        def walk(node, tag=""):
            if node.get("nodeType") == 1:
                tag = node.get("nodeName", "").upper()
                if tag in NOT_RENDERED:
                    return
                own = "".join(c.get("nodeValue", "") for c in node.get("children", []) if c.get("nodeType") == 3)
                if CJK.search(own):
                    found.append((node["nodeId"], tag, own))
            for child in node.get("children", []):
                walk(child, tag)

        walk(root)
        return found

    def cjk_fallbacks(self, families: set[str] | None = None) -> list[str]:
        """Every element whose Chinese characters were not all drawn by a font that holds
        them: the browser's own count of the glyphs each platform font drew
        (CSS.getPlatformFontsForNode) must give the fonts of ``families`` (default: the
        installed CJK fonts) at least one glyph per Chinese character. Empty when all is well."""
        families = cjk_families() if families is None else families
        problems = []
        for node, tag, text in self.cjk_text():
            fonts = self.call("CSS.getPlatformFontsForNode", nodeId=node)["fonts"]
            wanted = len(CJK.findall(text))
            drawn = sum(f["glyphCount"] for f in fonts if f["familyName"] in families)
            if drawn < wanted:
                used = ", ".join(f"{f['familyName']} ({f['glyphCount']})" for f in fonts) or "no font"
                problems.append(f"<{tag.lower()}> {text.strip()[:40]!r}: {wanted} Chinese characters, "
                                f"{drawn} drawn by a CJK font; fonts used: {used}")
        return problems
