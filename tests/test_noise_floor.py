"""The noise floor's numbers (analysis/methods/noise_floor.py): the seed share of a feature's variance and the
spread of predictions over seeds, checked on samples whose truth is known."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.methods import noise_floor


def test_seed_share_of_variance_is_noise_over_signal_plus_noise():
    """Points with signal sd 2 (variance 4), seeds adding noise of variance 1: share 1 / 5; a feature without
    signal has share 1; one that never varies has none (NaN, not a division by zero)."""
    rng = np.random.default_rng(3)
    points = 2.0 * rng.normal(size=(300, 1))

    def runs(n_seeds):
        values = np.repeat(points, n_seeds, axis=1)[..., None] + rng.normal(size=(300, n_seeds, 1))
        pure_noise = rng.normal(size=(300, n_seeds, 1))
        return np.concatenate([values, pure_noise, np.ones((300, n_seeds, 1))], axis=2)

    population = runs(1)[:, 0]
    groups = list(runs(6)[:40])
    share = noise_floor.seed_variance_fraction(groups, population)
    assert share[0] == pytest.approx(0.2, abs=0.04)
    assert share[1] == pytest.approx(1.0, abs=0.12)
    assert np.isnan(share[2])


def test_groups_of_one_run_carry_no_seed_variance():
    share = noise_floor.seed_variance_fraction([np.array([[1.0]]), np.array([[2.0], [4.0]])], np.array([[0.0], [2.0]]))
    assert share[0] == pytest.approx(1.0)          # only the pair counts: (1 + 1) / 1 over population variance 2
    assert np.isnan(noise_floor.seed_variance_fraction([np.array([[1.0]])], np.array([[0.0], [2.0]]))[0])


def test_the_sd_interval_covers_the_true_sd_at_its_confidence():
    """11 seeds of a prediction with true sd 0.2 pA, 4000 times: the 95 % interval holds 0.2 in 95 ± 1 % of them,
    and the sd-to-RMSE ratio averages c4(11) = 0.975 when the RMSE is the seed's sd (E[s] = c4 sigma)."""
    rng = np.random.default_rng(11)
    covered, ratios = 0, []
    for _ in range(4000):
        spread = noise_floor.prediction_spread(29.0 + 0.2 * rng.normal(size=11), 29.0, 0.2)
        low, high = spread["sd_interval"]
        covered += low <= 0.2 <= high
        ratios.append(spread["sd_over_cv_rmse"])
    assert covered / 4000 == pytest.approx(0.95, abs=0.01)
    assert np.mean(ratios) == pytest.approx(0.9754, abs=0.01)


def test_a_biased_prediction_shows_in_bias_and_seed_rmse_not_in_sd():
    spread = noise_floor.prediction_spread(np.array([29.4, 29.6, 29.5, 29.5]), 29.0, 0.5)
    assert spread["bias"] == pytest.approx(0.5)
    assert spread["seed_rmse"] == pytest.approx(np.sqrt(0.25 + 0.005), rel=1e-9)
    assert spread["sd"] == pytest.approx(np.sqrt(0.02 / 3))


def test_one_seed_is_refused():
    with pytest.raises(ValueError, match=">= 2 seeds"):
        noise_floor.prediction_spread(np.array([29.0]), 29.0, 0.2)
