"""Cloudcast instances: importer errors, generator determinism, committed manifests, split hygiene."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from adrs.paths import DataNotFoundError, shared_data_dir
from adrs.traces.cloudcast import generator as G
from adrs.traces.cloudcast.embedded import FOLDERS, load_split, manifest_text
from adrs.traces.cloudcast.importers import (
    REFERENCE_CONFIGS,
    CloudcastDataError,
    load_matrices,
    parse_config,
    real_matrices,
)
from adrs.traces.cloudcast.synthetic import relay_savings, synthetic_matrices

ROOT = Path(__file__).resolve().parents[1]


def _write(tmp: Path, cost_rows: list[str], thr_rows: list[str]) -> tuple[Path, Path]:
    c, t = tmp / "cost.csv", tmp / "throughput.csv"
    c.write_text("src,dest,cost\n" + "\n".join(cost_rows) + "\n")
    t.write_text("src_region,dst_region,throughput_sent\n" + "\n".join(thr_rows) + "\n")
    return c, t


def test_importer_reads_a_small_complete_graph(tmp_path: Path) -> None:
    pairs = [("aws:a", "gcp:b"), ("gcp:b", "aws:a")]
    c, t = _write(tmp_path, [f"{u},{v},0.09" for u, v in pairs], [f"{u},{v},5e9" for u, v in pairs])
    mats = load_matrices(c, t)
    assert mats.names == ("aws:a", "gcp:b") and mats.cost[0, 1] == 0.09 and mats.thr_bps[1, 0] == 5e9


@pytest.mark.parametrize("cost_rows, thr_rows, match", [
    (["aws:a,gcp:b,0.09"], ["aws:a,gcp:b,5e9", "gcp:b,aws:a,5e9"], "different"),
    (["aws:a,gcp:b,0.09", "gcp:b,aws:a,1.5"], ["aws:a,gcp:b,5e9", "gcp:b,aws:a,5e9"], "0 < cost < 1"),
    (["aws:a,gcp:b,0.09", "gcp:b,aws:a,0.1"], ["aws:a,gcp:b,5e9", "gcp:b,aws:a,0"], "positive"),
    (["aws:a,ibm:b,0.09", "ibm:b,aws:a,0.1"], ["aws:a,ibm:b,5e9", "ibm:b,aws:a,5e9"], "provider"),
    (["aws:a,gcp:b,0.09", "aws:a,gcp:b,0.1"], ["aws:a,gcp:b,5e9", "gcp:b,aws:a,5e9"], "duplicate"),
])
def test_importer_rejects_bad_files_with_a_reason(tmp_path: Path, cost_rows, thr_rows, match) -> None:
    with pytest.raises(CloudcastDataError, match=match):
        load_matrices(*_write(tmp_path, cost_rows, thr_rows))


def test_config_parser_requires_limits_and_known_regions() -> None:
    mats = synthetic_matrices()
    good = {"source_node": mats.names[0], "dest_nodes": list(mats.names[1:4]), "data_vol": 300,
            "num_partitions": 10, "ingress_limit": {"aws": 10, "gcp": 16, "azure": 16},
            "egress_limit": {"aws": 5, "gcp": 7, "azure": 16}}
    inst = parse_config(good, mats)
    assert inst.egress_gbps[0] == 10.0 and inst.num_partitions == 10
    with pytest.raises(CloudcastDataError, match="missing keys"):
        parse_config({k: v for k, v in good.items() if k != "ingress_limit"}, mats)
    with pytest.raises(CloudcastDataError, match="unknown region"):
        parse_config({**good, "dest_nodes": ["aws:nowhere"]}, mats)


def _real_matrices_or_skip():
    if shared_data_dir() is None:
        pytest.skip("real Cloudcast data absent (set ADRS_DATA or provide ../shared/data/cloudcast)")
    try:
        return real_matrices()
    except DataNotFoundError as exc:
        pytest.skip(f"real Cloudcast data absent: {exc}")


def _relay_stats(mats) -> tuple[float, float, set[str]]:
    """(share of ordered pairs with a cheaper 1-relay path, median saving $/GB on them, source providers)."""
    sav = relay_savings(mats.cost)
    n = len(mats.names)
    src = {mats.names[i].split(":")[0] for i in np.nonzero(sav > 0)[0]}
    return float((sav > 0).sum()) / (n * (n - 1)), float(np.median(sav[sav > 0])), src


def test_real_data_matches_the_spec_summary() -> None:
    mats = _real_matrices_or_skip()
    assert len(mats.names) == 71
    c = mats.cost[np.isfinite(mats.cost)]
    assert c.size == 4970 and len(np.unique(c)) == 26 and c.mean() == pytest.approx(0.0992, abs=1e-4)
    thr = mats.thr_bps[mats.thr_bps > 0] / 1e9
    assert thr.min() == pytest.approx(0.17, abs=0.01) and thr.max() == pytest.approx(33.7, abs=0.05)


def test_synthetic_prices_let_some_gcp_pairs_pay_off_through_a_relay() -> None:
    mats = synthetic_matrices()
    pos = {x: i for i, x in enumerate(mats.names)}
    share, median, src = _relay_stats(mats)
    assert 0.01 <= share <= 0.05 and median == pytest.approx(0.02) and src == {"gcp"}
    # destination-based GCP egress: 0.19 to Sydney direct, 0.12 + 0.02 through another AWS region
    sav = relay_savings(mats.cost)
    assert mats.cost[pos["gcp:syn-us-east"], pos["aws:syn-sydney"]] == pytest.approx(0.19)
    assert sav[pos["gcp:syn-us-east"], pos["aws:syn-sydney"]] == pytest.approx(0.05)
    assert mats.cost[pos["gcp:syn-us-east"], pos["aws:syn-tokyo"]] == pytest.approx(0.12)
    # v1 (source-only prices) had no relay pair; it stays loadable for old manifests
    assert not (relay_savings(G.MATRICES["synthetic-v1"]().cost) > 0).any()
    assert np.array_equal(G.MATRICES["synthetic-v1"]().thr_bps, mats.thr_bps)


def test_synthetic_relay_pairs_are_calibrated_to_the_real_prices() -> None:
    real = _relay_stats(_real_matrices_or_skip())
    syn = _relay_stats(synthetic_matrices())
    assert real[0] == pytest.approx(112 / 4970) and real[1] == pytest.approx(0.02) and real[2] == {"gcp"}
    assert 0.5 <= syn[0] / real[0] <= 2.0, f"relay-pair share synthetic {syn[0]:.2%} vs real {real[0]:.2%}"
    assert syn[1] == pytest.approx(real[1], abs=0.005), f"median saving {syn[1]} vs real {real[1]}"
    assert syn[2] == real[2]


def test_committed_manifests_regenerate_byte_identically() -> None:
    texts = G.generate_manifests()
    for split, rel in FOLDERS.items():
        assert (ROOT / rel).read_text() == texts[split], f"{rel} is stale: run python -m adrs.traces.cloudcast.embedded"
        assert manifest_text(split) == texts[split]


def test_train_and_holdout_are_disjoint_and_name_reference_configs_only() -> None:
    docs = {s: json.loads(manifest_text(s)) for s in ("train", "holdout")}
    keys = {s: {(r["source"], frozenset(r["dests"])) for r in d["instances"]} for s, d in docs.items()}
    assert len(docs["train"]["instances"]) == 32 and len(docs["holdout"]["instances"]) == 64
    assert not keys["train"] & keys["holdout"]
    for d in docs.values():
        assert d["paper"]["configs"] == list(REFERENCE_CONFIGS)
        text = json.dumps(d)
        assert "source_node" not in text and "ingress_limit" not in text


def test_generator_is_a_pure_function_of_split_and_index() -> None:
    mats = synthetic_matrices()
    a, b = G.draw_params(mats, "train", 5), G.draw_params(mats, "train", 5)
    assert a == b and a != G.draw_params(mats, "holdout", 5)
    rows = [G.draw_params(mats, "holdout", i) for i in range(40)]
    assert all(3 <= len(r["dests"]) <= 12 and 50 <= r["data_vol_gb"] <= 1000 for r in rows)
    assert all(r["sigma"] == pytest.approx(np.log(1.2)) for r in rows)
    mixed = [r for r in rows if not r["family"].startswith("intra")]
    assert all(len({x.split(":")[0] for x in r["dests"]}) >= 2 for r in mixed)


def test_cached_numbers_match_a_fresh_computation() -> None:
    case = load_split("holdout")[7]
    fresh = G.cached_numbers(case.instance)
    assert fresh == pytest.approx(case.cached)
