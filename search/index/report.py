"""What a reindex run did, as the command prints it."""

from __future__ import annotations

from dataclasses import dataclass, field

FACET_FIELDS = ("country", "year", "type", "status")


#: Lines of inconsistent sheets the report prints (all are in `ReindexReport.inconsistent`).
REPORT_LIMIT = 20


@dataclass
class ReindexReport:
    """What a run did; `format` is the text the command prints."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    coverage: dict[str, int] = field(default_factory=dict)
    inconsistent: list[tuple[str, str]] = field(default_factory=list)  # (id, what is wrong), by id
    generation: str | None = None  # the generation this run published, None when nothing changed
    current: str | None = None  # the generation readers use after the run
    index_dir: str = ""
    elapsed_s: float = 0.0
    encoded: int = 0  # documents whose sentence vector was computed (the others were copied)

    @property
    def changed(self) -> bool:
        return self.generation is not None

    def format(self) -> str:
        counts = (
            f"{self.added} added, {self.updated} updated, {self.deleted} deleted, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped"
        )
        if self.generation is None:
            head = f"nothing changed: {self.index_dir} stays at {self.current} ({self.elapsed_s:.2f} s); {counts}"
        else:
            head = f"published {self.generation} in {self.index_dir} ({self.elapsed_s:.2f} s): {counts}"
            if self.encoded:
                head += f"; meaning encoded for {self.encoded}"
        lines = [head]
        if self.skipped:
            lines.append("skipped:")
            lines.extend(f"  {path}: {reason}" for path, reason in self.skipped)
        total = self.coverage.get("documents", 0)
        missing = ", ".join(f"{self.coverage.get('no_' + name, 0)} without {name}" for name in FACET_FIELDS)
        lines.append(f"coverage over {total} documents: {missing}")
        if self.inconsistent:
            sheets = len({doc_id for doc_id, _ in self.inconsistent})
            lines.append(f"inconsistent dates in {sheets} sheet{'s' if sheets > 1 else ''}:")
            lines.extend(f"  {doc_id}: {reason}" for doc_id, reason in self.inconsistent[:REPORT_LIMIT])
            if len(self.inconsistent) > REPORT_LIMIT:
                lines.append(f"  … and {len(self.inconsistent) - REPORT_LIMIT} more")
        return "\n".join(lines)
