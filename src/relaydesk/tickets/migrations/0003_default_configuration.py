"""The states, priorities and types a fresh installation starts with."""

from django.db import migrations

STATES = [
    ("new", "new", 10),
    ("open", "open", 20),
    ("pending reminder", "pending_reminder", 30),
    ("pending auto close", "pending_auto_close", 40),
    ("resolved", "resolved", 50),
    ("closed successful", "closed", 60),
    ("closed unsuccessful", "closed", 70),
    ("merged", "merged", 80),
]
PRIORITIES = [("1 very low", 1), ("2 low", 2), ("3 normal", 3), ("4 high", 4), ("5 very high", 5)]
TYPES = ["Incident", "Service request", "Feature request", "Question", "Problem", "Change"]


def create(apps, schema_editor):
    TicketState = apps.get_model("tickets", "TicketState")
    Priority = apps.get_model("tickets", "Priority")
    TicketType = apps.get_model("tickets", "TicketType")
    for name, category, position in STATES:
        TicketState.objects.get_or_create(
            name=name, defaults={"category": category, "position": position}
        )
    for name, level in PRIORITIES:
        Priority.objects.get_or_create(
            level=level, defaults={"name": name, "is_default": level == 3}
        )
    for name in TYPES:
        TicketType.objects.get_or_create(name=name)


def remove(apps, schema_editor):
    apps.get_model("tickets", "TicketState").objects.filter(
        name__in=[s[0] for s in STATES]
    ).delete()
    apps.get_model("tickets", "Priority").objects.filter(
        name__in=[p[0] for p in PRIORITIES]
    ).delete()
    apps.get_model("tickets", "TicketType").objects.filter(name__in=TYPES).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_search_index")]

    operations = [migrations.RunPython(create, remove)]
