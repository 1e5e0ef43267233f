"""Pages are Jinja2 templates, autoescaped, rendered on the server: readable without
JavaScript, and nothing fetched from the internet (the stylesheet is served by the app)."""

from __future__ import annotations

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

templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                                           undefined=StrictUndefined))
templates.env.globals["purpose_words"] = PURPOSE_WORDS


def render(request: Request, template: str, status_code: int = 200, **context: Any
           ) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context, status_code=status_code)
