"""Charts drawn on the server as SVG with matplotlib's SVG backend: readable without JavaScript, accessible
(`role="img"`, a `<title>` and a `<desc>` saying what the chart shows; each page puts the same numbers in a
table beside it), and byte-for-byte the same for the same data (fixed hash salt, no date, text kept as text).

matplotlib is imported on the first chart only (about a second), so pages without charts never pay for it;
figures are made with its object API, never pyplot's global state, so threads can draw at once.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from functools import cache

from markupsafe import Markup, escape

STRENGTH_COLOUR, GOAL_COLOUR = "#2f6f9f", "#b4462f"


@cache
def _figure_type():
    import matplotlib
    matplotlib.use("svg")
    matplotlib.rcParams.update({"svg.hashsalt": "qareview", "svg.fonttype": "none", "font.size": 9,
                                "font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False})
    from matplotlib.figure import Figure
    return Figure


_STYLE = re.compile(r'style="([^"]*)"')


def _attributes(found: re.Match) -> str:
    """An inline `style` as SVG presentation attributes: the pages' Content-Security-Policy allows no inline
    style, and a chart drawn without its fills is a black box."""
    pairs = (part.split(":", 1) for part in found.group(1).split(";") if ":" in part)
    return " ".join(f'{name.strip()}="{escape(value.strip().strip(chr(39)))}"' for name, value in pairs)


def _svg(figure, name: str, title: str, desc: str) -> Markup:
    """The figure as inline SVG with its accessible name and description."""
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    svg = out.getvalue()
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg[svg.index("<svg"):], flags=re.S)
    svg = _STYLE.sub(_attributes, svg)
    opening = re.match(r"<svg[^>]*>", svg).group(0)
    tagged = opening[:-1] + f' role="img" aria-labelledby="{name}-title {name}-desc" class="chart">'
    head = f'<title id="{name}-title">{escape(title)}</title><desc id="{name}-desc">{escape(desc)}</desc>'
    return Markup(tagged + head + svg[len(opening):])


def _percent(value: float | None) -> str:
    return "no applicable case" if value is None else f"{value:.0f} %"


def item_bars(name: str, title: str, rows: Sequence[tuple[int, float | None]],
              goals: Mapping[int, float | None] | None = None) -> Markup:
    """One bar per item (its Strength percentage), with each item's goal as a mark across its bar."""
    figure = _figure_type()(figsize=(7.5, 2.8))
    axes = figure.subplots()
    labels = [str(item) for item, _ in rows]
    bars = axes.bar(labels, [value or 0 for _, value in rows], color=STRENGTH_COLOUR, label="Strength %")
    for bar, (item, _) in zip(bars, rows):
        bar.set_gid(f"{name}-item-{item}")     # each bar is addressable: <g id="items-item-12">
    if goals:
        marked = [(i, goals[item]) for i, (item, _) in enumerate(rows) if goals.get(item) is not None]
        axes.hlines([g for _, g in marked], [i - 0.4 for i, _ in marked], [i + 0.4 for i, _ in marked],
                    colors=GOAL_COLOUR, linewidth=2, label="goal")
    axes.set_ylim(0, 100)
    axes.set_xlabel("OSRI item")
    axes.set_ylabel("Strength %")
    axes.legend(loc="upper right", frameon=False, fontsize=8)
    known = [(item, value) for item, value in rows if value is not None]
    desc = f"{len(rows)} items, Strength percentage of each"
    if known:
        best, worst = max(known, key=lambda r: r[1]), min(known, key=lambda r: r[1])
        desc += f": highest item {best[0]} ({_percent(best[1])}), lowest item {worst[0]} ({_percent(worst[1])})"
    if missing := [str(item) for item, value in rows if value is None]:
        desc += f"; no applicable case for items {', '.join(missing)}"
    if goals:
        desc += "; the goal of each item is marked across its bar"
    return _svg(figure, name, title, desc + ".")


def heat_map(name: str, title: str, regions: Sequence[str], items: Sequence[int],
             values: Mapping[str, Mapping[int, float | None]]) -> Markup:
    """Regions by items, each cell shaded by its Strength percentage (blank where nothing applied)."""
    import numpy
    figure = _figure_type()(figsize=(8, 0.35 * len(regions) + 1.2))
    axes = figure.subplots()
    grid = numpy.array([[numpy.nan if values[r].get(i) is None else values[r][i] for i in items] for r in regions])
    image = axes.imshow(grid, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    axes.set_xticks(range(len(items)), [str(i) for i in items])
    axes.set_yticks(range(len(regions)), list(regions))
    axes.set_xlabel("OSRI item")
    for y, region in enumerate(regions):
        for x, item in enumerate(items):
            if values[region].get(item) is not None:
                axes.text(x, y, f"{values[region][item]:.0f}", ha="center", va="center", fontsize=7)
    figure.colorbar(image, ax=axes, label="Strength %", fraction=0.03)
    cells = [(values[r][i], r, i) for r in regions for i in items if values[r].get(i) is not None]
    desc = f"Strength percentage of {len(items)} items in {len(regions)} regions"
    if cells:
        low, high = min(cells), max(cells)
        desc += (f"; lowest region {low[1]} item {low[2]} ({_percent(low[0])}), highest region {high[1]} "
                 f"item {high[2]} ({_percent(high[0])})")
    return _svg(figure, name, title, desc + ".")


def trend(name: str, title: str, quarters: Sequence[str], series: Mapping[int, Sequence[float | None]]) -> Markup:
    """One line per item across the quarters (a gap where a quarter had no applicable case)."""
    figure = _figure_type()(figsize=(7.5, 2.8))
    axes = figure.subplots()
    for item, values in series.items():
        axes.plot(quarters, [float("nan") if v is None else v for v in values], marker="o", label=f"item {item}")
    axes.set_ylim(0, 100)
    axes.set_ylabel("Strength %")
    axes.legend(loc="center left", bbox_to_anchor=(1, 0.5), frameon=False, fontsize=7)
    changes = []
    for item, values in series.items():
        known = [v for v in values if v is not None]
        if len(known) >= 2:
            changes.append(f"item {item} from {_percent(known[0])} to {_percent(known[-1])}")
    desc = f"Strength percentage by quarter, {quarters[0]} to {quarters[-1]}" if quarters else "No quarter yet"
    return _svg(figure, name, title, desc + (": " + "; ".join(changes) if changes else "") + ".")
