"""Pages are Jinja2 templates, autoescaped, rendered on the server: readable without
JavaScript, and nothing fetched from the internet (the stylesheet is served by the app)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from joinedup.govern.vocabulary import Purpose

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

PURPOSE_WORDS = {
    Purpose.DIRECT_CARE: "Direct care: I am caring for or supporting this person",
    Purpose.SAFEGUARDING: "Safeguarding: I am protecting someone at risk of harm",
    Purpose.CUSTOMER_SERVICE: "Customer service: I am helping someone who contacted the council",
    Purpose.EMERGENCY_RESPONSE: "Emergency response: an incident is under way or planned for",
    Purpose.ANALYTICS: "Analytics: pseudonymised figures for planning",
    Purpose.DATA_QUALITY: "Data quality: loads, duplicates and linkage review",
    Purpose.SUBJECT_ACCESS: "Subject access: a person asked for their data",
    Purpose.AUDIT: "Audit: checking who accessed what, and why",
}
"""What each purpose means, in the words shown when a session starts."""

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def uk_date(value: Any) -> Any:
    """An ISO date string (``1940-06-24``) as staff read dates (``24/06/1940``), as search and
    the caseload show them. Anything else is returned unchanged: other text, None, and
    strings shaped like a date that name no day (``1940-02-30``)."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return value
    try:
        date.fromisoformat(value)
    except ValueError:
        return value
    year, month, day = value.split("-")
    return f"{day}/{month}/{year}"


templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                                           undefined=StrictUndefined))
templates.env.globals["purpose_words"] = PURPOSE_WORDS
templates.env.filters["uk_date"] = uk_date


def render(request: Request, template: str, status_code: int = 200, **context: Any
           ) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context, status_code=status_code)
