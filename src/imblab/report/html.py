"""The self-contained HTML report, rendered from the collected facts with Jinja2.

Jinja2 escapes every value it writes, so column names, labels and file names
from a user's data reach the page as text, never as markup; the page's
Content-Security-Policy also forbids scripts and requests of any kind.
"""

from __future__ import annotations

from functools import cache

from .collect import PALETTE, as_percent, collect, strategy_styles


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("imblab.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["percent"] = as_percent
    return environment


def warm_up():
    """Compile the report's templates now (Jinja2 keeps them), e.g. while fits run."""
    _environment().get_template("report.html.j2")


def render_html(results, facts=None, plots=None):
    """``report.html`` as a string."""
    from .plots import all_plots

    facts = collect(results) if facts is None else facts
    plots = all_plots(results) if plots is None else plots
    return _environment().get_template("report.html.j2").render(r=facts, plots=plots,
                                                                swatches=swatches(results.strategies))


def render_table_html(results):
    """The comparison table alone, for notebooks (``Results._repr_html_``)."""
    template = _environment().get_template("notebook.html.j2")
    return template.render(r=collect(results), swatches=swatches(results.strategies))


#: SVG dash patterns of matplotlib's line styles, so a swatch looks like the strategy's curves.
DASHES = {"-": "", "--": "5 3", ":": "1.5 2.5", "-.": "6 2 1.5 2"}
SHAPES = {
    "o": '<circle cx="12" cy="6" r="3" fill="{c}"/>',
    "s": '<rect x="9" y="3" width="6" height="6" fill="{c}"/>',
    "^": '<path d="M12 2.5 L15.5 9 L8.5 9 Z" fill="{c}"/>',
    "D": '<path d="M12 2 L16 6 L12 10 L8 6 Z" fill="{c}"/>',
}


def swatches(strategies):
    """``{strategy: inline SVG}``: a short line in the strategy's colour and dash pattern, with its
    marker once colours repeat, as on the charts.

    Examples
    --------
    >>> str(swatches(["naive"])["naive"])[:46]
    '<svg class="swatch" width="24" height="12" vie'
    """
    from markupsafe import Markup

    styles = strategy_styles(strategies)
    with_markers = len(strategies) > len(PALETTE)
    found = {}
    for name, style in styles.items():
        dash = DASHES[style.linestyle]
        svg = (f'<svg class="swatch" width="24" height="12" viewBox="0 0 24 12" aria-hidden="true" '
               f'style="vertical-align:-1px;margin-right:.4em"><line x1="1" y1="6" x2="23" y2="6" '
               f'stroke="{style.colour}" stroke-width="2.5"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        if with_markers:
            svg += SHAPES[style.marker].format(c=style.colour)
        # only the palette's colours and fixed shapes go into it: nothing from the user's data
        found[name] = Markup(svg + "</svg>")
    return found
