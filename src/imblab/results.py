"""Results: the predictions of a run and everything derived from them."""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, is_dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report

from .errors import ImblabError
from .evaluation.metrics import METRICS, score_predictions
from .evaluation.calibration import calibration_summary, reliability_table
from .evaluation.runner import PREDICTION_COLUMNS, int_keys, restore_record
from .evaluation.statistics import ROPE, constant_accuracy, evaluate


class Results:
    """The record of one comparison and the tables computed from it.

    Every table is computed from ``predictions`` (one row per strategy, split
    and test row), so a saved run can be rescored without refitting.

    Attributes
    ----------
    predictions : DataFrame
        ``strategy, split_id, row_id, y_true, y_score, y_pred, y_score_prior``
        (the last is the prior-shift-corrected score, NaN where no shift applies).
    fits : list of dict
        Per (strategy, split): class counts, timings, what the fit learned
        about the imbalance (resampled counts, class weights), any error.
    config : dict
        Strategies, protocol, seed, Keras backend and library versions.
    dataset : dict
        The dataset's description (see ``Dataset.describe``).
    """

    def __init__(self, *, predictions, fits, config, dataset, strategy_notes):
        self.predictions = predictions
        self.fits = [asdict(f) if is_dataclass(f) else dict(f) for f in fits]
        self.config = config
        self.dataset = dataset
        self.strategy_notes = strategy_notes
        self._reports = {}  # (strategy, output_dict) -> classification report

    @property
    def strategies(self):
        return list(self.config["strategies"])

    @cached_property
    def folds(self):
        """Metrics of each strategy on each split."""
        return score_predictions(self.predictions)

    @property
    def metric(self):
        """The metric strategies are ranked and tested by."""
        return self.config.get("metric", "f1_1")

    @cached_property
    def summary(self):
        """One row per strategy: each metric's point estimate, its spread and 95% interval.

        Columns: ``strategy, n_splits``, each metric (the point estimate: the holdout value, or
        the metric pooled over each repeat's out-of-fold predictions, averaged over repeats), then
        ``{metric}_mean, _std, _ci_low, _ci_high, _ci_clipped, _ci_half`` for each, and ``error``.
        """
        intervals = self._statistics[0]
        rows = []
        for name in self.strategies:
            part = self.folds[self.folds["strategy"] == name]
            row = {"strategy": name, "n_splits": part["split_id"].nunique()}
            stats = intervals[intervals["strategy"] == name]
            # the point estimate of each interval: the holdout value, or CV's pooled estimate
            row.update({m: stats[f"{m}_mean"].iloc[0] if len(stats) else np.nan for m in METRICS})
            rows.append(row)
        summary = pd.DataFrame(rows)
        summary = summary.merge(intervals, on="strategy", how="left")
        summary["error"] = [self.errors().get(name, "") for name in summary["strategy"]]
        return summary

    @cached_property
    def calibration(self):
        """Brier score of each strategy's probabilities before and after the prior-shift correction."""
        return calibration_summary(self.predictions)

    @cached_property
    def reliability(self):
        """Reliability table (mean predicted vs observed rate per probability bin), raw and corrected."""
        return reliability_table(self.predictions)

    @property
    def comparison(self):
        """Strategies ranked by :attr:`metric` and compared with the best: Holm over all pairs,
        the difference's interval, and the probabilities of better / equivalent (within the
        ``rope``) / worse; ``status`` is best, worse, equivalent, not separated, n/a, failed or partly failed."""
        return self._statistics[1]

    @cached_property
    def _statistics(self):
        return evaluate(self.folds, self.predictions, self.fits, protocol=self.config["protocol"],
                        metric=self.metric, random_state=self.config["random_state"],
                        strategies=self.strategies, rope=self.config.get("rope", ROPE))

    def errors(self):
        """For each strategy that failed on some split: on which splits, and the first reason.

        Examples: ``failed on 1 of 1 splits (split 0): ValueError: …``; with several seeds, its fits:
        ``failed on 1 of 3 fits (split 0 seed 1): …``. Every failed fit, with its own reason, is in
        :meth:`failures`.
        """
        found = {}
        for fit in self.fits:
            if fit["error"] and fit["strategy"] not in found:
                own = [f for f in self.fits if f["strategy"] == fit["strategy"]]
                if any(f.get("seed") is not None for f in own):  # a split's seeds are fits of their own
                    failed = sorted((f["split_id"], f["seed"]) for f in own if f["error"] is not None)
                    shown = ", ".join(f"split {split} seed {seed}" for split, seed in failed[:10])
                    counted = f"{len(failed)} of {len(own)} fits"
                else:
                    failed = sorted({f["split_id"] for f in own if f["error"] is not None})
                    shown = f"split{'s' if len(failed) > 1 else ''} " + ", ".join(map(str, failed[:10]))
                    counted = f"{len(failed)} of {len({f['split_id'] for f in own})} splits"
                shown += ", …" if len(failed) > 10 else ""
                found[fit["strategy"]] = f"failed on {counted} ({shown}): {fit['error']}"
        return found

    def fit_facts(self, strategy):
        """Facts of the strategy's first successful fit (resampled counts, class weights)."""
        for fit in self.fits:
            if fit["strategy"] == strategy and not fit["error"]:
                return fit["facts"]
        return {}

    @property
    def train_counts(self):
        """Class counts of the first split's training part."""
        return self.fits[0]["train_counts"] if self.fits else {}

    @cached_property
    def majority_accuracy(self):
        """The accuracy of always predicting the training part's majority class, as the naive
        strategy does, on the test parts the strategies were scored on: the accuracy paradox's figure.

        Counted from each successful fit's training and test parts, and averaged as the accuracy
        column is, so that it is the naive strategy's accuracy, to the last digit, wherever that
        strategy was fitted as well.
        """
        counted = [fit for fit in self.fits if fit.get("train_counts") and fit.get("test_counts")]
        scored = [fit for fit in counted if not fit["error"]] or counted  # no fit succeeded: every fit's parts
        if not scored:
            return self.dataset["majority_accuracy"]
        return constant_accuracy({(fit["split_id"], fit.get("seed")): _majority_right(fit) for fit in scored},
                                 self.config["protocol"])

    def classification_report(self, strategy, *, output_dict=False):
        """scikit-learn's classification report over all of the strategy's out-of-sample rows
        (worked out once: the run folder, the report and the terminal each ask for it)."""
        key = (strategy, output_dict)
        if key not in self._reports:
            part = self.predictions[self.predictions["strategy"] == strategy]
            if part.empty:
                return {} if output_dict else ""
            names = [str(self.dataset["negative_label"]), str(self.dataset["positive_label"])]
            if names[0] == names[1]:
                names = ["0", "1"]
            self._reports[key] = classification_report(
                part["y_true"], part["y_pred"], labels=[0, 1], target_names=names,
                zero_division=0, output_dict=output_dict,
            )
        return copy.deepcopy(self._reports[key])

    def __repr__(self):
        """Strategies, protocol, metric and the best strategy, on one line.

        Examples
        --------
        >>> import imblab
        >>> results = imblab.compare(imblab.make_synthetic(400, 6, 0.1, random_state=0), "lr,lr:balanced")
        >>> results  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
        <Results: 2 strategies (lr, lr:balanced) on synthetic; holdout, 80% train / 20% test, seed 42;
        ranked by f1_1: best lr 0.857 ± ..., 1 ...worse>
        """
        from .report.collect import describe_protocol

        names = self.strategies
        shown = ", ".join(names[:4]) + (f", … {len(names) - 4} more" if len(names) > 4 else "")
        text = (f"<Results: {len(names)} strateg{'y' if len(names) == 1 else 'ies'} ({shown}) on "
                f"{self.dataset['name']}; {describe_protocol(self.config['protocol'])}; ranked by {self.metric}")
        comparison = self.comparison
        if comparison.empty:
            return text + ": no strategy produced predictions>"
        from .report.collect import first_label

        best = comparison.iloc[0]
        row = self.summary.set_index("strategy").loc[best["strategy"]]
        half, clipped = row[f"{self.metric}_ci_half"], row[f"{self.metric}_ci_clipped"]
        label = (first_label(comparison) or "★ first").removeprefix("★ ")
        text += (f": {label} {best['strategy']} {best['mean']:.3f}"
                 + (f" ± {half:.3f}{'*' if clipped else ''}" if half == half else ""))
        return text + "".join(f", {n} {standing}" for standing, n in _standings(comparison).items()) + ">"

    def _repr_html_(self):
        """The comparison table and verdict, when a notebook displays the results."""
        from .report.html import render_table_html

        return render_table_html(self)

    def with_metric(self, metric):
        """The same record, ranked and tested by another metric."""
        from .checks import check_metric

        check_metric(metric)
        return Results(predictions=self.predictions, fits=self.fits, config={**self.config, "metric": metric},
                       dataset=self.dataset, strategy_notes=self.strategy_notes)

    def failures(self):
        """Every failed fit: ``strategy, split_id, error`` (the one-line reason)."""
        rows = [{"strategy": f["strategy"], "split_id": f["split_id"], "error": f["error"]}
                for f in self.fits if f["error"]]
        return pd.DataFrame(rows, columns=["strategy", "split_id", "error"])

    def to_dict(self):
        """Everything but the predictions, as plain JSON-ready values."""
        return {
            "config": self.config,
            "dataset": self.dataset,
            "train_class_counts": self.train_counts,
            "strategies": {
                name: {
                    **self.strategy_notes.get(name, {}),
                    "metrics": _plain_row(self.summary, name),
                    "training": self.fit_facts(name),
                    "classification_report": self.classification_report(name, output_dict=True),
                    "error": self.errors().get(name),
                }
                for name in self.strategies
            },
            "comparison": self.comparison.to_dict(orient="records"),
            "failures": self.failures().to_dict(orient="records"),
            "calibration": self.calibration.to_dict(orient="records"),
            "fits": self.fits,
        }

    def save(self, folder, *, overwrite=False, report=True, drawer=None):
        """Write the run folder: predictions, tables, results.json and (``report=True``) the
        HTML and Markdown reports. Returns its path. ``drawer``: a started
        :class:`~imblab.report.ahead.ReportProcess` to draw the report in, beside the tables.

        ``folder`` may be new, empty, or the run folder whose fits this run kept
        (``compare(..., store=RunStore.create(folder))``). With ``overwrite``, a
        run folder imblab wrote before is replaced; any other non-empty folder is
        refused, and files imblab did not write are never removed.
        """
        from .store import RunStore

        store = RunStore(folder)
        if store.status != "incomplete":  # not this run's own folder: start it afresh
            store = RunStore.create(folder, overwrite=overwrite)
        return store.finish(self, report=report, drawer=drawer)

    @classmethod
    def load(cls, folder):
        """Read a run folder written by :meth:`save`, recomputing every table from its predictions."""
        from .store import RunStore

        folder = RunStore.open_complete(folder).folder
        try:
            with open(folder / "results.json", encoding="utf-8") as fh:
                saved = json.load(fh)
            predictions = pd.read_parquet(folder / "predictions.parquet")
            if "y_score_prior" not in predictions:
                predictions["y_score_prior"] = np.nan
            fits = [restore_record(f) for f in saved["fits"]]
            saved["dataset"]["class_counts"] = int_keys(saved["dataset"]["class_counts"])
            notes = {name: {k: v for k, v in s.items() if k in ("family", "summary", "how")}
                     for name, s in saved["strategies"].items()}
            missing = set(PREDICTION_COLUMNS) - set(predictions.columns)
            if missing:
                raise KeyError(", ".join(sorted(missing)))
            config, dataset = saved["config"], saved["dataset"]
        except FileNotFoundError as exc:
            missing = Path(exc.filename).name if exc.filename else next(
                (name for name in ("results.json", "predictions.parquet") if not (folder / name).is_file()), "a file")
            raise ImblabError(f"'{folder}' is not a complete run folder: {missing} is missing") from None
        except Exception as exc:  # damaged JSON or Parquet, or fields missing from them
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ImblabError(f"run folder '{folder}' is damaged ({type(exc).__name__}: {reason}); "
                              "run 'imblab run' again to recreate it") from None
        return cls(predictions=predictions, fits=fits, config=config, dataset=dataset, strategy_notes=notes)


def _standings(comparison):
    """``{standing: number of strategies}`` for every strategy but the best, in the ranking's order."""
    if "status" in comparison:
        return comparison["status"].iloc[1:].value_counts(sort=False).to_dict()
    tied = comparison["tied_with_best"].iloc[1:]
    return {"not significantly worse": int(tied.sum()), "significantly worse": int((~tied).sum())}


def _plain_row(frame, strategy):
    row = frame[frame["strategy"] == strategy].iloc[0].to_dict()
    return {k: (None if isinstance(v, float) and np.isnan(v) else (v.item() if isinstance(v, np.generic) else v))
            for k, v in row.items() if k != "strategy"}


def _majority_right(fit):
    """``(rows right, rows)`` of always predicting the fit's training majority on its test part (a tie:
    class 0, as scikit-learn's most frequent class)."""
    train, test = fit["train_counts"], fit["test_counts"]
    majority = max((0, 1), key=lambda k: (_count(train, k), -k))
    return _count(test, majority), _count(test, 0) + _count(test, 1)


def _count(counts, label):
    """A class's count in a fit's counts, whose keys are integers, or strings once read from JSON."""
    return int(counts.get(label, counts.get(str(label), 0)))
