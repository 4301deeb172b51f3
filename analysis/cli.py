"""Run a stage's main() so that a user error is one line `error: ...` on stderr and exit status 2.

User errors are bad parameters (ParamsError), missing or malformed inputs (FileNotFoundError, InputError) and
values out of range (ValueError). A traceback is shown only with COMPENDIUM_DEBUG=1, for developers; any other
exception is a bug and keeps its traceback.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable

from analysis.common import ParamsError

DEBUG_ENV = "COMPENDIUM_DEBUG"


class InputError(ValueError):
    """An input file is missing something, or holds values a stage cannot use; the message names the file."""


def run(main: Callable[[], int]) -> int:
    try:
        return main()
    except (ParamsError, InputError, FileNotFoundError, ValueError) as err:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2


def load_checked_npz(path, required: tuple[str, ...] = ()) -> dict:
    """load_npz that names the file when it is truncated, corrupt or lacks an expected array."""
    import zipfile

    from analysis.common import load_npz

    try:
        data = load_npz(path)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise InputError(f"{path}: not a readable .npz ({err}); re-run the stage that writes it (dvc repro)") from None
    missing = [name for name in required if name not in data]
    if missing:
        raise InputError(f"{path}: lacks the arrays {missing} (has {sorted(data)}); re-run the stage that writes it")
    return data
