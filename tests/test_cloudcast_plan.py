"""Cloudcast plan forms and the verifier: one test per known exploit of the reference (spec §8)."""

from __future__ import annotations

import numpy as np
import pytest

from adrs.envs.cloudcast.plan import to_parents, validate
from adrs.envs.cloudcast.scoring import evaluate_cases, run_policy
from adrs.simulators.cloudcast import fixtures as F
from adrs.simulators.cloudcast.baselines import closure_arborescence, direct
from adrs.simulators.cloudcast.model import simulate
from adrs.simulators.cloudcast.steiner import lower_bound, steiner_parents
from adrs.traces.cloudcast.embedded import Case, load_split

INST = F.tiny_instance()  # source aws:a (0); dests x (3), y (4), g (5); P = 2


def _opt_reference_form(attrs: dict | None = None) -> dict:
    """The optimum a -> x -> {y, g} in the reference's dest -> partition -> [u, v, attrs] layout."""
    names = INST.names
    paths = {3: [0, 3], 4: [0, 3, 4], 5: [0, 3, 5]}
    return {names[d]: {p: [[names[u], names[v], dict(attrs or {})] for u, v in zip(path[:-1], path[1:], strict=True)]
                       for p in range(INST.num_partitions)} for d, path in paths.items()}


def test_all_three_forms_agree() -> None:
    parents = steiner_parents(INST)
    edges = [[(int(parents[p, v]), v) for v in range(INST.n) if parents[p, v] >= 0] for p in range(2)]
    named = [[(INST.names[u], INST.names[v]) for u, v in e] for e in edges]
    for out in (parents, parents.tolist(), edges, named, _opt_reference_form()):
        ok, reason, got = validate(INST, out)
        assert ok, reason
        assert (got == parents).all()


def test_r1_attributes_and_mutations_never_change_the_cost() -> None:
    honest = simulate(INST, to_parents(INST, _opt_reference_form())).total_cost
    zeroed = simulate(INST, to_parents(INST, _opt_reference_form({"cost": 0, "throughput": 1e9}))).total_cost
    assert zeroed == honest == pytest.approx(F.OPT_TREE_TOTAL)
    case = Case(INST, {"direct_cost": F.DIRECT_TOTAL, "lower_bound": lower_bound(INST)})

    def mutating(inst):  # mutates the graph it is given and tries to write the arrays
        g = inst.graph()
        for u, v in g.edges:
            g[u][v]["cost"] = 0.0
        for arr in (inst.cost, inst.throughput):
            with pytest.raises(ValueError):
                arr[:] = 0.0
        return steiner_parents(inst)

    assert run_policy(mutating, case)["total_cost_usd"] == pytest.approx(honest)
    assert np.isfinite(INST.cost[0, 3]) and INST.cost[0, 3] == 0.09


def test_r2_dropping_or_renaming_destinations_is_missing_destination() -> None:
    only_x = {INST.names[3]: _opt_reference_form()[INST.names[3]]}
    assert validate(INST, only_x)[1].startswith("missing_destination")
    claims = {"dsts": ["azure:x"], **only_x}  # extra keys are ignored; the instance's set counts
    assert validate(INST, claims)[1].startswith("missing_destination")
    parents = steiner_parents(INST)
    parents[:, 5] = -1
    assert validate(INST, parents)[1].startswith("missing_destination")


def test_r3_one_partition_or_claiming_p1_is_invalid() -> None:
    parents = steiner_parents(INST)
    assert validate(INST, parents[:1])[1].startswith("missing_partition")
    edges = [[(int(parents[0, v]), v) for v in (3, 4, 5)], []]
    assert not validate(INST, edges)[0]
    ref = _opt_reference_form()
    for d in ref.values():
        d.pop(1)
    assert validate(INST, ref)[1].startswith("missing_partition")


def test_r4_disconnected_edges_are_unreachable() -> None:
    parents = np.full((2, INST.n), -1)
    parents[:, 3] = 4       # x <- y
    parents[:, 4] = 3       # y <- x  (a 2-cycle, never reaches s)
    parents[:, 5] = 6       # g <- h, h has no parent
    ok, reason, _ = validate(INST, parents)
    assert not ok and reason.split(":")[0] in ("unreachable", "cycle")
    parents[:, 3] = 0
    parents[:, 4] = 3
    assert validate(INST, parents)[1].startswith("unreachable")
    parents[:, 5] = 0
    parents[:, 6] = 0       # dangling relay h
    assert validate(INST, parents)[1].startswith("dangling_branch")


def test_r4_fuzzed_mutants_are_valid_and_above_the_bound_or_invalid() -> None:
    rng = np.random.default_rng(1)
    lb = lower_bound(INST)
    base = steiner_parents(INST)
    n_valid = 0
    for _ in range(300):
        mut = base.copy()
        for _ in range(int(rng.integers(1, 4))):
            mut[rng.integers(2), rng.integers(INST.n)] = rng.integers(-1, INST.n)
        ok, _, parents = validate(INST, mut)
        if ok:
            n_valid += 1
            assert simulate(INST, parents).total_cost >= lb - 1e-12
    assert 0 < n_valid < 300


def test_r5_path_ending_at_another_destination_is_bad_path() -> None:
    ref = _opt_reference_form()
    ref[INST.names[3]][0] = list(ref[INST.names[4]][0])  # partition 0 path "for x" ends at y
    assert validate(INST, ref)[1].startswith("bad_path")
    ref = _opt_reference_form()
    ref[INST.names[4]][1] = [["aws:a", "azure:x", {}], ["aws:b", "azure:y", {}]]  # not contiguous
    assert validate(INST, ref)[1].startswith("bad_path")


class _Int(int):
    pass


class _Arr(np.ndarray):
    pass


def test_r6_subclasses_floats_and_objects_are_rejected() -> None:
    parents = steiner_parents(INST)
    bad_rows = parents.tolist()
    bad_rows[0][3] = _Int(0)
    assert validate(INST, bad_rows)[1].startswith("bad_type")
    assert validate(INST, parents.view(_Arr))[1].startswith("bad_type")
    assert validate(INST, parents.astype(float))[1].startswith("bad_type")
    floats = parents.tolist()
    floats[0][3] = float("nan")
    assert validate(INST, floats)[1].startswith("bad_type")
    bools = [[(True, 3)], [(0, 3)]]
    assert validate(INST, bools)[1].startswith("bad_type")
    for junk in (None, object(), "plan", 3, {}, [], [[None]]):
        assert validate(INST, junk)[0] is False


def test_r6_edges_into_source_self_loops_and_two_parents() -> None:
    assert validate(INST, [[(0, 3), (3, 4), (0, 5), (4, 0)]] * 2)[1].startswith("edge_into_source")
    assert validate(INST, [[(0, 3), (3, 3)]] * 2)[1].startswith("self_loop")
    assert validate(INST, [[(0, 3), (3, 4), (0, 4), (0, 5)]] * 2)[1].startswith("two_parents")
    assert validate(INST, [[(0, 3), (3, 99)]] * 2)[1].startswith("bad_edge")


def test_r7_memorising_paper_configs_fails_on_holdout() -> None:
    from adrs.paths import DataNotFoundError
    try:
        paper = load_split("paper")
    except DataNotFoundError as exc:
        pytest.skip(f"real Cloudcast data absent: {exc}")
    table = {(c.instance.names[c.instance.source], tuple(c.instance.dests)): steiner_parents(c.instance)
             for c in paper}

    def lookup(inst):
        key = (inst.names[inst.source], tuple(inst.dests))
        return table[key] if key in table else direct(inst)

    paper_score = evaluate_cases(lookup, paper)[0]["score"]
    holdout_score = evaluate_cases(lookup, load_split("holdout"))[0]["score"]
    assert paper_score > 0.97 and abs(holdout_score) < 1e-9


def test_one_crashing_instance_does_not_zero_the_batch() -> None:
    cases = load_split("train")[:4]
    bad = (cases[1].instance.source, cases[1].instance.dests)

    def policy(inst):
        assert inst.instance_id == ""  # policies never see the instance id
        if (inst.source, inst.dests) == bad:
            raise RuntimeError("boom")
        return closure_arborescence(inst)

    summary, rows = evaluate_cases(policy, cases)
    assert [r["valid"] for r in rows] == [True, False, True, True]
    assert rows[1]["reason"].startswith("policy_error") and rows[1]["score"] == -1.0
    assert summary["invalid_rate"] == 0.25 and all(r["score"] > 0 for i, r in enumerate(rows) if i != 1)
