"""Live progress display (rich): iteration, best train and holdout so far, candidates/min, rejections."""

from __future__ import annotations

from typing import Any


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


class RichProgress:
    """A rich ``Live`` panel updated after every generation; use as a context manager."""

    def __init__(self, title: str = "adrs evolve") -> None:
        from rich.console import Console
        from rich.live import Live

        self.title = title
        self.console = Console(stderr=True)
        self.live = Live(self._render({}), console=self.console, refresh_per_second=4, transient=False)

    def _render(self, stats: dict[str, Any]) -> Any:
        from rich.table import Table

        table = Table(title=self.title, show_header=False)
        table.add_column("what")
        table.add_column("value", justify="right")
        table.add_row("iteration", f"{stats.get('iteration', 0)}/{stats.get('iterations', '?')}")
        table.add_row("generation", str(stats.get("generation", 0)))
        table.add_row("train evaluations", str(stats.get("evaluations", 0)))
        table.add_row("best train", _fmt(stats.get("best_train")))
        table.add_row("best holdout so far", _fmt(stats.get("best_holdout")))
        table.add_row("candidates/min", f"{stats.get('cpm', 0.0):.1f}")
        rejections = stats.get("rejections") or {}
        table.add_row("rejections", ", ".join(f"{k} {v}" for k, v in sorted(rejections.items())) or "-")
        return table

    def update(self, stats: dict[str, Any]) -> None:
        """Redraw with new numbers."""
        self.live.update(self._render(stats))

    def __enter__(self) -> RichProgress:
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.stop()


class RecordingProgress:
    """Keeps every stats dict (tests and scripting)."""

    def __init__(self) -> None:
        self.history: list[dict[str, Any]] = []

    def update(self, stats: dict[str, Any]) -> None:
        """Append ``stats``."""
        self.history.append(dict(stats))
