"""De-identification of a case: every name of its people leaves everything qareview keeps about it.

Runs in the transaction of the `deidentify` transition, after its audit record is written. The names and
their variants come from the case's participants (workflow.names); each person's name becomes their role's
label, the former case number the new identifier. Texts are rewritten where they live; the audit records'
notes through the audit log's recorded redaction (models.audit), so `audit verify` still passes and still
catches tampering; e-mails about the case, queued or sent, have their values and bodies rewritten.
"""

from __future__ import annotations

from notifications.render import rewritten
from services.core import Core
from workflow import events
from workflow.case_people import labels_of
from workflow.names import Replacer


def replacer_for(core: Core, people, *, former_number: str | None = None,
                 identifier: str | None = None) -> tuple[Replacer, dict[int, str]]:
    """The replacer of the names of a case's `people` (and of its former case number), and each one's label."""
    rules = core.reference.case_people
    labels = labels_of(people, rules)
    exact = [(former_number, identifier)] if former_number and identifier else []
    return Replacer([(p.name, labels[p.id]) for p in people], rules.common_words, exact=exact), labels


def common_words(core: Core, people) -> list[str]:
    """The name parts of the case's `people` that are also common words, with whose they are: de-identification
    will replace the word wherever it appears, so the team lead is told beforehand (and rereads those texts)."""
    return [f"{flag.part.capitalize()} ({flag.label})" for flag in replacer_for(core, people)[0].flags]


def deidentify(event: events.CaseDeidentified, *, uow, core: Core) -> None:
    case_id = event.entity_id
    replace, labels = replacer_for(core, uow.case_people.participants(case_id),
                                   former_number=event.data["previous"]["case_number"],
                                   identifier=event.data["identifier"])
    changes = []
    for table, column, row_id, text in uow.case_texts.texts(case_id):
        new = labels[row_id] if table == "case_participants" else replace(text)
        if new != text:
            changes.append((table, column, row_id, new))
    uow.case_texts.rewrite(changes)
    for message_id, *message in uow.case_texts.messages(case_id):
        uow.case_texts.rewrite_message(message_id, rewritten(*message, replace))
    for conflict_id, person, note in uow.case_texts.conflicts():
        if replace.names_in(person) or replace.names_in(note):
            uow.case_texts.rewrite_conflict(conflict_id, replace(person), replace(note))
    redacted = {record_id: new for record_id, notes in uow.case_texts.audit_notes(case_id)
                if (new := replace(notes)) != notes}
    common = sorted({flag.label for flag in replace.flags})
    uow.audit.redact(redacted, events.Transitioned(
        entity="case", entity_id=case_id, trigger="redact_names", source=event.dest, dest=event.dest,
        actor=event.actor, at=event.at,
        notes="names of the case's people replaced by their roles"
              + (f" (the names of the {', '.join(common)} are also common words: replaced wherever the word "
                 "appears, read those texts again)" if common else "")))
