"""Methods of study 2 (docs/model.md §8): the aperiodic exponent, point-estimate inverse models, neural posterior
estimation and calibration checks."""
