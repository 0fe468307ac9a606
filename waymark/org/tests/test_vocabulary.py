"""An organisation's own status words, mapped onto states and healths (first match wins)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from waymark.core.testing import Cast
from waymark.org.models import Organisation
from waymark.org.services import organisation_update
from waymark.plans.models import Element
from waymark.plans.services import element_update

WORDS = [
    {"label": "Complete", "colour": "#1a7f37", "states": ["completed"], "healths": []},
    {"label": "Paused", "colour": "#b35900", "states": ["on_hold"], "healths": []},
    {"label": "Upcoming", "colour": "#6b7280", "states": ["not_started"], "healths": []},
    {"label": "Some delay", "colour": "#c62828", "states": [], "healths": ["at_risk", "off_track"]},
    {"label": "On track", "colour": "#1a7f37", "states": [], "healths": ["on_track"]},
]


def test_it_shows_the_first_word_that_matches_an_element(cast: Cast) -> None:
    org = organisation_update(actor=cast.admin, data={"status_vocabulary": WORDS})
    assert org.status_word("on_hold", "off_track") == {"label": "Paused", "colour": "#b35900"}
    assert org.status_word("in_progress", "at_risk")["label"] == "Some delay"  # type: ignore[index]
    assert org.status_word("in_progress", "not_assessed") is None
    assert Organisation().status_word("completed", "on_track") is None  # no vocabulary


@pytest.mark.parametrize(
    ("word", "field"),
    [
        ({"label": "", "states": ["on_hold"]}, "vocab_0_label"),
        ({"label": "Paused"}, "vocab_0_states"),
        ({"label": "Paused", "states": ["asleep"]}, "vocab_0_states"),
        ({"label": "Paused", "healths": ["great"]}, "vocab_0_healths"),
        ({"label": "Paused", "states": ["on_hold"], "colour": "orange"}, "vocab_0_colour"),
    ],
)
def test_it_refuses_a_bad_word_naming_the_field(
    cast: Cast, word: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        organisation_update(actor=cast.admin, data={"status_vocabulary": [word]})
    assert field in caught.value.message_dict
    assert Organisation.get().status_vocabulary == []


def test_the_element_page_and_plan_dashboard_show_the_word(
    cast: Cast, tree: Any, client_for: Any
) -> None:
    organisation_update(actor=cast.admin, data={"status_vocabulary": WORDS})
    goal, _objective, action = tree
    element_update(actor=cast.admin, element=action, data={"state": Element.State.ON_HOLD})
    client = client_for("viewer")
    assert "Paused" in client.get(f"/elements/{action.pk}/").content.decode()
    assert "Upcoming" in client.get(f"/plans/{goal.plan_id}/").content.decode()


def test_the_settings_page_saves_the_words(cast: Cast, client_for: Any) -> None:
    org = Organisation.get()
    response = client_for("admin").post(
        "/settings/",
        {
            "name": org.name,
            "default_currency": "MNT",
            "fiscal_year_start_month": 1,
            "time_zone": "Asia/Ulaanbaatar",
            "vocab_0_label": "Paused",
            "vocab_0_colour": "#b35900",
            "vocab_0_states": ["on_hold"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Organisation.get().status_vocabulary == [
        {"label": "Paused", "colour": "#b35900", "states": ["on_hold"], "healths": []}
    ]
