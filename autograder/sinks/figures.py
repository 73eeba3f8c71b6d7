"""Matplotlib figures as inline SVG whose text the browser draws, in fonts that hold the course's language.

Text stays text (``svg.fonttype: none``), so a page's reader sees the labels in the page's
own fonts, a screen reader and a search find them, and a test can ask the browser which font
drew each glyph. For Chinese, the installed CJK fonts come first in the font list, so that
matplotlib lays the labels out with their real widths and the browser picks the same font.
"""
from __future__ import annotations

import io
import re
import warnings
from contextlib import contextmanager
from functools import lru_cache

# CJK fonts that Debian's packages install (fonts-noto-cjk, fonts-wqy-zenhei, fonts-wqy-microhei)
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN")
_CJK_FILES = re.compile(r"(NotoSansCJK|SourceHanSans|wqy-|DroidSansFallback|uming)", re.I)


@lru_cache(maxsize=None)
def cjk_fonts() -> tuple[str, ...]:
    """The CJK families matplotlib can use here. Its font cache may predate the font's
    installation, so when it knows none, the system's font folders are looked at once."""
    from matplotlib import font_manager

    def known():
        names = {f.name for f in font_manager.fontManager.ttflist}
        return tuple(name for name in CJK_FAMILIES if name in names)

    if not known():
        for path in font_manager.findSystemFonts():
            if _CJK_FILES.search(path):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    pass       # a font file matplotlib cannot read: the browser may still draw it
    return known()


@contextmanager
def style(language: str, salt: str, extra: dict | None = None):
    """Matplotlib's settings for one figure (a ``matplotlib.figure.Figure``: no backend is
    chosen here): text as text, the language's fonts first, and ids in the SVG that are
    stable and differ between the figures of one page (``salt``); ``extra``: more settings
    of the caller's, in the same one context."""
    import matplotlib

    settings = {"svg.fonttype": "none", "svg.hashsalt": salt, **(extra or {})}
    if language == "zh":
        settings["font.sans-serif"] = [*cjk_fonts(), *matplotlib.rcParams["font.sans-serif"]]
        settings["axes.unicode_minus"] = False
    with matplotlib.rc_context(settings), warnings.catch_warnings():
        # with no CJK font here, matplotlib measures a missing glyph as a box; the browser
        # draws the text with its own fonts all the same
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        yield


def svg(fig, tight: bool = True) -> str:
    """The figure as an ``<svg>`` element to put inside HTML (no XML prolog, no date).
    ``tight=False`` keeps the figure's own margins, which draws it once instead of twice."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight" if tight else None, metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]
