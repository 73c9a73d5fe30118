"""Numeric-constant tuning (``offline/params``): a (1+lambda)-ES over the block's literals.

Numeric literals inside the EVOLVE-BLOCK (not booleans, subscripts or ``range`` bounds) form the
vector. Positive values get log-normal multiplicative noise, others additive noise scaled by
``max(1, |x|)``; integers stay integers. The step size ``sigma`` belongs to the lineage: the child
records the sigma it was drawn with and the selector adapts it by the 1/5 success rule.
"""

from __future__ import annotations

import ast
import math
import random

from adrs.evolve.edits import splice, split_block
from adrs.evolve.generators.base import OperatorFailed


class _Fold(ast.NodeTransformer):
    """``-<number>`` becomes one negative Constant so that signed literals are single sites."""

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) and type(
            node.operand.value
        ) in (int, float):
            return ast.copy_location(ast.Constant(-node.operand.value), node)
        return node


class _Unfold(ast.NodeTransformer):
    """Negative Constants become ``-(number)`` again, so ``ast.unparse`` keeps precedence right."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) in (int, float) and node.value < 0:
            return ast.copy_location(ast.UnaryOp(ast.USub(), ast.Constant(-node.value)), node)
        return node


def parse_folded(text: str) -> ast.Module:
    """Parse with signed numeric literals folded into single Constant nodes."""
    return ast.fix_missing_locations(_Fold().visit(ast.parse(text)))


def unparse(tree: ast.AST) -> str:
    """``ast.unparse`` after unfolding negative literals (safe precedence)."""
    return ast.unparse(ast.fix_missing_locations(_Unfold().visit(tree)))


def _excluded(tree: ast.AST) -> set[int]:
    """ids of Constant nodes that must not be tuned."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            skip.update(id(n) for n in ast.walk(node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            for arg in node.args:
                skip.update(id(n) for n in ast.walk(arg))
    return skip


def numeric_sites(tree: ast.AST) -> list[ast.Constant]:
    """Tunable numeric literals of ``tree`` in source order."""
    skip = _excluded(tree)
    sites = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) in (int, float)
             and id(n) not in skip]
    return sorted(sites, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def perturb(value: int | float, sigma: float, rng: random.Random) -> int | float:
    """One ES step for a single constant (always returns a different value)."""
    noise = rng.gauss(0.0, 1.0)
    if isinstance(value, int):
        if value > 0:
            new = round(value * math.exp(sigma * noise))
        else:
            new = value + round(sigma * max(1, abs(value)) * noise)
        return new if new != value else value + (1 if noise >= 0 else -1)
    if value > 0:
        new = value * math.exp(sigma * noise)
    else:
        new = value + sigma * max(1.0, abs(value)) * noise
    new = float(f"{new:.6g}")
    return new if new != value else value + (sigma if noise >= 0 else -sigma)


def mutate_constants(tree: ast.AST, sigma: float, rng: random.Random, min_changes: int = 1) -> list[str]:
    """Perturb a random subset (each with probability ~2/n, at least one) in place; describe edits."""
    sites = numeric_sites(tree)
    if not sites:
        raise OperatorFailed("no numeric constants in the block")
    p = min(1.0, 2.0 / len(sites))
    chosen = [s for s in sites if rng.random() < p]
    if len(chosen) < min_changes:
        chosen = rng.sample(sites, min(min_changes, len(sites)))
    edits = []
    for site in chosen:
        old = site.value
        site.value = perturb(old, sigma, rng)
        edits.append(f"{old!r}->{site.value!r}")
    return edits


def tune(parent_source: str, sigma: float, rng: random.Random) -> tuple[str, str]:
    """(child source, summary): the parent with its block constants perturbed at step ``sigma``."""
    tree = parse_folded(split_block(parent_source).body)
    edits = mutate_constants(tree, sigma, rng)
    return splice(parent_source, unparse(tree)), f"constants {', '.join(edits)} (sigma {sigma:.3g})"
