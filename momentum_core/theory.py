r"""Heavy-ball momentum on quadratic bowls: rates, stability and the best settings.

The bowl is :math:`f(x) = \tfrac12 \sum_i \lambda_i x_i^2` and heavy ball runs

.. math::

    z_{t+1} = \beta z_t + \nabla f(x_t), \qquad x_{t+1} = x_t - \alpha z_{t+1},

with alpha the learning rate and beta the momentum: ``torch.optim.SGD`` with dampening 0
(also TF.js ``tf.train.momentum``), first step included, since :math:`z_0 = 0` makes
:math:`z_1 = g_1`. Each eigen-direction, with curvature lambda, evolves on its own by

.. math::

    \begin{pmatrix} z_{t+1} \\ x_{t+1} \end{pmatrix}
    = \begin{pmatrix} \beta & \lambda \\ -\alpha\beta & 1 - \alpha\lambda \end{pmatrix}
      \begin{pmatrix} z_t \\ x_t \end{pmatrix},

because :math:`x_{t+1} = x_t - \alpha(\beta z_t + \lambda x_t)`. In the coordinates
:math:`(x_t, x_{t-1})` the same recurrence reads
:math:`x_{t+1} = (1 + \beta - \alpha\lambda) x_t - \beta x_{t-1}`. Either way the
characteristic polynomial is :math:`\mu^2 - T\mu + \beta` with trace
:math:`T = 1 + \beta - \alpha\lambda` and determinant :math:`\beta`, so the eigenvalues are
:math:`\mu_\pm = (T \pm \sqrt{T^2 - 4\beta})/2` and, when they are a complex pair, both have
modulus :math:`\sqrt\beta` (Polyak 1964; Goh, "Why Momentum Really Works", Distill 2017).

The error along the direction shrinks like :func:`rate` to the power t, the spectral radius
:math:`\max |\mu_\pm|`. All rate functions broadcast over numpy arrays of alpha, beta and
lambda, so one call fills a whole ``(beta, alpha)`` meshgrid.

Example:
    >>> alpha, beta, r = optimal_momentum(1.0, 100.0)
    >>> round(alpha * 121, 12), round(beta * 121, 12), round(r * 11, 12)
    (4.0, 81.0, 9.0)
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray
ArrayLike = float | Array


def _finite(name: str, value: ArrayLike) -> Array:
    """``value`` as a float array, or a ValueError naming the first non-finite entry."""
    arr = np.asarray(value, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} must be finite, got {arr[bad].flat[0]}")
    return arr


def _curvature_range(lam_min: float, lam_max: float) -> tuple[float, float]:
    """Check the extreme curvatures of a bowl: finite, positive, in order."""
    for name, lam in (("lam_min", lam_min), ("lam_max", lam_max)):
        if np.ndim(lam) != 0:
            raise ValueError(f"{name} must be a single number, got shape {np.shape(lam)}")
        _finite(name, lam)
        if not lam > 0:
            raise ValueError(f"{name} must be > 0, got {lam}")
    if lam_min > lam_max:
        raise ValueError(f"condition number must be >= 1, got {lam_max / lam_min}")
    return float(lam_min), float(lam_max)


def _trace_and_discriminant(
    alpha: ArrayLike, beta: ArrayLike, lam: ArrayLike
) -> tuple[Array, Array, Array]:
    """Broadcast trace ``T = 1 + beta - alpha lam``, discriminant ``T^2 - 4 beta`` and beta."""
    alpha = _finite("learning rate", alpha)
    beta = _finite("momentum", beta)
    lam = _finite("curvature", lam)
    trace = 1.0 + beta - alpha * lam
    return trace, trace * trace - 4.0 * beta, np.broadcast_to(beta, trace.shape)


def eigenvalues(alpha: ArrayLike, beta: ArrayLike, lam: ArrayLike) -> tuple[Array, Array]:
    r"""The two eigenvalues of heavy ball's iteration matrix along curvature ``lam``.

    The quadratic formula :math:`\mu_\pm = (T \pm \sqrt{T^2 - 4\beta})/2` with
    :math:`T = 1 + \beta - \alpha\lambda`, taken with a complex square root so that both
    regimes (real, and a complex pair) come out of one vectorised expression.

    Args:
        alpha: Learning rate(s).
        beta: Momentum(s).
        lam: Curvature(s) of the eigen-direction.

    Returns:
        ``(mu_plus, mu_minus)``, complex arrays of the broadcast shape.

    Raises:
        ValueError: If an input is not finite.

    Example:
        >>> mu_plus, mu_minus = eigenvalues(1.0, 0.25, 1.0)  # T = 1/4: a complex pair
        >>> complex(mu_plus), abs(complex(mu_minus))
        ((0.125+0.4841229182759271j), 0.5)
    """
    trace, disc, _ = _trace_and_discriminant(alpha, beta, lam)
    root = np.sqrt(disc.astype(complex))
    return (trace + root) / 2.0, (trace - root) / 2.0


def rate(alpha: ArrayLike, beta: ArrayLike, lam: ArrayLike) -> Array:
    r"""Linear convergence rate along one eigen-direction: the iteration's spectral radius.

    :math:`\max(|\mu_+|, |\mu_-|)` of :func:`eigenvalues`. Where the pair is complex
    (:math:`T^2 < 4\beta`) their product is the determinant :math:`\beta`, so the modulus is
    :math:`\sqrt\beta` exactly; it is computed so, not as :math:`|\mu|`, which would be off by
    an ulp and would let beta = 1 look convergent. Below 1 the direction converges, at 1 it
    neither shrinks nor grows (beta = 1, or alpha = 0), above 1 it diverges.

    Near a double root (:math:`T^2 = 4\beta`, e.g. at the optimum of
    :func:`optimal_momentum`) the radius depends on the inputs like a square root, so a
    round-off of 1e-16 in them moves it by about 1e-8: the problem's conditioning, not the
    formula's.

    Args:
        alpha: Learning rate(s); any real values.
        beta: Momentum(s); any real values.
        lam: Curvature(s) of the eigen-direction; any real values.

    Returns:
        Rates of the broadcast shape (a numpy float for scalar inputs).

    Raises:
        ValueError: If an input is not finite.

    Example:
        >>> float(rate(2 / 101, 0.0, 1.0))  # gradient descent at its best for kappa = 100
        0.9801980198019802
        >>> float(rate(1.0, 0.64, 1.0))  # complex pair: sqrt(beta)
        0.8
    """
    trace, disc, beta = _trace_and_discriminant(alpha, beta, lam)
    complex_pair = disc < 0
    real_radius = (np.abs(trace) + np.sqrt(np.where(complex_pair, 0.0, disc))) / 2.0
    return np.where(complex_pair, np.sqrt(np.where(complex_pair, beta, 0.0)), real_radius)[()]


def bowl_rate(alpha: ArrayLike, beta: ArrayLike, lam_min: float, lam_max: float) -> Array:
    r"""Rate of a bowl whose curvatures lie in ``[lam_min, lam_max]``: its slowest direction.

    The worst curvature is always an end of the range. Along lambda the radius is a
    non-decreasing function of :math:`|T|` alone (:math:`\sqrt\beta` while the pair is
    complex, then :math:`(|T| + \sqrt{T^2 - 4\beta})/2`), and :math:`|T| = |1 + \beta -
    \alpha\lambda|` is convex in lambda, so its maximum over an interval sits at an end.

    Args:
        alpha: Learning rate(s).
        beta: Momentum(s).
        lam_min: Smallest curvature (Hessian eigenvalue), > 0.
        lam_max: Largest curvature, >= ``lam_min``.

    Returns:
        Rates of the broadcast shape of ``alpha`` and ``beta``.

    Raises:
        ValueError: On a non-finite input, a curvature <= 0 or ``lam_min > lam_max``.

    Example:
        >>> float(bowl_rate(0.5, 0.0, 1.0, 3.0))  # GD factors |1 - 0.5| and |1 - 1.5|
        0.5
    """
    lam_min, lam_max = _curvature_range(lam_min, lam_max)
    return np.maximum(rate(alpha, beta, lam_min), rate(alpha, beta, lam_max))[()]


def is_stable(alpha: ArrayLike, beta: ArrayLike, lam: ArrayLike) -> Array:
    r"""Whether heavy ball converges along curvature ``lam``: ``|beta| < 1`` and
    ``0 < alpha lam < 2 + 2 beta``.

    Jury's test for :math:`\mu^2 - T\mu + \beta`: both roots lie inside the unit circle iff
    :math:`|\beta| < 1` and :math:`|T| < 1 + \beta`, and the second reads
    :math:`0 < \alpha\lambda < 2 + 2\beta`. For momentum in its usual range this is
    ``0 <= beta < 1``; negative momentum (down to -1) converges too, so it is included and
    ``is_stable`` agrees with ``rate(...) < 1`` everywhere off the boundary itself.

    Args:
        alpha: Learning rate(s).
        beta: Momentum(s).
        lam: Curvature(s).

    Returns:
        Booleans of the broadcast shape.

    Raises:
        ValueError: If an input is not finite.

    Example:
        >>> bool(is_stable(3.0, 0.9, 1.0)), bool(is_stable(3.0, 0.2, 1.0))
        (True, False)
    """
    beta = _finite("momentum", beta)
    step = _finite("learning rate", alpha) * _finite("curvature", lam)
    return ((np.abs(beta) < 1) & (step > 0) & (step < 2 + 2 * beta))[()]


def optimal_gd(lam_min: float, lam_max: float) -> tuple[float, float]:
    r"""Gradient descent's best learning rate and its rate on the bowl.

    :math:`\alpha^* = 2/(\lambda_{\min} + \lambda_{\max})` balances the two ends
    (:math:`1 - \alpha\lambda_{\min} = \alpha\lambda_{\max} - 1`), giving the rate
    :math:`(\kappa - 1)/(\kappa + 1)` with :math:`\kappa = \lambda_{\max}/\lambda_{\min}`.
    Scaling all curvatures by c divides alpha* by c and leaves the rate alone.

    Args:
        lam_min: Smallest curvature, > 0.
        lam_max: Largest curvature, >= ``lam_min``.

    Returns:
        ``(alpha_star, rate)``.

    Raises:
        ValueError: On a non-finite input, a curvature <= 0 or ``lam_min > lam_max``.

    Example:
        >>> optimal_gd(1.0, 100.0)  # 2/101 and 99/101
        (0.019801980198019802, 0.9801980198019802)
    """
    lam_min, lam_max = _curvature_range(lam_min, lam_max)
    return 2.0 / (lam_min + lam_max), (lam_max - lam_min) / (lam_max + lam_min)


def optimal_momentum(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    r"""Heavy ball's best (learning rate, momentum) and its rate on the bowl (Polyak 1964).

    :math:`\alpha^* = (2/(\sqrt{\lambda_{\min}} + \sqrt{\lambda_{\max}}))^2`,
    :math:`\beta^* = ((\sqrt\kappa - 1)/(\sqrt\kappa + 1))^2`, rate
    :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1) = \sqrt{\beta^*}`. There both ends of the
    spectrum sit on a double root (:math:`T = \pm 2\sqrt{\beta^*}`), every curvature between
    has a complex pair of modulus :math:`\sqrt{\beta^*}`, and any change of (alpha, beta)
    makes one end worse. Scaling all curvatures by c divides alpha* by c; beta* and the rate
    depend on kappa only.

    Args:
        lam_min: Smallest curvature, > 0.
        lam_max: Largest curvature, >= ``lam_min``.

    Returns:
        ``(alpha_star, beta_star, rate)``.

    Raises:
        ValueError: On a non-finite input, a curvature <= 0 or ``lam_min > lam_max``.
    """
    lam_min, lam_max = _curvature_range(lam_min, lam_max)
    lo, hi = np.sqrt(lam_min), np.sqrt(lam_max)
    r = (hi - lo) / (hi + lo)
    return float((2.0 / (lo + hi)) ** 2), float(r * r), float(r)


def steps_to_tolerance(rate: ArrayLike, ratio: ArrayLike) -> Array:
    """Predicted steps for an error shrinking by ``rate`` per step to shrink by ``ratio``.

    The least k with ``rate**k <= ratio``: ``ceil(log(ratio) / log(rate))``, taking an exact
    integer quotient as reached despite round-off. A rate of 0 needs one step (the limit of
    the formula as the rate falls to 0; no rate reaches the ratio in 0 steps, since
    ``ratio < 1``); a rate >= 1 never gets there: ``inf``.

    Args:
        rate: Linear rate(s) >= 0 (``inf`` allowed, for a diverging run).
        ratio: The shrink factor(s), in (0, 1), e.g. 1e-6; broadcast against ``rate``.

    Returns:
        Step counts as floats (``inf`` for rate >= 1), of the broadcast shape.

    Raises:
        ValueError: If ``ratio`` is not in (0, 1) or a rate is negative or NaN.

    Example:
        >>> float(steps_to_tolerance(0.5, 1e-3))  # 0.5**10 < 1e-3 < 0.5**9
        10.0
    """
    q = np.asarray(ratio, dtype=float)
    bad = ~((q > 0) & (q < 1))
    if bad.any():
        raise ValueError(f"ratio must be in (0, 1), got {q[bad].flat[0]}")
    r = np.asarray(rate, dtype=float)
    bad = np.isnan(r) | (r < 0)
    if bad.any():
        raise ValueError(f"rate must be >= 0, got {r[bad].flat[0]}")
    shrinking = (r > 0) & (r < 1)
    quotient = np.log(q) / np.log(np.where(shrinking, r, 0.5))
    steps = np.ceil(quotient * (1.0 - 1e-12))  # an exact quotient n is n, not n + 1
    return np.where(r >= 1, np.inf, np.where(r > 0, steps, 1.0))[()]


def _as_runs(distances: ArrayLike) -> tuple[Array, bool]:
    """Distances as a ``(steps + 1, runs)`` array, and whether the input was one run."""
    d = np.asarray(distances, dtype=float)
    if d.ndim not in (1, 2) or len(d) < 2:
        raise ValueError(f"distances must be (steps + 1,) or (steps + 1, runs), got {d.shape}")
    if (d < 0).any():
        raise ValueError(f"distances must be >= 0, got {d[d < 0].flat[0]}")
    return (d[:, None], True) if d.ndim == 1 else (d, False)


def measured_rate(distances: ArrayLike, *, skip: float = 0.5, floor: float = 1e-12) -> Array:
    """The rate a run shows: ``exp`` of the least-squares slope of log(distance) on steps.

    The fit window of each run is its stretch from step 0 until the distance first drops to
    ``floor`` times its start (or stops being finite), less the first ``skip`` share of that
    stretch. The floor keeps round-off out: near a minimum at x* the distance cannot go
    below about 1e-16 |x*|, and 1e-12 of a start distance of order 1 stays well clear of it.
    (A bowl whose minimum is the origin has no such floor; ``floor=1e-250`` then gives
    longer windows.) Skipping the first half of the window drops the transient, the steps
    where faster modes still add to the distance.

    At a double root, as at :func:`optimal_momentum`'s optimum, the error falls like
    ``(1 + c t) rate**t``, so any finite window reads the rate a little high (0.8 % at
    kappa = 100 with the defaults, 3 % at kappa = 10). A distance that oscillates
    (complex eigenvalues) is fitted as it is, dips and all.

    Args:
        distances: ``(steps + 1, runs)`` or ``(steps + 1,)`` distances to the minimum,
            step 0 first.
        skip: Share of each run's window, in [0, 1), dropped from its start; at least two
            points are always kept.
        floor: Relative distance, in (0, 1), at which the window ends.

    Returns:
        ``(runs,)`` rates (a numpy float for one run). A run with a single usable point
        gets ``d[1] / d[0]`` (at most ``floor``, or inf if it blew up at once); one that
        starts at the minimum (or at a non-finite distance) gets NaN.

    Raises:
        ValueError: On a bad shape, a negative distance, or ``skip``/``floor`` out of range.

    Example:
        >>> float(measured_rate(0.9 ** np.arange(50.0)))
        0.9
    """
    if not 0 <= skip < 1:
        raise ValueError(f"skip must be in [0, 1), got {skip}")
    if not 0 < floor < 1:
        raise ValueError(f"floor must be in (0, 1), got {floor}")
    d, single = _as_runs(distances)
    start = d[0]
    # The window is a prefix: it ends at the first point at the floor or non-finite.
    window = np.logical_and.accumulate(np.isfinite(d) & (d > floor * start), axis=0)
    usable = window.sum(axis=0)
    first = np.minimum(np.floor(skip * usable), np.maximum(usable - 2, 0))
    steps = np.arange(len(d), dtype=float)[:, None]
    fit = window & (steps >= first)
    count = np.maximum(fit.sum(axis=0), 1)
    logs = np.log(np.where(fit, d, 1.0))
    t_mean = (steps * fit).sum(axis=0) / count
    y_mean = (logs * fit).sum(axis=0) / count
    dt = np.where(fit, steps - t_mean, 0.0)
    sxx = (dt * dt).sum(axis=0)
    slope = (dt * (logs - y_mean)).sum(axis=0) / np.where(usable >= 2, sxx, 1.0)
    with np.errstate(over="ignore"):
        fitted = np.exp(slope)
    # One usable point: the run fell below the floor (or blew up) in its first step.
    safe_start = np.where(usable == 1, start, 1.0)
    one_step = np.where(np.isfinite(d[1]), np.where(usable == 1, d[1], 0.0) / safe_start, np.inf)
    out = np.where(usable >= 2, fitted, np.where(usable == 1, one_step, np.nan))
    return out[0] if single else out


def steps_below(distances: ArrayLike, ratio: float) -> Array:
    """Measured steps to tolerance: the twin of :func:`steps_to_tolerance` for a run.

    Per run, the first step from which the distance stays at or below ``ratio`` times its
    start for the rest of the run; -1 if it does not end there (non-finite counts as out).

    Args:
        distances: ``(steps + 1, runs)`` or ``(steps + 1,)`` distances to the minimum.
        ratio: The shrink factor, in (0, 1), e.g. 1e-6.

    Returns:
        ``(runs,)`` integer steps (a numpy int for one run).

    Raises:
        ValueError: On a bad shape, a negative distance or ``ratio`` out of (0, 1).

    Example:
        >>> int(steps_below(0.5 ** np.arange(20.0), 1e-3))
        10
    """
    if not 0 < ratio < 1:
        raise ValueError(f"ratio must be in (0, 1), got {ratio}")
    d, single = _as_runs(distances)
    outside = ~(d <= ratio * d[0])  # NaN compares False: outside
    last = len(d) - 1
    # One past the last point outside. Step 0 is outside unless the run starts at the
    # minimum; then nothing is, argmax gives 0 and the run reports -1.
    last_outside = last - np.argmax(outside[::-1], axis=0)
    out = np.where(last_outside < last, last_outside + 1, -1)
    return out[0] if single else out
