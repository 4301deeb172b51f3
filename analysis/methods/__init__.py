"""The methods of the compendium (docs/model.md §5, §6, §8, §9): catch22 features, study 1's Ridge model,
cross-validation, study 2's inverse models, neural posterior estimation and calibration, the aperiodic exponent and
the statistical verification of re-runs. They use the models and the layers below them (.importlinter)."""
