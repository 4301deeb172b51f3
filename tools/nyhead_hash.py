"""Print the sha256 of a New York head file, to pin it in params.yaml (eeg.nyhead.sha256).

Usage: python -m tools.nyhead_hash [FILE]     (default: params.yaml eeg.nyhead.file or $NYHEAD_FILE)

Run it once, when you first obtain sa_nyhead.mat from the head model's authors; every later run checks the
file against the pinned value.
"""
from __future__ import annotations

import sys

from analysis.common import sha256_file
from analysis.params import load_params
from analysis.model.heads import NYHEAD_HOWTO, resolve_nyhead_file


def main(argv: list[str]) -> int:
    path = resolve_nyhead_file(argv[0] if argv else load_params().eeg.nyhead.file)
    if not path.is_file():
        print(NYHEAD_HOWTO.format(path=path), file=sys.stderr)
        return 2
    digest = sha256_file(path)
    print(digest)
    print(f"# put this in params.yaml under eeg.nyhead:\n#   sha256: {digest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
