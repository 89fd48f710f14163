"""Take the winner home: refit a strategy on all the data, save it safely, load it, predict."""

from .fitted import FittedModel, fit_model
from .persist import VersionWarning, allowed_types, load_model, save_model
from .schema import check_frame, make_schema

__all__ = ["FittedModel", "VersionWarning", "allowed_types", "check_frame", "fit_model", "load_model",
           "make_schema", "save_model"]
