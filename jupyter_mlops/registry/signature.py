"""A model's signature: what it takes and what it returns, inferred from an input example.

For a DataFrame example: ``{"inputs": {"type": "dataframe", "columns": [{"name", "dtype"}...]}}``;
for a NumPy array (or a list of rows): ``{"inputs": {"type": "ndarray", "shape": [-1, 4],
"dtype": "float64"}}`` (the first axis, the rows, is ``-1``: any number). ``outputs`` has the same
form, from ``predict`` on the example. Without an example, the inputs come from the fitted
model's ``feature_names_in_`` / ``n_features_in_`` with dtypes unknown (``null``), and
``source`` says which it was.

>>> import numpy as np
>>> describe_data(np.zeros((5, 3), dtype="float32"))
{'type': 'ndarray', 'shape': [-1, 3], 'dtype': 'float32'}
"""

from __future__ import annotations

import sys

from ..errors import InvalidInput
from ..names import digits


def describe_data(data) -> dict:
    """The shape of ``data`` (a DataFrame, Series, array or list of rows) as a signature part."""
    import numpy as np

    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        return {"type": "dataframe", "columns": [{"name": str(c), "dtype": str(t)} for c, t in data.dtypes.items()]}
    if pd is not None and isinstance(data, pd.Series):
        return {"type": "series", "name": None if data.name is None else str(data.name), "dtype": str(data.dtype)}
    array = data if isinstance(data, np.ndarray) else np.asarray(data)
    shape = [-1, *map(int, array.shape[1:])] if array.ndim else []
    return {"type": "ndarray", "shape": shape, "dtype": str(array.dtype)}


def infer_signature(model, input_example=None) -> dict | None:
    """The signature from ``input_example`` (checked by predicting on it), else from the model."""
    if input_example is not None:
        try:
            inputs = describe_data(input_example)
        except Exception as error:
            raise InvalidInput(f"input_example must be a DataFrame, an array or a list of rows; {error}") from None
        signature = {"inputs": inputs, "source": "input_example"}
        if model is not None and hasattr(model, "predict"):
            try:
                signature["outputs"] = describe_data(model.predict(input_example))
            except Exception as error:
                raise InvalidInput(
                    f"the model cannot predict on input_example ({type(error).__name__}: {str(error)[:200]}); "
                    "give rows shaped like its training data"
                ) from None
        return signature
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        columns = [{"name": str(n), "dtype": None} for n in names]
        return {"inputs": {"type": "dataframe", "columns": columns}, "source": "model"}
    count = getattr(model, "n_features_in_", None)
    if isinstance(count, int):
        return {"inputs": {"type": "ndarray", "shape": [-1, count], "dtype": None}, "source": "model"}
    return None


def signature_from_run_tags(tags: dict) -> dict | None:
    """Input columns of a run's autologged fit (``mlops.input.columns``), when no example is given."""
    import json

    columns = tags.get("mlops.input.columns")
    if columns:
        try:
            names = json.loads(columns)
        except ValueError:
            return None
        return {"inputs": {"type": "dataframe", "columns": [{"name": n, "dtype": None} for n in names]},
                "source": "run"}
    shape = tags.get("mlops.input.shape", "")
    width = digits(shape.split("x")[1]) if shape.count("x") == 1 else None
    if width is not None:
        return {"inputs": {"type": "ndarray", "shape": [-1, width], "dtype": None}, "source": "run"}
    return None
