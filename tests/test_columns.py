import json

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from imblab import ImblabError, dataset_from_frame, load_table
from imblab.cli import main
from imblab.data.columns import assign_roles, guess_role
from imblab.report.columns import column_rows, columns_table


def churn_frame(n=3000, seed=0):
    """A churn-like table: an ID and a signup date next to real features."""
    rng = np.random.RandomState(seed)
    tenure = rng.randint(0, 72, n)
    charges = rng.normal(70, 20, n).round(2)
    plan = rng.choice(["monthly", "yearly", "two-year"], n, p=[0.5, 0.3, 0.2])
    logit = -1.0 - 0.04 * tenure + 0.02 * (charges - 70) + 1.2 * (plan == "monthly")
    churn = rng.rand(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "customer_id": [f"C-{100000 + i}" for i in rng.permutation(n)],
        "signup_date": pd.date_range("2019-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "tenure": tenure,
        "monthly_charges": charges,
        "plan": plan,
        "churn": np.where(churn, "Yes", "No"),
    })


@pytest.fixture(scope="module")
def churn_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("churn") / "churn.csv"
    churn_frame().to_csv(path, index=False)
    return path


def test_churn_id_and_date_are_reported_and_left_out(churn_csv):
    ds = load_table(churn_csv, "churn")
    assert list(ds.X.columns) == ["tenure", "monthly_charges", "plan"]
    roles = {r["column"]: r for r in ds.column_roles}
    assert roles["customer_id"]["role"] == "identifier" and not roles["customer_id"]["used"]
    assert roles["signup_date"]["role"] == "date" and not roles["signup_date"]["used"]
    assert [roles[c]["role"] for c in ("tenure", "monthly_charges", "plan")] == ["numeric", "numeric", "categorical"]
    assert roles["customer_id"]["distinct"] == 3000
    assert len(ds.notes) == 1
    assert "identifier 'customer_id'" in ds.notes[0] and "date 'signup_date'" in ds.notes[0]
    assert ds.describe()["column_roles"] == [dict(r) for r in ds.column_roles]
    assert ds.describe()["features"] == 3


def test_keep_drop_and_expanded_dates(churn_csv):
    ds = load_table(churn_csv, "churn", keep=["customer_id"], drop=["plan"], date_features="expand")
    assert list(ds.X.columns) == ["customer_id", "signup_date_year", "signup_date_month", "signup_date_day",
                                  "signup_date_weekday", "tenure", "monthly_charges"]
    # 2019-01-01 was a Tuesday (weekday 1); row 59 is 2019-03-01, a Friday
    assert ds.X.loc[0, ["signup_date_year", "signup_date_month", "signup_date_day", "signup_date_weekday"]].tolist() \
        == [2019, 1, 1, 1]
    assert ds.X.loc[59, ["signup_date_month", "signup_date_day", "signup_date_weekday"]].tolist() == [3, 1, 4]
    roles = {r["column"]: r for r in ds.column_roles}
    assert roles["customer_id"]["used"] and roles["customer_id"]["why"].startswith("kept on request")
    assert not roles["plan"]["used"] and roles["plan"]["why"] == "dropped on request"
    assert ds.notes == ()  # nothing was left out that the user did not ask for


def test_keeping_a_date_expands_it(churn_csv):
    ds = load_table(churn_csv, "churn", keep=["signup_date"])
    assert list(ds.X.columns)[:4] == ["signup_date_year", "signup_date_month", "signup_date_day",
                                      "signup_date_weekday"]
    assert ds.notes == ("left out of the features: identifier 'customer_id' (use one anyway with keep=[...])",)


def test_expanded_dates_keep_hours_only_when_they_vary():
    times = pd.Series(pd.to_datetime(["2024-05-01 08:30", "2024-05-02 17:00", None] * 10))
    X = pd.DataFrame({"at": times, "x": np.arange(30) % 4})
    features, roles, _ = assign_roles(X, date_features="expand")
    assert list(features.columns) == ["at_year", "at_month", "at_day", "at_weekday", "at_hour", "x"]
    assert features["at_hour"][:2].tolist() == [8.0, 17.0] and np.isnan(features["at_hour"][2])
    assert features.loc[1, ["at_year", "at_month", "at_day", "at_weekday"]].tolist() == [2024, 5, 2, 3]
    same_day, _, _ = assign_roles(pd.DataFrame({"at": pd.to_datetime(["2024-05-01", "2024-06-01"] * 15)}),
                                  date_features="expand")
    assert "at_hour" not in same_day.columns
    assert roles[0]["missing"] == 10


@pytest.mark.parametrize("values, name, role", [
    (list(range(100)), "row", "identifier"),                          # increasing integer key
    (list(np.random.RandomState(0).permutation(100) + 1), "n", "identifier"),  # a shuffled 1..100
    (list(np.random.RandomState(0).choice(10**6, 100, replace=False)), "account_id", "identifier"),
    (list(np.random.RandomState(0).choice(10**6, 100, replace=False)), "income", "numeric"),
    (list(np.random.RandomState(0).normal(size=100)), "score", "numeric"),
    ([i % 7 for i in range(100)], "tenure", "numeric"),
    ([f"{i:08x}-ab" for i in range(100)], "ref", "identifier"),
    ([f"comment number {i} about it" for i in range(100)], "remarks", "text"),
    ([f"town{i % 60}" for i in range(100)], "town", "categorical"),
    ([f"town{i % 300}" for i in range(1000)], "town", "text"),       # 300 levels: high-cardinality
    (["a"] * 99 + [None], "source", "constant"),
    ([None] * 100, "empty", "constant"),
    ([f"2024-01-{1 + i % 28:02d}" for i in range(100)], "when", "date"),
    ([f"{1 + i % 28:02d}/03/2023" for i in range(100)], "when", "date"),
    ([True, False] * 50, "flag", "numeric"),
    ([f"v{i}" for i in range(10)], "short", "categorical"),           # too few rows to call it an ID
    ([f"${i * 1234.5:,.2f}" for i in range(100)], "amount", "numeric"),  # $1,234.50: written numbers
    ([f"{i / 3:.1f}%" for i in range(100)], "rate", "numeric"),
    ([f"{v:,}" for v in np.random.RandomState(1).randint(1000, 10**6, 100)], "visits", "numeric"),  # 1,001
    ([f"{1000 + i:,}" for i in range(100)], "n", "identifier"),       # 1,000 … 1,099 counts rows all the same
    (["(1,234.00)", "$5.00", "-", "$12.50"] * 25, "balance", "numeric"),  # accountants' negatives, a dash
    ([f"0,{i:03d}" for i in range(100)], "share", "identifier"),       # 0,125 is no thousands group
    ([f"${i:,}.00" for i in range(1000, 1099)] + ["about 5"], "amount", "text"),  # one cell is no number
    ([f"{i}.{i % 10}" if i % 2 else f"{i},{i % 10}" for i in range(100)], "mixed", "identifier"),  # no one reading
])
def test_guess_role(values, name, role):
    series = pd.Series(values, dtype=object if any(isinstance(v, str) or v is None for v in values) else None)
    assert guess_role(series, name)[0] == role


def test_columns_table_renders_roles(churn_csv, tmp_path):
    from imblab import compare
    from imblab.evaluation import RepeatedKFold

    results = compare(load_table(churn_csv, "churn"), "naive", RepeatedKFold(2, 1))
    console = Console(width=100, record=True)
    console.print(columns_table(results))
    text = console.export_text()
    assert "Columns: 5 besides the target 'churn' → 3 features" in text
    assert [line.split()[:2] for line in text.splitlines() if line.strip().startswith(("customer_id", "plan"))] \
        == [["customer_id", "identifier"], ["plan", "categorical"]]
    assert "left out: 100% distinct, such as C-" in text and "left out: dates such as 2019-01-01" in text


def test_columns_table_folds_plain_features_past_twelve_columns():
    roles = [{"column": "id", "role": "identifier", "used": False, "features": [], "distinct": 500,
              "missing": 0, "why": "unique integers in sequence"}]
    roles += [{"column": f"x{i}", "role": "numeric", "used": True, "features": [f"x{i}"], "distinct": 40,
               "missing": 0, "why": ""} for i in range(29)]
    rows = column_rows(roles)
    assert len(rows) == 12
    assert rows[0]["column"] == "id"
    assert rows[-1] == {"column": None, "role": "19 numeric", "distinct": None, "missing": None, "used": True,
                        "use": "19 more columns", "plain": True}
    assert len(column_rows(roles, max_rows=None)) == 30


def test_synthetic_data_has_no_columns_table(practical):
    console = Console(width=100, record=True)
    console.print(columns_table(practical))
    assert console.export_text() == ""


def test_cli_reports_and_excludes_id_and_date(churn_csv, tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["run", "--data", str(churn_csv), "--target", "churn", "--strategies", "naive,lr",
                   "--folds", "2", "--repeats", "1", "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 0
    warnings = [line for line in captured.err.splitlines() if line.startswith("imblab: warning:")]
    assert warnings == ["imblab: warning: left out of the features: identifier 'customer_id'; date 'signup_date' "
                        "(use one anyway with --keep; use dates' calendar parts with --date-features expand)"]
    assert "customer_id" in captured.out and "Columns: 5 besides the target" in captured.out
    saved = json.loads((out / "results.json").read_text())["dataset"]
    assert saved["columns"] == ["tenure", "monthly_charges", "plan"]
    assert {r["column"]: r["role"] for r in saved["column_roles"]}["signup_date"] == "date"
    html = (out / "report.html").read_text()
    assert '<table id="column-roles">' in html
    assert '<tr class="muted"><td>customer_id</td><td>identifier</td>' in html


def test_cli_keep_drop_and_date_flags(churn_csv, tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["run", "--data", str(churn_csv), "--target", "churn", "--strategies", "naive", "--folds", "2",
                   "--repeats", "1", "--out", str(out), "--no-report", "--drop", "plan", "--keep", "customer_id",
                   "--date-features", "expand"])
    assert status == 0
    assert "warning" not in capsys.readouterr().err
    saved = json.loads((out / "results.json").read_text())["dataset"]
    assert saved["columns"][:2] == ["customer_id", "signup_date_year"] and "plan" not in saved["columns"]


@pytest.mark.parametrize("flags, message", [
    (["--drop", "nosuch"], "imblab: error: --drop names column 'nosuch', which is not a feature column"),
    (["--keep", "churn"], "imblab: error: --keep names column 'churn', which is not a feature column"),
    (["--drop", "tenure", "monthly_charges", "plan"],
     "imblab: error: no feature columns left: 'customer_id' (identifier), 'signup_date' (date), 'tenure' (numeric)"),
])
def test_cli_column_errors_name_flags(churn_csv, tmp_path, capsys, flags, message):
    status = main(["run", "--data", str(churn_csv), "--target", "churn", "--out", str(tmp_path / "run"), *flags])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


def test_file_options_need_data(capsys):
    assert main(["run", "--drop", "a", "--strict"]) == 2
    assert "--drop, --strict describe a file: pass --data FILE as well" in capsys.readouterr().err


def test_library_errors_name_parameters():
    frame = churn_frame(100)
    with pytest.raises(ImblabError, match=r"^keep= names column 'x'"):
        dataset_from_frame(frame, "churn", keep=["x"])
    with pytest.raises(ImblabError, match=r"name the ones to use with keep=\[...\] \(or date_features='expand'\)"):
        dataset_from_frame(frame, "churn", drop=["tenure", "monthly_charges", "plan"])


def test_a_kept_constant_date_is_expanded_too():
    frame = pd.DataFrame({"day": pd.to_datetime(["2024-02-29"] * 30), "x": np.arange(30) % 3,
                          "y": [0, 1] * 15})
    ds = dataset_from_frame(frame, "y", keep=["day"])
    assert list(ds.X.columns) == ["day_year", "day_month", "day_day", "day_weekday", "x"]
    assert ds.X.loc[0, "day_weekday"] == 3  # a Thursday


def test_numbers_written_with_currency_thousands_and_percent_signs_are_numbers_and_said_so(tmp_path, capsys):
    """'$9,081.84', '45.3%' and '15,313' are numbers a spreadsheet wrote for people: read as numbers (not
    as an identifier or free text, left out), with a warning that says how; a file with decimal commas
    reads '9.081,84 €' the same way. A model predicts new rows written so as it read the training file."""
    from imblab.model import fit_model

    rng = np.random.RandomState(0)
    amount = rng.gamma(2.0, 3000.0, 300)
    churn = np.where(amount + rng.normal(0, 2000, 300) > 9000, "yes", "no")
    frame = pd.DataFrame({"amount": [f"${a:,.2f}" for a in amount], "rate": [f"{a / 200:.1f}%" for a in amount],
                          "visits": [f"{int(a):,}" for a in amount], "churn": churn})
    frame.to_csv(tmp_path / "sales.csv", index=False)
    ds = load_table(tmp_path / "sales.csv", "churn")
    assert list(ds.X.columns) == ["amount", "rate", "visits"] and ds.numeric_columns == ["amount", "rate", "visits"]
    np.testing.assert_allclose(ds.X["amount"], np.round(amount, 2))
    np.testing.assert_allclose(ds.X["rate"], np.round(amount / 200, 1))
    assert ds.X["visits"].tolist() == [float(int(a)) for a in amount]
    assert ds.notes[0].startswith("read as numbers without their currency signs, thousands separators and "
                                  "percent signs (45.3% is 45.3): 'amount' (such as $")

    model = fit_model(ds, "lr:balanced")
    rows = pd.read_csv(tmp_path / "sales.csv").drop(columns="churn").head(30)
    np.testing.assert_allclose(model.predict_proba(rows)[:, 1], model.estimator.predict_proba(ds.X.head(30))[:, 1],
                               rtol=1e-12)
    with pytest.raises(ImblabError, match="column 'amount' held numbers .* such as 'about 3'"):
        model.predict_proba(rows.assign(amount=["about 3"] + list(rows["amount"][1:])))
    assert model.schema["number_readings"]["rate"] == {"decimal": ".", "percent": True}
    with pytest.raises(ImblabError, match=r"^column 'rate' held percentages written with % \(such as 45.3%, read as "
                                          r"45.3\) when the model was fitted, but here 2 values have no % sign, such "
                                          r"as 0.5, 0.25: write them as percentages"):
        model.predict_proba(rows.assign(rate=[0.5, 0.25] + list(rows["rate"][2:])))  # 50% written as a fraction

    euro = frame.assign(amount=[f"{a:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") + " €"
                                for a in amount])  # 9.081,84 €
    euro.assign(x=[f"{v:.2f}".replace(".", ",") for v in amount]).to_csv(tmp_path / "euro.csv", sep=";", index=False)
    assert load_table(tmp_path / "euro.csv", "churn").X["amount"].tolist() == ds.X["amount"].tolist()

    status = main(["run", "--data", str(tmp_path / "sales.csv"), "--target", "churn", "--strategies", "lr",
                   "--holdout", "--quiet", "--no-report", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 0 and "imblab: warning: read as numbers without their currency signs" in err


def test_zero_padded_codes_are_read_as_text_and_predict_reads_them_alike(tmp_path, capsys):
    """A column of fixed-width digit codes with leading zeros (zip codes) is read as text: as numbers,
    '02134' would become 2134 and the codes would be used as quantities. predict reads the model's
    text columns as text, so new rows' codes meet the categories the model knows."""
    rng = np.random.RandomState(0)
    zips = np.array(["02134", "10001", "00501", "94105"])[rng.randint(0, 4, 400)]
    frame = pd.DataFrame({"zip": zips, "spend": rng.gamma(2.0, 50.0, 400).round(2),
                          "churn": np.where(rng.rand(400) < 0.2, "yes", "no")})
    frame.to_csv(tmp_path / "customers.csv", index=False)
    ds = load_table(tmp_path / "customers.csv", "churn")
    assert set(ds.X["zip"]) == {"02134", "10001", "00501", "94105"} and ds.categorical_columns == ["zip"]
    assert "'customers.csv' holds zero-padded codes in 'zip' (such as '02134'): read as text, not as numbers" in ds.notes

    model = tmp_path / "model"
    assert main(["fit", "--data", str(tmp_path / "customers.csv"), "--target", "churn", "--strategy", "lr",
                 "--out", str(model)]) == 0
    rows = tmp_path / "new.csv"
    rows.write_text("zip,spend\n94105,12.5\n00501,80.0\n")  # 00501 keeps its zeros
    assert main(["predict", str(model), str(rows), "--out", str(tmp_path / "p.csv")]) == 0, capsys.readouterr().err
    assert len(pd.read_csv(tmp_path / "p.csv")) == 2
    rows.write_text("zip,spend\n94105,12.5\n10001,80.0\n")  # no leading zero anywhere: read as text all the same
    assert main(["predict", str(model), str(rows), "--out", str(tmp_path / "p.csv")]) == 0, capsys.readouterr().err


def test_dates_that_read_either_way_are_read_month_first_and_said_so():
    """03/04/2024 is 4 March month first and 3 April day first: with every day 12 or less nothing in the
    column tells them apart, so the reading chosen (month first) is said, when the dates are used."""
    ambiguous = pd.DataFrame({"when": [f"{1 + i % 12:02d}/{1 + i % 9:02d}/2024" for i in range(60)],
                              "x": [i % 7 for i in range(60)]})
    features, roles, notes = assign_roles(ambiguous, date_features="expand")
    assert features["when_month"].iloc[2] == 3 and features["when_day"].iloc[2] == 3
    assert features["when_month"].iloc[10] == 11 and features["when_day"].iloc[10] == 2  # 11/02: 2 November
    assert roles[0]["reading"] == {"format": "%m/%d/%Y", "dayfirst": False, "either_way": True}
    assert notes == ["dates read month first, though every day is 12 or less and day first would read too; write "
                     "them as 2024-03-04 if they are day first: 'when' (such as 01/01/2024)"]
    assert assign_roles(ambiguous)[2] == ["left out of the features: date 'when' (use one anyway with keep=[...]; "
                                          "use dates' calendar parts with date_features='expand')"]
    iso = pd.DataFrame({"when": [f"2024-{1 + i % 12:02d}-{1 + i % 9:02d}" for i in range(60)]})
    assert assign_roles(iso, date_features="expand")[2] == []  # year first: month first by convention
    day_first = pd.DataFrame({"when": [f"{1 + i % 28:02d}/{1 + i % 12:02d}/2024" for i in range(60)]})
    assert assign_roles(day_first, date_features="expand")[2] == []  # 13/01/2024 can only be day first


def test_decimal_points_in_a_file_of_decimal_commas_are_numbers_and_said_so(tmp_path):
    """A semicolon file whose numbers are written 0,55 may hold a column written 3.12 (pasted from
    elsewhere): read as numbers, with a warning, not left out as text. A column whose every value is a
    thousands group (1.100) is read in the file's own convention: 1100."""
    from imblab.model import fit_model

    rng = np.random.RandomState(0)
    a, b = rng.rand(200), rng.rand(200) * 10
    frame = pd.DataFrame({"a": [f"{v:.2f}".replace(".", ",") for v in a], "b": [f"{v:.2f}" for v in b],
                          "c": [f"{1 + i % 9}.{100 * (1 + i % 9):03d}" for i in range(200)],
                          "y": np.where(b + rng.normal(0, 2, 200) > 7, "yes", "no")})
    frame.to_csv(tmp_path / "mixed.csv", sep=";", index=False)
    ds = load_table(tmp_path / "mixed.csv", "y")
    np.testing.assert_allclose(ds.X["b"], np.round(b, 2))
    assert ds.X["c"].head(3).tolist() == [1100.0, 2200.0, 3300.0]
    assert ds.notes[0] == "read as numbers: 'b' (decimal points such as 3.12 in a file of decimal commas)"
    assert ds.notes[1].endswith("'c' (such as 1.100)")
    model = fit_model(ds, "lr:balanced")
    rows = pd.read_csv(tmp_path / "mixed.csv", sep=";", decimal=",").drop(columns="y").head(20)
    np.testing.assert_allclose(model.predict_proba(rows)[:, 1], model.estimator.predict_proba(ds.X.head(20))[:, 1],
                               rtol=1e-12)


def test_the_date_reading_that_reads_more_rows_wins_and_a_column_of_numbers_with_a_bad_cell_is_named():
    """Day-first dates whose first value reads either way (03/04/2024) and only a few days past 12 are read
    day first (month first read those few as missing and swapped the rest); a column of written numbers
    with one cell that is no number is left out with a warning naming that cell."""
    days = [f"{1 + i % 12:02d}/{1 + i % 9:02d}/2024" for i in range(197)] + ["25/03/2024", "28/04/2024", "30/05/2024"]
    features, roles, notes = assign_roles(pd.DataFrame({"when": days}), date_features="expand")
    assert roles[0]["reading"] == {"format": "%d/%m/%Y", "dayfirst": True} and notes == []
    assert features["when_day"].notna().all() and features["when_month"].iloc[2] == 3  # 03/03
    assert features["when_day"].iloc[10] == 11 and features["when_month"].iloc[10] == 2  # 11/02: 11 February

    amounts = [f"${i:,}.00" for i in range(1000, 1099)] + ["about 5"]
    _, roles, notes = assign_roles(pd.DataFrame({"amount": amounts, "x": [i % 7 for i in range(100)]}))
    assert notes[0] == ("'amount' holds numbers written as text such as $1,000.00, but 1 cell is not, such as "
                        "'about 5': left out; fix or empty those cells to use it")


def test_a_decimal_comma_file_whose_only_commas_are_amounts_or_percentages(tmp_path):
    """A semicolon file whose decimal commas all carry a currency or percent sign is a decimal-comma file."""
    rng = np.random.RandomState(0)
    eur = rng.gamma(2.0, 300.0, 100)
    frame = pd.DataFrame({"n": rng.randint(0, 9, 100), "eur": [f"{v:.2f} €".replace(".", ",") for v in eur],
                          "share": [f"{v:.1f}%".replace(".", ",") for v in eur / 20], "y": ["a", "b"] * 50})
    frame.to_csv(tmp_path / "eur.csv", sep=";", index=False)
    ds = load_table(tmp_path / "eur.csv", "y")
    np.testing.assert_allclose(ds.X["eur"], np.round(eur, 2))
    np.testing.assert_allclose(ds.X["share"], np.round(eur / 20, 1))


def test_whole_amounts_in_a_tab_file_are_thousands_not_decimal_commas(tmp_path):
    """'$74,000' in a tab- or semicolon-separated file groups thousands: it is not the decimal comma of
    a European file (read as 74.0 it was a thousand times too small). '511,82' is one."""
    rng = np.random.RandomState(0)
    salary = rng.randint(30, 150, 300) * 1000
    frame = pd.DataFrame({"salary": [f"${v:,}" for v in salary], "bonus": [f"{v:,}%" for v in salary // 10],
                          "x": rng.randn(300).round(3), "y": (rng.rand(300) < 0.2).astype(int)})
    frame.to_csv(tmp_path / "pay.tsv", sep="\t", index=False)
    ds = load_table(tmp_path / "pay.tsv", "y")
    assert ds.X["salary"].tolist() == salary.astype(float).tolist()
    assert ds.X["bonus"].tolist() == (salary // 10).astype(float).tolist()
    assert not any("decimal comma" in note for note in ds.notes)
    frame.assign(x=[f"{v:.2f}".replace(".", ",") for v in rng.rand(300)]).to_csv(tmp_path / "eu.tsv", sep="\t",
                                                                                index=False)
    assert any("decimal comma" in note for note in load_table(tmp_path / "eu.tsv", "y").notes)


def test_the_example_of_a_column_of_written_numbers_is_a_number():
    amounts = ["unknown", "-"] + [f"${i:,}.50" for i in range(1000, 1098)]
    _, roles, notes = assign_roles(pd.DataFrame({"amount": amounts, "x": [i % 7 for i in range(100)]}))
    assert roles[0]["why"] == ("numbers written as text such as $1,000.50, but 1 cell is not, such as 'unknown'")
    _, roles, _ = assign_roles(pd.DataFrame({"amount": amounts[1:] + ["$3.00"], "x": [i % 7 for i in range(100)]}))
    assert roles[0]["role"] == "numeric" and roles[0]["why"] == "numbers written as text such as $1,000.50"
