"""The files people have: dialects, encodings, compression, Excel, odd targets."""

import bz2
import gzip
import lzma
import zipfile

import numpy as np
import pandas as pd
import pytest

from imblab import ImblabError, dataset_from_frame, load_table
from imblab.cli import main
from imblab.data.readers import read_frame


@pytest.fixture
def frame():
    """60 rows, 10 positive, with accented text that Latin-1 and UTF-8 encode differently."""
    rng = np.random.RandomState(1)
    return pd.DataFrame({
        "âge": rng.randint(18, 90, 60),
        "ville": rng.choice(["Besançon", "Orléans", "Nîmes"], 60),
        "montant": rng.normal(100, 30, 60).round(2),
        "y": [1] * 10 + [0] * 50,
    })


def write_text(path, frame, *, sep=",", encoding="utf-8"):
    path.write_bytes(frame.to_csv(index=False, sep=sep).encode(encoding))
    return path


def same_table(ds, frame):
    expected = frame.drop(columns="y").reset_index(drop=True)
    pd.testing.assert_frame_equal(ds.X, expected.astype({"ville": object}), check_dtype=False)
    assert ds.class_counts() == {0: 50, 1: 10}


def test_semicolon_csv_is_read(tmp_path, frame):
    # the example: read with ',' it became one column named "a;b;c;y"
    ds = load_table(write_text(tmp_path / "d.csv", frame, sep=";"), "y")
    same_table(ds, frame)
    assert ds.provenance["sep"] == ";"


@pytest.mark.parametrize("sep, name", [("\t", "d.tsv"), ("|", "d.txt"), (",", "d.csv")])
def test_other_delimiters(tmp_path, frame, sep, name):
    ds = load_table(write_text(tmp_path / name, frame, sep=sep), "y")
    same_table(ds, frame)
    assert ds.provenance["sep"] == sep


def test_quoted_commas_do_not_fool_the_delimiter(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('name;amount;y\n"Smith, J";1,5;0\n"Doe, A";2,5;1\n"Roe, B";3,5;0\n')
    frame, info = read_frame(path)
    assert info["sep"] == ";" and frame["name"].tolist() == ["Smith, J", "Doe, A", "Roe, B"]


def test_explicit_sep(tmp_path, frame):
    path = write_text(tmp_path / "d.csv", frame, sep="\t")
    ds = load_table(path, "y", sep="tab")
    same_table(ds, frame)
    with pytest.raises(ImblabError, match="sep= must be one character"):
        load_table(path, "y", sep="ab")


def test_latin1_file_is_read_as_windows_1252_with_a_note(tmp_path, frame):
    path = write_text(tmp_path / "d.csv", frame, encoding="latin-1")
    ds = load_table(path, "y")
    same_table(ds, frame)
    assert ds.provenance["encoding"] == "cp1252"
    assert ds.notes == ("'d.csv' is not valid UTF-8; read it as cp1252 (give the encoding if that is wrong)",)
    explicit = load_table(path, "y", encoding="latin-1")
    assert explicit.provenance["encoding"] == "iso8859-1" and explicit.notes == ()
    same_table(explicit, frame)


def test_bytes_undefined_in_windows_1252_fall_back_to_latin1(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"a,y\n\x81x,0\nb,1\n")  # 0x81 has no character in Windows-1252
    ds = load_table(path, "y")
    assert ds.provenance["encoding"] == "latin-1" and ds.X["a"].tolist() == ["\x81x", "b"]


def test_wrong_explicit_encoding_is_one_line(tmp_path, frame):
    path = write_text(tmp_path / "d.csv", frame, encoding="latin-1")
    with pytest.raises(ImblabError, match="cannot read .* as utf-8 text: it holds bytes that are not utf-8") as info:
        load_table(path, "y", encoding="utf-8")
    assert "\n" not in str(info.value)
    with pytest.raises(ImblabError, match="unknown encoding 'klingon'"):
        load_table(path, "y", encoding="klingon")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(tmp_path, frame, encoding):
    # Excel's "CSV UTF-8" starts with a BOM; its "Unicode text" is tab-separated UTF-16
    ds = load_table(write_text(tmp_path / "d.csv", frame, sep="\t" if encoding == "utf-16" else ",",
                               encoding=encoding), "y")
    assert list(ds.X.columns) == ["âge", "ville", "montant"]
    same_table(ds, frame)


@pytest.mark.parametrize("suffix, compress", [
    (".csv.gz", gzip.compress), (".csv.bz2", bz2.compress), (".csv.xz", lzma.compress), (".csv.zip", None),
])
def test_compressed_csv(tmp_path, frame, suffix, compress):
    path = tmp_path / f"data{suffix}"
    raw = frame.to_csv(index=False, sep=";").encode("latin-1")
    if compress is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("data.csv", raw)
    else:
        path.write_bytes(compress(raw))
    ds = load_table(path, "y")
    same_table(ds, frame)
    assert ds.name == "data"
    assert (ds.provenance["sep"], ds.provenance["encoding"]) == (";", "cp1252")
    assert ds.provenance["compression"] == {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}[path.suffix]


def test_zip_with_several_files_is_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "a,y\n1,0\n")
        archive.writestr("b.csv", "a,y\n1,0\n")
    with pytest.raises(ImblabError, match="holds 2 files: expected a zip of exactly one CSV"):
        load_table(path, "y")


def test_corrupt_gzip_is_one_line(tmp_path):
    path = tmp_path / "d.csv.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(ImblabError, match="cannot read .* as CSV") as info:
        load_table(path, "y")
    assert "\n" not in str(info.value)


def test_excel_first_sheet(tmp_path, frame):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="data", index=False)
        pd.DataFrame({"note": ["other"]}).to_excel(writer, sheet_name="notes", index=False)
    ds = load_table(path, "y")
    same_table(ds, frame)
    assert ds.provenance["format"] == "excel" and ds.provenance["sheet"] == "data"
    assert ds.notes == ("'book.xlsx' has 2 sheets; read the first, 'data' (choose another with sheet=)",)


def test_excel_sheet_chosen_by_name_or_number_from_run_to_fit_and_predict(tmp_path, frame, capsys):
    """--sheet picks a workbook's sheet by name or number (from 1) in run, fit and predict; a sheet it
    lacks, or --sheet on a CSV, is one line naming what there is; fit RUN_DIR reads the run's sheet."""
    from imblab.cli import main

    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["a cover sheet"]}).to_excel(writer, sheet_name="cover", index=False)
        frame.to_excel(writer, sheet_name="data", index=False)
    for sheet in ("data", 2):
        ds = load_table(path, "y", sheet=sheet)
        same_table(ds, frame)
        assert ds.provenance["sheet"] == "data" and ds.notes == ()
    with pytest.raises(ImblabError, match=r"^'book.xlsx' has no sheet 'Data': its sheets are 'cover', 'data'; "
                                          r"give one of their names, or a number from 1 to 2$"):
        load_table(path, "y", sheet="Data")
    with pytest.raises(ImblabError, match=r"^target column 'y' is not in the data; its columns are: note \(read sheet "
                                          r"'cover', the first of 2 in 'book.xlsx'; choose the sheet with sheet=\)$"):
        load_table(path, "y")
    assert main(["run", "--data", str(path), "--target", "y", "--sheet", "3"]) == 2
    assert "imblab: error: 'book.xlsx' has no sheet '3': its sheets are 'cover', 'data'" in capsys.readouterr().err
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert main(["run", "--data", str(tmp_path / "d.csv"), "--target", "y", "--sheet", "data"]) == 2
    assert ("imblab: error: --sheet picks a sheet of an Excel workbook, but 'd.csv' is CSV: leave it out"
            in capsys.readouterr().err)

    run = tmp_path / "run"
    assert main(["run", "--data", str(path), "--target", "y", "--sheet", "data", "--strategies", "lr", "--holdout",
                 "--quiet", "--no-report", "--out", str(run)]) == 0
    assert main(["fit", str(run), "--out", str(tmp_path / "m1")]) == 0
    assert main(["fit", "--data", str(path), "--sheet", "2", "--target", "y", "--strategy", "lr",
                 "--out", str(tmp_path / "m2")]) == 0
    assert main(["predict", str(tmp_path / "m2"), str(path), "--sheet", "data", "--out", str(tmp_path / "p.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == len(frame)
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m2"), str(path), "--out", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err  # the cover sheet has none of the model's columns; which sheet was read is said
    assert err.count("\n") == 1 and err.endswith("(read sheet 'cover', the first of 2 in 'book.xlsx'; choose the "
                                                 "sheet with --sheet)\n"), err
    capsys.readouterr()
    assert main(["fit", str(run), "--sheet", "data"]) == 2
    assert "drop --data, --target, --positive, --drop, --keep, --date-features, --sep, --encoding and --sheet" in (
        capsys.readouterr().err)


def test_parquet(tmp_path, frame):
    path = tmp_path / "d.parquet"
    frame.to_parquet(path, index=False)
    same_table(load_table(path, "y"), frame)


@pytest.mark.parametrize("target, positive, labels", [
    ([0.0] * 5 + [1.0] * 2, "1", (0.0, 1.0)),     # a float target from a spreadsheet
    ([0.0] * 5 + [1.0] * 2, 1, (0.0, 1.0)),
    (["0"] * 5 + ["1"] * 2, 1, ("0", "1")),       # labels stored as text
    (["0.0"] * 5 + ["1.0"] * 2, "1", ("0.0", "1.0")),
    ([0] * 5 + [1] * 2, "1.0", (0, 1)),
    ([0] * 5 + [1] * 2, "0", (1, 0)),
])
def test_positive_matches_floats_and_strings(target, positive, labels):
    ds = dataset_from_frame(pd.DataFrame({"a": range(7), "y": target}), "y", positive=positive)
    assert ds.labels == labels
    assert ds.y.sum() == (2 if labels[1] in (1, "1", "1.0") else 5)


def test_float_target_file_with_positive_one(tmp_path, capsys):
    path = tmp_path / "f.csv"
    pd.DataFrame({"a": np.arange(40) % 9, "y": [0.0] * 30 + [1.0] * 10}).to_csv(path, index=False)
    status = main(["run", "--data", str(path), "--target", "y", "--positive", "1", "--strategies", "naive",
                   "--folds", "2", "--repeats", "1", "--out", str(tmp_path / "run"), "--no-report"])
    assert status == 0, capsys.readouterr().err
    assert "positive class 1.0 is 10 rows" in capsys.readouterr().out


def test_missing_targets_are_dropped_with_a_count(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,y\n" + "".join(f"{i % 7},{'1' if i % 4 == 0 else '0'}\n" for i in range(20)) + "7,\n8, \n")
    ds = load_table(path, "y")
    assert ds.n_rows == 20 and ds.class_counts() == {0: 15, 1: 5}
    assert ds.notes == ("dropped 2 of 22 rows whose target 'y' is missing",)
    with pytest.raises(ImblabError, match="target column 'y' has 2 missing values"):
        load_table(path, "y", strict=True)


def test_missing_targets_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "m.csv"
    path.write_text("a,y\n" + "".join(f"{i % 7},{i % 4 == 0:d}\n" for i in range(40)) + "7,\n")
    args = ["run", "--data", str(path), "--target", "y", "--strategies", "naive", "--folds", "2", "--repeats", "1",
            "--no-report"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "imblab: warning: dropped 1 of 41 rows whose target 'y' is missing" in err
    assert main([*args, "--out", str(tmp_path / "b"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert err == ("imblab: error: target column 'y' has 1 missing values: drop those rows or fill in their "
                   "labels\n")
    assert not (tmp_path / "b").exists()


def test_cli_sep_and_encoding_flags(tmp_path, frame, capsys):
    path = tmp_path / "d.csv.gz"
    path.write_bytes(gzip.compress(frame.to_csv(index=False, sep="|").encode("latin-1")))
    status = main(["run", "--data", str(path), "--target", "y", "--sep", "|", "--encoding", "latin-1",
                   "--strategies", "naive", "--folds", "2", "--repeats", "1", "--out", str(tmp_path / "run"),
                   "--no-report"])
    captured = capsys.readouterr()
    assert status == 0
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert all("minority rows (fewer than 20)" in line for line in warnings)  # 60 rows: rightly warned
    assert "60 rows × 3 features" in captured.out
    assert main(["run", "--data", str(path), "--target", "y", "--sep", ";;"]) == 2
    assert capsys.readouterr().err == "imblab: error: --sep must be one character (or 'tab'), got ';;'\n"


def test_decimal_commas_beside_semicolons_are_numbers(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("betrag;anzahl;stadt;y\n" + "".join(
        f"{i},{i % 10};{i};{'Köln' if i % 2 else 'Bonn'};{int(i % 5 == 0)}\n" for i in range(30)) + "-3;4;Bonn;0\n",
        encoding="utf-8")
    ds = load_table(path, "y")
    assert ds.numeric_columns == ["betrag", "anzahl"] and ds.categorical_columns == ["stadt"]
    assert ds.X["betrag"].tolist()[:3] == [0.0, 1.1, 2.2] and ds.X["betrag"].iloc[-1] == -3.0
    assert ds.provenance["decimal"] == ","
    assert ds.notes == ("'eu.csv' writes numbers with a decimal comma (1,5); read them as numbers",)


def test_commas_in_text_are_not_decimal_marks(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("name;y\n" + "".join(f"Smith, J{i};{i % 2}\n" for i in range(10)), encoding="utf-8")
    frame, info = read_frame(path)
    assert "decimal" not in info and frame["name"][0] == "Smith, J0"


def test_boolean_target_and_positive_one():
    ds = dataset_from_frame(pd.DataFrame({"a": range(6), "y": [False] * 4 + [True] * 2}), "y", positive="1")
    assert ds.labels == (False, True) and ds.y.tolist() == [0, 0, 0, 0, 1, 1]


def test_a_broken_workbook_is_one_line(tmp_path):
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImblabError, match=r"^cannot read '.*book.xlsx' as EXCEL: ") as info:
        load_table(tmp_path / "book.xlsx", "y")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("header, message", [
    ("x1;plan;churn;churn", "column name 'churn' appears more than once in the header of 'dup.csv'"),
    ("x1;x1;plan;churn", "column name 'x1' appears more than once"),
    ("x1;pl\x00an;x2;churn", "holds a NUL character: rename the column"),
])
def test_a_header_that_repeats_a_name_is_refused(tmp_path, header, message):
    """pandas renames a repeated name (churn -> churn.1): a copy of the label would become a feature
    that predicts it perfectly, so the file is refused instead."""
    (tmp_path / "dup.csv").write_text(header + "\n" + "".join(f"{i};{i % 3};{'Yes' if i % 4 else 'No'};"
                                                              f"{'Yes' if i % 4 else 'No'}\n" for i in range(30)))
    with pytest.raises(ImblabError, match=message):
        load_table(tmp_path / "dup.csv", "churn")


def test_a_nullable_boolean_column_with_gaps_is_read_with_its_gaps(tmp_path):
    frame = pd.DataFrame({"x": np.arange(60) % 7, "flag": pd.array([True, False, None] * 20, dtype="boolean"),
                          "y": [0] * 45 + [1] * 15})
    frame.to_parquet(tmp_path / "b.parquet")
    ds = load_table(tmp_path / "b.parquet", "y")
    assert ds.X["flag"].isna().sum() == 20 and set(ds.X["flag"].dropna()) == {0.0, 1.0}
