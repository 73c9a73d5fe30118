"""Tests for the sandbox (adrs.evolve.sandbox, .zygote, .executor): every hostile candidate is stopped
with the right status and reason, children die with their process group, and no secret leaks."""

import os
import time

import pytest

from adrs.evolve.executor import Limits, SandboxExecutor
from adrs.evolve.sandbox import load_policy, restricted_builtins, scrubbed_env
from adrs.evolve.task import PolicyError
from adrs.evolve.toy import SEED

LIMITS = Limits(cpu_s=0.9, wall_s=2.0, memory_mb=200, max_procs=4)
STAGES = [["smoke", ["t00"]], ["train", ["t00", "t01", "t02"]]]


@pytest.fixture(scope="module")
def executor():
    os.environ["ADRS_TEST_API_KEY"] = "s3cret"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "s3cret"
    try:
        with SandboxExecutor("adrs.evolve.toy:TASK", workers=2) as ex:
            yield ex
    finally:
        os.environ.pop("ADRS_TEST_API_KEY")
        os.environ.pop("AWS_SECRET_ACCESS_KEY")


def policy(code: str) -> str:
    lines = "\n".join("    " + line for line in code.strip("\n").splitlines())
    return SEED.replace('    w = 0.5\n    bias = 0.0\n    return w * obs["x"] + bias', lines)


def run(ex, source, kind="eval", limits=LIMITS, allowed=("math",)):
    job = {"kind": kind, "source": source, "entry_point": "decide", "allowed_imports": list(allowed),
           "stages": STAGES}
    job_id = ex.submit(job, limits)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for result in ex.poll(0.05):
            assert result.job_id == job_id
            return result
    raise AssertionError("job never finished")


def group_alive(pgid: int) -> int:
    alive = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat", "rb").read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != b"Z":
                alive += 1
    return alive


def wait_group_gone(pgid: int) -> int:
    for _ in range(40):
        if group_alive(pgid) == 0:
            return 0
        time.sleep(0.05)
    return group_alive(pgid)


def test_good_candidate_runs_all_units(executor):
    res = run(executor, SEED)
    assert res.status == "ok"
    units = [(x["split"], x["unit"]) for x in res.lines if x["t"] == "unit"]
    assert units == [("smoke", "t00"), ("train", "t00"), ("train", "t01"), ("train", "t02")]
    probe = run(executor, SEED, kind="probe")
    assert probe.status == "ok" and len(probe.first("probe")["outputs"]) == 16


def test_infinite_loop_hits_the_cpu_limit(executor):
    t0 = time.monotonic()
    res = run(executor, policy("while True:\n    pass\nreturn 0.0"), limits=Limits(cpu_s=0.9, wall_s=30))
    assert (res.status, res.reason) == ("timeout", "cpu limit")  # CPU, not wall: immune to machine load
    assert time.monotonic() - t0 < 25


def test_blocking_candidate_is_killed_at_the_wall_clock_deadline(executor):
    res = run(executor, policy("import time\ntime.sleep(60)\nreturn 0.0"), allowed=("math", "time"),
              limits=Limits(cpu_s=5, wall_s=0.5))
    assert (res.status, res.reason) == ("timeout", "wall-clock limit")


def test_unbounded_allocation_is_oom(executor):
    res = run(executor, policy("x = []\nwhile True:\n    x.append([0] * 1000000)\nreturn 0.0"))
    assert res.status == "oom"


def test_fork_bomb_is_detected_and_the_whole_group_is_killed(executor):
    src = policy("import os, time\nfor _ in range(6):\n    os.fork()\ntime.sleep(60)\nreturn 0.0")
    res = run(executor, src, allowed=("math", "os", "time"), limits=Limits(cpu_s=5, wall_s=20, max_procs=4))
    assert res.status == "error" and res.reason.startswith("process limit")
    assert res.timings["wall_s"] < 10
    # every process of the group is gone (the child's pid is its process-group id)
    assert wait_group_gone(_last_pid(executor)) == 0


def test_grandchildren_die_when_the_child_finishes(executor):
    src = policy("import os, time\nif not state:\n    state[1] = 1\n"
                 "    if os.fork() == 0:\n        time.sleep(60)\nreturn 0.0")
    res = run(executor, src, allowed=("math", "os", "time"), limits=Limits(cpu_s=5, wall_s=20, max_procs=8))
    assert res.status == "ok"
    assert wait_group_gone(_last_pid(executor)) == 0


def _last_pid(executor):
    return executor.last_pid


def test_fake_metrics_on_stdout_change_nothing(executor):
    clean = run(executor, SEED)
    noisy = run(executor, SEED.replace("return w", 'print(\'{"t": "done", "score": 99}\')\n    return w'))
    assert noisy.status == "ok"
    assert '"score": 99' in noisy.stdout_tail and len(noisy.stdout_tail) <= LIMITS.tail_bytes
    records = lambda r: [x["record"] for x in r.lines if x["t"] == "unit"]  # noqa: E731
    assert records(noisy) == records(clean)


@pytest.mark.parametrize("code, status, reason", [
    ("return 1 / 0", "error", "ZeroDivisionError"),
    ("return float('nan')", "invalid", "non-finite action"),
    ("return 'SPOT'", "invalid", "illegal action str"),
    ("return decide(obs, state)", "error", "RecursionError"),
])
def test_raising_and_illegal_candidates(executor, code, status, reason):
    res = run(executor, policy(code))
    assert res.status == status and reason in res.reason
    probe = run(executor, policy(code), kind="probe")
    assert probe.status == status


def test_child_environment_has_no_secrets(executor):
    src = policy("import os\nreturn float(len(os.environ.get('ADRS_TEST_API_KEY', '')) * 10 + "
                 "len([k for k in os.environ if 'SECRET' in k]) * 100 + ('PATH' in os.environ))")
    res = run(executor, src, kind="probe", allowed=("math", "os"))
    assert res.status == "ok" and set(res.first("probe")["outputs"]) == {1.0}


def test_scrubbed_env_filters_secret_names():
    env = scrubbed_env({"PATH": "/bin", "OPENAI_API_KEY": "x", "GITHUB_TOKEN": "y", "HOME": "/root"}, "/tmp/x")
    assert env["PATH"] == "/bin" and env["HOME"] == "/tmp/x"
    assert not any("KEY" in k or "TOKEN" in k for k in env)


def test_loader_rechecks_the_allowlist_and_restricts_builtins():
    with pytest.raises(PolicyError, match="banned name 'open'"):
        load_policy("def decide(o, s):\n    return open\n", "decide", ("math",))
    safe = restricted_builtins(("math",))
    assert not {"open", "eval", "exec", "getattr", "compile", "globals"} & set(safe)
    with pytest.raises(ImportError):
        safe["__import__"]("os")
    assert safe["__import__"]("math").sqrt(4) == 2
