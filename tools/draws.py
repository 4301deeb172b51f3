"""Set the number of study 2's draws: rewrite the `study2.draws` block of params.yaml with keys t0000 .. t(N-1).

Usage: python -m tools.draws N [--params FILE]        (e.g. N = 10000 before a cluster run; README "Study 2")

Draw i keeps its key and index, so its theta and seed never change (docs/model.md §8): raising N adds items,
and DVC re-runs only the new ones. The block is written in YAML flow style, ten draws a line; the rest of the
file (comments included) is left as it is. The result is validated by the parameter schema before it replaces
the file.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from analysis.common import PARAMS_FILE, CommandParser, ParamsError, YamlLoader, integer_in, run, write_text

# draw keys are t + four digits (docs/model.md §8): t0000 .. t9999
MAX_DRAWS = 10_000
BLOCK = re.compile(r"^(  draws: \{)[^}]*\}\n", re.M)
PER_LINE = 10


def draws_block(n_draws: int) -> str:
    """The study2.draws block for n_draws draws, ten per line.

    >>> print(draws_block(3), end="")
      draws: {
        t0000: 0, t0001: 1, t0002: 2}
    """
    keys = [f"t{i:04d}: {i}" for i in range(n_draws)]
    lines = [", ".join(keys[start:start + PER_LINE]) for start in range(0, n_draws, PER_LINE)]
    return "  draws: {\n    " + ",\n    ".join(lines) + "}\n"


def main(argv: list[str]) -> int:
    from analysis.params import parse

    parser = CommandParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_draws", type=integer_in(2, MAX_DRAWS, "draw keys have four digits, t0000 .. t9999"),
                        help=f"number of draws (2 to {MAX_DRAWS})")
    parser.add_argument("--params", type=Path, default=PARAMS_FILE)
    args = parser.parse_args(argv)
    text = args.params.read_text()
    if len(BLOCK.findall(text)) != 1:
        raise ParamsError(f"{args.params}: no single '  draws: {{...}}' block under study2 to rewrite")
    new_text = BLOCK.sub(lambda match: draws_block(args.n_draws), text)
    parse(yaml.load(new_text, Loader=YamlLoader), str(args.params))  # noqa: S506 (a SafeLoader)
    write_text(args.params, new_text)
    print(f"{args.params}: study2.draws = t0000 .. t{args.n_draws - 1:04d} ({args.n_draws} draws)")
    return 0


if __name__ == "__main__":
    sys.exit(run(lambda: main(sys.argv[1:])))
