"""Estimators the fitters share: survival quantiles under censoring, log-normal fits, OLS.

Plain Python and numpy; no Django. Durations in the event log are often still running
when the window ends (a shipment in transit, a purchase order not yet received): dropping
them would bias every median low, so quantiles come from the Kaplan–Meier estimator.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# The interquartile range of a standard normal: σ = IQR / 1.349.
NORMAL_IQR = 1.3489795


def km_quantiles(
    durations: Iterable[tuple[float, bool]], probabilities: tuple[float, ...]
) -> list[float | None]:
    """Quantiles of a duration from (time, observed) pairs, censored ones with observed False.

    None for a quantile the data never reach (too much censoring).
    """
    items = sorted(durations, key=lambda item: (item[0], not item[1]))
    at_risk = len(items)
    survival = 1.0
    wanted = sorted(probabilities)
    found: dict[float, float] = {}
    for time, observed in items:
        if observed:
            survival *= 1 - 1 / at_risk
            while wanted and 1 - survival >= wanted[0] - 1e-12:
                found[wanted.pop(0)] = time
        at_risk -= 1
        if not wanted:
            break
    return [found.get(p) for p in probabilities]


@dataclass(frozen=True)
class LogNormalFit:
    median: float
    sigma: float
    observed: int
    censored: int


def lognormal_fit(durations: list[tuple[float, bool]]) -> LogNormalFit | None:
    """Median and σ of a log-normal from censored durations (median, quartiles by KM; by
    maximum likelihood when censoring hides the median: durations longer than the window
    has seen, as a supplier's lead time near the window's length)."""
    positive = [(t, o) for t, o in durations if t > 0]
    q25, median, q75 = km_quantiles(positive, (0.25, 0.5, 0.75))
    if median is None or q25 is None:
        return censored_lognormal_mle(positive)
    if q75 is not None:
        sigma = (math.log(q75) - math.log(q25)) / NORMAL_IQR
    else:
        sigma = (math.log(median) - math.log(q25)) / (NORMAL_IQR / 2)
    observed = sum(1 for _, o in positive if o)
    return LogNormalFit(median, max(sigma, 0.0), observed, len(positive) - observed)


def _censored_loglik(logs: np.ndarray, cens: np.ndarray, mu: float, sigma: float) -> float:
    z = (logs - mu) / sigma
    tail = np.array([0.5 * math.erfc(v / math.sqrt(2)) for v in (cens - mu) / sigma])
    return float(-0.5 * (z**2).sum() - len(logs) * math.log(sigma) + np.log(tail + 1e-300).sum())


def censored_lognormal_mle(durations: list[tuple[float, bool]]) -> LogNormalFit | None:
    """A log-normal's median and σ by maximum likelihood from observed and right-censored
    durations: for each σ the μ that maximises the likelihood (its score falls as μ rises),
    and the σ that maximises the profile. None with fewer than 3 observed."""
    logs = np.log([t for t, o in durations if o and t > 0])
    cens = np.log([t for t, o in durations if not o and t > 0])
    if len(logs) < 3:
        return None

    def best_mu(sigma: float) -> float:
        lo, hi = float(logs.min()) - 5 * sigma, float(max(logs.max(), cens.max(initial=0))) + 10
        for _ in range(80):
            mu = (lo + hi) / 2
            z = (cens - mu) / sigma
            mills = np.array(
                [
                    math.exp(-v * v / 2)
                    / math.sqrt(2 * math.pi)
                    / max(0.5 * math.erfc(v / math.sqrt(2)), 1e-300)
                    for v in z
                ]
            )
            score = ((logs - mu) / sigma).sum() + mills.sum()
            lo, hi = (mu, hi) if score > 0 else (lo, mu)
        return (lo + hi) / 2

    def profile(sigma: float) -> float:
        return _censored_loglik(logs, cens, best_mu(sigma), sigma)

    lo, hi = 0.02, 3.0
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if profile(a) < profile(b):
            lo = a
        else:
            hi = b
    sigma = (lo + hi) / 2
    return LogNormalFit(math.exp(best_mu(sigma)), sigma, len(logs), len(cens))


def normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def ks_distance_normal(standardised: list[float]) -> float | None:
    """Kolmogorov–Smirnov distance of standardised values from N(0, 1)."""
    if len(standardised) < 5:
        return None
    values = sorted(standardised)
    n = len(values)
    return max(
        max(abs((i + 1) / n - normal_cdf(v)), abs(i / n - normal_cdf(v)))
        for i, v in enumerate(values)
    )


@dataclass(frozen=True)
class Regression:
    coefficients: tuple[float, ...]
    standard_errors: tuple[float, ...]
    observations: int
    r_squared: float


def ols(
    rows: list[tuple[float, ...]], targets: list[float], *, robust: bool = False
) -> Regression | None:
    """Least squares with an intercept column supplied by the caller; None if singular.
    `robust`: heteroskedasticity-consistent standard errors (HC1), for outcomes whose
    variance differs with the regressors (a linear probability model's)."""
    x = np.asarray(rows, dtype=float)
    y = np.asarray(targets, dtype=float)
    n, k = x.shape if x.ndim == 2 else (0, 0)
    if n <= k:
        return None
    gram = x.T @ x
    if np.linalg.matrix_rank(gram) < k:
        return None
    inverse = np.linalg.inv(gram)
    beta = inverse @ x.T @ y
    residuals = y - x @ beta
    variance = float(residuals @ residuals) / (n - k)
    spread = float(((y - y.mean()) ** 2).sum())
    if robust:
        meat = (x * (residuals**2)[:, None]).T @ x
        covariance = inverse @ meat @ inverse * n / (n - k)
    else:
        covariance = inverse * variance
    return Regression(
        coefficients=tuple(float(b) for b in beta),
        standard_errors=tuple(float(math.sqrt(max(v, 0.0))) for v in np.diag(covariance)),
        observations=n,
        r_squared=1 - float(residuals @ residuals) / spread if spread > 0 else 1.0,
    )


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
