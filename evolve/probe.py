"""Behaviour signatures: a hash of a policy's canonicalised outputs on the task's probe set.

Programs with equal signatures form one behaviour cluster (FunSearch); a proposal whose signature is
already stored is kept as a ``duplicate`` and never simulated. Floats are rounded to 9 significant
digits so that harmless floating-point noise does not split clusters; non-finite numbers make the
probe invalid.

>>> signature([1.0, 2.0000000000001]) == signature([1.0, 2.0])
True
>>> find_nonfinite({"a": [1.0, float("nan")]})
'a[1]'
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any


def canonical(value: Any) -> Any:
    """``value`` with floats rounded to 9 significant digits, tuples as lists, dict keys as strings."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return repr(value)


def signature(outputs: Any) -> str:
    """The behaviour signature (hex digest) of probe ``outputs``."""
    text = json.dumps(canonical(outputs), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def find_nonfinite(value: Any, path: str = "") -> str | None:
    """The path of the first NaN/inf number inside ``value``, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "value"
    if isinstance(value, dict):
        for k, v in value.items():
            found = find_nonfinite(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found = find_nonfinite(v, f"{path}[{i}]")
            if found:
                return found
    return None


def to_plain(value: Any, depth: int = 0) -> Any:
    """Convert numpy scalars/arrays and tuples to JSON-able plain data (child side)."""
    if depth > 20:
        raise TypeError("value nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): to_plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v, depth + 1) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist) and type(value).__module__ == "numpy":
        return to_plain(tolist(), depth + 1)
    raise TypeError(f"not plain data: {type(value).__name__}")
