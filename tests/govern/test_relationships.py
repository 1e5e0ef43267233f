"""Relationships the hub records itself: the advisor's live contact, found to be ended."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import world
from sqlalchemy import Engine
from world import ADVISOR, CUSTOMER_SERVICES, NOW, World

from joinedup.errors import BadInput
from joinedup.govern import relationships
from joinedup.govern.facts import Policy
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role

OTHER_ADVISOR = Actor("cc.okafor", CUSTOMER_SERVICES, Role.CALL_CENTRE_ADVISOR)


@pytest.fixture
def w(engine: Engine, tmp_path: Path) -> World:
    return world.build(engine, tmp_path)


def test_the_open_contact_is_the_advisors_own_with_that_person_and_still_live(
        w: World) -> None:
    policy = Policy(live_contact_hours=2)
    with governed(w.engine) as c:
        assert relationships.open_contact(c, ADVISOR, 1, now=NOW, policy=policy) is None
        contact = relationships.start_contact(c, ADVISOR, 1, "phone", now=NOW)
        assert relationships.open_contact(c, ADVISOR, 1, now=NOW, policy=policy) == contact
        later = NOW + timedelta(hours=2)
        assert relationships.open_contact(c, ADVISOR, 1, now=later, policy=policy) == contact
        assert relationships.open_contact(c, ADVISOR, 1, now=later + timedelta(seconds=1),
                                          policy=policy) is None  # as decide sees it
        assert relationships.open_contact(c, OTHER_ADVISOR, 1, now=NOW, policy=policy) is None
        assert relationships.open_contact(c, ADVISOR, 2, now=NOW, policy=policy) is None


def test_the_latest_of_several_open_contacts_and_none_once_ended(w: World) -> None:
    with governed(w.engine) as c:
        first = relationships.start_contact(c, ADVISOR, 1, "phone", now=NOW)
        second = relationships.start_contact(c, ADVISOR, 1, "email",
                                             now=NOW + timedelta(minutes=5))
        assert relationships.open_contact(c, ADVISOR, 1, now=NOW) == second
        assert relationships.end_contact(c, ADVISOR, second, now=NOW) == 1
        assert relationships.open_contact(c, ADVISOR, 1, now=NOW) == first
        assert relationships.end_contact(c, ADVISOR, first, now=NOW) == 1
        assert relationships.open_contact(c, ADVISOR, 1, now=NOW) is None


def test_only_the_advisor_who_started_a_contact_ends_it(w: World) -> None:
    with governed(w.engine) as c:
        contact = relationships.start_contact(c, ADVISOR, 1, "phone", now=NOW)
    with pytest.raises(BadInput, match=f"no open contact {contact} of cc.okafor"), \
            governed(w.engine) as c:
        relationships.end_contact(c, OTHER_ADVISOR, contact, now=NOW)
    with governed(w.engine) as c:
        assert relationships.open_contact(c, ADVISOR, 1, now=NOW) == contact
