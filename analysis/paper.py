"""Build the manuscript from its template, the figures and the pipeline's numbers.

Usage: python -m analysis.paper

paper/paper.template.md holds the text with {{name}} placeholders; this stage fills them from params.yaml,
metrics/ridge.json, metrics/onset_comparison.json, metrics/pairing_comparison.json, metrics/seed_noise.json,
metrics/study2.json, data/kernels/kernels.json, data/head_model.json and the simulations (no number is typed by
hand; the text is made by analysis/methods/paper_text.py), and writes
  paper/paper.md       the filled manuscript (Markdown)
  paper/numbers.json   every filled value, as it appears in the text (the tests compare it with metrics/)
  paper/paper.pdf      typeset with pandoc (pypandoc-binary) -> Typst (typst wheel), no timestamp
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from analysis import common, data
from analysis.common import REPO_ROOT, atomic_path, get_logger, load_npz, log_io, read_json, write_json, write_text
from analysis.methods import paper_text
from analysis.params import load_params


def typeset(markdown: Path, pdf: Path) -> None:
    """Markdown -> Typst (pandoc) -> PDF (typst), with the document date removed for identical bytes."""
    import pypandoc
    import typst

    typ = pdf.with_suffix(".typ")
    pypandoc.convert_file(str(markdown), "typst", outputfile=str(typ),
                          extra_args=["--standalone", "-V", "header-includes=#set document(date: none)",
                                      "-V", "papersize=a4"])
    with atomic_path(pdf) as tmp:
        typst.compile(str(typ), output=str(tmp), root=str(REPO_ROOT if markdown.is_absolute() else Path.cwd()),
                      ignore_system_fonts=True)
    typ.unlink()


def main() -> int:
    logger = get_logger("paper")
    start = time.perf_counter()
    params = load_params()

    # study 1: the inverse model's metrics, the kernels, the head model and every item's rates
    metrics = read_json(data.RIDGE_METRICS)
    kernels_info = read_json(data.KERNELS_JSON)
    head = read_json(data.HEAD_MODEL_FILE)
    rates = {key: load_npz(data.simulation_file(key))["rates_Hz"].tolist() for key in params.sweep}
    values = paper_text.collect_values(params, metrics, kernels_info, head, rates)
    # the comparisons with the original tooling's flaws (onset artefact, kernel pairing) and the noise floor
    values.update(paper_text.onset_values(read_json(data.ONSET_METRICS), params.cdm.onset, len(params.sweep)))
    values.update(paper_text.pairing_values(read_json(data.PAIRING_METRICS), len(params.sweep)))
    values.update(paper_text.seed_noise_values(read_json(data.SEED_NOISE_METRICS)))
    # study 2; a profile other than full says in its title and abstract that it is a demonstration
    study2_metrics = read_json(data.STUDY2_METRICS)
    values.update(paper_text.study2_values(study2_metrics, params.study2, demonstration=params.profile != "full"))
    values.update(paper_text.profile_values(params, study2_metrics["n_draws"]))

    # the manuscript, every filled value for the tests, and the PDF
    write_text(data.PAPER_MARKDOWN, paper_text.fill(data.PAPER_TEMPLATE.read_text(), values))
    write_json(data.PAPER_NUMBERS, {k: v for k, v in values.items() if not k.endswith("_table")})
    typeset(data.PAPER_MARKDOWN, data.PAPER_PDF)
    log_io(logger, read=["params.yaml", data.PAPER_TEMPLATE, data.RIDGE_METRICS, data.ONSET_METRICS,
                         data.PAIRING_METRICS, data.SEED_NOISE_METRICS, data.STUDY2_METRICS, data.KERNELS_JSON,
                         data.HEAD_MODEL_FILE, "figures/*.png"],
           wrote=[data.PAPER_MARKDOWN, data.PAPER_NUMBERS, data.PAPER_PDF])
    logger.info("stage paper took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))
