"""The LLM generator end to end through the real litellm client and a scripted local server.

The server is a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 (random port) speaking the OpenAI
``/v1/chat/completions`` protocol; nothing here touches the outside network or needs a key.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from adrs.config import ConfigError
from adrs.evolve.config import build_evolve_config, parse_generator, parse_models

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the price map from the network
litellm = pytest.importorskip("litellm", reason="litellm (the adrs[llm] extra) is not installed")

from adrs.evolve import run_evolve  # noqa: E402
from adrs.evolve.generators.base import GeneratorStop  # noqa: E402

TOY = "adrs.evolve.toy:TASK"
W_RE = re.compile(r"^(\s*)w = ([-0-9.e]+)\s*$", re.MULTILINE)

Action = str | int | tuple | Callable[[dict], Any]


def derived_edit(request: dict) -> str:
    """A valid SEARCH/REPLACE edit of the current program: nudge its ``w`` constant."""
    user = request["messages"][1]["content"]
    current = user.split("## Current program", 1)[1]
    m = W_RE.search(current)
    assert m, "the prompt must show the parent program"
    new = float(m.group(2)) + 0.15
    return (f"Raise the weight.\n<<<<<<< SEARCH\n{m.group(1)}w = {m.group(2)}\n=======\n"
            f"{m.group(1)}w = {new:.4f}\n>>>>>>> REPLACE\n")


BAD_EDIT = "<<<<<<< SEARCH\n    w = 123.456\n=======\n    w = 1.0\n>>>>>>> REPLACE\n"
REWRITE = "```python\ndef decide(obs, state):\n    return 1.2 * obs['x'] - 0.7 * obs['y'] + 0.5\n```"


class FakeLLM:
    """Scripted OpenAI-compatible server; ``script`` items are consumed in order, then ``default``."""

    def __init__(self, script: list[Action] | None = None, default: Action = derived_edit) -> None:
        self.script = list(script or [])
        self.default = default
        self.requests: list[dict] = []
        self.replies: list[tuple[list[dict], int | str]] = []  # (messages, HTTP error code or answer text)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake.lock:
                    fake.requests.append(body)
                    action = fake.script.pop(0) if fake.script else fake.default
                if isinstance(action, tuple) and action[0] == "hang":
                    time.sleep(action[1])
                    action = action[2]
                if isinstance(action, int):
                    with fake.lock:
                        fake.replies.append((body["messages"], action))
                    self._send(action, {"error": {"message": "scripted failure", "type": "server_error"}})
                    return
                text = action(body) if callable(action) else action
                with fake.lock:
                    fake.replies.append((body["messages"], text))
                self._send(200, {"id": "chatcmpl-x", "object": "chat.completion", "created": 0,
                                 "model": body["model"],
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                              "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}})

            def _send(self, code: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def prompts(self) -> list[str]:
        return ["\n".join(m["content"] for m in r["messages"]) for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    servers: list[FakeLLM] = []

    def make(script: list[Action] | None = None, default: Action = derived_edit) -> FakeLLM:
        servers.append(FakeLLM(script, default))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def cfg(url: str, **extra: Any) -> dict[str, Any]:
    base = {"generator": "llm", "model": "openai/fake", "api_base": url, "iterations": 4, "batch_size": 2,
            "seed": 3, "llm_retries": 0, "llm_timeout_s": 10, "checkpoint_every": 100, "holdout_top_k": 1}
    return {**base, **extra}


def candidates(run: Path) -> list[dict]:
    conn = sqlite3.connect(run / "run.sqlite")
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM program WHERE kind = 'candidate' ORDER BY id")]
    for r in rows:
        r["gen_state"] = json.loads(r["gen_state"] or "{}")
    conn.close()
    return rows


def run_row(run: Path) -> dict:
    conn = sqlite3.connect(run / "run.sqlite")
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM run").fetchone())
    conn.close()
    return row


def test_llm_run_labels_costs_feedback_and_no_holdout(fake, tmp_path):
    litellm.register_model({"openai/fake": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
                                            "litellm_provider": "openai", "mode": "chat"}})
    server = fake([BAD_EDIT])  # first answer fails to match, then the loop continues with derived edits
    summary = run_evolve(TOY, cfg(server.url), out=tmp_path / "r")
    rows = candidates(tmp_path / "r")
    assert len(rows) == 4
    assert {r["generator"] for r in rows} == {"llm/openai/fake"}
    assert all(r["gen_state"]["tokens_in"] == 100 * r["gen_state"]["calls"] for r in rows)
    assert all(r["gen_state"]["cost_usd"] == pytest.approx(r["gen_state"]["calls"] * 140e-6) for r in rows)
    # the failed match went back to the model in the same conversation, quoting the SEARCH text
    second = server.requests[1]["messages"]
    assert second[-2]["content"] == BAD_EDIT
    assert "could not be applied" in second[-1]["content"] and "w = 123.456" in second[-1]["content"]
    assert rows[0]["gen_state"]["calls"] == 2 and rows[0]["mutation"] == "diff"
    assert any(r["status"] == "ok" for r in rows)
    assert summary.best.train is not None
    assert all("Worst train units: t" in p for p in server.prompts())  # per-unit train feedback
    # holdout never reaches a prompt: no holdout unit ids, no holdout scores, no mention of the split
    conn = sqlite3.connect(tmp_path / "r" / "run.sqlite")
    hold = [r[0] for r in conn.execute("SELECT score FROM evaluation WHERE split = 'holdout'")]
    units = {r[0] for r in conn.execute("SELECT DISTINCT unit FROM unit_metric WHERE split = 'holdout'")}
    conn.close()
    assert hold and units
    for text in server.prompts():
        assert "holdout" not in text.lower()
        assert not units & set(re.findall(r"\bh\d\d\b", text))
        for score in hold:
            assert f"{score:.6g}" not in text and repr(score) not in text
    # the report's cost section sees the calls
    from adrs.evolve import queries

    conn = sqlite3.connect(tmp_path / "r" / "run.sqlite")
    costs = queries.llm_costs(conn)
    conn.close()
    assert costs["calls"].sum() == sum(r["gen_state"]["calls"] for r in rows) == 5
    assert costs["cost_usd"].sum() == pytest.approx(5 * 140e-6)
    # the phrasing variant of each prompt comes from the seeded `prompt` stream: recorded, and it varies
    variants = [r["gen_state"]["template_id"].rsplit("/", 1)[1] for r in rows]
    assert all(v.startswith("var") for v in variants) and len(set(variants)) > 1


def test_circuit_breaker_stops_loudly_then_resume_works(fake, tmp_path):
    server = fake(default=500)
    with pytest.raises(GeneratorStop, match="llm_unavailable: 3 consecutive"):
        run_evolve(TOY, cfg(server.url, max_consecutive_failures=3), out=tmp_path / "r")
    assert len(server.requests) == 3
    assert run_row(tmp_path / "r")["stop_reason"].startswith("llm_unavailable")
    assert (tmp_path / "r" / "summary.json").is_file() and candidates(tmp_path / "r") == []
    # the outage ends: resume (possibly against another server) and finish the budget
    healthy = fake()
    run_evolve(None, {"api_base": healthy.url}, resume=tmp_path / "r")
    rows = candidates(tmp_path / "r")
    assert len(rows) == 4 and {r["generator"] for r in rows} == {"llm/openai/fake"}
    assert len(healthy.requests) == 4


def test_breaker_fallback_offline_and_unpriced_model(fake, tmp_path):
    server = fake([REWRITE], default=500)
    run_evolve(TOY, cfg(server.url, model="openai/unpriced-model", max_consecutive_failures=2,
                        on_llm_failure="fallback_offline"), out=tmp_path / "r")
    rows = candidates(tmp_path / "r")
    assert rows[0]["generator"] == "llm/openai/unpriced-model" and rows[0]["mutation"] == "full"
    assert rows[0]["gen_state"]["cost_usd"] is None and rows[0]["gen_state"]["tokens_in"] == 100
    assert all(r["generator"].startswith("offline/") for r in rows[1:])
    assert all("llm_unavailable" in r["gen_state"]["llm_fallback"] for r in rows[1:])
    assert len(server.requests) == 3  # one good call, then two failures trip the breaker
    conn = sqlite3.connect(tmp_path / "r" / "run.sqlite")
    summ = json.loads(conn.execute("SELECT payload FROM event WHERE kind = 'llm_summary'").fetchone()[0])
    conn.close()
    assert summ["unpriced"] == ["openai/unpriced-model"] and "llm_unavailable" in summ["fallback"]


def test_ensemble_mix_timeout_and_repeated_diff_failures(fake, tmp_path):
    # a hang past the timeout counts as a failure and is retried; unusable diffs switch to full rewrites
    server = fake([("hang", 3.0, derived_edit)], default=BAD_EDIT)
    config = cfg(server.url, generator="llm:0.6,offline:0.4", model=("openai/fake-a@0.5", "openai/fake-b@0.5"),
                 llm_timeout_s=1.0, iterations=8, batch_size=4, max_diff_failures=2)
    run_evolve(TOY, config, out=tmp_path / "r")
    rows = candidates(tmp_path / "r")
    labels = {r["generator"] for r in rows}
    assert {"llm/openai/fake-a", "llm/openai/fake-b"} <= labels
    assert any(g.startswith("offline/") for g in labels)
    assert {r["model"] for r in server.requests} == {"fake-a", "fake-b"}
    llm_rows = [r for r in rows if r["generator"].startswith("llm/")]
    assert all(r["mutation"] == "unusable" and "unusable answer" in r["edit_summary"] for r in llm_rows)
    assert any(r["gen_state"]["mode"] == "full" for r in llm_rows)  # switched after 2 failed diffs
    later = [p for p in server.prompts()[2:] if "could not be applied" in p]
    assert later, "diff errors are fed into later prompts"


def test_max_usd_preflight_and_hard_stop(fake, tmp_path):
    litellm.register_model({"openai/dear": {"input_cost_per_token": 1e-3, "output_cost_per_token": 1e-3,
                                            "litellm_provider": "openai", "mode": "chat"},
                            "openai/cheap": {"input_cost_per_token": 1e-6, "output_cost_per_token": 1e-6,
                                             "litellm_provider": "openai", "mode": "chat"}})
    server = fake()
    with pytest.raises(ConfigError, match="pre-flight"):
        run_evolve(TOY, cfg(server.url, model="openai/dear", max_usd=0.5), out=tmp_path / "a")
    assert server.requests == []
    # each call costs 120 tokens * 1e-6 USD; the worst case (prompt + 256 answer tokens) stops it early
    summary = run_evolve(TOY, cfg(server.url, model="openai/cheap", max_usd=0.002, llm_max_tokens=256,
                                  iterations=20), out=tmp_path / "b")
    rows = candidates(tmp_path / "b")
    assert 0 < len(rows) < 20 and run_row(tmp_path / "b")["stop_reason"].startswith("max_usd")
    assert sum(r["gen_state"]["cost_usd"] for r in rows) <= 0.002
    assert summary.best.train is not None


def test_offline_run_never_imports_litellm(tmp_path):
    code = ("import sys\nfrom adrs.evolve import run_evolve\n"
            f"run_evolve('{TOY}', {{'iterations': 2, 'batch_size': 2, 'executor': 'inline'}}, out={str(tmp_path)!r})\n"
            "assert 'litellm' not in sys.modules, 'offline run imported litellm'\nprint('clean')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "clean" in out.stdout


def test_config_and_cli_flags():
    import argparse

    from adrs.evolve.cli import _configure, overrides_from_args

    p = _configure(argparse.ArgumentParser())
    args = p.parse_args(["toy", "--model", "ollama_chat/qwen2.5:7b@0.8", "--model", "openai/gpt-4o-mini@0.2",
                         "--api-base", "http://127.0.0.1:1/v1", "--max-usd", "2.5", "--hints", "detailed"])
    over = overrides_from_args(args)
    assert over["generator"] == "llm" and over["model"] == ("ollama_chat/qwen2.5:7b@0.8", "openai/gpt-4o-mini@0.2")
    c = build_evolve_config(over)
    assert parse_models(c.model) == [("ollama_chat/qwen2.5:7b", 0.8), ("openai/gpt-4o-mini", 0.2)]
    assert (c.api_base, c.max_usd, c.hints) == ("http://127.0.0.1:1/v1", 2.5, "detailed")
    mixed = overrides_from_args(p.parse_args(["toy", "--generator", "llm:0.7,offline:0.3", "--model", "m"]))
    assert build_evolve_config(mixed).generator == "llm:0.7,offline:0.3"
    assert parse_generator("llm:0.7,offline:0.3") == {"llm": 0.7, "offline": 0.3}
    for bad in ({"generator": "llm"}, {"generator": "gpt"}, {"generator": "llm:x", "model": "m"},
                {"generator": "llm", "model": "m@-1"}, {"hints": "lots"}, {"on_llm_failure": "retry"},
                {"generator": "llm:0,offline:0", "model": "m"}):
        with pytest.raises(ConfigError):
            build_evolve_config(bad)
    # budgets and the server address may change on resume; the model may not
    base = build_evolve_config({"generator": "llm", "model": "m"})
    assert build_evolve_config({"max_usd": 3, "api_base": "http://x/v1"}, base=base).config_hash() == base.config_hash()
    assert build_evolve_config({"model": "other"}, base=base).config_hash() != base.config_hash()


def _context():
    from adrs.evolve.generators.base import Context, ProgramView
    from adrs.evolve.toy import SEED

    return Context("toy", "decide", "decide(obs, state) -> float", ("math",), ProgramView(1, SEED, -0.5))


def test_generator_with_mock_response_known_model_is_priced():
    import random

    from adrs.evolve.generators.llm import LLMGenerator

    answer = "<<<<<<< SEARCH\n    bias = 0.0\n=======\n    bias = 0.25\n>>>>>>> REPLACE"
    calls: list[dict] = []

    def completion(**kw: Any) -> Any:
        calls.append(kw)
        return litellm.completion(**kw, mock_response=answer)

    gen = LLMGenerator([("openai/gpt-4o-mini", 1.0)], completion=completion, max_usd=1.0)
    assert gen.preflight(1000)["openai/gpt-4o-mini"] > 0
    prop = gen.propose(_context(), 1, random.Random(0))[0]
    assert prop.generator == "llm/openai/gpt-4o-mini" and "bias = 0.25" in prop.source
    assert prop.gen_state["cost_usd"] > 0 and prop.gen_state["tokens_in"] > 0 and gen.unpriced == set()
    kw = calls[0]
    assert kw["drop_params"] is True and kw["timeout"] == 300.0 and kw["num_retries"] == 3
    assert kw["api_key"] is None  # no api_base, no key variable: litellm's usual environment variables
    # the ensemble draw is seeded: same rng seed, same model sequence
    two = LLMGenerator([("openai/gpt-4o-mini", 0.5), ("openai/gpt-4o", 0.5)], completion=completion)
    seq = [two.propose(_context(), 1, random.Random(s))[0].generator for s in range(6)]
    assert seq == [two.propose(_context(), 1, random.Random(s))[0].generator for s in range(6)]
    assert len(set(seq)) == 2


def test_api_key_env_is_read_by_name(monkeypatch):
    from adrs.evolve.generators.llm import DUMMY_KEY, LLMGenerator

    assert LLMGenerator([("openai/x", 1)], api_base="http://127.0.0.1:9/v1").api_key == DUMMY_KEY
    monkeypatch.setenv("MY_TEST_KEY", "sk-test-123")
    assert LLMGenerator([("openai/x", 1)], api_key_env="MY_TEST_KEY").api_key == "sk-test-123"
    monkeypatch.delenv("MY_TEST_KEY")
    with pytest.raises(ConfigError, match="MY_TEST_KEY"):
        LLMGenerator([("openai/x", 1)], api_key_env="MY_TEST_KEY")


def test_replay_reproduces_a_recorded_run_without_calls(fake, tmp_path):
    from adrs.evolve.cli import replay_overrides

    server = fake([BAD_EDIT, REWRITE])
    run_evolve(TOY, cfg(server.url, iterations=6, batch_size=3), out=tmp_path / "rec")
    n_calls = len(server.requests)
    spec, over = replay_overrides(str(tmp_path / "rec"), {})
    assert spec == TOY and over["replay"].endswith("run.sqlite")
    run_evolve(spec, over, out=tmp_path / "rep")
    assert len(server.requests) == n_calls  # the replay called no model
    rec, rep = candidates(tmp_path / "rec"), candidates(tmp_path / "rep")
    key = [(r["generator"], r["code"], r["status"], r["mutation"]) for r in rec]
    assert key == [(r["generator"], r["code"], r["status"], r["mutation"]) for r in rep]
    assert all(r["gen_state"]["replay_of"] == over["replay"] for r in rep)
    assert all(r["gen_state"]["cost_usd"] is None for r in rep)


def test_cli_exits_nonzero_on_outage_and_reports_unpriced(fake, tmp_path):
    from adrs.evolve.cli import main

    down = fake(default=500)
    argv = ["adrs.evolve.toy:TASK", "--model", "openai/unpriced-cli", "--api-base", down.url, "--iterations", "2",
            "--quiet", "--set", "batch_size=2", "--set", "llm_retries=0", "--set", "max_consecutive_failures=2"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 1
    assert run_row(tmp_path / "a")["stop_reason"].startswith("llm_unavailable")
    up = fake(default=REWRITE)
    assert main([a if a != down.url else up.url for a in argv] + ["--out", str(tmp_path / "b")]) == 0
    from adrs.evolve.cli import llm_cost_note

    note = llm_cost_note(tmp_path / "b")
    assert "2 calls" in note and "unpriced models counted as $0: openai/unpriced-cli" in note


# -- prices, pre-flight and the llm_call table ---------------------------------------------------------
def llm_call_rows(run: Path) -> list[dict]:
    conn = sqlite3.connect(run / "run.sqlite")
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM llm_call ORDER BY id")]
    conn.close()
    return rows


def test_model_price_is_registered_and_every_call_is_a_row(fake, tmp_path):
    """USD per call = tokens x the configured price; one llm_call row per request, failed and unusable too."""
    server = fake([BAD_EDIT, 500, REWRITE])
    run_evolve(TOY, cfg(server.url, model="openai/priced-by-flag", model_price=("openai/priced-by-flag=2,8",),
                        max_usd=1.0), out=tmp_path / "r")
    calls, progs = llm_call_rows(tmp_path / "r"), candidates(tmp_path / "r")
    assert len(calls) == len(server.replies)  # the first proposal took two turns plus a 500 in between
    for call, (messages, reply) in zip(calls, server.replies, strict=True):
        assert json.loads(call["prompt"]) == messages and call["model"] == "openai/priced-by-flag"
        assert call["template_id"] and call["program_id"] in {p["id"] for p in progs}
        if reply == 500:
            assert (call["status"], call["response"], call["cost_usd"]) == ("failed", None, None)
            assert "500" in call["error"] or "Error" in call["error"]
        else:
            assert call["response"] == reply and (call["tokens_in"], call["tokens_out"]) == (100, 20)
            assert call["cost_usd"] == pytest.approx(100 * 2e-6 + 20 * 8e-6)
    assert [c["status"] for c in calls[:3]] == ["unusable", "failed", "ok"]
    assert "could not be applied" not in calls[0]["error"] and calls[0]["error"]  # the edit error itself
    assert (calls[1]["turn"], calls[1]["retries"], calls[2]["turn"], calls[2]["retries"]) == (1, 0, 1, 1)
    # the program's gen_state agrees with its rows; reports read the rows
    for p in progs:
        mine = [c for c in calls if c["program_id"] == p["id"] and c["status"] != "failed"]
        assert p["gen_state"]["calls"] == len(mine)
        assert p["gen_state"]["cost_usd"] == pytest.approx(sum(c["cost_usd"] for c in mine))
    from adrs.evolve import queries
    from adrs.evolve.store import Store

    conn = sqlite3.connect(tmp_path / "r" / "run.sqlite")
    costs = queries.llm_costs(conn)
    conn.close()
    n = len(calls) - 1
    assert (costs["calls"].sum(), costs["failures"].sum()) == (n, 1)
    assert costs["cost_usd"].sum() == pytest.approx(n * 3.6e-4)
    store = Store(tmp_path / "r" / "run.sqlite")
    assert store.llm_usage() == {"calls": n, "failures": 1, "tokens_in": 100 * n, "tokens_out": 20 * n,
                                 "tokens": 120 * n, "usd": pytest.approx(n * 3.6e-4)}
    store.close()


def test_max_usd_needs_a_price_for_every_model(fake, tmp_path):
    server = fake()
    models = ("openai/priced-zz@0.5", "openai/never-priced-zz@0.5")
    over = cfg(server.url, model=models, model_price=("openai/priced-zz=1,1",), max_usd=1.0)
    with pytest.raises(ConfigError, match=r"no price for openai/never-priced-zz.*--model-price openai/never-pr"):
        run_evolve(TOY, over, out=tmp_path / "a")
    assert server.requests == []
    # priced through the flag, the same run starts; without a cap no price is needed
    run_evolve(TOY, {**over, "model_price": ("openai/priced-zz=1,1", "openai/never-priced-zz=1,2"),
                     "iterations": 2}, out=tmp_path / "b")
    run_evolve(TOY, {**over, "model": "openai/never-priced-yy", "model_price": (), "max_usd": 0.0, "iterations": 2},
               out=tmp_path / "c")
    assert len(server.requests) == 4
    unpriced = llm_call_rows(tmp_path / "c")
    assert len(unpriced) == 2 and all(c["cost_usd"] is None and c["tokens_in"] == 100 for c in unpriced)
    with pytest.raises(ConfigError, match="not in the model list"):
        build_evolve_config({**over, "model_price": ("openai/typo=1,1",)})
    with pytest.raises(ConfigError, match="MODEL=IN,OUT"):
        build_evolve_config({**over, "model_price": ("openai/priced-zz=1",)})


def test_max_llm_calls_and_max_tokens_stop_the_run(fake, tmp_path):
    server = fake()
    run_evolve(TOY, cfg(server.url, iterations=20, max_llm_calls=5), out=tmp_path / "a")
    assert run_row(tmp_path / "a")["stop_reason"].startswith("max_llm_calls")
    assert len(llm_call_rows(tmp_path / "a")) == 5 == len(server.requests)
    run_evolve(TOY, cfg(server.url, iterations=20, max_tokens=300), out=tmp_path / "b")  # 120 tokens per call
    assert run_row(tmp_path / "b")["stop_reason"].startswith("max_tokens")
    assert len(llm_call_rows(tmp_path / "b")) == 3
    # a resumed run counts what is stored: raising the cap buys exactly the difference
    run_evolve(None, {"max_llm_calls": 7, "iterations": 20}, resume=tmp_path / "a")
    assert len(llm_call_rows(tmp_path / "a")) == 7 and len(candidates(tmp_path / "a")) == 7
    assert run_row(tmp_path / "a")["stop_reason"].startswith("max_llm_calls")


def _completed(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM program WHERE kind = 'candidate' AND status != 'pending'"
                                ).fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_then_resume_keeps_llm_calls_and_programs_together(fake, tmp_path):
    """A killed LLM run never has calls without their program or programs without their calls; the resumed
    run (a new process: the price is registered again from the stored config) stops at the call budget."""
    server = fake([BAD_EDIT, 500], default=("hang", 0.25, derived_edit))
    run_dir = tmp_path / "r"
    db = run_dir / "run.sqlite"
    argv = [TOY, "--out", str(run_dir), "--model", "openai/resume-priced", "--api-base", server.url,
            "--model-price", "openai/resume-priced=2,8", "--max-usd", "1", "--max-llm-calls", "24",
            "--iterations", "40", "--quiet", "--set", "batch_size=4", "--set", "llm_retries=0",
            "--set", "llm_timeout_s=10", "--set", "checkpoint_every=100", "--set", "holdout_top_k=1"]
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    proc = subprocess.Popen([sys.executable, "-m", "adrs.evolve", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    while _completed(db) < 6 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    proc.kill()
    proc.wait()
    killed_at = len(server.replies)
    done = subprocess.run([sys.executable, "-m", "adrs.evolve", "--resume", str(run_dir), "--quiet"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(server.replies) > killed_at
    calls, progs = llm_call_rows(run_dir), candidates(run_dir)
    assert run_row(run_dir)["stop_reason"].startswith("max_llm_calls")
    answered = [c for c in calls if c["status"] != "failed"]
    assert len(answered) == 24  # stored calls, not server requests: a killed generation's calls are redone
    assert len(server.replies) >= len(calls)
    ids = {p["id"] for p in progs}
    assert all(c["program_id"] in ids for c in calls)
    for p in progs:
        mine = [c for c in answered if c["program_id"] == p["id"]]
        assert len(mine) == p["gen_state"]["calls"] >= 1
        assert sum(c["tokens_in"] for c in mine) == p["gen_state"]["tokens_in"]
    assert all(c["cost_usd"] == pytest.approx(100 * 2e-6 + 20 * 8e-6) for c in answered)
    texts = [r for _, r in server.replies]
    assert all(c["response"] in texts for c in answered)
    assert any(c["status"] == "failed" for c in calls)


def test_model_price_cli_flag_and_resume_field():
    import argparse

    from adrs.evolve.cli import _configure, overrides_from_args

    p = _configure(argparse.ArgumentParser())
    over = overrides_from_args(p.parse_args(["toy", "--model", "hosted_vllm/q", "--model-price",
                                             "hosted_vllm/q=0.5,1.5", "--max-llm-calls", "9", "--max-tokens", "1000"]))
    c = build_evolve_config(over)
    assert c.model_price == ("hosted_vllm/q=0.5,1.5",) and (c.max_llm_calls, c.max_tokens) == (9, 1000)
    from adrs.evolve.config import parse_prices

    assert parse_prices(c.model_price) == {"hosted_vllm/q": (0.5e-6, 1.5e-6)}
    # a price (like the budgets) may be added or fixed on resume
    assert build_evolve_config({"model_price": ()}, base=c).config_hash() == c.config_hash()
