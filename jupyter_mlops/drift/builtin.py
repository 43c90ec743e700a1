"""The built-in drift methods. Tests agree with scipy's on the same data; distances follow
Evidently's definitions, so thresholds carry over.

- ``ks``: two-sample Kolmogorov-Smirnov (numeric). p-value as ``scipy.stats.ks_2samp``: exact up
  to 10,000 values a side, Smirnov's asymptotic distribution above.
- ``chisquare``: chi-square test of homogeneity on the 2 x k table of counts, as
  ``scipy.stats.chi2_contingency`` (Yates' correction with one degree of freedom).
- ``ztest``: two-proportion Z-test (pooled), for a column with two categories.
- ``psi``: population stability index, ``sum((q - p) ln(q / p))``, shares floored at 0.0001.
- ``jensenshannon``: Jensen-Shannon distance (natural log, as ``scipy.spatial.distance.jensenshannon``).
- ``wasserstein``: the first Wasserstein distance divided by the reference's standard deviation.
- ``hellinger``: Hellinger distance, ``sqrt(sum((sqrt p - sqrt q)^2) / 2)``.

PSI, Jensen-Shannon, Hellinger and chi-square compare numeric columns on the reference's
deciles (see ``stats.binned_counts``).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidInput
from . import stats
from .methods import DriftMethod, register_method

PSI_FLOOR = 1e-4


def ks_p_value(d: float, n1: int, n2: int) -> float:
    """The two-sided p-value ``scipy.stats.ks_2samp(method="auto")`` gives for statistic ``d``."""
    from scipy.stats import kstwo

    if max(n1, n2) <= 10_000:
        try:
            from scipy.stats._stats_py import _attempt_exact_2kssamp  # what ks_2samp itself calls

            ok, _, p = _attempt_exact_2kssamp(n1, n2, math.gcd(n1, n2), d, "two-sided")
            if ok:
                return float(np.clip(p, 0, 1))
        except ImportError:  # pragma: no cover - a scipy without it: the asymptotic form below
            pass
    m, n = sorted([float(n1), float(n2)], reverse=True)
    return float(np.clip(kstwo.sf(d, np.round(m * n / (m + n))), 0, 1))


def ks(ref, cur):
    d = stats.ks_statistic(ref, cur)
    return d, ks_p_value(d, ref.count, cur.count)


def chisquare(ref, cur):
    from scipy.stats import chi2_contingency

    _, r, c = stats.counts(ref, cur)
    if len(r) < 2:
        return 0.0, 1.0
    statistic, p_value, *_ = chi2_contingency(np.vstack((r, c)))
    return float(statistic), float(p_value)


def ztest(ref, cur):
    from scipy.stats import norm

    labels, r, c = stats.counts(ref, cur)
    if len(labels) > 2:
        raise InvalidInput(
            f"the Z-test compares two categories, and {ref.column!r} has {len(labels)} "
            f"({', '.join(map(str, labels[:5]))}{', ...' if len(labels) > 5 else ''}); use method='chisquare'"
        )
    if len(labels) < 2:
        return 0.0, 1.0
    n1, n2 = r.sum(), c.sum()
    p1, p2, pooled = r[0] / n1, c[0] / n2, (r[0] + c[0]) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 0.0, 1.0
    z = (p1 - p2) / spread
    return float(z), float(2 * norm.sf(abs(z)))


def psi(ref, cur):
    _, r, c = stats.counts(ref, cur)
    p, q = stats.shares(r, PSI_FLOOR), stats.shares(c, PSI_FLOOR)
    return float(np.sum((q - p) * np.log(q / p))), None


def jensenshannon(ref, cur):
    _, r, c = stats.counts(ref, cur)
    p, q = stats.shares(r), stats.shares(c)
    m = (p + q) / 2

    def kl(a):
        mask = a > 0
        return float(np.sum(a[mask] * np.log(a[mask] / m[mask])))

    return math.sqrt(max((kl(p) + kl(q)) / 2, 0.0)), None


def hellinger(ref, cur):
    _, r, c = stats.counts(ref, cur)
    p, q = stats.shares(r), stats.shares(c)
    return float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2)), None


def wasserstein(ref, cur):
    return stats.wasserstein(ref, cur) / ref.std, None


BUILTIN = [
    DriftMethod("ks", ks, ("numeric",), True, 0.05, "two-sample Kolmogorov-Smirnov test"),
    DriftMethod("chisquare", chisquare, ("categorical", "numeric"), True, 0.05, "chi-square test of homogeneity",
                aliases=("chi2", "chi-square")),
    DriftMethod("ztest", ztest, ("categorical",), True, 0.05, "two-proportion Z-test", aliases=("z",)),
    DriftMethod("psi", psi, ("categorical", "numeric"), False, 0.1, "population stability index"),
    DriftMethod("jensenshannon", jensenshannon, ("categorical", "numeric"), False, 0.1, "Jensen-Shannon distance",
                aliases=("js",)),
    DriftMethod("wasserstein", wasserstein, ("numeric",), False, 0.1,
                "Wasserstein distance / reference standard deviation", aliases=("wasserstein_normed",)),
    DriftMethod("hellinger", hellinger, ("categorical", "numeric"), False, 0.1, "Hellinger distance"),
]

for _method in BUILTIN:
    register_method(_method)
