"""Region lookup (emergency numbers) from regions.yaml."""

from __future__ import annotations

from typing import Any

from backspasm.knowledge import Knowledge


def region_info(kb: Knowledge, region: str | None) -> dict[str, Any]:
    """The region record for ``region``, else the knowledge's default region."""
    data = kb["regions"]
    by_id = {r["id"]: r for r in data["regions"]}
    return by_id.get((region or "").upper()) or by_id[data["default"]]


def call_line(kb: Knowledge, region: str | None) -> dict[str, str]:
    """The line under every question: its words (web.yaml) and the region's emergency
    number as a tap-to-call link."""
    number = region_info(kb, region)["emergency_number"]
    words = kb["web"]["emergency_signs"]
    return {"text": words["on_questions"], "number": number,
            "link": words["call"].format(emergency_number=number)}
