"""The command line's arguments: every command, flag and its help, and argparse's errors as one line."""

from __future__ import annotations

import argparse

from ..errors import ImblabError
from ..strategies import STRATEGIES


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message):
        raise ImblabError(f"{message} (see '{self.prog} --help')")


def _whole(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {minimum}, got {value}")
        return value
    return parse


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {value}")
    return value


def _jobs(text):
    value = _whole(-1)(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a positive number of processes, or -1 for all cores")
    return value


def _add_verbosity(parser):
    """``--quiet`` and ``--verbose``, the same for every command that prints the comparison."""
    parser.add_argument("--quiet", action="store_true",
                        help="print the comparison table and nothing else (warnings and errors still go to stderr)")
    parser.add_argument("--verbose", action="store_true",
                        help="also print every strategy's classification report (printed anyway for up to 4)")


def build_parser():
    parser = _Parser(prog="imblab",
                     description="Compare ways of handling class imbalance in binary classification.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = commands.add_parser(
        "run", help="compare strategies on the practical's data or your own",
        description="Fit each strategy, evaluate it on held-out rows and write a run folder. "
                    "With no arguments: the course practical (synthetic 95:5 data, 80/20 holdout).",
    )
    run.add_argument("--config", metavar="FILE",
                     help="settings and your own estimators from a TOML file (default: [tool.imblab] of "
                          "./pyproject.toml when it has one); flags given here win")
    data = run.add_argument_group("your own data")
    data.add_argument("--data", metavar="FILE",
                      help="a .csv (also .tsv, .csv.gz/.bz2/.xz/.zip), .xlsx or .parquet file")
    data.add_argument("--target", metavar="COLUMN", help="the label column (required with --data)")
    data.add_argument("--positive", metavar="LABEL", help="the positive label (default: the minority class)")
    data.add_argument("--drop", metavar="COL", nargs="+", action="extend",
                      help="leave these columns out of the features")
    data.add_argument("--keep", metavar="COL", nargs="+", action="extend",
                      help="use these columns as features even if they look like IDs, constants, text or dates")
    data.add_argument("--date-features", choices=["drop", "expand"], default="drop",
                      help="leave date columns out (default) or expand them into year, month, day, weekday")
    data.add_argument("--sep", metavar="CHAR", help="the CSV delimiter, e.g. ';' or tab (default: detected)")
    data.add_argument("--encoding", metavar="NAME",
                      help="the CSV's encoding (default: UTF-8, else Windows-1252, else Latin-1)")
    data.add_argument("--sheet", metavar="NAME",
                      help="an Excel workbook's sheet: its name or its number from 1 (default: the first)")
    data.add_argument("--strict", action="store_true",
                      help="refuse rows with a missing target instead of dropping them with a warning")
    synth = run.add_argument_group("the practical's synthetic data (without --data)")
    synth.add_argument("--samples", type=_whole(20), default=10000, help="rows (default 10000)")
    synth.add_argument("--features", type=_whole(4), default=20, help="features (default 20)")
    synth.add_argument("--minority-share", type=_fraction, default=0.05,
                       help="share of the positive class, below 0.5 (default 0.05)")
    ev = run.add_argument_group("evaluation")
    ev.add_argument("--strategies", metavar="LIST",
                    help=f"comma-separated names ({', '.join(STRATEGIES)}), presets (practical, all-basic) "
                         "or specs such as smote+ann, brf@f1 (see 'imblab strategies'; default: the practical's four)")
    ev.add_argument("--seed", type=_whole(0), default=42, help="seeds data, splits and models (default 42)")
    ev.add_argument("--seeds", type=_whole(1), default=1, metavar="K",
                    help="fit every strategy on every split with K seeds derived from --seed and average "
                         "each split's metric over them: less seed noise (networks, forests) in every "
                         "estimate, interval and test (default 1)")
    ev.add_argument("--metric", default="f1_1",
                    help="rank and test strategies by this metric (default f1_1, minority F1)")
    ev.add_argument("--rope", type=float, default=0.01, metavar="R",
                    help="region of practical equivalence in the metric's units: a strategy is called "
                         "equivalent to the first-ranked only if their difference is within ±R with probability "
                         "≥ 95%% (default 0.01)")
    ev.add_argument("--folds", type=_whole(2),
                    help="repeated stratified k-fold with K folds (default for --data: 5)")
    ev.add_argument("--repeats", type=_whole(1), help="repeats of --folds (default 2)")
    ev.add_argument("--holdout", action="store_true",
                    help="one train/test split instead of cross-validation (default without --data)")
    ev.add_argument("--test-size", type=_fraction, help="holdout test share (default 0.2)")
    ev.add_argument("--groups", metavar="COLUMN",
                    help="keep each value of COLUMN (a customer, patient…) on one side of every split: "
                         "stratified group k-fold; the column is not a feature")
    ev.add_argument("--time", metavar="COLUMN",
                    help="forward-chaining splits ordered by COLUMN: train on the past, test on what follows "
                         "(--folds splits, default 5); the column is not a feature")
    ev.add_argument("--jobs", type=_jobs,
                    help="fits to run at once, each in its own process; -1 for every core "
                         "(default: every core when the run has more than one fit)")
    ev.add_argument("--dask", metavar="WHERE",
                    help="run the fits on a Dask cluster: a scheduler's address (tcp://host:8786) or local[:N] "
                         "for N local worker processes (default N: the cores); the workers decide how many fits "
                         "run at once, so --jobs cannot be given too (needs pip install 'imblab[dask]')")
    out = run.add_argument_group("output")
    out.add_argument("--out", metavar="DIR", help="run folder (default runs/<time>-<data>)")
    out.add_argument("--overwrite", action="store_true",
                     help="replace a run folder imblab wrote before (only the files imblab writes there; "
                          "a folder imblab did not write is refused)")
    _add_verbosity(out)
    out.add_argument("--no-report", action="store_true",
                     help="skip report.html and summary.md (about 1.3 s); 'imblab report' can write them later")

    resume = commands.add_parser(
        "resume", help="finish a run that was interrupted",
        description="Finish an interrupted run: reuse every fit its folder kept (same strategy, split, data, "
                    "seed and library versions), fit only the missing ones, and write the run folder.",
    )
    resume.add_argument("folder", metavar="RUN_DIR")
    resume.add_argument("--jobs", type=_jobs, help="fits to run at once, here (default: as the run was started)")
    resume.add_argument("--dask", metavar="WHERE",
                        help="run the missing fits on this Dask cluster (default: as the run was started)")

    rescore = commands.add_parser(
        "rescore", help="recompute a run folder's tables from its predictions",
        description="Recompute summary.csv, folds.csv, comparison.csv, calibration.csv and reliability.csv of "
                    "a run folder from its predictions.parquet, without refitting. With --metric M, rank and "
                    "test by M instead: that writes comparison-M.csv beside the run's own comparison.csv and "
                    "changes no other file.",
    )
    rescore.add_argument("folder", metavar="RUN_DIR")
    rescore.add_argument("--metric", help="rank and test strategies by this metric (writes comparison-METRIC.csv)")
    _add_verbosity(rescore)

    report = commands.add_parser(
        "report", help="re-render report.html and summary.md of a run folder",
        description="Re-render report.html and summary.md of a run folder from its predictions and "
                    "results.json, without refitting. Only those two files are replaced.",
    )
    report.add_argument("folder", metavar="RUN_DIR")

    fit = commands.add_parser(
        "fit", help="fit a strategy on all the data and write a model folder",
        description="Fit one strategy on all the data (threshold policies tuned inside it, as in the evaluation) "
                    "and write a model folder: the model (skops, no pickle), model.json and MODEL.md. "
                    "Either from a run folder (default: its first-ranked strategy, with the run's estimates on the "
                    "card) or from a file with --data, --target and --strategy.",
    )
    fit.add_argument("run_folder", metavar="RUN_DIR", nargs="?", help="a run folder written by 'imblab run'")
    fit.add_argument("--strategy", metavar="SPEC", help="the strategy (default with RUN_DIR: the run's first-ranked)")
    fit.add_argument("--data", metavar="FILE", help="a .csv, .xlsx or .parquet file (without RUN_DIR)")
    fit.add_argument("--target", metavar="COLUMN", help="the label column (with --data)")
    fit.add_argument("--positive", metavar="LABEL", help="the positive label (default: the minority class)")
    fit.add_argument("--drop", metavar="COL", nargs="+", action="extend", default=[],
                     help="leave these columns out of the features (with --data)")
    fit.add_argument("--keep", metavar="COL", nargs="+", action="extend", default=[],
                     help="use these columns as features even if they look like IDs, constants, text or dates "
                          "(with --data)")
    fit.add_argument("--date-features", choices=["drop", "expand"], default="drop",
                     help="leave date columns out (default) or expand them into year, month, day, weekday "
                          "(with --data)")
    fit.add_argument("--sep", metavar="CHAR", help="the CSV delimiter (with --data; default: detected)")
    fit.add_argument("--encoding", metavar="NAME", help="the CSV's encoding (with --data; default: detected)")
    fit.add_argument("--sheet", metavar="NAME",
                     help="an Excel workbook's sheet, its name or number from 1 (with --data; default: the first)")
    fit.add_argument("--config", metavar="FILE", help="a TOML file whose [estimators.NAME] --strategy may name "
                                                      "(with RUN_DIR: where the run's own file is now)")
    fit.add_argument("--seed", type=_whole(0), default=None, help="seeds the model (default: the run's, or 42)")
    fit.add_argument("--out", metavar="MODEL_DIR", help="model folder (default models/<strategy>)")
    fit.add_argument("--overwrite", action="store_true", help="replace a model folder imblab wrote before")

    predict = commands.add_parser(
        "predict", help="predict new rows with a model folder",
        description="Check FILE's columns against the model's schema, then write each row's probability of "
                    "the positive class, that probability corrected to the training data's class shares, and "
                    "the decision at the model's threshold. A column missing, extra, of the wrong type or with a "
                    "category the model never saw stops it with one line (exit 2).",
    )
    predict.add_argument("model_folder", metavar="MODEL_DIR")
    predict.add_argument("file", metavar="FILE", help="a .csv, .xlsx or .parquet file of rows to predict")
    predict.add_argument("--sheet", metavar="NAME",
                         help="an Excel workbook's sheet: its name or its number from 1 (default: the first)")
    predict.add_argument("--sep", metavar="CHAR", help="the CSV delimiter (default: detected)")
    predict.add_argument("--encoding", metavar="NAME", help="the CSV's encoding (default: detected)")
    predict.add_argument("--out", metavar="FILE", help="predictions CSV (default: FILE's name + -predictions.csv)")
    predict.add_argument("--ignore-extra", action="store_true", help="drop columns the model was not fitted with")
    predict.add_argument("--trust", metavar="TYPE", action="append", default=[],
                         help="load this type too (a model fitted with your own estimator, e.g. "
                              "lightgbm.sklearn.LGBMClassifier); only for code you trust")

    from .bench import add_bench_parser

    add_bench_parser(commands, whole=_whole, jobs=_jobs, verbosity=_add_verbosity)

    commands.add_parser("strategies", help="list the strategies",
                        description="List every strategy with what it does.")
    return parser
