"""Metrics of many bootstrap resamples of one test set at once.

A resample is a row of counts: how often each test row was drawn. Every metric
is then a weighted metric, the same that scikit-learn computes when given those
counts as ``sample_weight`` (the tests check this against scikit-learn), but
for all resamples in a few array operations instead of thousands of calls.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-15  # log loss clips probabilities as imblab's point estimate does


MAX_CELLS = 10_000_000  # resamples × rows held at once: 80 MB of counts


def stratified_counts(y_true, n_boot, random_state):
    """``(n_boot, n)`` counts of stratified bootstrap resamples of the rows of ``y_true``.

    Each resample draws, with replacement, as many rows of each class as the
    test set has, so every resample has the test set's class counts.
    """
    return np.concatenate(list(stratified_count_chunks(y_true, n_boot, random_state)))


def stratified_count_chunks(y_true, n_boot, random_state, max_cells=MAX_CELLS):
    """The resamples of :func:`stratified_counts` in chunks of at most ``max_cells`` counts (see
    :class:`ResampleChunks`), in order."""
    chunks = ResampleChunks(y_true, n_boot, random_state, max_cells)
    return (chunks[i] for i in range(len(chunks)))


class ResampleChunks:
    """Stratified bootstrap resamples of the rows of ``y_true``, in chunks of at most ``max_cells``
    counts, so that a large test set does not need ``n_boot × n`` counts in memory at once.

    Chunk ``i`` is drawn from its own random stream (child ``i`` of the seed's
    ``SeedSequence``), so chunks can be drawn in any order, in threads side by
    side, and are the same every time: they depend only on the seed, ``n`` and
    ``max_cells``.

    A chunk is ``(resamples, n)`` float64 counts laid out row by row of the test
    set (the transpose of a C-ordered ``(n, resamples)`` array): every product
    the metrics take (with the score vectors, the confusion cells, the ranking's
    sparse sums) then reads it as it lies, where the resample-by-resample layout
    was copied once per strategy and product (2.5× slower on 200,000 test rows).
    """

    def __init__(self, y_true, n_boot, random_state, max_cells=MAX_CELLS):
        y_true = np.asarray(y_true)
        self.n = len(y_true)
        per_chunk = max(1, min(n_boot, max_cells // max(self.n, 1)))
        self.sizes = [min(per_chunk, n_boot - start) for start in range(0, n_boot, per_chunk)]
        self.seeds = np.random.SeedSequence(random_state).spawn(len(self.sizes))
        self.classes = [rows for rows in (np.flatnonzero(y_true == 0), np.flatnonzero(y_true == 1)) if len(rows)]

    def __len__(self):
        return len(self.sizes)

    def __getitem__(self, i):
        rng, size = np.random.default_rng(self.seeds[i]), self.sizes[i]
        by_row = np.empty((self.n, size))
        for rows in self.classes:
            # resample b draws len(rows) of the class's rows; counted within the class, block by block
            drawn = rng.integers(0, len(rows), size=(size, len(rows)))
            drawn += (np.arange(size) * len(rows))[:, None]  # in place: each resample its own block
            counts = np.bincount(drawn.ravel(), minlength=size * len(rows)).reshape(size, len(rows))
            by_row[rows] = counts.T
        return by_row.T


def _ratio(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    out = np.zeros_like(numerator, dtype=float)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


class Resamples:
    """Weighted confusion counts and ranking metrics of many resamples, each computed once.

    ``weights`` is ``(n_resamples, n)``; the vectorised metric forms below read
    the counts they need from it.
    """

    def __init__(self, weights, y_true, y_score, y_pred, plan=None):
        self.W = np.atleast_2d(weights)
        self.t = np.asarray(y_true).astype(bool)
        self.p = np.asarray(y_pred).astype(bool)
        self.s = np.asarray(y_score, dtype=float)
        self.plan = plan  # a RankingPlan of (y_true, y_score), when the caller reuses one
        W, t, p, s = self.W, self.t, self.p, self.s
        clipped = np.clip(s, EPS, 1 - EPS)
        columns = np.column_stack([t & p, ~t & p, t & ~p, ~t & ~p, (s - t) ** 2,
                                   -(t * np.log(clipped) + (~t) * np.log(1 - clipped))])
        # every weighted sum in one pass over the weights, taken as they lie in memory (see ResampleChunks)
        sums = columns.T @ W.T
        self.tp, self.fp, self.fn, self.tn, self.squared_error, self.log_loss_sum = sums
        self.total = self.tp + self.fp + self.fn + self.tn
        self._ranking = None

    @property
    def ranking(self):
        if self._ranking is None:
            self._ranking = _ranking_metrics(self.W, self.plan or RankingPlan(self.t, self.s))
        return self._ranking


def precision_1(r):
    return _ratio(r.tp, r.tp + r.fp)


def recall_1(r):
    return _ratio(r.tp, r.tp + r.fn)


def f1_1(r):
    return _ratio(2 * r.tp, 2 * r.tp + r.fp + r.fn)


def precision_0(r):
    return _ratio(r.tn, r.tn + r.fn)


def recall_0(r):
    return _ratio(r.tn, r.tn + r.fp)


def f1_0(r):
    return _ratio(2 * r.tn, 2 * r.tn + r.fn + r.fp)


def accuracy(r):
    return _ratio(r.tp + r.tn, r.total)


def balanced_accuracy(r):
    return (recall_1(r) + recall_0(r)) / 2


def geometric_mean(r):
    return np.sqrt(recall_1(r) * recall_0(r))


def mcc(r):
    denominator = np.sqrt((r.tp + r.fp) * (r.tp + r.fn) * (r.tn + r.fp) * (r.tn + r.fn))
    return _ratio(r.tp * r.tn - r.fp * r.fn, denominator)


def roc_auc(r):
    return r.ranking[0]


def average_precision(r):
    return r.ranking[1]


def brier(r):
    return _ratio(r.squared_error, r.total)


def log_loss(r):
    return _ratio(r.log_loss_sum, r.total)


def weighted_metrics(weights, y_true, y_score, y_pred, names=None, plan=None):
    """Each registered metric (or those in ``names``) for each row of ``weights``; a dict of arrays.

    A metric with a vectorised form is computed for all rows at once; any other
    calls its scikit-learn function once per row with the row as ``sample_weight``.
    ``plan`` is ``RankingPlan(y_true, y_score)``, when the caller keeps one for
    many calls with the same predictions (chunks of resamples).
    """
    from .metrics import REGISTRY  # the registry refers to the forms above

    resamples = Resamples(weights, y_true, y_score, y_pred, plan)
    out = {}
    for name in names or REGISTRY:
        metric = REGISTRY[name]
        if metric.vectorised is not None:
            out[name] = np.asarray(metric.vectorised(resamples), dtype=float)
        else:
            out[name] = np.array([metric.score(y_true, y_score, y_pred, sample_weight=w) for w in resamples.W],
                                 dtype=float)
    return out


class RankingPlan:
    """What the ranking metrics need from the predictions alone, worked out once for any weights.

    Both metrics need, for each positive row, the weight of negatives scored
    below (or tied with) it — only at the positives' places among the sorted
    negatives. The negatives' weights are summed between consecutive such places
    (one sparse product, no copy of the weights) and accumulated over those
    segments, so a large test set costs one pass over its weights. The sorting
    and the places depend on the scores only, so chunks of resamples share them.
    """

    def __init__(self, y_true, y_score):
        from scipy.sparse import csr_matrix

        t, s = np.asarray(y_true).astype(bool), np.asarray(y_score, dtype=float)
        pos, neg = np.flatnonzero(t), np.flatnonzero(~t)
        pos, neg = pos[np.argsort(s[pos], kind="mergesort")], neg[np.argsort(s[neg], kind="mergesort")]
        pos_scores, neg_scores = s[pos], s[neg]
        values, self.starts = np.unique(pos_scores, return_index=True)
        left = np.searchsorted(neg_scores, pos_scores, "left")
        right = np.searchsorted(neg_scores, pos_scores, "right")
        at_values = np.searchsorted(neg_scores, values, "left")
        # neg_cum[:, j]: weight of the j lowest-scored negatives, at the places j asked for
        self.places = np.unique(np.concatenate([[0, len(neg)], left, right, at_values]))
        segment = np.searchsorted(self.places, np.arange(len(neg)), "right") - 1  # of each sorted negative
        self.between = csr_matrix((np.ones(len(neg)), (neg, segment)), shape=(len(t), len(self.places) - 1))
        self.pos, self.n_neg = pos, len(neg)
        self.left, self.right, self.at_values = (np.searchsorted(self.places, j) for j in (left, right, at_values))


def _ranking_metrics(W, plan):
    """Weighted ROC-AUC and average precision for each row of weights (see :class:`RankingPlan`)."""
    Wp = W[:, plan.pos]
    neg_cum = np.zeros((len(W), len(plan.places)), dtype=np.float64)
    if plan.n_neg:
        np.cumsum(np.asarray(W @ plan.between, dtype=np.float64), axis=1, out=neg_cum[:, 1:])

    P, N = Wp.sum(axis=1, dtype=np.float64), neg_cum[:, -1]

    # ROC-AUC (Mann-Whitney): a positive beats the negatives below it, ties count half.
    below = neg_cum[:, plan.left]
    tied = neg_cum[:, plan.right] - below
    roc_auc = _ratio((Wp * (below + 0.5 * tied)).sum(axis=1), P * N)

    # Average precision: Σ over distinct positive scores v of (recall gained at v) · precision(score ≥ v).
    gained = np.add.reduceat(Wp, plan.starts, axis=1) if len(plan.starts) else np.zeros((len(W), 0))
    tp_at_or_above = P[:, None] - (np.cumsum(gained, axis=1) - gained)
    fp_at_or_above = N[:, None] - neg_cum[:, plan.at_values]
    precision = _ratio(tp_at_or_above, tp_at_or_above + fp_at_or_above)
    average_precision = _ratio((gained * precision).sum(axis=1), P)
    return roc_auc, average_precision
