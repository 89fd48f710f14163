"""Time the network's training loop on each Keras backend beside Keras' own ``fit``.

Usage: python benchmarks/backends.py [--repeats 5] [--backends jax,tensorflow,torch]

Each backend runs in a fresh process with ``KERAS_BACKEND`` set, using that
backend's environment when it exists (``.venv-tensorflow``, ``.venv-torch``,
made by ``make test-backends``) and this interpreter otherwise. In it the
practical's network is trained on the practical's 15,152 SMOTE-resampled
training rows for 5 epochs: once untimed (imports, tracing, compilation), then
``--repeats`` times, warm, by imblab's loop and by Keras' ``model.fit`` (batch
32, ``shuffle=True``, as the practical calls it). Times are medians in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("jax", "tensorflow", "torch")


def measure(repeats, n_rows=None):
    """Warm seconds of imblab's loop and of Keras' ``fit`` in this process's backend."""
    import numpy as np
    from imblearn.over_sampling import SMOTE

    from imblab import Holdout, KerasMLPClassifier, make_synthetic
    from imblab._backend import keras

    ds = make_synthetic()
    split = next(Holdout().splits(ds.y))
    X, y = SMOTE(random_state=42).fit_resample(ds.X.to_numpy()[split.train], ds.y[split.train])
    X, y = X[:n_rows].astype(np.float32), y[:n_rows]

    def ours():
        return KerasMLPClassifier(random_state=42).fit(X, y)

    def keras_fit():
        clf = KerasMLPClassifier(random_state=42)
        model = clf._build(X.shape[1], np.random.RandomState(42))
        model.compile(optimizer=keras().optimizers.Adam(learning_rate=0.001), loss="binary_crossentropy")
        model.fit(X, y.astype(np.float32), batch_size=32, epochs=5, shuffle=True, verbose=0)

    timings = {}
    for name, func in (("loop", ours), ("keras_fit", keras_fit)):
        func()  # warm
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            func()
            times.append(time.perf_counter() - start)
        timings[name] = statistics.median(times)
    return {"backend": keras().backend.backend(), "rows": len(y), **timings}


def python_for(backend):
    venv = ROOT / f".venv-{backend}" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--rows", type=int, default=None, help="train on the first ROWS rows only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.repeats, args.rows)))
        return 0

    print(f"{'backend':<11} {'rows':>6} {'imblab loop (s)':>16} {'Keras fit (s)':>14} {'speed-up':>9}")
    for backend in args.backends.split(","):
        env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT / "src")}
        command = [python_for(backend), __file__, "--child", "--repeats", str(args.repeats)]
        if args.rows:
            command += ["--rows", str(args.rows)]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{backend:<11} not measured: {last}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{row['backend']:<11} {row['rows']:>6} {row['loop']:>16.3f} {row['keras_fit']:>14.3f} "
              f"{row['keras_fit'] / row['loop']:>8.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
