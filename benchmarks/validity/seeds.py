"""What ``--seeds K`` changes for the network, on a small case.

The practical's class-weighted network (16 hidden units, 5 epochs) on n = 1,000
rows (about 50 of the minority), 5 × 2 CV. Its result depends on its seed
(initial weights, shuffling), which a run with one seed per fit leaves out of
its estimate and its test. Measured here, with K = 1 and K = 3 seeds per fit:

1. *seed noise*: on one sample with one set of splits, the CV estimate of F1
   recomputed with ``reps`` different seeds — its standard deviation is the
   part of the estimate that is the seed's, not the data's;
2. *the interval*: the mean width of the 95% interval of F1, over the same runs;
3. *a seed null*: two copies of the network that differ only in their seeds are
   compared by imblab's CV test; every rejection is an error (the size). Measured
   with one seed set reused on every split (what imblab did before) and with each
   split's own seeds (:func:`imblab.evaluation.runner.seed_states`, what it does now).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from common import FOLDS, cv_predictions, draw, line, population, rate
from imblab.evaluation.runner import seed_states
from imblab.evaluation.statistics import CVEvidence
from imblab.strategies.neural import KerasMLPClassifier

N = 1000
METRIC = "f1_1"


def network(seed):
    return KerasMLPClassifier(class_weight="balanced", random_state=int(seed))


def seeded_predictions(X, y, *, split_seed, fit_seeds, name="ann", per_split=True):
    """Out-of-fold predictions of the network fitted K = ``len(fit_seeds)`` times per split (a ``seed``
    column numbering them when K > 1), on the same 5 × 2 splits.

    ``per_split``: each split gets its own K seeds, derived from ``fit_seeds[i]`` and the split as imblab
    derives them; otherwise the K seeds are the same on every split.
    """
    parts, fits = [], None
    for k, fit_seed in enumerate(fit_seeds):
        if per_split:
            def factory(_, split_id, s=fit_seed):
                return network(seed_states(s, 1, split_id)[0])
        else:
            def factory(_, split_id, s=fit_seed):
                return network(s)
        predictions, fits = cv_predictions(X, y, {name: factory}, seed=split_seed, pass_split=True)
        parts.append(predictions.assign(seed=k) if len(fit_seeds) > 1 else predictions)
    return pd.concat(parts, ignore_index=True), fits


def seed_noise(reps, *, data=None, rng_seed=11):
    """``{K: (estimates, widths)}`` on one fixed sample and split, over ``reps`` seed sets."""
    pool_X, pool_y, _, _ = population() if data is None else data
    X, y = draw(pool_X, pool_y, N, np.random.RandomState(rng_seed))
    found = {}
    for k in (1, 3):
        estimates, widths = [], []
        for rep in range(reps):
            predictions, fits = seeded_predictions(X, y, split_seed=0,
                                                   fit_seeds=[1000 * rep + j for j in range(k)])
            evidence = CVEvidence(predictions, ["ann"], {"folds": FOLDS}, fits, metrics=[METRIC])
            row = evidence.interval_columns("ann")
            estimates.append(row[f"{METRIC}_mean"])
            widths.append(row[f"{METRIC}_ci_high"] - row[f"{METRIC}_ci_low"])
        found[k] = (np.array(estimates), np.array(widths))
    return found


def seed_null(reps, *, data=None, rng_seed=12, per_split=True, ks=(1, 3)):
    """``{K: [rejected, …]}``: imblab's CV test between two copies of the network with different seeds."""
    pool_X, pool_y, _, _ = population() if data is None else data
    rng = np.random.RandomState(rng_seed)
    rejected = {k: [] for k in ks}
    for rep in range(reps):
        X, y = draw(pool_X, pool_y, N, rng)
        for k in ks:
            a, fits = seeded_predictions(X, y, split_seed=rep, fit_seeds=[2000 * rep + j for j in range(k)],
                                         name="a", per_split=per_split)
            b, _ = seeded_predictions(X, y, split_seed=rep, fit_seeds=[2000 * rep + 500 + j for j in range(k)],
                                      name="b", per_split=per_split)
            evidence = CVEvidence(pd.concat([a, b], ignore_index=True), ["a", "b"], {"folds": FOLDS}, fits,
                                  metrics=[METRIC])
            rejected[k].append(bool(evidence.pvalue("a", "b", METRIC) < 0.05))
    return rejected


def report(reps_noise, reps_null, *, data=None):
    data = population() if data is None else data
    noise = seed_noise(reps_noise, data=data)
    yield (f"Seeds: the class-weighted network, n = {N}, CV 5×2, F1; seed noise on one sample over "
           f"{reps_noise} seed sets, seed null over {reps_null} samples")
    for k, (estimates, widths) in noise.items():
        yield (f"      --seeds {k}: estimate {estimates.mean():.3f}, its s.d. from the seed alone "
               f"{estimates.std(ddof=1):.4f}; 95% interval width {widths.mean():.3f}")
    for per_split, label in ((False, "one seed set on every split (before)"), (True, "each split its own (now)")):
        for k, hits in seed_null(reps_null, data=data, per_split=per_split, ks=(1, 3) if per_split else (1,)).items():
            value, se = rate(hits)
            yield line(f"{METRIC} seed null, --seeds {k}, {label}", value, se, "≤ 5%", value <= 0.05)


if __name__ == "__main__":
    import sys

    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for text in report(reps, reps):
        print(text, flush=True)
