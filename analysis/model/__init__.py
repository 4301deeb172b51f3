"""The models of the compendium (docs/model.md §1–§4, §8): the NEST network and one simulation, the cells and
their mechanisms, the CDM kernels, the CDM, the head models, the forward chain spikes -> CDM -> EEG and study 2's
parameter prior. Stage scripts (analysis/*.py), methods and tools use them; they use only analysis/params.py,
analysis/data.py and analysis/common.py (.importlinter)."""
