"""Static checks, run in the parent before any candidate code executes (and the allowlist again in
the child): parse, markers, entry-point signature, AST allowlist, name binding, size caps, code hash.

The allowlist is a filter against accidents and cheap exploits, not the security boundary (that is
the sandboxed process): it bans dunder/private attribute access, frame and code attributes, string-based
attribute access (``getattr`` and friends, ``str.format``), file and process escapes, and imports
outside the task's list.

>>> check_allowlist(ast.parse("import os"), ("math",))
'import not allowed: os (line 1)'
>>> check_allowlist(ast.parse("x = ().__class__"), ("math",))
"private attribute '__class__' (line 1)"
"""

from __future__ import annotations

import ast
import builtins
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from adrs.evolve.edits import MarkerError, split_block

SAFE_BUILTINS: frozenset[str] = frozenset(
    """abs all any bin bool callable chr complex dict divmod enumerate filter float frozenset hash hex
    int isinstance issubclass iter len list map max min next oct ord pow print range repr reversed
    round set slice sorted str sum tuple zip True False None NotImplemented Ellipsis
    ArithmeticError AssertionError Exception FloatingPointError IndexError KeyError LookupError
    NotImplementedError OverflowError RuntimeError StopIteration TypeError ValueError
    ZeroDivisionError""".split()
)
"""Builtins a candidate may use; the child's restricted ``__builtins__`` holds exactly these."""

BANNED_NAMES: frozenset[str] = frozenset(
    """eval exec compile open __import__ globals locals vars getattr setattr delattr hasattr input
    breakpoint help exit quit dir type object super memoryview classmethod staticmethod property
    id exec_module reload""".split()
)
"""Names that are rejected outright (escapes, reflection, I/O)."""

BANNED_ATTRS: frozenset[str] = frozenset(
    """sys os builtins modules importlib subprocess io shutil pathlib ctypes ctypeslib socket pickle
    marshal gc inspect types weakref signal threading multiprocessing resource tempfile glob codecs
    mmap lib testing f2py distutils load loadtxt fromfile genfromtxt memmap save savez
    savez_compressed savetxt tofile fromregex DataSource format format_map mro flat base flags setflags
    ctypes itemset""".split()
)
"""Attribute names that are rejected on any object (module re-exports, numpy file I/O, reflection, and
the numpy handles that reach around a read-only view: ``flat``, ``base``, ``flags``, ``setflags``,
``ctypes``, ``itemset``)."""

ALLOWED_DUNDER_DEFS: frozenset[str] = frozenset({"__init__"})
"""Dunder methods a candidate may define: only a constructor (no operator, attribute or finaliser
hooks that could make returned objects lie or run code later)."""

BANNED_ATTR_PREFIXES: tuple[str, ...] = ("_", "gi_", "cr_", "ag_", "f_", "tb_", "co_")
"""Attribute prefixes that are rejected: private/dunder names and frame/code/traceback internals."""


@dataclass(frozen=True)
class Caps:
    """Size caps for a candidate."""

    max_chars: int = 64_000
    max_nodes: int = 6_000
    max_block_lines: int = 600
    max_depth: int = 24


@dataclass(frozen=True)
class StaticResult:
    """Outcome of :func:`check_static`; ``reason`` is empty when ``ok``."""

    ok: bool
    reason: str
    code_hash: str = ""


def code_hash(tree: ast.AST) -> str:
    """Hash of the normalised AST (``ast.dump`` without positions): formatting and comments vanish."""
    dumped = ast.dump(tree, annotate_fields=False, include_attributes=False)
    return hashlib.sha256(dumped.encode()).hexdigest()[:24]


def _line(node: ast.AST) -> str:
    return f" (line {getattr(node, 'lineno', '?')})"


def check_allowlist(tree: ast.AST, allowed_imports: Iterable[str]) -> str | None:
    """The first allowlist violation in ``tree`` as a reason string, or None."""
    allowed = set(allowed_imports)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] not in allowed:
                    return f"import not allowed: {alias.name}{_line(node)}"
                if any(_bad_attr(p) for p in parts[1:]):
                    return f"import not allowed: {alias.name}{_line(node)}"
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            parts = module.split(".")
            if node.level or parts[0] not in allowed or any(_bad_attr(p) for p in parts[1:]):
                return f"import not allowed: {'.' * node.level}{module}{_line(node)}"
            for alias in node.names:
                if alias.name == "*":
                    return f"star import not allowed{_line(node)}"
                if _bad_attr(alias.name):
                    return f"import of banned name {alias.name!r}{_line(node)}"
        elif isinstance(node, ast.Attribute) and _bad_attr(node.attr):
            kind = "private attribute" if node.attr.startswith("_") else "banned attribute"
            return f"{kind} {node.attr!r}{_line(node)}"
        elif isinstance(node, ast.Name) and (node.id in BANNED_NAMES or node.id.startswith("__")):
            return f"banned name {node.id!r}{_line(node)}"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
            (node.name.startswith("__") and node.name not in ALLOWED_DUNDER_DEFS) or node.name in BANNED_NAMES
        ):
            return f"banned definition {node.name!r}{_line(node)}"
        elif isinstance(node, ast.arg) and node.arg.startswith("__"):
            return f"banned argument name {node.arg!r}{_line(node)}"
        elif isinstance(node, ast.alias) and node.asname and node.asname.startswith("__"):
            return f"banned alias {node.asname!r}{_line(node)}"
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and any(n.startswith("__") for n in node.names):
            return f"banned global{_line(node)}"
    return None


def _bad_attr(name: str) -> bool:
    return name in BANNED_ATTRS or name.startswith(BANNED_ATTR_PREFIXES)


def _bound_in(nodes: Sequence[ast.AST]) -> set[str]:
    """Names bound directly in ``nodes`` (not inside nested function/class bodies)."""
    bound: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        stack.extend(ast.iter_child_nodes(node))
    return bound


def _args(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return set(names)


def undefined_name(tree: ast.Module, known: Iterable[str] = ()) -> str | None:
    """The first name loaded but bound nowhere in its scope chain (or builtins), or None."""
    module_scope = _bound_in(tree.body) | set(known) | SAFE_BUILTINS | {"__name__"}

    def visit(nodes: Sequence[ast.AST], scope: set[str]) -> str | None:
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                defaults = node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
                body = node.body if isinstance(node.body, list) else [node.body]
                inner = scope | _args(node) | _bound_in(body)
                found = visit(defaults, scope) or visit(body, inner)
                if found:
                    return found
                if not isinstance(node, ast.Lambda):
                    stack.extend(node.decorator_list)
                continue
            if isinstance(node, ast.ClassDef):
                found = visit(node.body, scope | _bound_in(node.body))
                if found:
                    return found
                stack.extend(node.bases + node.decorator_list)
                continue
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                comp_scope = scope | _bound_in([g.target for g in node.generators]) | _walrus(node)
                found = visit([*ast.iter_child_nodes(node)], comp_scope)
                if found:
                    return found
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in scope:
                return f"undefined name {node.id!r}{_line(node)}"
            stack.extend(ast.iter_child_nodes(node))
        return None

    return visit(tree.body, module_scope)


def _walrus(node: ast.AST) -> set[str]:
    return {n.target.id for n in ast.walk(node) if isinstance(n, ast.NamedExpr)}


def entry_signature(tree: ast.Module, entry_point: str) -> tuple | None:
    """Parameter names and default count of the top-level function ``entry_point``, or None."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            a = node.args
            return (
                tuple(x.arg for x in a.posonlyargs),
                tuple(x.arg for x in a.args),
                tuple(x.arg for x in a.kwonlyargs),
                a.vararg.arg if a.vararg else None,
                a.kwarg.arg if a.kwarg else None,
                len(a.defaults),
            )
    return None


def _depth(node: ast.AST, level: int = 0) -> int:
    children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
    nested = [c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.stmt)]
    best = level
    for child in children:
        best = max(best, _depth(child, level + 1))
    for child in nested:
        best = max(best, _depth(child, level))
    return best


def check_static(
    source: str,
    reference: str,
    entry_point: str,
    allowed_imports: Iterable[str],
    caps: Caps = Caps(),
) -> StaticResult:
    """Every static check of a candidate against its reference (parent or seed) program."""
    if len(source) > caps.max_chars:
        return StaticResult(False, f"size: {len(source)} chars > {caps.max_chars}")
    try:
        tree = ast.parse(source)
        compile(tree, "<candidate>", "exec")
    except (SyntaxError, ValueError) as exc:
        return StaticResult(False, f"syntax: {exc}")
    try:
        block, ref_block = split_block(source), split_block(reference)
    except MarkerError as exc:
        return StaticResult(False, f"markers: {exc}")
    if block.frame != ref_block.frame:
        return StaticResult(False, "markers: text outside the EVOLVE-BLOCK changed")
    if block.body.count("\n") > caps.max_block_lines:
        return StaticResult(False, f"size: block longer than {caps.max_block_lines} lines")
    ref_sig = entry_signature(ast.parse(reference), entry_point)
    if entry_signature(tree, entry_point) != ref_sig:
        return StaticResult(False, f"signature: entry point {entry_point!r} missing or changed")
    n_nodes = sum(1 for _ in ast.walk(tree))
    if n_nodes > caps.max_nodes:
        return StaticResult(False, f"size: {n_nodes} AST nodes > {caps.max_nodes}")
    if _depth(tree) > caps.max_depth:
        return StaticResult(False, f"size: nesting deeper than {caps.max_depth}")
    reason = check_allowlist(tree, allowed_imports) or undefined_name(tree)
    if reason:
        return StaticResult(False, f"allowlist: {reason}" if "undefined" not in reason else reason)
    return StaticResult(True, "", code_hash(tree))


def builtin_names() -> frozenset[str]:
    """Names of the real builtins (for tests and diagnostics)."""
    return frozenset(dir(builtins))
