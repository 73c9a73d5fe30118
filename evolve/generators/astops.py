"""AST mutation (``offline/ast``) and crossover (``offline/crossover``) of the EVOLVE-BLOCK.

Mutations are type-preserving edits drawn from: perturb a constant, swap a comparison or arithmetic
operator, swap ``and``/``or``, negate a condition, delete/duplicate/swap statements, swap if/else
branches, and transplant a same-kind sub-expression from another program or the heuristic library.
Children that use names their scope does not define are discarded (name-binding check) and the
operator retries. Only the block's tree changes; the frame is spliced back byte-identical.
"""

from __future__ import annotations

import ast
import copy
import random
from collections.abc import Callable, Sequence

from adrs.evolve.checks import undefined_name
from adrs.evolve.edits import splice, split_block
from adrs.evolve.generators.base import OperatorFailed
from adrs.evolve.generators.params import mutate_constants, parse_folded, unparse

CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
CMP_FLIP = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}
ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
EXPR_KINDS = (ast.BinOp, ast.Compare, ast.BoolOp, ast.Call, ast.IfExp)


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _stmt_lists(tree: ast.AST) -> list[list[ast.stmt]]:
    lists = []
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt) and not isinstance(
                node, ast.Module
            ):
                lists.append(value)
    return lists


def _edit_constant(tree: ast.Module, rng: random.Random, donors: Sequence[ast.Module]) -> str:
    return "constant " + ", ".join(mutate_constants(tree, 0.5, rng))


def _edit_compare(tree: ast.Module, rng: random.Random, donors: Sequence[ast.Module]) -> str:
    sites = [(n, i) for n in ast.walk(tree) if isinstance(n, ast.Compare)
             for i, op in enumerate(n.ops) if type(op) in CMP_SWAP]
    if not sites:
        raise OperatorFailed("no comparison")
    node, i = rng.choice(sites)
    table = CMP_SWAP if rng.random() < 0.5 else CMP_FLIP
    old = type(node.ops[i])
    node.ops[i] = table[old]()
    return f"compare {old.__name__}->{type(node.ops[i]).__name__} (line {getattr(node, 'lineno', '?')})"


def _edit_arith(tree: ast.Module, rng: random.Random, donors: Sequence[ast.Module]) -> str:
    sites = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and type(n.op) in ARITH_SWAP]
    if not sites:
        raise OperatorFailed("no arithmetic")
    node = rng.choice(sites)
    old = type(node.op)
    node.op = ARITH_SWAP[old]()
    if isinstance(node.op, ast.Div):  # guard the new division against zero
        node.right = ast.IfExp(
            ast.Compare(copy.deepcopy(node.right), [ast.NotEq()], [ast.Constant(0)]),
            node.right, ast.Constant(1e-09))
    return f"arith {old.__name__}->{type(node.op).__name__} (line {getattr(node, 'lineno', '?')})"


def _edit_boolop(tree: ast.Module, rng: random.Random, donors: Sequence[ast.Module]) -> str:
    sites = [n for n in ast.walk(tree) if isinstance(n, ast.BoolOp)]
    if not sites:
        raise OperatorFailed("no and/or")
    node = rng.choice(sites)
    node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    return f"boolop -> {type(node.op).__name__} (line {getattr(node, 'lineno', '?')})"


def _edit_negate(tree: ast.Module, rng: random.Random, donors: Sequence[ast.Module]) -> str:
    sites = [n for n in ast.walk(tree) if isinstance(n, (ast.If, ast.IfExp, ast.While))]
    if not sites:
        raise OperatorFailed("no condition")
    node = rng.choice(sites)
    node.test = ast.UnaryOp(ast.Not(), node.test)
    return f"negate condition (line {getattr(node, 'lineno', '?')})"


def _edit_swap_branches(tree: ast.Module, rng: random.Random, donors: Sequence[ast.Module]) -> str:
    sites = [n for n in ast.walk(tree) if isinstance(n, (ast.If, ast.IfExp)) and n.orelse]
    if not sites:
        raise OperatorFailed("no if/else")
    node = rng.choice(sites)
    node.body, node.orelse = node.orelse, node.body
    return f"swap if/else branches (line {getattr(node, 'lineno', '?')})"


def _edit_statements(tree: ast.Module, rng: random.Random, donors: Sequence[ast.Module]) -> str:
    lists = [lst for lst in _stmt_lists(tree) if len(lst) >= 2]
    if not lists:
        raise OperatorFailed("no statement list")
    lst = rng.choice(lists)
    kind = rng.choice(("delete", "duplicate", "swap"))
    i = rng.randrange(len(lst) - 1)  # never the last statement (usually the return)
    if kind == "delete":
        del lst[i]
    elif kind == "duplicate":
        lst.insert(i, copy.deepcopy(lst[i]))
    else:
        lst[i], lst[i + 1] = lst[i + 1], lst[i]
    return f"{kind} statement (line {getattr(lst[min(i, len(lst) - 1)], 'lineno', '?')})"


def _edit_transplant(tree: ast.Module, rng: random.Random, donors: Sequence[ast.Module]) -> str:
    targets = [n for n in ast.walk(tree) if isinstance(n, EXPR_KINDS)]
    pool = [n for d in donors for n in ast.walk(d) if isinstance(n, EXPR_KINDS)]
    if not targets or not pool:
        raise OperatorFailed("nothing to transplant")
    target = rng.choice(targets)
    same = [n for n in pool if type(n) is type(target)] or pool
    donor = copy.deepcopy(rng.choice(same))
    parent = _parents(tree).get(id(target))
    if parent is None:
        raise OperatorFailed("no parent")
    for name, value in ast.iter_fields(parent):
        if value is target:
            setattr(parent, name, donor)
            break
        if isinstance(value, list) and any(v is target for v in value):
            value[[i for i, v in enumerate(value) if v is target][0]] = donor
            break
    return f"transplant {type(donor).__name__} into line {getattr(target, 'lineno', '?')}"


EDITS: dict[str, Callable[[ast.Module, random.Random, Sequence[ast.Module]], str]] = {
    "constant": _edit_constant, "compare": _edit_compare, "arith": _edit_arith, "boolop": _edit_boolop,
    "negate": _edit_negate, "branches": _edit_swap_branches, "statements": _edit_statements,
    "transplant": _edit_transplant,
}


def _binds_ok(body: str, frame_source: str) -> bool:
    """Name-binding check of a new block body inside its frame."""
    try:
        return undefined_name(ast.parse(splice(frame_source, body))) is None
    except SyntaxError:
        return False


def mutate(parent_source: str, donors: Sequence[str], rng: random.Random, tries: int = 12) -> tuple[str, str]:
    """(child, summary): one to three random edits of the parent's block."""
    donor_trees = [parse_folded(split_block(d).body) for d in donors]
    base = parse_folded(split_block(parent_source).body)
    for _ in range(tries):
        tree = copy.deepcopy(base)
        summaries = []
        for _ in range(rng.randint(1, 3)):
            kinds = list(EDITS)
            rng.shuffle(kinds)
            for kind in kinds:
                try:
                    summaries.append(EDITS[kind](tree, rng, donor_trees))
                    break
                except OperatorFailed:
                    continue
        if not summaries:
            break
        body = unparse(tree)
        if _binds_ok(body, parent_source) and body != unparse(copy.deepcopy(base)):
            return splice(parent_source, body), "; ".join(summaries)
    raise OperatorFailed("no valid AST mutation found")


def crossover(parent_source: str, mate_source: str, rng: random.Random, tries: int = 8) -> tuple[str, str]:
    """(child, summary): swap a shared function, or one-point crossover of the entry function."""
    a = parse_folded(split_block(parent_source).body)
    b = parse_folded(split_block(mate_source).body)
    funcs_a = {n.name: i for i, n in enumerate(a.body) if isinstance(n, ast.FunctionDef)}
    funcs_b = {n.name: n for n in b.body if isinstance(n, ast.FunctionDef)}
    shared = sorted(set(funcs_a) & set(funcs_b))
    for _ in range(tries):
        child = copy.deepcopy(a)
        if len(shared) > 1 and rng.random() < 0.5:
            name = rng.choice(shared)
            child.body[funcs_a[name]] = copy.deepcopy(funcs_b[name])
            summary = f"crossover: function {name} from mate"
        else:
            fa = [n for n in child.body if isinstance(n, ast.FunctionDef)]
            fb = [n for n in b.body if isinstance(n, ast.FunctionDef) and fa and n.name == fa[-1].name]
            if not fa or not fb:
                raise OperatorFailed("no common function to cross")
            target, donor = fa[-1], fb[0]
            i = rng.randint(0, len(target.body) - 1)
            j = rng.randint(0, len(donor.body) - 1)
            target.body = target.body[:i] + copy.deepcopy(donor.body[j:])
            known = {n.name for n in child.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            extra = [copy.deepcopy(n) for n in b.body if isinstance(n, (ast.FunctionDef, ast.Assign, ast.Import,
                                                                         ast.ImportFrom))
                     and getattr(n, "name", None) not in known and ast.dump(n) not in
                     {ast.dump(m) for m in child.body}]
            child.body = [n for n in extra if not isinstance(n, ast.FunctionDef) or n.name != target.name] + child.body
            summary = f"crossover: {target.name} body[:{i}] + mate body[{j}:]"
        body = unparse(child)
        if _binds_ok(body, parent_source) and body != unparse(copy.deepcopy(a)):
            return splice(parent_source, body), summary
    raise OperatorFailed("no valid crossover found")
