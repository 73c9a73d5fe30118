"""The HiGHS Steiner-arborescence MILP (``scipy.optimize.milp``): parity with the spec and with the DP."""

from __future__ import annotations

import numpy as np
import pytest

from adrs.envs.cloudcast.policies import POLICIES, resolve_policy
from adrs.paths import DataNotFoundError
from adrs.simulators.cloudcast import fixtures as F
from adrs.simulators.cloudcast import steiner_milp as M
from adrs.simulators.cloudcast.instance import Instance
from adrs.simulators.cloudcast.model import simulate
from adrs.simulators.cloudcast.steiner import lower_bound, steiner_parents, steiner_tree
from adrs.traces.cloudcast.embedded import load_split

pytest.importorskip("scipy.optimize", reason="scipy (>= 1.11) provides the HiGHS milp")


def _parents(inst: Instance, res: M.MilpResult) -> np.ndarray:
    return np.repeat(res.parents_row[None, :], inst.num_partitions, axis=0)


@pytest.fixture(scope="module")
def paper_milp() -> list[tuple[Instance, M.MilpResult]]:
    from adrs.traces.cloudcast.importers import reference_instances
    try:
        insts = reference_instances()
    except DataNotFoundError as exc:
        pytest.skip(f"real Cloudcast data absent (set ADRS_DATA or provide ../shared/data/cloudcast): {exc}")
    return [(inst, M.steiner_milp(inst)) for inst in insts]


def test_milp_fixture_optimum_is_hand_checked() -> None:
    inst = F.tiny_instance()
    res = M.steiner_milp(inst)
    assert res.optimal and res.opt_per_gb == pytest.approx(F.OPT_PER_GB, abs=1e-12)
    assert res.n_vars == (inst.n * (inst.n - 1) - (inst.n - 1)) * (1 + len(inst.dests))
    assert simulate(inst, _parents(inst, res)).total_cost == pytest.approx(F.OPT_TREE_TOTAL, abs=1e-9)


def test_milp_paper_parity(paper_milp) -> None:
    results = [simulate(inst, _parents(inst, r)) for inst, r in paper_milp]
    assert all(r.optimal for _, r in paper_milp)
    assert [r.opt_per_gb for _, r in paper_milp] == pytest.approx([0.19, 0.33, 0.47, 0.535, 0.535], abs=1e-12)
    assert sum(r.egress_cost for r in results) == pytest.approx(618.0, abs=1e-9)
    assert 619.79 <= sum(r.total_cost for r in results) <= 626.24
    # spec §6 model size: 34,300 variables / 29,826 rows with 6 destinations, 39,200 / 34,797 with 7
    assert [(r.n_vars, r.n_rows) for _, r in paper_milp][-2:] == [(34_300, 29_826), (39_200, 34_797)]
    lbs = [lower_bound(inst, r.bound_per_gb) for inst, r in paper_milp]
    assert sum(lbs) == pytest.approx(619.79, rel=1e-3)


def test_milp_agrees_with_dp_on_paper(paper_milp) -> None:
    for inst, r in paper_milp:
        dp = steiner_tree(inst)
        assert r.opt_per_gb == pytest.approx(dp.opt_per_gb, abs=1e-12), inst.instance_id
        assert simulate(inst, _parents(inst, r)).egress_cost == pytest.approx(
            simulate(inst, steiner_parents(inst)).egress_cost, abs=1e-9), inst.instance_id


@pytest.mark.parametrize("split,idx", [("train", 0), ("train", 3), ("train", 7), ("holdout", 6), ("holdout", 7)])
def test_milp_agrees_with_dp_and_cache_on_generated(split: str, idx: int) -> None:
    case = load_split(split)[idx]
    inst = case.instance
    r = M.steiner_milp(inst)
    assert r.optimal and r.bound_per_gb <= r.opt_per_gb + 1e-9
    assert r.opt_per_gb == pytest.approx(steiner_tree(inst).opt_per_gb, abs=1e-12)
    assert r.opt_per_gb == pytest.approx(case.cached["opt_per_gb"], abs=1e-12)
    res = simulate(inst, M.steiner_milp_parents(inst))
    assert res.egress_cost == pytest.approx(inst.data_vol_gb * case.cached["opt_per_gb"], abs=1e-9)
    assert res.total_cost >= case.cached["lower_bound"] - 1e-9


def test_milp_is_exact_on_random_prices_where_heuristics_are_not() -> None:
    rng = np.random.default_rng(11)
    cost, thr = F.tiny_matrices()
    for _ in range(4):
        c = np.where(np.isfinite(cost), rng.choice([0.01, 0.02, 0.05, 0.09, 0.12], size=cost.shape), np.inf)
        inst = F.tiny_instance(cost=c, thr_bps=thr)
        assert M.steiner_milp(inst).opt_per_gb == pytest.approx(steiner_tree(inst).opt_per_gb, abs=1e-12)


def test_policy_uses_milp_and_falls_back_to_dp_without_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_policy("steiner-milp")[1] is M.steiner_milp_parents is POLICIES["steiner-milp"]
    assert resolve_policy("steiner-dp")[1] is steiner_parents
    inst = F.tiny_instance()
    calls: list[Instance] = []
    real = M.steiner_milp
    monkeypatch.setattr(M, "steiner_milp", lambda i: calls.append(i) or real(i))
    M.steiner_milp_parents(inst)
    assert calls, "steiner-milp must call the MILP when scipy is available"
    calls.clear()
    monkeypatch.setattr(M, "scipy_available", lambda: False)
    monkeypatch.setattr(M, "_warned", False)
    with pytest.warns(RuntimeWarning, match="scipy is not installed"):
        got = M.steiner_milp_parents(inst)
    assert not calls and np.array_equal(got, steiner_parents(inst))
