"""How big each seeded county is."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Size:
    """Row counts of one seed size. Villages are `towns × villages_per_town`."""

    name: str
    disclosures: int
    inquiries: int
    towns: int = 10
    villages_per_town: int = 10
    # Months of village-board history (quarterly 党务/村务, monthly 财务, special items).
    notice_months: int = 36
    # Inquiries and disclosures are spread over this many years up to today.
    years: int = 3

    @property
    def villages(self) -> int:
        return self.towns * self.villages_per_town

    def scaled(self, factor: float) -> Size:
        """The same county with `factor` times the documents and inquiries."""
        return replace(self, name=f"{self.name}×{factor:g}",
                       disclosures=max(1, round(self.disclosures * factor)),
                       inquiries=max(1, round(self.inquiries * factor)))


SIZES: dict[str, Size] = {
    # tiny is for the seed's own tests: a handful of villages, a few documents.
    "tiny": Size("tiny", disclosures=60, inquiries=300, towns=2, villages_per_town=3,
                 notice_months=6, years=2),
    "small": Size("small", disclosures=1_000, inquiries=10_000, notice_months=12),
    "medium": Size("medium", disclosures=10_000, inquiries=100_000, notice_months=24),
    "large": Size("large", disclosures=100_000, inquiries=1_000_000),
}
PUBLIC_SIZES = ("small", "medium", "large")
