"""Policy files: a fresh namespace per load, and errors that name the file and line."""

import pytest

from adrs.policy_files import PolicyLoadError, exec_policy_file


def test_namespace_is_fresh(tmp_path):
    path = tmp_path / "p.py"
    path.write_text("counter = [0]\n\ndef decide(obs, state):\n    counter[0] += 1\n    return 0\n")
    a, b = exec_policy_file(path), exec_policy_file(path)
    a["decide"](None, None)
    assert a["counter"] == [1] and b["counter"] == [0]


@pytest.mark.parametrize("source,message", [
    ("def f(:\n    pass\n", ":1: syntax error"),
    ("\n\nimport no_such_module_xyz\n", ":3: ModuleNotFoundError"),
])
def test_errors_name_the_line(tmp_path, source, message):
    path = tmp_path / "bad.py"
    path.write_text(source)
    with pytest.raises(PolicyLoadError, match=message):
        exec_policy_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(PolicyLoadError, match="cannot read policy file"):
        exec_policy_file(tmp_path / "absent.py")
