"""The self-contained HTML report, rendered from the collected facts with Jinja2.

Jinja2 escapes every value it writes, so column names, labels and file names
from a user's data reach the page as text, never as markup; the page's
Content-Security-Policy also forbids scripts and requests of any kind.
"""

from __future__ import annotations

from functools import cache

from .collect import collect, strategy_styles


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("imblab.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(results, facts=None, plots=None):
    """``report.html`` as a string."""
    from .plots import all_plots

    facts = collect(results) if facts is None else facts
    plots = all_plots(results) if plots is None else plots
    colours = {name: style.colour for name, style in strategy_styles(results.strategies).items()}
    return _environment().get_template("report.html.j2").render(r=facts, plots=plots, colours=colours)


def render_table_html(results):
    """The comparison table alone, for notebooks (``Results._repr_html_``)."""
    facts = collect(results)
    colours = {name: style.colour for name, style in strategy_styles(results.strategies).items()}
    template = _environment().get_template("notebook.html.j2")
    return template.render(r=facts, colours=colours)
