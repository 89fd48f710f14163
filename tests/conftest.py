import numpy as np
import pandas as pd
import pytest

import imblab


@pytest.fixture(scope="session")
def practical():
    """The course practical, run once for the whole session (about 2 s)."""
    return imblab.compare()


@pytest.fixture
def table(tmp_path):
    """Write a DataFrame to a CSV in a temporary folder and return its path."""

    def write(frame, name="data.csv"):
        path = tmp_path / name
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        return path

    return write


@pytest.fixture
def mixed_frame():
    """400 rows, 10% positive, with a categorical column and missing values."""
    rng = np.random.RandomState(0)
    n = 400
    y = np.zeros(n, dtype=int)
    y[:40] = 1
    frame = pd.DataFrame({
        "age": rng.normal(40, 10, n) + 8 * y,
        "income": rng.normal(50, 15, n) - 10 * y,
        "city": rng.choice(["north", "south", "east"], n),
        "score": rng.normal(0, 1, n) + 1.5 * y,
        "churn": np.where(y == 1, "yes", "no"),
    })
    frame.loc[rng.choice(n, 30, replace=False), "age"] = np.nan
    frame.loc[rng.choice(n, 20, replace=False), "city"] = np.nan
    return frame
