"""BenchResults: every dataset's outcome and the statistics across them, and the files they make."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ..evaluation.metrics import REGISTRY
from ..evaluation.statistics import partly_failed
from . import folder as bench_folder
from .stats import summarise, win_tie_loss
from .verdicts import NO_VERDICT, verdicts_against


class BenchResults:
    """The outcome of :func:`imblab.compare_datasets`.

    Attributes
    ----------
    outcomes : list of DatasetOutcome
        One per dataset, in the bench's order, failed ones included.
    scores : DataFrame
        Datasets × strategies: each run's own point estimate of the metric.
    ranks : DataFrame
        Datasets × strategies: rank within the dataset (1 = best, ties averaged),
        for the datasets where every strategy has an estimate.
    mean_ranks : DataFrame
        One row per strategy, best mean rank first, with its win / not
        separated / loss counts against the baseline.
    friedman : dict
        The Friedman test (see :func:`imblab.bench.stats.friedman`).
    pairwise : DataFrame
        Every pair: Wilcoxon signed-rank (Holm over all pairs) and Nemenyi p-values.
    critical_difference : float
        Nemenyi's critical difference of mean ranks at α = 0.05.
    wtl : DataFrame
        Wins, not separated, losses against the baseline, by each dataset's own test.
    """

    def __init__(self, outcomes, *, config, folder, wall_seconds=float("nan")):
        self.outcomes = list(outcomes)
        self.config = config
        self.folder = folder
        self.wall_seconds = wall_seconds
        with_results = [o for o in self.outcomes if o.results is not None and o.status != "failed"]
        strategies = config["strategies"]
        metric = self.metric
        rows = {}
        verdicts = {}
        for outcome in with_results:
            summary = outcome.results.summary.set_index("strategy")
            partly = partly_failed(outcome.results.fits)  # its easy splits' score: no estimate, as a failure
            rows[outcome.name] = [np.nan if name in partly else summary[metric].get(name, np.nan)
                                  for name in strategies]
            found = verdicts_against(outcome.results, self.baseline, metric)
            verdicts[outcome.name] = [found.get(name, NO_VERDICT) for name in strategies]
        self.scores = pd.DataFrame.from_dict(rows, orient="index", columns=strategies).astype(float)
        self.verdicts = pd.DataFrame.from_dict(verdicts, orient="index", columns=strategies)
        self.scores.index.name = self.verdicts.index.name = "dataset"
        self._summarise()

    def _summarise(self):
        """The cross-dataset statistics of ``scores`` and ``verdicts``."""
        self.ranks, mean_ranks, self.friedman, self.pairwise, self.critical_difference = summarise(
            self.scores, higher_is_better=self.higher_is_better)
        self.wtl = win_tie_loss(self.verdicts, self.baseline)
        self.mean_ranks = mean_ranks.merge(self.wtl.drop(columns="baseline"), on="strategy", how="left")

    @property
    def metric(self):
        return self.config["metric"]

    @property
    def baseline(self):
        return self.config["baseline"]

    @property
    def strategies(self):
        return list(self.config["strategies"])

    @property
    def higher_is_better(self):
        return REGISTRY[self.metric].higher_is_better

    @property
    def excluded(self):
        """Datasets with results on which some strategy has no estimate: left out of the ranks."""
        return [name for name in self.scores.index if name not in self.ranks.index]

    @property
    def failed(self):
        """``{dataset: reason}`` for every dataset without results."""
        return {o.name: o.error for o in self.outcomes if o.status == "failed"}

    @property
    def fit_seconds(self):
        return float(sum(o.fit_seconds for o in self.outcomes if not o.reused))

    @cached_property
    def long_ranks(self):
        """``ranks.csv``: one row per dataset and strategy: the metric, the rank, the verdict against
        the baseline."""
        rows = []
        for dataset in self.scores.index:
            for name in self.strategies:
                rank = self.ranks.loc[dataset, name] if dataset in self.ranks.index else np.nan
                rows.append({"dataset": dataset, "strategy": name, self.metric: self.scores.loc[dataset, name],
                             "rank": rank, "vs_baseline": self.verdicts.loc[dataset, name]})
        return pd.DataFrame(rows, columns=["dataset", "strategy", self.metric, "rank", "vs_baseline"])

    def datasets_table(self):
        """``datasets.csv``: each dataset's source, size, status and time."""
        return pd.DataFrame([o.describe() for o in self.outcomes])

    def save(self, *, report=True):
        """Write the cross-dataset tables, ``summary.md``, ``report.html`` and mark the bench complete."""
        from ..writing import atomic_write, atomic_write_text
        from .report import render_html, render_markdown

        folder = self.folder
        for name, frame in [("ranks.csv", self.long_ranks), ("mean_ranks.csv", self.mean_ranks),
                            ("pairwise.csv", self.pairwise), ("wtl.csv", self.wtl),
                            ("datasets.csv", self.datasets_table())]:
            atomic_write(folder / name, lambda path, frame=frame: frame.to_csv(path, index=False))
        atomic_write_text(folder / "summary.md", render_markdown(self))
        if report:
            atomic_write_text(folder / "report.html", render_html(self))
        bench_folder.write_marker(folder, {
            "status": "complete", "friedman": _finite(self.friedman),
            "critical_difference": _finite(self.critical_difference), "excluded": self.excluded,
            "failed": self.failed, "wall_seconds": round(self.wall_seconds, 3),
            "fit_seconds": round(self.fit_seconds, 3),
            "datasets": [o.name for o in self.outcomes]})
        return folder


def _finite(value):
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
