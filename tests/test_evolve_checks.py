"""Tests for adrs.evolve.checks: parse, markers, signature, allowlist, name binding, caps, hash."""

import ast

import pytest

from adrs.evolve.checks import Caps, check_allowlist, check_static, code_hash, undefined_name
from adrs.evolve.toy import SEED

ALLOWED = ("math", "numpy", "typing")


def body(code: str) -> str:
    """The toy seed with its policy body replaced by ``code`` (4-space indented lines)."""
    lines = "\n".join("    " + line for line in code.strip("\n").splitlines())
    return SEED.replace('    w = 0.5\n    bias = 0.0\n    return w * obs["x"] + bias', lines)


def test_seed_passes():
    assert check_static(SEED, SEED, "decide", ALLOWED).ok


@pytest.mark.parametrize("code, reason", [
    ("return open('/etc/passwd').read()", "banned name 'open'"),
    ("m = __import__('os')\nreturn 0.0", "banned name '__import__'"),
    ("return eval('1')", "banned name 'eval'"),
    ("exec('x = 1')\nreturn 0.0", "banned name 'exec'"),
    ("return getattr(obs, 'x')", "banned name 'getattr'"),
    ("g = globals()\nreturn 0.0", "banned name 'globals'"),
    ("v = vars(obs)\nreturn 0.0", "banned name 'vars'"),
    ("c = compile('1', 'f', 'eval')\nreturn 0.0", "banned name 'compile'"),
    ("breakpoint()\nreturn 0.0", "banned name 'breakpoint'"),
    ("s = input()\nreturn 0.0", "banned name 'input'"),
    ("k = ().__class__.__bases__[0].__subclasses__()\nreturn 0.0", "private attribute '__subclasses__'"),
    ("e = state._env\nreturn 0.0", "private attribute '_env'"),
    ("import os\nreturn 0.0", "import not allowed: os"),
    ("import sys\nreturn len(sys.modules)", "import not allowed: sys"),
    ("import typing\nreturn len(typing.sys.modules)", "banned attribute 'modules'"),
    ("import typing\nm = typing.sys\nreturn 0.0", "banned attribute 'sys'"),
    ("import numpy as np\nreturn float(np.load('holdout.npz')['x'][0])", "banned attribute 'load'"),
    ("import numpy as np\nreturn float(np.fromfile('t.bin')[0])", "banned attribute 'fromfile'"),
    ("from numpy import loadtxt\nreturn 0.0", "import of banned name 'loadtxt'"),
    ("from numpy.lib import npyio\nreturn 0.0", "import not allowed: numpy.lib"),
    ("return float('{0.__class__}'.format(obs) == '')", "banned attribute 'format'"),
    ("def g():\n    yield 1\nx = g()\nf = x.gi_frame.f_back\nreturn 0.0", "banned attribute 'f_back'"),
    ("def g():\n    yield 1\nf = g().gi_frame\nreturn 0.0", "banned attribute 'gi_frame'"),
])
def test_escapes_are_rejected_with_their_reason(code, reason):
    res = check_static(body(code), SEED, "decide", ALLOWED)
    assert not res.ok
    assert reason in res.reason


@pytest.mark.parametrize("source, reason", [
    (SEED.replace("def decide(obs, state)", "def decide(obs)"), "signature"),
    (SEED.replace("def decide(", "def act("), "signature"),
    (SEED.replace('"""Toy policy', '"""Changed'), "text outside the EVOLVE-BLOCK changed"),
    (SEED.replace("# EVOLVE-BLOCK-END\n", ""), "markers"),
    (SEED.replace("return w *", "return w +* "), "syntax"),
    (body("return w * obs['x']"), "undefined name 'w'"),
])
def test_structure_checks(source, reason):
    res = check_static(source, SEED, "decide", ALLOWED)
    assert not res.ok and reason in res.reason


def test_size_caps():
    big = body("\n".join(f"a{i} = {i}" for i in range(50)) + "\nreturn 0.0")
    assert "size" in check_static(big, SEED, "decide", ALLOWED, Caps(max_nodes=100)).reason
    assert "size" in check_static(big, SEED, "decide", ALLOWED, Caps(max_block_lines=10)).reason


def test_name_binding_is_scope_aware():
    assert undefined_name(ast.parse("def f(a):\n    return [b for b in a] + [a]\n")) is None
    assert "'b'" in undefined_name(ast.parse("def f(a):\n    return a\ndef g():\n    return b\n"))
    assert undefined_name(ast.parse("import math\ndef f(x):\n    return math.sqrt(x) + abs(x)\n")) is None


def test_code_hash_ignores_formatting_and_comments():
    a = ast.parse("x = 1 + 2  # note\n")
    b = ast.parse("x = (1+2)\n")
    assert code_hash(a) == code_hash(b)
    assert code_hash(a) != code_hash(ast.parse("x = 1 + 3\n"))


def test_star_import_is_rejected_at_module_level():
    assert check_allowlist(ast.parse("from math import *\n"), ("math",)) == "star import not allowed (line 1)"


def test_single_underscore_names_are_allowed_but_dunders_are_not():
    assert check_allowlist(ast.parse("_x = 1\nfor _ in range(3):\n    pass\n"), ()) is None
    assert "banned name" in check_allowlist(ast.parse("x = __builtins__\n"), ())


def test_only_the_constructor_may_be_defined_as_a_dunder():
    ok = "class State:\n    def __init__(self, n):\n        self.n = n\n"
    assert check_allowlist(ast.parse(ok), ()) is None
    for hook in ("__eq__", "__del__", "__getattr__", "__float__", "__class_getitem__"):
        src = f"class Liar:\n    def {hook}(self, *a):\n        return True\n"
        assert check_allowlist(ast.parse(src), ()) == f"banned definition {hook!r} (line 2)"
