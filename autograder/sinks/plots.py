"""The two plots of a training run, as SVG: loss per epoch beside the reference's, and the fitted line.

Drawn with matplotlib from a report's ``curves`` (``spec.training.curves``): plain numbers,
no torch. The SVG keeps its text as text (``sinks.figures``), so the browser draws Chinese
labels with the page's fonts.
"""
from __future__ import annotations

import json
import math
import os
import select
import signal
import time

WORDS = {
    "en": {"loss_title": "Loss per epoch", "epoch": "epoch", "loss": "mean loss on the data",
           "yours": "your functions", "reference": "reference",
           "fit_title": "Your fitted line", "x2": "second feature x₂", "y": "label y",
           "data": "your data", "fitted": "your line (x₁ = 0)", "true": "true line",
           "loss_alt": "Loss per epoch of your training beside the reference's",
           "fit_alt": "Your data set and the line that your trained w and b give"},
    "zh": {"loss_title": "每个迭代周期的损失", "epoch": "迭代周期", "loss": "数据上的平均损失",
           "yours": "你的函数", "reference": "参考实现",
           "fit_title": "你拟合的直线", "x2": "第二个特征 x₂", "y": "标签 y",
           "data": "你的数据", "fitted": "你的直线（x₁ = 0）", "true": "真实直线",
           "loss_alt": "你的训练与参考实现每个迭代周期的损失",
           "fit_alt": "你的数据集，以及你训练得到的 w 和 b 给出的直线"},
}


def _number(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value: float, _position) -> str:
    """A log axis's label as 10⁻³, in plain text: matplotlib's own is mathtext, which
    takes half of the drawing's time to parse."""
    if value <= 0:
        return ""
    exponent = math.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return f"{value:.1e}"
    return "10" + str(round(exponent)).translate(_SUPERSCRIPT)


def figures(curves: dict, language: str = "en", side_by_side: bool = False) -> list[tuple[str, str, str, str]]:
    """[(kind, title, alt text, SVG)] for the loss curves and the fitted line; an empty list
    when there is nothing to draw. The title is for the page to show as the figure's caption:
    in the SVG, matplotlib's title would cost a quarter of the drawing's time.
    ``side_by_side`` (check() in a student's kernel, where the plots are what a student waits
    for): with a core to spare, the loss is drawn in a fork while this process draws the fit."""
    if not curves:
        return []
    kinds = ("loss", "fit")
    if side_by_side and (os.cpu_count() or 1) > 1:
        _draw("loss", curves, language, svg=False)   # kept here, for the next run: the fork's is lost with it
        drawn = _in_a_fork(lambda: _draw("loss", curves, language))
        try:
            fit = _draw("fit", curves, language)
        finally:
            loss = drawn() if drawn is not None else _FAILED      # the fork is always ended
        found = {"loss": _draw("loss", curves, language) if loss is _FAILED else loss, "fit": fit}
    else:
        found = {kind: _draw(kind, curves, language) for kind in kinds}
    return [found[kind] for kind in kinds if found[kind] is not None]


def _draw(kind: str, curves: dict, language: str, svg: bool = True) -> tuple[str, str, str, str] | None:
    """One plot; ``svg=False``: its figure is only made ready (and kept), not drawn."""
    import matplotlib

    from autograder.sinks import figures

    t = WORDS[language]
    # the settings that a notebook's own style (plt.style.use, seaborn) left: a figure kept
    # from before a change of style is not drawn again after it
    look = str(dict.items(matplotlib.rcParams))
    # fixed margins: a tight box would draw each figure twice
    margins = {"font.size": 9, "figure.subplot.left": 0.17, "figure.subplot.right": 0.97,
               "figure.subplot.bottom": 0.16, "figure.subplot.top": 0.97}
    with figures.style(language, kind, margins):
        fig = {"loss": _loss, "fit": _fit}[kind](curves, t, (language, look))
        if fig is None or not svg:
            return None
        return kind, t[f"{kind}_title"], t[f"{kind}_alt"], figures.svg(fig, tight=False)


_FAILED = object()     # what a fork that drew nothing gives back: the plot is drawn here instead
FORK_SECONDS = 10.0    # a fork that has not drawn by then is killed, and the plot drawn here


def _in_a_fork(draw):
    """Start ``draw()`` in a fork; returns a function that waits for its result (``_FAILED``
    if the fork did not give one within FORK_SECONDS), or None when no fork could be made.
    The result comes back as JSON through a pipe, whose end the fork marks before its exit;
    a thread of this process reaps the fork, so that its exit is not waited for."""
    fds: list[int] = []
    try:
        fds += os.pipe()
        pid = os.fork()
    except OSError:
        for fd in fds:
            os.close(fd)
        return None
    read, write = fds
    if pid == 0:                                     # pragma: no cover - the fork
        try:
            from autograder.sandbox.protocol import write_all
            os.close(read)
            write_all(write, json.dumps(draw()).encode("utf-8"))
            os.close(write)                          # the end, before the exit's tidying up
        finally:
            os._exit(0)
    os.close(write)

    def result():
        try:
            found = _read_all(read, FORK_SECONDS)
        finally:
            os.close(read)
            from autograder.sandbox.far.units import reap_later
            try:
                os.kill(pid, signal.SIGKILL)         # it has written all it will, or it hangs
            except OSError:
                pass
            reap_later(pid)
        if found is None:
            return _FAILED
        try:
            drawn = json.loads(found.decode("utf-8"))
        except ValueError:
            return _FAILED
        return tuple(drawn) if drawn else None
    return result


def _read_all(fd: int, seconds: float) -> bytes | None:
    """Everything written to ``fd`` until its end; None when the end has not come by then."""
    chunks, deadline = [], time.monotonic() + seconds
    while select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
    return None


# Figures are kept and drawn again with the next run's numbers: building a figure and
# its ticks is half of the drawing's time. One figure per kind, language, matplotlib
# settings and layout (which lines it has, which scale), so a figure drawn again has the
# artists, in the same order and style, that a new one would have; tests/test_feedback.py
# checks that a kept figure draws the SVG that a new one draws.
_KEPT: dict[tuple, tuple] = {}
_KEEP = 16


def _kept(key: tuple, build):
    """(fig, ax, lines) for ``key``, built by ``build()`` the first time."""
    found = _KEPT.pop(key, None) or build()
    _KEPT[key] = found                      # the newest last: the oldest goes first
    while len(_KEPT) > _KEEP:
        _KEPT.pop(next(iter(_KEPT)))
    return found


def _figure():
    from matplotlib.figure import Figure   # not pyplot: a notebook's own backend and figures stay as they are
    from matplotlib.ticker import MaxNLocator
    fig = Figure(figsize=(4.4, 2.8))
    ax = fig.subplots()
    ax.xaxis.set_major_locator(MaxNLocator(6))   # fewer ticks: most of the drawing's time is ticks
    ax.yaxis.set_major_locator(MaxNLocator(5))
    return fig, ax


def _rescaled(fig, ax):
    """The axes fitted to the lines' new data, as a new figure would fit them."""
    ax.relim()
    ax.autoscale_view()
    return fig


def _loss(curves: dict, t: dict, kept_as: tuple):
    """The student's mean loss per epoch beside the reference's, on a log scale when it can."""
    losses = [_number(x) for x in curves.get("losses", [])]
    reference = [_number(x) for x in curves.get("reference", [])]
    if not (losses or reference):
        return None
    finite = [(i + 1, x) for i, x in enumerate(losses) if math.isfinite(x)]
    log = all(x > 0 for _, x in finite) and all(x > 0 for x in reference)
    layout = (bool(reference), bool(finite), log)
    fig, ax, lines = _kept(("loss", *kept_as, *layout), lambda: _loss_figure(t, *layout))
    if reference:
        lines["reference"].set_data(range(1, len(reference) + 1), reference)
    if finite:
        lines["yours"].set_data(*zip(*finite))
    return _rescaled(fig, ax)


def _loss_figure(t: dict, reference: bool, yours: bool, log: bool):
    from matplotlib.ticker import FuncFormatter, NullLocator
    fig, ax = _figure()
    lines = {}
    if reference:
        lines["reference"], = ax.plot([], [], "k--", marker="o", markersize=3, linewidth=1,
                                      label=t["reference"], zorder=3)
    if yours:
        lines["yours"], = ax.plot([], [], color="C0", marker="o", markersize=4, label=t["yours"])
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_minor_locator(NullLocator())   # a tick per power of ten is enough
        ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    ax.set_xlabel(t["epoch"])
    ax.set_ylabel(t["loss"])
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper right")
    return fig, ax, lines


def _fit(curves: dict, t: dict, kept_as: tuple):
    """The student's data (label against the second feature), their line and the true one."""
    points = curves.get("points") or []
    if not points:
        return None
    w, b = curves.get("w") or [], _number(curves.get("b"))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    lo, hi = min(xs), max(xs)
    true_w, true_b = curves.get("true_w") or [], _number(curves.get("true_b"))
    true = len(true_w) > 1 and math.isfinite(true_b)
    fitted = len(w) > 1 and all(math.isfinite(_number(v)) for v in w) and math.isfinite(b)
    fig, ax, lines = _kept(("fit", *kept_as, true, fitted), lambda: _fit_figure(t, true, fitted))
    lines["data"].set_data(xs, ys)
    if true:
        lines["true"].set_data([lo, hi], [true_w[1] * lo + true_b, true_w[1] * hi + true_b])
    if fitted:
        slope = _number(w[1])
        lines["fitted"].set_data([lo, hi], [slope * lo + b, slope * hi + b])
        span = max(ys) - min(ys)
        ax.set_ylim(min(ys) - 0.2 * span, max(ys) + 0.2 * span)
    return _rescaled(fig, ax)


def _fit_figure(t: dict, true: bool, fitted: bool):
    fig, ax = _figure()
    lines = {}
    # one path of markers, not a collection of 300: a third of the drawing time
    lines["data"], = ax.plot([], [], ".", markersize=3, alpha=0.4, color="C0", label=t["data"])
    if true:
        lines["true"], = ax.plot([], [], "k--", linewidth=1, label=t["true"], zorder=3)
    if fitted:
        lines["fitted"], = ax.plot([], [], color="C1", linewidth=2, label=t["fitted"])
    ax.set_xlabel(t["x2"])
    ax.set_ylabel(t["y"])
    ax.legend(loc="upper right")     # "best" would test every point against every spot
    return fig, ax, lines


def data_uri(svg: str) -> str:
    """An SVG as a data: URI, for Markdown that cannot hold inline SVG."""
    import base64
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# A correct run's shape of curves: drawing it once builds the figures that such a run
# draws again (``_KEPT``), with their ticks.
_WARM_CURVES = {"losses": [3e-2, 1e-4, 5e-5], "reference": [3e-2, 1e-4, 5e-5],
                "points": [[-1.0, 7.6], [0.0, 4.2], [1.0, 0.8]], "w": [2.0, -3.4], "b": 4.2,
                "true_w": [2.0, -3.4], "true_b": 4.2}


def warm(language: str | None = None) -> None:
    """Import and load what drawing needs (matplotlib, its SVG backend, the font list);
    with ``language``, build the figures that a correct run draws in it."""
    import matplotlib.backends.backend_svg  # noqa: F401
    from matplotlib import font_manager
    from matplotlib.figure import Figure  # noqa: F401
    font_manager.findfont("DejaVu Sans")
    if language in WORDS:
        figures(_WARM_CURVES, language)
