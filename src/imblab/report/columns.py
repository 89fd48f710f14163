"""The Columns table: each column of the user's table, its role, and whether the models see it."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

#: Up to this many columns every one gets a row; past it, plain features are counted in one row.
MAX_ROWS = 12
ROLE_STYLES = {"identifier": "yellow", "date": "cyan", "text": "yellow", "constant": "dim"}


def column_rows(roles, *, max_rows=MAX_ROWS):
    """The table's rows as plain dicts (also the report's "column_roles"): ``column, role, distinct,
    missing, used, use``; past ``max_rows`` columns (``None``: no limit), plain features fold into one
    ``column=None`` row.

    Examples
    --------
    >>> roles = [{"column": "id", "role": "identifier", "used": False, "features": [], "distinct": 50,
    ...           "missing": 0, "why": "unique integers in sequence"},
    ...          {"column": "x", "role": "numeric", "used": True, "features": ["x"], "distinct": 7,
    ...           "missing": 2, "why": ""}]
    >>> [row["use"] for row in column_rows(roles)]
    ['left out: unique integers in sequence', 'feature']
    """
    rows = [_row(role) for role in roles]
    if max_rows is None or len(rows) <= max_rows:
        return rows
    shown = [row for row in rows if not row["plain"]]
    plain = [row for row in rows if row["plain"]]
    if len(shown) >= max_rows:
        shown = shown[:max_rows - 1]
    else:
        shown, plain = shown + plain[:max_rows - 1 - len(shown)], plain[max_rows - 1 - len(shown):]
    hidden = len(rows) - len(shown)
    by_role = {}
    for row in rows:
        if row not in shown:
            by_role[row["role"]] = by_role.get(row["role"], 0) + 1
    summary = ", ".join(f"{n} {role}" for role, n in by_role.items())
    shown.append({"column": None, "role": summary, "distinct": None, "missing": None, "used": True,
                  "use": f"{hidden} more columns", "plain": True})
    return shown


def columns_table(results):
    """A compact rich table of the dataset's column roles; an empty Group for the practical's data."""
    ds = results.dataset
    roles = ds.get("column_roles") or []
    if not roles:
        return Group()
    n_features = ds["features"]
    target = ds.get("provenance", {}).get("target", "")
    table = Table(title=f"Columns: {len(roles)} besides the target '{target}' → {n_features} "
                        f"feature{'s' if n_features != 1 else ''}",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Column", no_wrap=True, max_width=28, overflow="ellipsis")
    table.add_column("Role", no_wrap=True)
    table.add_column("Distinct", justify="right")
    table.add_column("Missing", justify="right")
    table.add_column("Use")
    for row in column_rows(roles):
        if row["column"] is None:
            table.add_row(Text("…", style="dim"), Text(row["role"], style="dim"), "", "",
                          Text(row["use"], style="dim"))
            continue
        style = "" if row["used"] else ROLE_STYLES.get(row["role"], "yellow")
        table.add_row(row["column"], Text(row["role"], style=ROLE_STYLES.get(row["role"], "")),
                      str(row["distinct"]), str(row["missing"]) if row["missing"] else "",
                      Text(row["use"], style=style))
    return table


def _row(role):
    used, produced = role["used"], role.get("features") or []
    why = role.get("why", "")
    if not used:
        use = f"left out: {why}" if why else "left out"
    elif produced and produced != [role["column"]]:
        use = "expanded: " + ", ".join(p.removeprefix(f"{role['column']}_") for p in produced)
    elif why:
        use = f"feature ({why})"
    else:
        use = "feature"
    plain = used and role["role"] in ("numeric", "categorical") and not why
    return {"column": role["column"], "role": role["role"], "distinct": role["distinct"],
            "missing": role["missing"], "used": used, "use": use, "plain": plain}
