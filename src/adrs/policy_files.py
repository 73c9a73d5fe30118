"""Loading a user's policy file (``adrs run ENV --policy FILE.py``) with errors that name the line.

Every environment resolves ``--policy`` to a baseline name or a file; the file part is shared here.
The file is the user's own code, run at their request in a fresh namespace (candidate code from the
evolve loop never goes through here: it runs in the sandbox).
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any


class PolicyLoadError(ValueError):
    """A policy name is unknown or a policy file cannot be loaded."""


def exec_policy_file(path: str | Path) -> dict[str, Any]:
    """Execute ``path`` in a fresh module namespace and return it; errors name the file and line."""
    path = Path(path)
    try:
        code = compile(path.read_text(), str(path), "exec")
    except OSError as exc:
        raise PolicyLoadError(f"cannot read policy file {path}: {exc}") from exc
    except SyntaxError as exc:
        raise PolicyLoadError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from exc
    namespace: dict[str, Any] = {"__name__": f"adrs_policy_{path.stem}", "__file__": str(path)}
    try:
        exec(code, namespace)  # noqa: S102 - the user's own file, run at their request
    except Exception as exc:
        tb = traceback.extract_tb(exc.__traceback__)
        line = next((f.lineno for f in reversed(tb) if f.filename == str(path)), None)
        raise PolicyLoadError(f"{path}:{line}: {type(exc).__name__}: {exc}") from exc
    return namespace
