"""Print the sha256 of a New York head file, to pin it in params.yaml (eeg.nyhead.sha256).

Usage: python -m tools.nyhead_hash [FILE]     (default: $NYHEAD_FILE, else params.yaml eeg.nyhead.file)

The file must be HDF5 (MATLAB v7.3) with the datasets the head model reads: an HTML error page or a
truncated download saved under its name is refused, not pinned.

Run it once, when you first obtain sa_nyhead.mat from the head model's authors; every later run checks the
file against the pinned value.
"""
from __future__ import annotations

import sys
from pathlib import Path

from analysis.common import InputError, print_error, sha256_file
from analysis.params import load_params
from analysis.model.heads import NYHEAD_HOWTO, check_nyhead_structure, nyhead_file_source, resolve_nyhead_file


def main(argv: list[str]) -> int:
    # the file named on the command line wins; without one, NYHEAD_FILE, then params.yaml
    path = Path(argv[0]) if argv else resolve_nyhead_file(load_params().eeg.nyhead.file)
    if not path.is_file():
        named_by = "the command line" if argv else nyhead_file_source()
        print(f"error: {path}: New York head file not found (named by {named_by})\n"
              + NYHEAD_HOWTO.format(path=path), file=sys.stderr)
        return 2
    try:
        check_nyhead_structure(path)        # never pin the checksum of an error page
    except InputError as err:
        print_error(err)
        return 2
    digest = sha256_file(path)
    print(digest)
    print(f"# put this in params.yaml under eeg.nyhead:\n#   sha256: {digest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
