"""Writing and reading a model folder: skops for the estimator, NumPy arrays for a network, never pickle.

A model folder holds ``model.skops`` (the fitted scikit-learn / imbalanced-learn
estimator, written with ``skops.io``), ``network-K.npz`` for each Keras network
(its weights; imblab rebuilds the network itself), ``model.json`` (the card,
with each file's SHA-256) and ``MODEL.md``.

Loading trusts only the types imblab itself writes (:func:`allowed_types`).
A file holding any other type is refused, unless the caller names that type in
``trusted`` — as for a user's own estimator (e.g. LightGBM), whose types the
card lists under ``files.foreign_types``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import warnings
from pathlib import Path

import numpy as np

from ..errors import ImblabError
from .card import CARD_FILE, FORMAT, read_card, render_markdown
from .network import NetworkSlot, network_state, rebuild_network, swap_networks

ESTIMATOR_FILE = "model.skops"

#: Where the types imblab writes live; resolved to their qualified names on use, so that a private
#: module moving between library versions does not make the list stale.
_OWN = [
    "imblearn.pipeline:Pipeline", "imblearn.over_sampling:SMOTE", "imblearn.over_sampling:SMOTENC",
    "imblearn.over_sampling:ADASYN", "imblearn.over_sampling:BorderlineSMOTE",
    "imblearn.over_sampling:RandomOverSampler", "imblearn.under_sampling:RandomUnderSampler",
    "imblearn.under_sampling:TomekLinks", "imblearn.under_sampling:EditedNearestNeighbours",
    "imblearn.combine:SMOTETomek", "imblearn.combine:SMOTEENN",
    "imblearn.ensemble:BalancedRandomForestClassifier", "imblearn.ensemble:EasyEnsembleClassifier",
    "imblab.strategies.forest:BalancedRandomForestClassifier",
    "imblearn.ensemble:RUSBoostClassifier", "imblearn.ensemble:BalancedBaggingClassifier",
    "imblab.strategies.recorder:SeenClassCounts", "imblab.strategies.spec:expected_cost",
    "imblab.strategies.spec:precision_at_recall", "imblab.strategies.neural:KerasMLPClassifier",
    "imblab.model.network:NetworkSlot",
    "numpy:dtype", "scipy.sparse:csr_matrix", "collections:OrderedDict",
    "sklearn.ensemble._hist_gradient_boosting.predictor:TreePredictor", "sklearn.tree._tree:Tree",
    "sklearn.metrics:f1_score", "sklearn.metrics._dist_metrics:EuclideanDistance64",
    "sklearn.metrics._scorer:_CurveScorer", "sklearn.metrics._scorer:_Scorer",
    "sklearn.model_selection:StratifiedKFold", "sklearn.neighbors:KDTree",
    "sklearn.utils._metadata_requests:MetadataRequest", "sklearn.utils._metadata_requests:MethodMetadataRequest",
]


def allowed_types():
    """The qualified names of the types imblab writes beyond those skops trusts by default."""
    names = set()
    for entry in _OWN:
        module, _, attribute = entry.partition(":")
        try:
            obj = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError):
            continue  # not in this library version: then it is not written either
        names.add(f"{obj.__module__}.{getattr(obj, '__qualname__', attribute)}")
    return names


def check_model_folder(folder, *, overwrite=False):
    """``folder`` as a Path, if a model may be written there (new, empty, or with ``overwrite`` one
    imblab wrote); ImblabError otherwise — checked before a fit, so that none is lost to it."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ImblabError(f"model folder '{folder}' is a file: choose a folder for --out")
    if folder.exists() and any(folder.iterdir()):
        ours = _is_model_folder(folder)  # its card says imblab wrote it: a file of that name alone does not
        if not (overwrite and ours):
            hint = ", or pass --overwrite to replace the model imblab wrote there" if ours else ""
            raise ImblabError(f"model folder '{folder}' exists and is not empty: choose another --out{hint}")
    return folder


def _is_model_folder(folder):
    try:
        read_card(folder)
    except ImblabError:
        return False
    return True


def save_model(model, folder, *, overwrite=False):
    """Write ``model`` (a :class:`FittedModel`) to ``folder``; return the folder's path.

    Examples
    --------
    >>> import tempfile
    >>> from imblab import make_synthetic
    >>> from imblab.model import fit_model, load_model
    >>> data = make_synthetic(n_samples=300)
    >>> model = fit_model(data, "lr")
    >>> folder = save_model(model, tempfile.mkdtemp() + "/m")
    >>> bool((load_model(folder).predict_proba(data.X) == model.predict_proba(data.X)).all())
    True
    """
    import shutil
    import tempfile

    folder = check_model_folder(folder, overwrite=overwrite)
    staging = None
    try:  # written whole beside its place first: a full disk leaves the old model, if any, as it was
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
        _write_model(model, staging)
        _move_into(staging, folder)
    except OSError as exc:
        raise ImblabError(f"cannot write model folder '{folder}': {exc.strerror or exc}; free some space (or "
                          "check the folder's permissions)") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def _write_model(model, folder):
    import skops.io as sio

    card = json.loads(json.dumps(model.card, default=_json_default))
    networks, restore = swap_networks(model.estimator)
    as_library = _as_library_classes(model.estimator)
    try:
        sio.dump(model.estimator, folder / ESTIMATOR_FILE)
    finally:
        as_library()
        restore()
    files = {ESTIMATOR_FILE: _sha256(folder / ESTIMATOR_FILE)}
    card["networks"] = []
    for index, network in enumerate(networks):
        description, weights = network_state(network)
        name = f"network-{index}.npz"
        np.savez(folder / name, **{f"w{i}": w for i, w in enumerate(weights)})
        files[name] = _sha256(folder / name)
        card["networks"].append({"file": name, **description})
    own = allowed_types()
    foreign = sorted(t for t in sio.get_untrusted_types(file=folder / ESTIMATOR_FILE) if t not in own)
    card["files"] = {"sha256": files, "foreign_types": foreign, "code_folders": _code_folders(foreign)}
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2, default=_json_default))
    (folder / "MODEL.md").write_text(render_markdown(card))


def _code_folders(types):
    """``{module: {"folder", "sha256"}}`` for the modules defining ``types`` (a user's own estimator's)
    that were imported from a folder not on Python's usual path (beside a config file, or the working
    folder, which changes from one run to the next): the folder to put on the path for the module's
    top package, and the hash of the module's file, so that ``predict`` finds it from any working
    directory and says when it has changed."""
    import os
    import sys

    usual = {str(Path(entry).resolve()) for entry in sys.path[1:] if entry}  # [0]: the script's or working folder
    folders = {}
    for name in types:
        module_name = _module_of(name)
        top = sys.modules.get(module_name.split(".")[0]) if module_name else None
        spec, own = getattr(top, "__spec__", None), getattr(sys.modules.get(module_name), "__spec__", None)
        if spec is None or own is None or not (own.origin and os.path.isfile(own.origin)):
            continue
        if spec.submodule_search_locations:  # a package, a namespace one (no __init__.py) too
            folder = Path(list(spec.submodule_search_locations)[0]).parent
        elif spec.origin:
            folder = Path(spec.origin).parent
        else:
            continue
        if str(folder.resolve()) not in usual:
            folders[module_name] = {"folder": str(folder), "sha256": _sha256(Path(own.origin))}
    return folders


def _module_of(type_name):
    """The module a qualified type name lives in: its longest prefix that is an imported module."""
    import sys

    parts = type_name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:end]) in sys.modules:
            return ".".join(parts[:end])
    return None


@contextlib.contextmanager
def _importable(card, trusted):
    """A context in which the user's modules of ``trusted`` types import: one whose top package does
    not import as things are is looked for in the folder it came from when the model was written,
    after every other place (so it never hides an installed library); a module whose file differs
    from that one warns."""
    import sys

    added = []
    recorded = card.get("files", {}).get("code_folders") or {}
    modules = {module for module in recorded if any(name.startswith(module + ".") for name in trusted)}
    for module in sorted(modules):
        entry, top = recorded[module], module.split(".")[0]
        if _find_spec(top) is None and Path(entry["folder"]).is_dir() and entry["folder"] not in sys.path:
            sys.path.append(entry["folder"])
            added.append(entry["folder"])
        spec = _find_spec(module)
        if spec is not None and spec.origin and Path(spec.origin).is_file() and \
                _sha256(Path(spec.origin)) != entry["sha256"]:
            warnings.warn(f"module '{module}' ({spec.origin}) is not the file the model was written with (in "
                          f"'{entry['folder']}'): its predictions may differ — check them, or fit the model "
                          "again", VersionWarning, stacklevel=4)
    try:
        yield
    finally:
        for folder in added:
            sys.path.remove(folder)


def _find_spec(module):
    import importlib.util

    try:
        return importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None


def _as_library_classes(estimator):
    """Give each of imblab's own subclasses of a library estimator (the Balanced Random Forest, see
    :mod:`imblab.strategies.forest`) the library's class while the estimator is written; return the
    function that undoes it. Those subclasses differ from the library's only in how they fit, so the
    library's class predicts as they do, and an imblab that lacks them (an older one) reads the file."""
    from imblearn.ensemble import BalancedRandomForestClassifier as LibraryForest

    from ..strategies.forest import BalancedRandomForestClassifier as OwnForest

    swapped = [obj for obj in _objects(estimator) if type(obj) is OwnForest]
    for obj in swapped:
        obj.__class__ = LibraryForest

    def undo():
        for obj in swapped:
            obj.__class__ = OwnForest
    return undo


def _objects(obj, seen=None):
    """Every object with attributes reachable from ``obj`` through attributes, lists, tuples and dicts."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, (type, np.ndarray, str, bytes, int, float)):
        return
    seen.add(id(obj))
    if isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _objects(item, seen)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _objects(item, seen)
    elif hasattr(obj, "__dict__"):
        yield obj
        for item in vars(obj).values():
            yield from _objects(item, seen)


def _move_into(staging, folder):
    """Put the model written in ``staging`` at ``folder``: a new folder by one rename; over a model
    imblab wrote, its files are replaced one by one, the card last, and a user's own files stay."""
    import os

    from ..writing import _umask

    os.chmod(staging, 0o777 & ~_umask())  # as any new folder, not mkdtemp's 0700
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    if not folder.exists():
        os.replace(staging, folder)
        return
    written = sorted((p.name for p in staging.iterdir()), key=lambda name: name == CARD_FILE)
    for stale in folder.glob("network-*.npz"):  # the old model's networks, if it had more
        if stale.name not in written:
            stale.unlink()
    for name in written:
        os.replace(staging / name, folder / name)


def load_model(folder, *, trusted=()):
    """Read a model folder written by imblab, refusing anything it did not write.

    Parameters
    ----------
    folder : str or Path
    trusted : sequence of str, optional
        Qualified type names to load besides imblab's own, e.g.
        ``["lightgbm.sklearn.LGBMClassifier"]`` for a model fitted with your own
        LightGBM estimator (its card lists them under ``files.foreign_types``).
        Only name types whose code you trust: loading may call them.

    Returns
    -------
    FittedModel

    Warns when the model was written with other library versions, naming them.
    """
    folder = Path(folder)
    card = read_card(folder)  # a folder that holds no model is refused before skops and scikit-learn load

    import skops.io as sio

    from .fitted import FittedModel

    _check_versions(card)
    hashes = card.get("files", {}).get("sha256", {})
    for name in [ESTIMATOR_FILE, *(n["file"] for n in card.get("networks", []))]:
        path = folder / name
        if name not in hashes or not path.is_file():
            raise ImblabError(f"model folder '{folder}' lacks {name} or its hash in {CARD_FILE}: it is incomplete; "
                              "fit the model again")
        if _sha256(path) != hashes[name]:
            raise ImblabError(f"{path} was changed after imblab wrote it (its SHA-256 differs from {CARD_FILE}): "
                              "refusing to load it; restore the folder or fit the model again")
    path = folder / ESTIMATOR_FILE
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # not a skops file at all
        raise ImblabError(f"{path} is not a model file imblab can read ({type(exc).__name__}): fit the "
                          "model again") from None
    allowed = allowed_types() | set(trusted)
    foreign = sorted(t for t in untrusted if t not in allowed)
    if foreign:
        raise ImblabError(
            f"{path} holds types imblab does not write: {', '.join(foreign)}; refusing to load it, because "
            "loading could run their code. If you fitted this model with your own estimator and trust that "
            f"code, name the types: --trust {' --trust '.join(foreign)} (load_model(..., trusted=[...]))")
    try:
        with _importable(card, trusted):
            estimator = sio.load(path, trusted=untrusted)
    except ModuleNotFoundError as exc:  # the user's own module that a trusted type lives in
        found = [entry["folder"] for module, entry in (card.get("files", {}).get("code_folders") or {}).items()
                 if module.split(".")[0] == (exc.name or "").split(".")[0]]
        where = found[0] if found else None
        where = f" (it was in '{where}' when the model was written)" if where else ""
        raise ImblabError(f"{path} needs module '{exc.name}'{where}, which does not import here: put it back "
                          "there, install it, or run imblab from its folder") from None
    except Exception as exc:
        raise ImblabError(f"{path} could not be read ({type(exc).__name__}: {' '.join(str(exc).split())[:200]}): "
                          "fit the model again") from None
    networks = []
    for entry in card.get("networks", []):
        with np.load(folder / entry["file"], allow_pickle=False) as arrays:
            weights = [arrays[f"w{i}"] for i in range(len(arrays.files))]
        networks.append(rebuild_network(entry, weights))
    if networks:
        swap_networks_back(estimator, networks)
    return FittedModel(estimator, card)


def swap_networks_back(estimator, networks):
    """Put the rebuilt networks where their :class:`NetworkSlot` stands."""
    found = _slots(estimator)
    if sorted(slot.index for slot, _ in found) != list(range(len(networks))):
        raise ImblabError("the model file's network places do not match its card: the folder was altered; "
                          "fit the model again")
    for slot, setter in found:
        setter(networks[slot.index])


def _slots(obj, found=None):
    found = [] if found is None else found
    for key, value in list(vars(obj).items()):
        if key == "steps" and isinstance(value, list):
            for i, (name, step) in enumerate(value):
                if isinstance(step, NetworkSlot):
                    found.append((step, lambda new, s=value, i=i, n=name: s.__setitem__(i, (n, new))))
                elif hasattr(step, "get_params"):
                    _slots(step, found)
        elif isinstance(value, NetworkSlot):
            found.append((value, lambda new, o=obj, k=key: setattr(o, k, new)))
        elif hasattr(value, "get_params") and not isinstance(value, type):
            _slots(value, found)
    return found


def _check_versions(card):
    from ..experiment import _versions
    from .card import _skops_version

    now = {**_versions(), **_skops_version()}
    then = card.get("versions", {})
    differ = [f"{name} {then[name]} (now {now[name]})" for name in sorted(then)
              if name in now and then[name] != now[name]]
    if differ:
        warnings.warn(f"this model was written with other library versions: {', '.join(differ)}; its "
                      "predictions may differ — check them, or fit the model again", VersionWarning, stacklevel=3)


class VersionWarning(UserWarning):
    """A model folder was written by other library versions than the ones loading it."""


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
