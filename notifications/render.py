"""Messages rendered from Jinja templates: `<name>.txt` (its first line is `Subject: …`) and `<name>.html`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the code: no file check on every message
    )


def spoken(moment: datetime, tz: tzinfo) -> str:
    """A moment as messages say it, in the agency's time zone: "Monday 18 January 2027, 23:59 CST"."""
    return moment.astimezone(tz).strftime("%A %d %B %Y, %H:%M %Z")


def render(name: str, **context) -> Message:
    env = _environment()
    head, _, text = env.get_template(f"{name}.txt").render(**context).partition("\n")
    if not head.startswith("Subject: "):
        raise ValueError(f"template {name}.txt must start with a 'Subject: ' line")
    html = env.get_template(f"{name}.html").render(**context)
    return Message(subject=head.removeprefix("Subject: ").strip(), text=text.lstrip("\n"), html=html)


def rendered(message) -> Message:
    """An outbox row's message: as it was stored once rendered (or queued before templates), else rendered
    from its template and values."""
    if message.subject is not None:
        return Message(subject=message.subject, text=message.body_text, html=message.body_html)
    return render(message.template, **json.loads(message.context))


def _rewritten_values(value, replace):
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_rewritten_values(v, replace) for v in value]
    if isinstance(value, dict):
        return {k: _rewritten_values(v, replace) for k, v in value.items()}
    return value


def rewritten(template: str | None, context: str | None, subject: str | None, text: str | None, html: str | None,
              replace) -> dict[str, str | None]:
    """A queued or sent message with every text passed through `replace` (a de-identification): its values,
    and its bodies rendered again from them, so that no form of a name survives HTML escaping."""
    values = _rewritten_values(json.loads(context), replace) if context else None
    if subject is not None and template is not None and values is not None:
        again = render(template, **values)
        subject, text, html = again.subject, again.text, again.html
    elif subject is not None:   # queued before templates: only its bodies are known
        subject, text, html = replace(subject), replace(text), replace(html)
    return {"context": json.dumps(values) if values is not None else context, "subject": subject, "body_text": text,
            "body_html": html}
