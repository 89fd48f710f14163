"""summary.md: the comparison table and the verdict, for a ticket or a notebook."""

from __future__ import annotations

from .collect import as_percent, collect


def _escape(text):
    """Keep user-supplied text from breaking the Markdown table or being read as HTML."""
    return (str(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", " "))


def render_markdown(results, facts=None):
    facts = collect(results) if facts is None else facts
    d = facts["dataset"]
    lines = [
        f"# {_escape(facts['title'])}",
        "",
        f"**{_escape(facts['verdict'])}**",
        "",
        f"{_escape(d['name'])}: {d['rows']} rows, {d['features']} features; positive class "
        f"`{_escape(d['positive_label'])}` is {d['counts'][1]} rows ({d['minority_share']:.1%}). "
        f"Always predicting the majority class would score {as_percent(d['majority_accuracy'])} accuracy on the rows "
        "scored.",
        "",
        f"{_escape(facts['protocol'])}; {facts['uncertainty']}.",
        "",
        "| Strategy | " + " | ".join(c["heading"] for c in facts["columns"]) + " | vs first | Fit (s) |",
        "|---|" + "---:|" * len(facts["columns"]) + "---|---:|",
    ]
    for row in facts["rows"]:
        cells = []
        for cell in row["cells"]:
            if cell["value"] is None:
                cells.append("—")
                continue
            text = f"{cell['value']:.3f}" + (f" ± {cell['half']:.3f}" if cell["half"] is not None else "")
            text += "\\*" if cell.get("clipped") else ""
            cells.append(f"**{text}**" if cell["best"] else text)
        seconds = "—" if row.get("fit_seconds") is None else f"{row['fit_seconds']:.2f}"
        lines.append(f"| {_escape(row['strategy'])} | " + " | ".join(cells) + f" | {row['label']} | {seconds} |")
    lines += ["", f"{_escape(facts['rule'])}. Rows best first; Fit (s) = mean seconds per fit. Seed "
                  f"{facts['config']['random_state']}, Keras backend {facts['config']['keras_backend']}.", ""]
    return "\n".join(lines)
