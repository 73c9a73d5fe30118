"""Heuristic recombination (``offline/recombine``): inline library policies and combine them.

Library policies (and the parent's own entry function) are inlined as renamed top-level functions
(``h<k>_<name>``), so every stored candidate is standalone. The new entry point then combines two of
them with a feature gate (``A if feature > theta else B``; needs ``task.gate_features``), a score blend
``w*A + (1-w)*B`` (needs ``task.action_kind == "continuous"``), or simply adopts one library policy.
Gates and weights are plain literals, so ``offline/params`` tunes them afterwards.
"""

from __future__ import annotations

import ast
import copy
import random
import re

from adrs.evolve.edits import splice, split_block
from adrs.evolve.generators.base import Context, OperatorFailed
from adrs.evolve.generators.params import unparse


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self.mapping.get(node.name, node.name)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self.mapping.get(node.name, node.name)
        self.generic_visit(node)
        return node


def _top_names(stmts: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for node in stmts:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def inline(source: str, entry_point: str, new_name: str) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """(imports, definitions) of module ``source`` with its top-level names renamed under ``new_name``."""
    tree = ast.parse(source)
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]
    rest = [n for n in body if not isinstance(n, (ast.Import, ast.ImportFrom))]
    mapping = {name: f"{new_name}_{name}" for name in _top_names(rest)}
    mapping[entry_point] = new_name
    renamer = _Rename(mapping)
    return imports, [renamer.visit(copy.deepcopy(n)) for n in rest]


def _free_prefix(code: str) -> str:
    k = 0
    while re.search(rf"\bh{k}_", code):
        k += 1
    return f"h{k}"


def _ident(name: str) -> str:
    return re.sub(r"\W", "_", name)


def recombine(ctx: Context, rng: random.Random) -> tuple[str, str]:
    """(child, summary) combining library heuristics and/or the parent's policy."""
    if not ctx.library:
        raise OperatorFailed("no heuristic library")
    parent = ctx.parent.code
    block_tree = ast.parse(split_block(parent).body)
    entry = next((n for n in block_tree.body if isinstance(n, ast.FunctionDef) and n.name == ctx.entry_point),
                 None)
    if entry is None:
        raise OperatorFailed("entry point is not inside the block")
    prefix = _free_prefix(parent)
    names = sorted(ctx.library)
    modes = ["adopt"]
    if ctx.gate_features:
        modes.append("gate")
    if ctx.action_kind == "continuous":
        modes.append("blend")
    mode = rng.choice(modes)
    imports: list[ast.stmt] = []
    defs: list[ast.stmt] = []
    callees: list[str] = []
    n_needed = 1 if mode == "adopt" else 2
    use_parent = mode != "adopt" and rng.random() < 0.5
    picks = rng.sample(names, min(len(names), n_needed - int(use_parent)))
    if len(picks) + int(use_parent) < n_needed:
        raise OperatorFailed("library too small for this combination")
    kept = list(block_tree.body)
    if use_parent:
        parent_name = f"{prefix}_parent"
        kept = [_Rename({ctx.entry_point: parent_name}).visit(n) if n is entry else n for n in kept]
        callees.append(parent_name)
    else:
        kept = [n for n in kept if n is not entry]
    for lib in picks:
        new_name = f"{prefix}_{_ident(lib)}"
        imp, body = inline(ctx.library[lib], ctx.entry_point, new_name)
        imports += imp
        defs += body
        callees.append(new_name)
    args = [a.arg for a in entry.args.posonlyargs + entry.args.args]
    call = [f"{c}({', '.join(args)})" for c in callees]
    signature = f"def {ctx.entry_point}({ast.unparse(entry.args)}):"
    if mode == "adopt":
        new_entry = f"{signature}\n    return {call[0]}\n"
        summary = f"recombine: adopt {picks[0]}"
    elif mode == "gate":
        feature = rng.choice(sorted(ctx.gate_features))
        theta = rng.choice(tuple(ctx.gate_features[feature]))
        new_entry = (f"{signature}\n    if {feature} > {float(theta)!r}:\n        return {call[0]}\n"
                     f"    return {call[1]}\n")
        summary = f"recombine: gate {feature} > {theta} between {callees[0]} and {callees[1]}"
    else:
        w = rng.choice((0.25, 0.5, 0.75))
        new_entry = f"{signature}\n    return {w!r} * {call[0]} + {1 - w!r} * {call[1]}\n"
        summary = f"recombine: blend {w} * {callees[0]} + {1 - w} * {callees[1]}"
    seen: set[str] = set()
    unique_imports = []
    for imp in imports:
        key = ast.dump(imp)
        if key not in seen:
            seen.add(key)
            unique_imports.append(imp)
    module = ast.Module(body=unique_imports + kept + defs, type_ignores=[])
    body = unparse(ast.fix_missing_locations(module)) + "\n\n\n" + new_entry
    return splice(parent, body), summary
