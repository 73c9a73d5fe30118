"""Workload importer errors, generator determinism and templates, embedded manifests, relabelling."""

import json

import pytest

from adrs.envs.txn import baselines as B
from adrs.simulators.txn import kernel as K
from adrs.traces.txn import embedded
from adrs.traces.txn.generators import generate
from adrs.traces.txn.workload import WorkloadFormatError, from_mapping, from_strings, load_json

from .txn_helpers import run


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"txn0": "r-1", "t1": "w-1"}', "bad transaction id"),
    ('{"txn0": "r-1", "txn2": "w-1"}', "missing txn1"),
    ('{"txn0": "r-1  w-2"}', "empty token at slot 2"),
    ('{"txn0": "x-1"}', "bad token"),
    ('{"txn0": "r-"}', "bad token"),
    ('{"txn0": ""}', "empty transaction"),
    ('{"txn0": 5}', "expected a slot string"),
    ("{}", "at least one transaction"),
])
def test_importer_rejects_malformed_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(WorkloadFormatError, match=message):
        load_json(path)


def test_importer_missing_file_and_literal_keys(tmp_path):
    with pytest.raises(WorkloadFormatError, match="cannot read"):
        load_json(tmp_path / "absent.json")
    wl = from_mapping({"txn1": "w-5 *", "txn0": "r-05"})
    assert wl.txns == ("r-05", "w-5 *") and wl.arrays.num_keys == 2  # "05" != "5"
    assert K.cost(wl.arrays, [0, 1]) == 2


def test_generators_are_deterministic_and_validate_params():
    assert generate("ycsb", 50, 3).txns == generate("ycsb", 50, 3).txns
    assert generate("ycsb", 50, 3).txns != generate("ycsb", 50, 4).txns
    assert generate("tpcc", 10, 1).meta["params"]["warehouses"] == 4
    with pytest.raises(ValueError, match="unknown template"):
        generate("tpch", 10, 0)
    with pytest.raises(ValueError, match="unknown param"):
        generate("ycsb", 10, 0, theta=1.0)


def test_template_structure():
    tpcc = generate("tpcc", 40, 2, id_order="grouped")
    assert tpcc.lengths[:20] == (21,) * 20 and tpcc.lengths[20:] == (5,) * 20
    two = generate("twoclass", 20, 2, id_order="grouped")
    for i, ops in enumerate(two.parsed):
        (t1, k1, p1), (t2, k2, p2) = ops
        assert (t1, p1, t2, p2) == ("r", 1, "w", 9) and two.lengths[i] == 9
        assert (int(k1) - 1) // 5 == (0 if i < 10 else 1) and (int(k2) - 1) // 5 == (1 if i < 10 else 0)
    ycsb = generate("ycsb", 30, 2)
    assert all(len(ops) == 16 and {"1", "2", "3", "4"} <= {k for _, k, _ in ops} for ops in ycsb.parsed)
    bank = generate("smallbank", 50, 2)
    assert all(2 <= len(ops) <= 6 and bank.lengths[i] == len(ops) + 2 for i, ops in enumerate(bank.parsed))


def test_embedded_manifests_regenerate_byte_identically(tmp_path):
    written = embedded.generate_embedded(tmp_path)
    for split, path in zip(("train", "holdout"), written, strict=True):
        assert path.read_bytes() == (embedded.package_folder(split) / path.name).read_bytes()


def test_embedded_splits_are_disjoint_with_held_out_template_and_seeds():
    train = embedded.load_manifest("train")["instances"]
    holdout = embedded.load_manifest("holdout")["instances"]
    assert len(train) == 12 and {r["template"] for r in train} == {"ycsb", "tpcc", "twoclass"}
    assert all(0 <= r["seed"] < 1000 for r in train)
    assert "smallbank" in {r["template"] for r in holdout} and all(r["seed"] >= 10**6 for r in holdout)
    assert not set(embedded.unit_ids("train")) & set(embedded.unit_ids("holdout"))
    for rec in train[:2]:
        wl, _ = embedded.instance("train", rec["id"])
        assert K.cost(wl.arrays, range(wl.n)) == rec["fifo"] and rec["lb"] <= rec["smf"]


def test_relabelling_leaves_baseline_makespans_unchanged():
    wl = generate("tpcc", 40, 8)
    new, perm = wl.relabel(5)
    assert new.txns != wl.txns and sorted(perm.tolist()) == list(range(wl.n))
    assert K.cost(new.arrays, range(wl.n)) == K.cost(wl.arrays, perm)
    for policy in (B.greedy_insertion, B.smf_deterministic):
        m_new, _, order = run(policy, new)
        assert K.cost(wl.arrays, [int(perm[j]) for j in order]) == m_new
    assert json.loads(json.dumps(new.to_json_obj()))["txn0"] == new.txns[0]


def test_from_strings_roundtrip():
    wl = from_strings(["r-1 *", "w-1"])
    assert from_mapping(wl.to_json_obj()).txns == wl.txns
