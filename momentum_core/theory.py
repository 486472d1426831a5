r"""Heavy-ball momentum on quadratic bowls: rates, stability and the optimal settings.

For :math:`f(x) = \tfrac12 \sum_i \lambda_i x_i^2` and heavy ball
:math:`z_{t+1} = \beta z_t + \nabla f(x_t),\ x_{t+1} = x_t - \alpha z_{t+1}` (PyTorch's SGD
with momentum, first step included, since :math:`z_0 = 0` gives :math:`z_1 = g_1`), each
eigen-direction evolves by the matrix :math:`\begin{pmatrix}\beta & \lambda\\ -\alpha\beta &
1-\alpha\lambda\end{pmatrix}` acting on :math:`(z, x)`. Its characteristic polynomial is
:math:`\mu^2 - (1 + \beta - \alpha\lambda)\mu + \beta`, so the eigenvalues have product
:math:`\beta` and, when complex, modulus :math:`\sqrt\beta` (Polyak 1964; Goh, "Why Momentum
Really Works", Distill 2017). All functions broadcast over their array arguments.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _check_curvatures(lam_min: float, lam_max: float) -> None:
    if not (np.isfinite(lam_min) and np.isfinite(lam_max) and 0 < lam_min <= lam_max):
        raise ValueError(f"need 0 < lam_min <= lam_max, got {lam_min:g} and {lam_max:g}")


def rate(alpha: float | Array, beta: float | Array, lam: float | Array) -> Array:
    """Linear convergence rate of one eigen-direction: the iteration's spectral radius.

    With ``T = 1 + beta - alpha lam`` the eigenvalues are ``(T +- sqrt(T^2 - 4 beta)) / 2``:
    real when ``T^2 >= 4 beta`` (radius ``(|T| + sqrt(T^2 - 4 beta)) / 2``), else a complex
    pair of modulus ``sqrt(beta)``. Below 1 the direction converges; at or above, it does not.

    Example:
        >>> float(rate(2 / 101, 0.0, 1.0))  # gradient descent at the optimum for kappa 100
        0.9801980198019802
    """
    alpha, beta, lam = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (alpha, beta, lam))
    )
    t = 1.0 + beta - alpha * lam
    disc = t * t - 4.0 * beta
    real = (np.abs(t) + np.sqrt(np.maximum(disc, 0.0))) / 2.0
    return np.where(disc >= 0, real, np.sqrt(np.maximum(beta, 0.0)))


def bowl_rate(alpha: float | Array, beta: float | Array, lam_min: float, lam_max: float) -> Array:
    """The rate of a bowl whose curvatures lie in ``[lam_min, lam_max]``: the slowest direction.

    Along lambda the rate is ``sqrt(beta)`` on the middle (complex) stretch and grows
    monotonically away from it on both sides, so the worst curvature is an end of the range.
    """
    _check_curvatures(lam_min, lam_max)
    return np.maximum(rate(alpha, beta, lam_min), rate(alpha, beta, lam_max))


def is_stable(alpha: float | Array, beta: float | Array, lam: float | Array) -> Array:
    """Whether a direction with curvature ``lam`` converges:
    ``0 <= beta < 1`` and ``0 < alpha lam < 2 + 2 beta``."""
    alpha, beta, lam = (np.asarray(v, dtype=float) for v in (alpha, beta, lam))
    return (beta >= 0) & (beta < 1) & (alpha * lam > 0) & (alpha * lam < 2 + 2 * beta)


def optimal_gd(lam_min: float, lam_max: float) -> tuple[float, float]:
    """Gradient descent's best learning rate and its rate: ``2/(lam_min + lam_max)``,
    ``(kappa - 1)/(kappa + 1)``.

    Example:
        >>> optimal_gd(1.0, 100.0)
        (0.019801980198019802, 0.9801980198019802)
    """
    _check_curvatures(lam_min, lam_max)
    kappa = lam_max / lam_min
    return 2.0 / (lam_min + lam_max), (kappa - 1.0) / (kappa + 1.0)


def optimal_momentum(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    """Heavy ball's best (alpha, beta) and its rate: ``(2/(sqrt(lam_min) + sqrt(lam_max)))^2``,
    ``((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2`` and ``(sqrt(kappa) - 1)/(sqrt(kappa) + 1)``.
    """
    _check_curvatures(lam_min, lam_max)
    root = np.sqrt(lam_max / lam_min)
    r = (root - 1.0) / (root + 1.0)
    alpha = (2.0 / (np.sqrt(lam_min) + np.sqrt(lam_max))) ** 2
    return float(alpha), float(r * r), float(r)


def steps_to_tolerance(rate: float | Array, ratio: float) -> Array:
    """Steps for an error shrinking by ``rate`` per step to shrink by ``ratio`` (e.g. 1e-6):
    ``ceil(log(ratio) / log(rate))``; 0 for rate 0, inf for rate >= 1."""
    if not 0 < ratio < 1:
        raise ValueError(f"ratio must be in (0, 1), got {ratio:g}")
    r = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.ceil(np.log(ratio) / np.log(np.where(r > 0, r, 0.5)))
    return np.where(r >= 1, np.inf, np.where(r > 0, steps, 0.0))


def measured_rate(distances: Array, floor: float = 1e-12, skip: float = 0.1) -> Array:
    """The rate a run shows: ``exp`` of the least-squares slope of log(distance) on steps.

    The fit uses the steps after the first ``skip`` fraction of the decay (the transient)
    and before the distance falls below ``floor`` times its start (round-off).

    Args:
        distances: ``(steps + 1, runs)`` or ``(steps + 1,)`` distances to the minimum.
        floor: Relative distance below which points are ignored.
        skip: Fraction of the usable points dropped at the start.

    Returns:
        ``(runs,)`` (or a scalar) rates; a run with fewer than two usable points gets the
        ratio of its first two distances.
    """
    d = np.asarray(distances, dtype=float)
    single = d.ndim == 1
    d = d.reshape(len(d), -1)
    steps = np.arange(len(d), dtype=float)[:, None]
    usable = d > floor * d[:1]
    # Count usable points per run and drop the first `skip` share of them.
    order = np.cumsum(usable, axis=0)
    usable &= order > np.floor(skip * usable.sum(axis=0))
    n = usable.sum(axis=0)
    logs = np.log(np.where(usable, d, 1.0))
    st, sl = (steps * usable).sum(0), (logs * usable).sum(0)
    stt, stl = (steps * steps * usable).sum(0), (steps * logs * usable).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (n * stl - st * sl) / (n * stt - st * st)
        first = d[1] / d[0]
    out = np.where(n >= 2, np.exp(slope), first)
    return out[0] if single else out


def steps_below(distances: Array, ratio: float) -> Array:
    """Per run: the first step from which distance / start distance stays below ``ratio``
    (-1 if it never does): the measured twin of :func:`steps_to_tolerance`.

    Args:
        distances: ``(steps + 1, runs)`` distances to the minimum.
        ratio: The shrink factor, e.g. 1e-6.
    """
    d = np.asarray(distances, dtype=float)
    outside = d >= ratio * d[:1]
    last_out = np.where(outside.any(axis=0), len(d) - 1 - np.argmax(outside[::-1], axis=0), -1)
    return np.where(last_out < len(d) - 1, last_out + 1, -1)
