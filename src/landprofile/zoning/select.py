"""Choosing among candidate regions: an exact MILP on HiGHS, or greedy for huge sets.

The problem, for candidates ``j`` with value ``v_j`` (their evaluation) and area
``a_j``::

    maximise    sum v_j x_j
    subject to  sum x_j       <= n_zones         (when a number of zones is asked)
                sum a_j x_j   <= total_area_ha   (when a total area is asked)
                sum_{j in C} x_j <= 1            for every clique C of conflicts
                x_j in {0, 1}

A pair conflicts when the two regions share a cell, lie closer than the minimum
spacing, or farther apart than the maximum spacing. Given a
:class:`~landprofile.zoning.conflict_cliques.ConflictGraph`, candidates no optimal
selection needs are pruned first and the conflicts are written as a clique cover of the
graph (the same integer selections as one row per pair, a tighter relaxation); given an
array of pairs, each pair is a row, as before. Locked-in zones are not variables: the
caller removes what conflicts with them and lowers the budgets by what they use.

:func:`solve` returns the chosen set with the objective, the solver's bound and the
optimality gap. For ``greedy`` the bound is that of the LP relaxation, so the gap it
reports is an honest upper bound on how far greedy is from the optimum.

A gap is stated only when a bound was proved: HiGHS's dual bound for ``exact``, a
finished LP relaxation for ``greedy``. When the time limit stops HiGHS before it has a
solution or a bound, or stops the relaxation, ``bound`` and ``gap`` are ``None`` and
``unproved`` says why: nothing is claimed that was not shown.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from landprofile.zoning.conflict_cliques import ConflictGraph

__all__ = ["Solution", "solve"]


@dataclass(frozen=True)
class Solution:
    """What the selection chose and how good that is known to be."""

    selected: np.ndarray  # indices, ascending
    objective: float
    #: An upper bound on the best objective, proved by HiGHS; ``None`` when none was.
    bound: float | None
    #: ``(bound - objective) / bound``; ``None`` without a proved bound.
    gap: float | None
    seconds: float
    status: str
    #: Why the selection is not proved optimal (``None`` when it is, or greedy's gap is
    #: known); the words of the warning ``locate`` gives.
    unproved: str | None = None
    #: Candidates pruned before solving (dominated: an optimal selection without them
    #: exists), and the conflict rows of the model.
    n_pruned: int = 0
    n_conflict_rows: int = 0


def _model(
    values: np.ndarray,
    areas: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray],
    n_max: int | None,
    area_max: float | None,
    integer: bool,
):
    import highspy

    n = len(values)
    inf = highspy.kHighsInf
    rows_start = [0]
    index: list[np.ndarray] = []
    value: list[np.ndarray] = []
    lo: list[float] = []
    up: list[float] = []
    if n_max is not None:
        index.append(np.arange(n))
        value.append(np.ones(n))
        lo.append(-inf)
        up.append(float(n_max))
        rows_start.append(rows_start[-1] + n)
    if area_max is not None:
        index.append(np.arange(n))
        value.append(np.asarray(areas, dtype=float))
        lo.append(-inf)
        up.append(float(area_max))
        rows_start.append(rows_start[-1] + n)
    # one row "at most one of these" per conflict row (a pair or a clique)
    r_off, r_mem = rows
    m_rows = len(r_off) - 1
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(lo) + m_rows
    lp.col_cost_ = np.asarray(values, dtype=float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    start = np.array(rows_start, dtype=np.int64)
    if m_rows:
        start = np.concatenate([start, start[-1] + np.asarray(r_off[1:], dtype=np.int64)])
        index.append(np.asarray(r_mem, dtype=np.int64))
        value.append(np.ones(len(r_mem)))
        lo += [-inf] * m_rows
        up += [1.0] * m_rows
    lp.row_lower_ = np.array(lo, dtype=float)
    lp.row_upper_ = np.array(up, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(index).astype(np.int32) if index else np.zeros(0, np.int32)
    lp.a_matrix_.value_ = np.concatenate(value) if value else np.zeros(0)
    lp.sense_ = highspy.ObjSense.kMaximize
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return lp


def _run(lp, time_limit_s: float):
    # the core class: highspy.Highs() calls HiGHS (enabling callbacks) before any option
    # can be set, which prints HiGHS's banner on the process's stdout
    from highspy import _core

    h = _core._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    return h


def solve(
    values: np.ndarray,
    areas: np.ndarray,
    conflicts: np.ndarray | ConflictGraph,
    *,
    n_max: int | None = None,
    area_max: float | None = None,
    method: str = "exact",
    time_limit_s: float = 30.0,
) -> Solution:
    """Choose candidates maximising the summed value under the budgets and conflicts.

    Parameters
    ----------
    values, areas
        Per candidate (``values`` > 0 for a candidate to be worth choosing).
    conflicts
        A :class:`~landprofile.zoning.conflict_cliques.ConflictGraph` (dominated
        candidates pruned, conflicts written as cliques), or ``(m, 2)`` indices of
        conflicting candidates (one row per pair, nothing pruned).
    n_max, area_max
        The number of zones and the total area (same unit as ``areas``), or ``None``.
    method
        ``exact`` (MILP, HiGHS) or ``greedy`` (best value first that fits).
    time_limit_s
        HiGHS stops there and reports the gap it proved.

    Returns
    -------
    Solution
    """
    t0 = time.perf_counter()
    values = np.asarray(values, dtype=float)
    areas = np.asarray(areas, dtype=float)
    n = len(values)
    if n == 0 or (n_max is not None and n_max <= 0):
        return Solution(np.zeros(0, dtype=np.int64), 0.0, 0.0, 0.0, 0.0, "empty")
    if method not in ("exact", "greedy"):
        raise ValueError(f"method {method!r}")
    if isinstance(conflicts, ConflictGraph):
        # an optimal selection (and greedy's) holds no dominated candidate
        keep = np.flatnonzero(~conflicts.dominated(values, areas, area_max is not None))
        graph = conflicts.subgraph(keep)
        rows = graph.cliques()
        adj = graph.adjacency

        def block(j: int) -> np.ndarray:
            return adj[j]

    else:
        keep = np.arange(n)
        pairs = np.asarray(conflicts, dtype=np.int64).reshape(-1, 2)
        rows = (2 * np.arange(len(pairs) + 1, dtype=np.int64), pairs.ravel())
        nbrs: list[list[int]] = [[] for _ in range(n)]
        for i, j in pairs.tolist():
            nbrs[i].append(j)
            nbrs[j].append(i)

        def block(j: int) -> np.ndarray:
            return np.asarray(nbrs[j], dtype=np.int64)

    v, a = values[keep], areas[keep]
    if method == "exact":
        sol = _exact(v, a, rows, n_max, area_max, time_limit_s, t0)
    else:
        sol = _greedy_bounded(v, a, rows, block, n_max, area_max, time_limit_s, t0)
    return dataclasses.replace(
        sol,
        selected=keep[sol.selected],
        n_pruned=n - len(keep),
        n_conflict_rows=len(rows[0]) - 1,
    )


def _greedy_bounded(
    values: np.ndarray,
    areas: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray],
    block: Callable[[int], np.ndarray],
    n_max: int | None,
    area_max: float | None,
    time_limit_s: float,
    t0: float,
) -> Solution:
    sel = _greedy(values, areas, block, n_max, area_max)
    obj = float(values[sel].sum())
    import highspy

    h = _run(_model(values, areas, rows, n_max, area_max, False), time_limit_s)
    status = h.getModelStatus()
    lp_bound = float(h.getInfo().objective_function_value)
    if status == highspy.HighsModelStatus.kOptimal and math.isfinite(lp_bound):
        # the relaxation's optimum bounds every integer selection: an honest gap
        bound = max(lp_bound, obj)
        return Solution(sel, obj, bound, _gap(obj, bound), time.perf_counter() - t0, "greedy")
    # a relaxation cut short holds a current value, not a bound: no gap can be claimed
    why = (
        f"the LP relaxation that bounds greedy's gap did not finish "
        f"({h.modelStatusToString(status)} after time_limit_s={time_limit_s:g} s), so "
        "greedy's distance from the optimum is unknown"
    )
    return Solution(sel, obj, None, None, time.perf_counter() - t0, "greedy, gap not proved", why)


def _exact(
    values: np.ndarray,
    areas: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray],
    n_max: int | None,
    area_max: float | None,
    time_limit_s: float,
    t0: float,
) -> Solution:
    import highspy

    n = len(values)
    h = _run(_model(values, areas, rows, n_max, area_max, True), time_limit_s)
    status = h.getModelStatus()
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value)
    # 2 is kSolutionStatusFeasible: HiGHS holds an integer-feasible selection
    has_solution = len(x) == n and int(info.primal_solution_status) == 2
    sel = np.flatnonzero(x > 0.5) if has_solution else np.zeros(0, dtype=np.int64)
    obj = float(values[sel].sum())
    seconds = time.perf_counter() - t0
    if status == highspy.HighsModelStatus.kOptimal and has_solution:
        # HiGHS proves optimality to its own tolerance: state a gap of 0 only then
        dual = float(info.mip_dual_bound)
        bound = max(dual, obj) if math.isfinite(dual) else obj
        return Solution(sel, obj, bound, 0.0, seconds, "optimal")
    name = h.modelStatusToString(status)
    dual = float(info.mip_dual_bound)
    bound = max(dual, obj) if math.isfinite(dual) else None
    if not has_solution:
        why = (
            f"HiGHS stopped ({name}, time_limit_s={time_limit_s:g} s) before it found any "
            "selection"
            + (f"; its proved bound is {bound:.4g}" if bound is not None else ", or any bound")
            + ": no zone was chosen by the solver"
        )
        return Solution(sel, obj, bound, None, seconds, "not solved: " + name, why)
    if bound is None:
        why = (
            f"HiGHS stopped ({name}, time_limit_s={time_limit_s:g} s) with a selection "
            f"worth {obj:.4g} but no proved bound"
        )
        return Solution(sel, obj, None, None, seconds, "not proved optimal: " + name, why)
    gap = _gap(obj, bound)
    why = (
        f"HiGHS stopped ({name}, time_limit_s={time_limit_s:g} s) with a selection worth "
        f"{obj:.4g} and a proved bound of {bound:.4g}: at most {100 * gap:.2f} % below "
        "the optimum"
    )
    return Solution(sel, obj, bound, gap, seconds, "not proved optimal: " + name, why)


def _gap(obj: float, bound: float) -> float:
    return 0.0 if bound <= 0 else max(0.0, (bound - obj) / abs(bound))


def _greedy(
    values: np.ndarray,
    areas: np.ndarray,
    block: Callable[[int], np.ndarray],
    n_max: int | None,
    area_max: float | None,
) -> np.ndarray:
    n = len(values)
    blocked = np.zeros(n, dtype=bool)
    chosen: list[int] = []
    used = 0.0
    for j in np.lexsort((np.arange(n), -values)).tolist():
        if n_max is not None and len(chosen) >= n_max:
            break
        if blocked[j] or values[j] <= 0:
            continue
        if area_max is not None and used + areas[j] > area_max + 1e-9:
            continue
        chosen.append(j)
        used += areas[j]
        blocked[block(j)] = True
    return np.array(sorted(chosen), dtype=np.int64)
