"""What ``imblab run`` can refuse from its arguments and the file's header alone.

These checks import neither pandas nor scikit-learn, so a misspelt column or a
missing file is answered at once. They raise the same errors the full checks
would, which still run afterwards on the loaded data.
"""

from __future__ import annotations

import re

from ..data.names import not_a_feature, split_column_missing, target_missing
from ..data.readers import check_sheet, peek_columns

#: Names the full reader may give a column that its header does not spell (pandas' blank-name placeholder).
_GENERATED = re.compile(r"^Unnamed: \d+$")


def check_data_arguments(args):
    """Refuse ``--data``/``--target``/``--drop``/``--keep``/``--groups``/``--time``/``--sheet`` that cannot
    match the file."""
    check_sheet(args.data, getattr(args, "sheet", None))
    columns = peek_columns(args.data, sep=args.sep, encoding=args.encoding)
    if columns is None:
        return
    if args.target not in columns and not _GENERATED.match(args.target):
        raise target_missing(args.target, columns)
    features = [c for c in columns if c != args.target]
    for parameter, names in (("drop", args.drop), ("keep", args.keep)):
        for name in names or ():
            if name not in features:
                raise not_a_feature(parameter, name, features)
    for column in (args.groups, args.time):
        if column is not None and column not in features:
            raise split_column_missing(column, features)

