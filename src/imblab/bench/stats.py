"""Statistics across datasets: ranks, the Friedman test, post-hoc tests, win/tie/loss counts.

Every function takes ``scores``, a DataFrame with one row per dataset and one
column per strategy holding that dataset's point estimate of the metric (the
run's own estimate), and treats each dataset as one independent observation,
as Demšar (2006) and Benavoli et al. (2016) do. A dataset on which some
strategy has no estimate (it failed there, on every split or on some) is left
out of the ranks, Friedman's test and Nemenyi's, which need complete blocks;
the caller reports which were left out. Each pair's Wilcoxon test and counts
use every dataset where both strategies of the pair have an estimate, so one
strategy's failure does not take a dataset from the pairs it is not in.

The tests come from scipy (Friedman, Wilcoxon signed-rank, the studentized
range for the critical difference) and scikit-posthocs (Nemenyi); Holm's
adjustment is imblab's own, the one the single-dataset comparisons use.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from ..evaluation.statistics import holm

ALPHA = 0.05
#: Below this many datasets the Friedman test rarely detects even large differences.
FEW_DATASETS = 5
#: The fewest datasets on which the exact two-sided Wilcoxon test can reach p < 0.05 (2 / 2^6 = 0.031).
WILCOXON_FEWEST = 6

PAIRWISE_COLUMNS = ["strategy_a", "strategy_b", "n_datasets", "mean_rank_a", "mean_rank_b", "a_better",
                    "b_better", "equal", "median_difference", "wilcoxon_p", "wilcoxon_p_holm", "nemenyi_p",
                    "significant"]


def rank_scores(scores, *, higher_is_better=True):
    """Rank the strategies within each dataset: 1 is the best, ties share their average rank.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"a": [0.9, 0.5], "b": [0.8, 0.5], "c": [0.7, 0.6]}, index=["d1", "d2"])
    >>> rank_scores(scores)
          a    b    c
    d1  1.0  2.0  3.0
    d2  2.5  2.5  1.0
    """
    return scores.rank(axis=1, ascending=not higher_is_better, method="average")


def friedman(scores):
    """Friedman's test that every strategy has the same mean rank (scipy.stats.friedmanchisquare).

    Returns a dict: ``statistic`` (χ²), ``p_value``, ``n_datasets``,
    ``n_strategies`` and ``note``, a sentence on what the result can claim
    (``statistic`` and ``p_value`` are NaN when the test cannot run).

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"a": [3, 3, 3, 3], "b": [2, 2, 2, 2], "c": [1, 1, 1, 1]})
    >>> result = friedman(scores)
    >>> round(result["statistic"], 3), round(result["p_value"], 4)
    (8.0, 0.0183)
    """
    from scipy.stats import friedmanchisquare

    n, k = scores.shape
    result = {"statistic": np.nan, "p_value": np.nan, "n_datasets": int(n), "n_strategies": int(k)}
    if k < 3:
        result["note"] = (f"the Friedman test needs at least 3 strategies (there are {k}); "
                          "see the pairwise Wilcoxon test instead")
        return result
    if n < 2:
        result["note"] = f"the Friedman test needs at least 2 datasets with every strategy's estimate (there are {n})"
        return result
    if np.ptp(rank_scores(scores).to_numpy(), axis=1).max() == 0:  # every dataset ties every strategy
        result["note"] = "every strategy ties on every dataset: there is nothing to test"
        return result
    statistic, p_value = friedmanchisquare(*(scores[column].to_numpy() for column in scores))
    result.update(statistic=float(statistic), p_value=float(p_value))
    verdict = ("the mean ranks differ more than chance would explain" if p_value < ALPHA
               else "the mean ranks do not differ significantly")
    result["note"] = f"Friedman χ² = {statistic:.2f}, p = {p_value:.3g} over {n} datasets: {verdict}"
    if n < FEW_DATASETS:
        result["note"] += f"; with fewer than {FEW_DATASETS} datasets the test has little power"
    return result


def critical_difference(n_strategies, n_datasets, *, alpha=ALPHA):
    """Nemenyi's critical difference of mean ranks (Demšar 2006): q_α · √(k(k+1) / 6N).

    q_α is the studentized range's upper α quantile for k groups and infinite
    degrees of freedom, divided by √2 (Demšar's table: 2.569 for k = 4).

    Examples
    --------
    >>> round(critical_difference(4, 10), 3)   # 2.569 * sqrt(4 * 5 / 60)
    1.483
    """
    from scipy.stats import studentized_range

    k, n = int(n_strategies), int(n_datasets)
    if k < 2 or n < 1:
        return np.nan
    q_alpha = studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return float(q_alpha * np.sqrt(k * (k + 1) / (6 * n)))


def nemenyi(scores):
    """Nemenyi's post-hoc p-values for every pair (scikit_posthocs.posthoc_nemenyi_friedman);
    a strategies × strategies DataFrame, NaN when there are too few datasets or strategies."""
    import scikit_posthocs as sp

    names = list(scores.columns)
    n, k = scores.shape
    if n < 2 or k < 2 or np.ptp(rank_scores(scores).to_numpy(), axis=1).max() == 0:
        return pd.DataFrame(np.nan, index=names, columns=names)
    # scikit-posthocs ranks the rows itself; the p-values do not depend on which way is better
    matrix = sp.posthoc_nemenyi_friedman(scores.to_numpy(dtype=float))
    matrix.index, matrix.columns = names, names
    return matrix


def pairwise(scores, *, higher_is_better=True):
    """Every pair of strategies over the datasets: the Wilcoxon signed-rank test (scipy), Holm
    over all pairs, beside the Nemenyi p-value and the datasets each one is better on.

    A pair's test, counts and ``n_datasets`` are over the datasets where both
    have an estimate; its mean ranks and Nemenyi p-value are those of the
    datasets where every strategy has one.

    ``significant`` is the Wilcoxon test after Holm at α = 0.05. With very few
    datasets no pair can be significant: the exact test's smallest two-sided
    p-value is 2 / 2^N (0.0625 for N = 5).

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"a": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], "b": [0.1, 0.2, 0.3, 0.2, 0.1, 0.2]})
    >>> row = pairwise(scores).iloc[0]
    >>> row["a_better"], row["b_better"], round(row["wilcoxon_p"], 4)
    (np.int64(6), np.int64(0), np.float64(0.0312))
    """
    from scipy.stats import wilcoxon

    complete = scores.dropna(axis=0, how="any")
    ranks = rank_scores(complete, higher_is_better=higher_is_better)
    post_hoc = nemenyi(complete)
    sign = 1 if higher_is_better else -1
    rows = []
    for a, b in combinations(scores.columns, 2):
        both = scores[[a, b]].dropna(axis=0, how="any")
        difference = (both[a] - both[b]).to_numpy(dtype=float)
        if len(difference) == 0 or np.all(difference == 0):
            p_value = np.nan  # nothing to test: no datasets, or the two agree on every one
        else:
            p_value = float(wilcoxon(both[a], both[b]).pvalue)
        rows.append({"strategy_a": a, "strategy_b": b, "n_datasets": len(difference),
                     "mean_rank_a": ranks[a].mean(), "mean_rank_b": ranks[b].mean(),
                     "a_better": int((sign * difference > 0).sum()), "b_better": int((sign * difference < 0).sum()),
                     "equal": int((difference == 0).sum()),
                     "median_difference": float(np.median(difference)) if len(difference) else np.nan,
                     "wilcoxon_p": p_value, "nemenyi_p": post_hoc.loc[a, b]})
    table = pd.DataFrame(rows, columns=PAIRWISE_COLUMNS)
    table["wilcoxon_p_holm"] = holm(table["wilcoxon_p"].to_numpy(dtype=float)) if len(table) else []
    table["significant"] = table["wilcoxon_p_holm"] < ALPHA
    return table


def p_matrix(table, column, names):
    """A pairwise table's p-values as a symmetric strategies × strategies matrix (1 on the diagonal)."""
    matrix = pd.DataFrame(1.0, index=list(names), columns=list(names))
    for row in table.itertuples(index=False):
        value = getattr(row, column)
        matrix.loc[row.strategy_a, row.strategy_b] = matrix.loc[row.strategy_b, row.strategy_a] = value
    return matrix


def win_tie_loss(verdicts, baseline):
    """Count, for every strategy, the datasets where it is significantly better than ``baseline``,
    not separated from it, significantly worse, or without a verdict.

    ``verdicts`` has one row per dataset and one column per strategy, each cell
    ``"better"``, ``"worse"``, ``"not separated"`` or ``"n/a"`` against the
    baseline, by that dataset's own corrected test.

    Examples
    --------
    >>> import pandas as pd
    >>> verdicts = pd.DataFrame({"base": ["baseline"] * 3, "x": ["better", "not separated", "worse"]})
    >>> win_tie_loss(verdicts, "base").to_dict(orient="records")
    [{'strategy': 'x', 'baseline': 'base', 'wins': 1, 'not_separated': 1, 'losses': 1, 'no_verdict': 0}]
    """
    rows = []
    for name in verdicts.columns:
        if name == baseline:
            continue
        column = verdicts[name]
        rows.append({"strategy": name, "baseline": baseline, "wins": int((column == "better").sum()),
                     "not_separated": int((column == "not separated").sum()),
                     "losses": int((column == "worse").sum()),
                     "no_verdict": int((~column.isin(["better", "worse", "not separated"])).sum())})
    return pd.DataFrame(rows, columns=["strategy", "baseline", "wins", "not_separated", "losses", "no_verdict"])


def summarise(scores, *, higher_is_better=True):
    """Everything across datasets: ``(ranks, mean_ranks table, friedman dict, pairwise table, critical
    difference)``, from the complete rows of ``scores`` but for the pairs' own tests (see :func:`pairwise`)."""
    complete = scores.dropna(axis=0, how="any")
    ranks = rank_scores(complete, higher_is_better=higher_is_better)
    mean_ranks = pd.DataFrame({
        "strategy": list(complete.columns),
        "mean_rank": ranks.mean().to_numpy() if len(ranks) else np.nan,
        "mean_metric": complete.mean().to_numpy() if len(complete) else np.nan,
        "median_metric": complete.median().to_numpy() if len(complete) else np.nan,
        "n_datasets": len(complete),
    }).sort_values("mean_rank", kind="mergesort").reset_index(drop=True)
    return (ranks, mean_ranks, friedman(complete), pairwise(scores, higher_is_better=higher_is_better),
            critical_difference(complete.shape[1], len(complete)))
