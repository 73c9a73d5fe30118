"""Where the real public data lives: ``ADRS_DATA``, else ``../shared/data`` beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path


class DataNotFoundError(FileNotFoundError):
    """The real public data set (``../shared/data``) is not available on this machine."""


def shared_data_dir(required: bool = False) -> Path | None:
    """The folder laid out like ``../shared/data``, or None (or an error if ``required``).

    Looks at ``$ADRS_DATA`` first, then for ``../shared/data`` beside the source checkout that holds
    this package (found by walking up to the folder with ``pyproject.toml``), then beside the cwd.
    """
    env = os.environ.get("ADRS_DATA")
    if env:
        path = Path(env).expanduser()
        if path.is_dir():
            return path
        if required:
            raise DataNotFoundError(f"ADRS_DATA={env!r} is not a directory")
        return None
    candidates = []
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file():
            candidates.append(parent.parent / "shared" / "data")
            break
    for parent in [Path.cwd(), *Path.cwd().parents][:4]:
        candidates.append(parent.parent / "shared" / "data")
    for cand in candidates:
        if cand.is_dir():
            return cand
    if required:
        raise DataNotFoundError(
            "the real data set was not found: set ADRS_DATA to a folder laid out like ../shared/data "
            "(with cant-be-late/, cant-be-late-multi/, ...) or run from a checkout beside ../shared/data"
        )
    return None


def shared_file(*parts: str) -> Path:
    """A file inside the shared data folder; raises :class:`DataNotFoundError` if absent."""
    root = shared_data_dir(required=True)
    assert root is not None
    path = root.joinpath(*parts)
    if not path.exists():
        raise DataNotFoundError(f"{path} does not exist (ADRS_DATA / ../shared/data is incomplete)")
    return path


def package_root() -> Path:
    """The installed ``adrs`` package folder (holds the core modules)."""
    return Path(__file__).resolve().parent
