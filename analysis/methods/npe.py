"""Neural posterior estimation for study 2 (docs/model.md §8) with sbi, and what its posteriors are checked for.

NPE (Papamakarios & Murray 2016; Greenberg et al. 2019, the sbi default: a normalizing flow) learns p(theta | x)
from simulated pairs, with study 2's prior (docs/model.md §8: uniform in phi = ln of the charges and time
constants) as a BoxUniform on phi. Features are standardized with the
training rows' mean and sd first. Everything is seeded: torch's generator and the training's data order.
The posteriors of held-out runs are checked with analysis/methods/calibration.py (SBC ranks, coverage, z-scores,
shrinkage).

References: Tejero-Cantero A, et al. (2020). sbi: A toolkit for simulation-based inference. JOSS 5:2505.
"""
from __future__ import annotations

import numpy as np


def fit_npe(theta: np.ndarray, x: np.ndarray, low: np.ndarray, high: np.ndarray, seed: int,
            max_epochs: int = 500):
    """A trained amortized posterior of the prior's variables and the feature standardization it expects.

    Parameters
    ----------
    theta : ndarray (runs, parameters)
        The training runs' values of whatever the prior is uniform in (study 2: phi).
    x : ndarray (runs, features)
        Their features.
    low, high : ndarray (parameters,)
        The prior's box (sbi's BoxUniform).
    seed : int
        torch's seed: the training's initialization and data order.
    max_epochs : int
        An upper bound; sbi stops earlier when the validation loss stops improving.

    Returns
    -------
    posterior : sbi posterior
        Amortized: sample it given any standardized x.
    standardization : tuple of ndarray
        The training rows' feature mean and sd (sd 1 where a feature is constant).
    """
    import torch
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    torch.manual_seed(seed)
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    prior = BoxUniform(low=torch.as_tensor(low, dtype=torch.float32), high=torch.as_tensor(high, dtype=torch.float32))
    inference = NPE(prior=prior, show_progress_bars=False)
    inference.append_simulations(torch.as_tensor(theta, dtype=torch.float32),
                                 torch.as_tensor((x - mean) / sd, dtype=torch.float32))
    inference.train(max_num_epochs=max_epochs, show_train_summary=False)
    return inference.build_posterior(), (mean, sd)


def sample_posteriors(posterior, standardization, x: np.ndarray, n_samples: int, seed: int) -> np.ndarray:
    """Posterior samples for each row of x.

    Parameters
    ----------
    posterior : sbi posterior
        From `fit_npe`.
    standardization : tuple of ndarray
        The feature mean and sd from `fit_npe`.
    x : ndarray (runs, features)
        Features of the runs to infer.
    n_samples : int
        Samples per run.
    seed : int
        torch's seed for the sampling.

    Returns
    -------
    ndarray (runs, n_samples, parameters)
    """
    import torch

    torch.manual_seed(seed)
    mean, sd = standardization
    out = []
    for row in (x - mean) / sd:
        samples = posterior.sample((n_samples,), x=torch.as_tensor(row, dtype=torch.float32), show_progress_bars=False)
        out.append(samples.numpy())
    return np.array(out, dtype=np.float64)
