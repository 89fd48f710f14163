"""The ``fit`` and ``predict`` commands: parse, call the model API, print. No ML lives here."""

from __future__ import annotations

import re
from pathlib import Path

from ..cli.messages import warnings_said
from ..errors import ImblabError


def fit_command(args, console, errors):
    from .persist import check_model_folder, save_model

    if args.run_folder is not None and (args.data or args.target or args.positive or args.drop or args.keep
                                        or args.date_features != "drop" or args.sep or args.encoding
                                        or args.sheet):
        raise ImblabError("fitting from a run folder reads the run's own data as the run read it: drop --data, "
                          "--target, --positive, --drop, --keep, --date-features, --sep, --encoding and --sheet")
    if args.out:
        check_model_folder(args.out, overwrite=args.overwrite)  # before the data are read, not after the fit
    if args.run_folder is not None:
        from .from_run import from_run

        # imblab's own warnings (the libraries' have classes of their own)
        with warnings_said(errors, lambda warning: warning.category is UserWarning):
            dataset, chosen, options = from_run(args.run_folder, args.strategy, random_state=args.seed,
                                                config=args.config)
    else:
        dataset, chosen, options = _from_file(args, errors)
    folder = Path(args.out) if args.out else Path("models") / _safe(chosen.name)
    check_model_folder(folder, overwrite=args.overwrite)  # the default folder too, before the fit
    from .fitted import fit_model

    model = fit_model(dataset, chosen, **options)
    name = model.card["strategy"]["name"]
    save_model(model, folder, overwrite=args.overwrite)
    training, data = model.card["training"], model.card["data"]
    console.print(f"Fitted {name} on all {data['rows']} rows of {data['name']}; decision threshold "
                  f"{training['threshold']:.4g}: {training['threshold_how']}", highlight=False)
    estimates = model.card.get("estimates") or {}
    if estimates:
        metric = model.card["source"]["metric"]
        shown = estimates.get(metric) or next(iter(estimates.values()))
        low, high = shown.get("ci_low"), shown.get("ci_high")
        interval = f" (95% interval {low:.3f} to {high:.3f})" if low is not None and high is not None else ""
        console.print(f"Out of sample in the run: {metric} {shown['mean']:.3f}{interval}", highlight=False)
    foreign = model.card.get("files", {}).get("foreign_types") or _foreign(folder)
    if foreign:
        errors.print(f"imblab: note: the model holds your estimator's types ({', '.join(foreign)}); "
                     f"'imblab predict' loads them only with --trust {' --trust '.join(foreign)}",
                     markup=False, highlight=False, soft_wrap=True)
    console.print(f"Model folder: {folder} (card: {folder / 'MODEL.md'})", highlight=False)
    return 0


def _from_file(args, errors):
    """``(dataset, strategy, options)`` to fit from ``--data``, ``--target`` and ``--strategy``."""
    from ..cli.messages import note_lines
    from ..data.names import target_missing
    from ..data.readers import peek_columns
    from ..strategies import get_strategies

    if args.data is None or args.target is None or args.strategy is None:
        raise ImblabError("give a run folder (imblab fit RUN_DIR), or --data FILE, --target COLUMN and "
                          "--strategy SPEC")
    strategies = {}
    if args.config:
        from ..config import build_estimators, read_config

        strategies = build_estimators(read_config(args.config), [args.strategy])
    chosen = strategies.get(args.strategy) or get_strategies([args.strategy])[0]
    from ..data.readers import check_sheet

    check_sheet(args.data, args.sheet)
    header = peek_columns(args.data, sep=args.sep, encoding=args.encoding)  # refused before pandas loads
    if header is not None:
        if args.target not in header:
            raise target_missing(args.target, header)
        _check_drop(args.drop, [c for c in header if c != args.target])
    from ..data import load_table

    dataset = load_table(args.data, args.target, positive=args.positive, drop=args.drop or None,
                         keep=args.keep or None, date_features=args.date_features, sep=args.sep,
                         encoding=args.encoding, sheet=args.sheet)
    note_lines(errors, dataset.notes)  # what the loader guessed or left out, as imblab run says it
    return dataset, chosen, {"random_state": 42 if args.seed is None else args.seed}


def _check_drop(drop, features):
    """``--drop`` names only feature columns (the same error as ``imblab run``'s)."""
    from ..data.names import not_a_feature

    for name in drop:
        if name not in features:
            raise not_a_feature("drop", name, features)


def predict_command(args, console, errors):
    from ..cli.messages import note_lines
    from ..data.readers import check_sheet, peek_columns, read_frame, wrong_sheet
    from .card import read_card
    from .schema import check_columns

    # what the card and the file's header show is refused before skops, scikit-learn and pandas load
    card = read_card(Path(args.model_folder))
    check_sheet(args.file, args.sheet)
    header = peek_columns(args.file, sep=args.sep, encoding=args.encoding)
    out = _predictions_path(args.file, args.out)
    if header is not None:
        check_columns(header, card["data"]["schema"], extra="ignore" if args.ignore_extra else "error")
    from .persist import load_model

    with warnings_said(errors):
        model = load_model(args.model_folder, trusted=args.trust)
    schema = card["data"]["schema"]
    codes = [c["name"] for c in schema["columns"]  # categories of text ('02134'): read as text, zeros kept
             if c["kind"] == "categorical" and all(isinstance(v, str) for v in c.get("categories", ()))]
    frame, info = read_frame(args.file, sep=args.sep, encoding=args.encoding, text_columns=codes, sheet=args.sheet)
    try:
        table = model.predictions(frame, extra="ignore" if args.ignore_extra else "error")
    except ImblabError as exc:
        if info.get("sheets", 1) > 1 and args.sheet is None and str(exc).startswith("the rows lack"):  # wrong sheet?
            raise ImblabError(f"{exc}{wrong_sheet(args.file, info)}") from None
        guessed = _guessed_encoding(info, args.encoding)
        if guessed and "never saw" in str(exc):  # a misread encoding makes unknown categories of known ones
            raise ImblabError(f"{exc} (the file was read as {guessed}, a guess: if it is another encoding, give "
                              "it with --encoding)") from None
        raise
    note_lines(errors, info["notes"])  # how the rows were read (a sheet of several, an encoding), as run says it
    table.insert(0, "row", range(len(table)))
    from ..writing import atomic_write

    if out.suffix.lower() in (".parquet", ".pq"):  # the format its name says; whole or not at all
        atomic_write(out, lambda path: table.to_parquet(path, index=False))
    else:
        atomic_write(out, lambda path: table.to_csv(path, index=False))
    positive = model.labels[1]
    n_positive = int((table["decision"] == positive).sum())
    threshold = model.card["training"]["threshold"]
    console.print(f"Predicted {len(table)} rows: {n_positive} decided {positive!r} (threshold {threshold:.4g}); "
                  f"wrote {out}", highlight=False)
    return 0


def _guessed_encoding(info, given):
    """The encoding a CSV was read in when imblab guessed it (not UTF-8, not given), else None."""
    encoding = info.get("encoding")
    if given or not encoding or encoding.replace("-", "").lower() in ("utf8", "utf8sig", "ascii"):
        return None
    return encoding


def _predictions_path(file, out):
    """Where the predictions go: ``--out``, else beside ``file``; never onto the rows themselves."""
    path = Path(out) if out else Path(file).with_name(Path(file).stem + "-predictions.csv")
    if path.is_dir():
        raise ImblabError(f"--out '{path}' is a folder: give a file name such as {path / 'predictions.csv'}")
    if not path.parent.is_dir():
        raise ImblabError(f"--out '{path}': folder '{path.parent}' does not exist; create it or choose another")
    if path.exists() and path.resolve() == Path(file).resolve():
        raise ImblabError(f"--out '{path}' is the file of rows to predict: choose another name, so that the "
                          "rows are kept")
    return path


def _foreign(folder):
    import json

    card = json.loads((folder / "model.json").read_text())
    return card.get("files", {}).get("foreign_types", [])


def _safe(name):
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name).strip("_") or "model"
