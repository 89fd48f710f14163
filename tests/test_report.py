"""The HTML report, opened in a real headless Chromium, and its Markdown twin."""

import shutil

import numpy as np
import pandas as pd
import pytest

from fabricated import fabricated_results
from imblab.cli import main
from imblab.report.collect import strategy_styles
from imblab.report.plots import all_figures

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SECTIONS = ["verdict", "dataset", "paradox", "handling", "comparison-table", "charts", "calibration",
            "strategies", "configuration"]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine: install Debian's 'chromium' package (make test does so as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )
        yield browser
        browser.close()


def open_report(browser, path):
    """Load the page and record what a reader's browser would do with it."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    seen = {"console_errors": [], "page_errors": [], "requests": [], "dialogs": []}
    page.on("console", lambda m: m.type == "error" and seen["console_errors"].append(m.text))
    page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    url = path.resolve().as_uri()
    page.goto(url)
    page.wait_for_load_state("load")
    seen["outside"] = [u for u in seen["requests"] if u != url and not u.startswith("data:")]
    return page, seen


def test_practical_report_in_chromium(browser, practical, tmp_path):
    folder = practical.save(tmp_path / "run")
    page, seen = open_report(browser, folder / "report.html")
    assert seen["console_errors"] == [] and seen["page_errors"] == []
    assert seen["outside"] == []  # nothing leaves the page
    for section in SECTIONS:
        assert page.locator(f"#{section}").count() == 1, section
    rows = page.locator("#comparison-table tbody tr")
    ranked = list(practical.comparison["strategy"])  # best first
    assert [rows.nth(i).get_attribute("data-strategy") for i in range(rows.count())] == ranked
    # the paradox on the rows scored (the test part: 94.2%), as the naive row's accuracy, not the whole data's 94.6%
    naive = practical.summary.set_index("strategy").loc["naive", "accuracy"]
    assert f"{naive:.1%} accuracy on the rows scored" in page.locator("#paradox").inner_text()
    assert f"{naive:.1%}" == "94.2%"
    assert "7576 : 7576" in page.locator("#training").inner_text()
    assert "0.528 / 9.434" in page.locator("#training").inner_text()
    images = page.locator("img")
    assert images.count() == 5
    for i in range(images.count()):
        width, height = images.nth(i).evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert width > 200 and height > 150
        assert images.nth(i).get_attribute("src").startswith("data:image/png;base64,")
    assert page.locator(".classification-report").count() == 4
    assert page.locator(".confusion").count() == 4
    assert page.locator("script").count() == 0
    assert "★ first" in page.locator("#comparison-table").inner_text()  # smote_ann is not separated from brf
    page.close()


def test_hostile_names_stay_text(browser, table, tmp_path, capsys):
    rng = np.random.RandomState(0)
    evil_column = "<img src=x onerror=alert(1)>"
    evil_label = "<script>alert(2)</script>"
    frame = pd.DataFrame({evil_column: rng.normal(size=300), "b": rng.normal(size=300),
                          "y": [evil_label] * 40 + ["ok"] * 260})
    frame.loc[:39, evil_column] += 2
    path = table(frame, name="<b>evil.csv")
    out = tmp_path / "run"
    assert main(["run", "--data", str(path), "--target", "y", "--holdout", "--strategies", "naive,brf",
                 "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    page, seen = open_report(browser, out / "report.html")
    assert seen["dialogs"] == []
    assert seen["console_errors"] == [] and seen["outside"] == []
    assert page.locator("script").count() == 0
    assert page.locator("img").count() == 5  # only the charts: the column name made no element
    assert page.locator("b", has_text="evil").count() == 0
    text = page.locator("body").text_content()  # the column list sits in a closed <details>
    assert evil_label in text and "<b>evil" in text and evil_column in text
    page.close()
    markdown = (out / "summary.md").read_text()
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown


def test_report_command_rerenders_without_refitting(practical, tmp_path, capsys):
    folder = practical.save(tmp_path / "run")
    before = {name: (folder / name).read_bytes() for name in ["report.html", "summary.md"]}
    for name in before:
        (folder / name).unlink()
    assert main(["report", str(folder)]) == 0
    for name, content in before.items():
        assert (folder / name).read_bytes() == content, name


def test_summary_markdown_and_notebook_view(practical):
    from imblab.report.markdown import render_markdown

    markdown = render_markdown(practical)
    assert markdown.startswith("# imblab report: synthetic")
    assert "By f1_1, brf ranks first" in markdown
    assert markdown.count("\n| ") == 1 + 4  # header and one row per strategy
    html = practical._repr_html_()
    assert html.count("<tr data-strategy=") == 4 and "★ first" in html


def test_no_report_flag_and_missing_run_folder(tmp_path, capsys):
    assert main(["run", "--strategies", "naive", "--samples", "300", "--no-report", "--quiet",
                 "--out", str(tmp_path / "r")]) == 0
    assert not (tmp_path / "r" / "report.html").exists()
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.fixture(scope="module")
def fifteen():
    return fabricated_results(15)


# Every table, its box and each of its cells, measured in the page: widths in CSS pixels.
MEASURE_TABLES = """() => [...document.querySelectorAll('table')].map(table => ({
    name: table.id || table.className,
    table: table.getBoundingClientRect().width,
    box: table.parentElement.clientWidth,
    boxScroll: table.parentElement.scrollWidth,
    cut: [...table.querySelectorAll('th, td')].filter(c => c.scrollWidth > c.clientWidth + 0.5)
                                              .map(c => c.textContent),
}))"""


def test_fifteen_strategies_fit_a_1280_px_window(browser, fifteen, tmp_path):
    folder = fifteen.save(tmp_path / "run")
    page, seen = open_report(browser, folder / "report.html")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert seen["console_errors"] == [] and seen["page_errors"] == [] and seen["outside"] == []
    tables = page.evaluate(MEASURE_TABLES)
    assert {t["name"] for t in tables} >= {"comparison-table", "training", "calibration", "config"}
    for t in tables:
        assert t["table"] <= t["box"] + 0.5, t  # the whole table inside its container
        assert t["boxScroll"] <= t["box"] + 0.5, t  # nothing to scroll to
        assert t["cut"] == [], t  # no cell's text cut off
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280  # no sideways scrolling
    rows = page.locator("#comparison-table tbody tr")
    assert rows.count() == 15
    assert rows.nth(0).get_attribute("data-strategy") == fifteen.comparison["strategy"].iloc[0]
    assert "★ first" in rows.nth(0).inner_text()
    heights = page.evaluate("() => [...document.querySelectorAll('#comparison-table tbody tr')]"
                            ".map(r => r.getBoundingClientRect().height)")
    assert max(heights) < 1.6 * min(heights)  # at 1280 px no comparison row wraps to two lines
    for i in range(page.locator("img").count()):
        box = page.locator("img").nth(i).bounding_box()
        assert box["x"] + box["width"] <= 1280
    assert "pooled over the out-of-fold rows of all 5 folds × 2 repeats" in page.locator("#pooling").inner_text()
    assert "median 0.440 (0.350–0.530 over 10 splits)" in page.locator("#training").inner_text()
    page.close()


def test_no_two_strategies_look_alike():
    for n in (4, 15, 30):
        styles = strategy_styles([f"s{i}" for i in range(n)])
        assert len({(s.colour, s.linestyle, s.marker) for s in styles.values()}) == n
        assert len({(s.colour, s.linestyle) for s in styles.values()}) == n
    styles = strategy_styles([f"s{i}" for i in range(15)])
    assert len({s.colour for s in styles.values()}) == 8  # every colour of the palette in use


@pytest.mark.parametrize("n", [4, 15])
def test_charts_keep_styles_and_legends_cover_no_data(n, fifteen):
    results = fifteen if n == 15 else fabricated_results(4)
    figures = all_figures(results)
    styles = strategy_styles(results.strategies)
    for name in ("pr", "roc"):
        lines = {line.get_label(): line for line in figures[name].axes[0].get_lines()}
        for strategy, style in styles.items():
            line = lines[strategy]
            assert (line.get_color(), line.get_linestyle()) == (style.colour, style.linestyle)
            assert line.get_marker() == (style.marker if n > 8 else "None")
    for name, figure in figures.items():
        figure.canvas.draw()  # legends and axes get their final places
        legends = [ax.get_legend() for ax in figure.axes if ax.get_legend()] + list(figure.legends)
        assert legends or name == "metrics", name
        for legend in legends:
            box = legend.get_window_extent()
            for ax in figure.axes:
                if ax.get_visible():
                    assert not box.overlaps(ax.get_window_extent()), (name, ax.get_title())
    panels = [ax for ax in figures["reliability"].axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == results.strategies  # small multiples, one per strategy
    labels = [label.get_text() for label in figures["metrics"].axes[0].get_yticklabels()]
    ticks = figures["metrics"].axes[0].get_yticks()
    top_down = [label for _, label in sorted(zip(ticks, labels), reverse=True)]
    assert top_down == list(results.comparison["strategy"])  # best at the top
