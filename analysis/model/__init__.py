"""The models of the compendium (docs/model.md §1–§4, §8): the NEST network, the cells, their mechanisms, the
CDM, the head models and study 2's parameter prior. Stage scripts (analysis/*.py) use them; they use only
analysis/params.py and analysis/common.py."""
