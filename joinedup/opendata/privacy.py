"""Optional differential privacy for counts, through OpenDP (``pip install 'joinedup[dp]'``).

Each person (or household) is in exactly one inner cell of a table, so adding or removing
one changes the table's inner counts by 1 in L1 distance: the discrete Laplace mechanism
(OpenDP's ``make_laplace`` over integers, the two-sided geometric) with scale 1/epsilon
releases them with epsilon-differential privacy. Totals are then summed from the noisy
counts, and negatives clamped to zero, which is post-processing and costs nothing more. A
dataset's epsilon is the sum over its tables (a person is in each of them once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from joinedup.errors import BadInput


def _opendp() -> Any:
    try:
        import opendp.prelude as dp
    except ModuleNotFoundError:
        raise BadInput("differential privacy needs OpenDP: pip install 'joinedup[dp]'"
                       ) from None
    dp.enable_features("contrib")
    return dp


def noisy_counts(counts: Sequence[int], epsilon: float) -> tuple[list[int], float]:
    """``counts`` with discrete Laplace noise for ``epsilon``, clamped at zero, and the
    epsilon OpenDP reports the mechanism spends (at most ``epsilon``)."""
    if not epsilon > 0:
        raise BadInput(f"epsilon must be more than zero, not {epsilon}")
    dp = _opendp()
    mechanism = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)),
                                  dp.l1_distance(T=int), scale=1.0 / epsilon)
    spent = float(mechanism.map(1))
    return [max(0, int(v)) for v in mechanism([int(c) for c in counts])], spent
