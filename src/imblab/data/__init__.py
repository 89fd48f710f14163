"""Datasets: the practical's synthetic data and the user's own tables."""

from .dataset import Dataset
from .files import dataset_from_frame, load_table
from .synthetic import make_synthetic

__all__ = ["Dataset", "dataset_from_frame", "load_table", "make_synthetic"]
