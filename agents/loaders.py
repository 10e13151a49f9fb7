"""Reference data `agents` ships: health line-of-authority names and the sample Terms of Use.

The data migration calls this with the historical app registry; tests that flush the database
call it with the live one. It only adds what is missing.
"""

from pathlib import Path

from django.utils import timezone

DATA = Path(__file__).resolve().parent / "data"
SAMPLE_TERMS = {
    "agents_brokers": "Help On Demand Agents and Brokers Terms of Use (sample)",
    "help_on_demand": "Help On Demand Terms of Use (sample)",
}


def load_agents_reference_data(apps) -> None:
    HealthLineOfAuthority = apps.get_model("agents", "HealthLineOfAuthority")
    TermsDocument = apps.get_model("agents", "TermsDocument")
    known = {name.lower() for name in HealthLineOfAuthority.objects.values_list("name", flat=True)}
    names = [name.strip() for name in (DATA / "health_lines_of_authority.txt").read_text().splitlines()]
    HealthLineOfAuthority.objects.bulk_create(
        [HealthLineOfAuthority(name=name) for name in names if name and name.lower() not in known]
    )
    for kind, title in SAMPLE_TERMS.items():
        TermsDocument.objects.get_or_create(
            kind=kind,
            version="sample-1",
            defaults={
                "title": title,
                "text": (DATA / f"terms_{kind}.en.txt").read_text(),
                "text_es": (DATA / f"terms_{kind}.es.txt").read_text(),
                "is_sample": True,
                "published_at": timezone.now(),
            },
        )
