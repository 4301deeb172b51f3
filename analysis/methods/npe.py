"""Neural posterior estimation for study 2 (docs/model.md §8) with sbi, and the feature transform every model uses.

NPE (Papamakarios & Murray 2016; Greenberg et al. 2019) learns p(phi | x) from simulated pairs with a normalizing
flow (study2.npe: a small masked autoregressive flow for a few hundred runs), with study 2's prior (uniform in
phi = ln of the charges and time constants) as a BoxUniform. Features enter through `feature_transform`, fitted
on the training rows only. Everything is seeded: torch's generator and the training's data order. The posteriors
are checked with analysis/methods/calibration.py.

References: Tejero-Cantero A, et al. (2020). sbi: A toolkit for simulation-based inference. JOSS 5:2505.
Papamakarios G, Murray I (2016). Fast epsilon-free inference of simulation models with Bayesian conditional
density estimation. NeurIPS 29.
"""
from __future__ import annotations

import numpy as np

# quantile_normal: the rank-based transform's resolution, at most the training rows
QUANTILES = 1000


def feature_transform(kind: str, n_rows: int):
    """The unfitted feature transform of study2.feature_transform.

    Parameters
    ----------
    kind : {"standard", "quantile_normal"}
        standard: z-score with the training rows' mean and sd. quantile_normal: each feature's empirical
        quantile among the training rows, mapped to normal scores (robust to heavy tails and outliers; monotone,
        so the features' order information is kept).
    n_rows : int
        Training rows (the quantile transform uses at most that many quantiles).

    Returns
    -------
    sklearn transformer
    """
    from sklearn.preprocessing import QuantileTransformer, StandardScaler

    if kind == "standard":
        return StandardScaler()
    if kind == "quantile_normal":
        return QuantileTransformer(n_quantiles=min(QUANTILES, n_rows), output_distribution="normal")
    raise ValueError(f"feature_transform = {kind!r} is invalid; accepted: standard | quantile_normal")


def fit_npe(theta: np.ndarray, x: np.ndarray, low: np.ndarray, high: np.ndarray, seed: int, settings,
            transform_kind: str = "standard"):
    """A trained amortized posterior of the prior's variables and the fitted feature transform it expects.

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
    settings : NpeSettings
        study2.npe: density estimator, its size, the epoch limit (sbi stops earlier when the validation loss
        stops improving), and z_score_theta (sbi's: transform_to_unconstrained learns in the logit space of the
        prior's box).
    transform_kind : {"standard", "quantile_normal"}
        study2.feature_transform.

    Returns
    -------
    posterior : sbi posterior
        Amortized: sample it given any transformed x; its samples lie in the prior's box.
    transform : sklearn transformer
        Fitted on x.
    """
    import torch
    from sbi.inference import NPE
    from sbi.neural_nets import posterior_nn
    from sbi.utils import BoxUniform

    torch.manual_seed(seed)
    transform = feature_transform(transform_kind, len(x)).fit(x)
    prior = BoxUniform(low=torch.as_tensor(low, dtype=torch.float32), high=torch.as_tensor(high, dtype=torch.float32))
    # transform_to_unconstrained: the flow learns the parameters mapped from the prior's box onto the real line
    # (sbi's logit transform of the prior's support), so a posterior as wide as the box is representable; a flow
    # on the box itself puts too little mass near its edges and its intervals undercover (docs/model.md §8)
    unconstrained = settings.z_score_theta == "transform_to_unconstrained"
    estimator = posterior_nn(model=settings.density_estimator, hidden_features=settings.hidden_features,
                             num_transforms=settings.num_transforms, z_score_theta=settings.z_score_theta,
                             **({"x_dist": prior} if unconstrained else {}))
    inference = NPE(prior=prior, density_estimator=estimator, show_progress_bars=False)
    inference.append_simulations(torch.as_tensor(theta, dtype=torch.float32),
                                 torch.as_tensor(transform.transform(x), dtype=torch.float32))
    inference.train(max_num_epochs=settings.max_epochs, show_train_summary=False)
    return inference.build_posterior(), transform


def sample_posteriors(posterior, transform, x: np.ndarray, n_samples: int, seed: int) -> np.ndarray:
    """Posterior samples for each row of x.

    Parameters
    ----------
    posterior : sbi posterior
        From `fit_npe`.
    transform : sklearn transformer
        The fitted feature transform from `fit_npe`.
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
    out = []
    for row in transform.transform(x):
        samples = posterior.sample((n_samples,), x=torch.as_tensor(row, dtype=torch.float32), show_progress_bars=False)
        out.append(samples.numpy())
    return np.array(out, dtype=np.float64)
