"""Every chart in a real browser, at 1440 and 1280 px wide: Earnings' breakdowns and months,
the Tenants band chart, the Tenant details trends. What plotly drew is read from the SVG:
each category label (a bar's name, a band, a workload in a legend) is there whole, as the
figure's data has it, and inside the figure; an axis's tick labels neither repeat nor
overlap; the legend, the axis titles and the chart's title overlap neither each other nor
the plot area. A full-page screenshot of each page at
each width is kept in tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.fixtures import ALPHA, ROOT

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "tests" / "artifacts"
WIDTHS = (1440, 1280)
# page -> (address, charts it draws); Tenants by the sidebar, since "/" lands on My work
PAGES = {
    "earnings": ("/earnings", 4),
    "tenants": (None, 1),
    "tenant-details": (f"/tenant?tenant={ALPHA}&section=workloads", 2),
}
SLACK = 1.0  # px: text metrics round

# For each plotly chart on the page: the figure's box, the boxes and texts of its tick
# labels, legend items and titles, and the categories its data names.
READ_CHARTS = """
() => [...document.querySelectorAll('.js-plotly-plot')].map(plot => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const texts = sel => [...plot.querySelectorAll(sel)]
      .filter(e => e.textContent.trim() !== '' && getComputedStyle(e).display !== 'none')
      .map(e => ({text: e.textContent, box: box(e)}));
  const one = sel => { const e = plot.querySelector(sel); return e ? box(e) : null; };
  const categories = {x: [], y: []};
  for (const trace of plot.data || []) {
    if (trace.orientation === 'h') categories.y.push(...(trace.y || []));
    else if (plot.layout.xaxis && plot.layout.xaxis.type === 'category')
      categories.x.push(...(trace.x || []));
  }
  return {
    title: (plot.layout.title && plot.layout.title.text) || '',
    figure: box(plot.querySelector('.main-svg')),
    plotArea: one('.cartesianlayer .nsewdrag'),
    xticks: texts('.xaxislayer-above .xtick text'),
    yticks: texts('.yaxislayer-above .ytick text'),
    legendItems: texts('.legend .legendtext'),
    legend: one('.legend .bg'),
    traceNames: (plot.data || []).filter(t => t.showlegend !== false).map(t => t.name),
    showLegend: plot.layout.showlegend !== false && (plot.data || []).length > 1,
    titles: [...plot.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text')]
      .filter(e => e.textContent.trim() !== '').map(e => ({text: e.textContent, box: box(e)})),
    categories,
  };
})
"""


def inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"] - SLACK
        and inner["y"] >= outer["y"] - SLACK
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + SLACK
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + SLACK
    )


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"] - SLACK
        and b["x"] < a["x"] + a["w"] - SLACK
        and a["y"] < b["y"] + b["h"] - SLACK
        and b["y"] < a["y"] + a["h"] - SLACK
    )


def unescaped(label: str) -> str:
    """A label as the page shows it (tables.chart_label escapes <, > and &)."""
    return label.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def check_chart(chart: dict, where: str) -> None:
    figure = chart["figure"]
    name = f"{where}: {chart['title']!r}"
    for axis in ("x", "y"):
        ticks = chart[f"{axis}ticks"]
        for tick in ticks:
            assert inside(tick["box"], figure), f"{name}: {axis} label {tick['text']!r} cut off"
        labels = [t["text"].strip() for t in ticks]
        assert len(labels) == len(set(labels)), f"{name}: {axis} labels repeat: {labels}"
        for i, tick in enumerate(ticks):
            for other in ticks[i + 1 :]:
                assert not overlap(tick["box"], other["box"]), f"{name}: {axis} labels overlap"
        wanted = [unescaped(str(c)) for c in chart["categories"][axis]]
        if wanted:  # a category axis: every category shown, whole
            assert sorted({t["text"].strip() for t in ticks}) == sorted(set(wanted)), name
    if chart["showLegend"]:
        shown = [item["text"] for item in chart["legendItems"]]
        assert shown == [unescaped(n) for n in chart["traceNames"]], f"{name}: legend {shown}"
        for item in chart["legendItems"]:
            assert inside(item["box"], figure), f"{name}: legend item {item['text']!r} cut off"
        legend = chart["legend"]
        assert legend and inside(legend, figure), f"{name}: legend outside the figure"
        if chart["plotArea"]:
            assert not overlap(legend, chart["plotArea"]), f"{name}: legend over the plot"
    boxes = [(t["text"], t["box"]) for t in chart["titles"]]
    if chart["showLegend"]:
        boxes.append(("legend", chart["legend"]))
    for text, box in boxes:
        assert inside(box, figure), f"{name}: {text!r} outside the figure"
    for i, (first, a) in enumerate(boxes):
        for second, b in boxes[i + 1 :]:
            assert not overlap(a, b), f"{name}: {first!r} overlaps {second!r}"


def open_charts(page: Page, ui, url: str | None, count: int) -> list[dict]:
    if url is None:
        ui.go(page, "Tenants")
    else:
        ui.open_app(page, url)
    charts = page.locator(".js-plotly-plot")
    for index in range(count):  # plotly draws a chart once it is on screen
        charts.nth(index).scroll_into_view_if_needed()
        charts.nth(index).locator(".main-svg").first.wait_for()
    ui.wait_idle(page)
    return page.evaluate(READ_CHARTS)


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_every_chart_shows_its_labels_whole_and_nothing_overlaps(
    app_server, browser, ui, artifacts, name, width
):
    address, count = PAGES[name]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        ui.open_app(page, app_server)  # the app's home first (see test_workspace_flow.py)
        charts = open_charts(page, ui, address and app_server + address, count)
        assert len(charts) == count, [c["title"] for c in charts]
        for chart in charts:
            check_chart(chart, f"{name} at {width} px")
        # The page scrolls inside Streamlit's main block, not the document: make the window
        # as tall as the page so that the screenshot holds all of it.
        tall = page.evaluate(
            "document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight"
        )
        page.set_viewport_size({"width": width, "height": max(900, int(tall) + 120)})
        ui.wait_idle(page)
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
    finally:
        context.close()
