"""Load the shipped reference data (the CSV files in `data/`) into the database.

The data migration calls this with the historical app registry; tests that flush the
database call it with the live one. It only adds what is missing, so administrators'
edits are never overwritten.
"""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def load_reference_data(apps) -> None:
    State = apps.get_model("reference", "State")
    StateMarketplace = apps.get_model("reference", "StateMarketplace")
    Language = apps.get_model("reference", "Language")

    State.objects.bulk_create([State(**row) for row in _rows("states.csv")], ignore_conflicts=True)
    Language.objects.bulk_create(
        [Language(**{**row, "position": int(row["position"])}) for row in _rows("languages.csv")],
        ignore_conflicts=True,
    )
    StateMarketplace.objects.bulk_create(
        [
            StateMarketplace(
                plan_year=int(row["plan_year"]),
                state_id=row["state"],
                type=row["type"],
                marketplace_name=row["marketplace_name"],
                marketplace_url=row["marketplace_url"],
                note=row["note"],
            )
            for row in _rows("marketplaces.csv")
        ],
        ignore_conflicts=True,
    )
