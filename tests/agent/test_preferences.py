"""Preferences: language and time zone on every request, mail per event, My Queues,
out of office (badge, and no mail meanwhile)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template import Context, Template
from django.test import Client

from relaydesk.accounts.models import User
from relaydesk.core.time import now
from relaydesk.mail.outbound.kinds import MailKind
from relaydesk.mail.outbound.recipients import agent_recipients, is_out_of_office
from tests.factories import Directory, make_ticket


def form_data(directory: Directory, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "language": "en",
        "timezone": "UTC",
        "notify_new_ticket": "on",
        "notify_follow_up": "on",
        "notify_owner_changed": "on",
        "notify_pending_reminder": "on",
        "my_queues": [],
        "away_from": "",
        "away_until": "",
    }
    data.update(changes)
    return data


def test_the_page_shows_the_choices_and_links_the_password(
    agent_client: Client, directory: Directory
) -> None:
    html = agent_client.get("/agent/preferences/").content.decode()
    assert 'href="/agent/password/"' in html
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in html
    assert "A new ticket arrives in one of My Queues" in html
    assert f'value="{directory.support.pk}"' in html
    assert "Hardware" not in html  # only queues the agent may read


def test_saving_stores_fields_and_the_keys_the_mail_reads(
    agent_client: Client, directory: Directory
) -> None:
    directory.agent.preferences = {"dashboard": {"hidden": ["new"]}}  # another page's key
    directory.agent.save()
    data = form_data(
        directory,
        language="de",
        timezone="Europe/Berlin",
        notify_follow_up="",
        my_queues=[directory.support.pk],
        away_from="2030-07-01",
        away_until="2030-07-14",
    )
    response = agent_client.post("/agent/preferences/", data)
    assert response.status_code == 302
    agent = User.objects.get(pk=directory.agent.pk)
    assert (agent.language, agent.timezone) == ("de", "Europe/Berlin")
    assert agent.preferences == {
        "dashboard": {"hidden": ["new"]},
        "notifications": {
            "new_ticket": True,
            "follow_up": False,
            "owner_changed": True,
            "pending_reminder": True,
        },
        "my_queues": [directory.support.pk],
        "out_of_office": {"start": "2030-07-01", "end": "2030-07-14"},
    }
    # Cleared again: My Queues and the period are removed, not kept empty.
    agent_client.post("/agent/preferences/", form_data(directory))
    agent.refresh_from_db()
    assert "my_queues" not in agent.preferences
    assert "out_of_office" not in agent.preferences


def test_a_half_or_backwards_period_is_refused(agent_client: Client, directory: Directory) -> None:
    half = agent_client.post("/agent/preferences/", form_data(directory, away_from="2030-07-01"))
    assert half.status_code == 400
    assert "Give both days" in half.content.decode()
    backwards = agent_client.post(
        "/agent/preferences/",
        form_data(directory, away_from="2030-07-14", away_until="2030-07-01"),
    )
    assert backwards.status_code == 400
    assert "The last day comes before the first." in backwards.content.decode()
    assert User.objects.get(pk=directory.agent.pk).preferences == {}


def test_a_queue_the_agent_may_not_read_cannot_be_chosen(
    agent_client: Client, directory: Directory
) -> None:
    response = agent_client.post(
        "/agent/preferences/", form_data(directory, my_queues=[directory.hardware.pk])
    )
    assert response.status_code == 400
    assert User.objects.get(pk=directory.agent.pk).preferences == {}


def test_the_language_applies_on_every_page(agent_client: Client, directory: Directory) -> None:
    agent_client.post("/agent/preferences/", form_data(directory, language="de"))
    html = agent_client.get("/agent/customers/").content.decode()
    assert '<html lang="de">' in html
    # A string Django itself translates: the German of "This field is required."
    response = agent_client.post(
        "/agent/preferences/", form_data(directory, language="de", timezone="")
    )
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()


def test_times_are_shown_in_the_agents_zone(agent_client: Client, directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    stamp = ticket.updated_at
    utc = agent_client.get(f"/agent/customers/{directory.alice.pk}/").content.decode()
    assert f'datetime="{stamp.isoformat()}"' in utc or stamp.strftime("%H:%M") in utc
    agent_client.post("/agent/preferences/", form_data(directory, timezone="Asia/Tokyo"))
    html = agent_client.get(f"/agent/customers/{directory.alice.pk}/").content.decode()
    local = stamp.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert f'datetime="{local.isoformat()}"' in html
    prefs = agent_client.get("/agent/preferences/").content.decode()
    assert "(Asia/Tokyo)" in prefs


def test_out_of_office_shows_a_badge_and_pauses_mail(directory: Directory) -> None:
    agent = directory.agent
    today = now().date()
    agent.preferences = {
        "out_of_office": {
            "start": (today - dt.timedelta(days=1)).isoformat(),
            "end": (today + dt.timedelta(days=1)).isoformat(),
        }
    }
    agent.save()
    assert is_out_of_office(agent)
    badge = Template("{% load agent_people %}{% out_of_office_badge agent %}").render(
        Context({"agent": agent})
    )
    assert 'class="badge badge-away"' in badge
    assert "Out of office" in badge
    absent = Template("{% load agent_people %}{% out_of_office_badge agent %}").render(
        Context({"agent": directory.specialist})
    )
    assert absent == ""
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    assert agent_recipients([agent], ticket, MailKind.NEW_TICKET, exclude_user_ids=set()) == []
