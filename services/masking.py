"""What auditors read of case data: every record, with the names of the cases' people masked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from workflow.names import Replacer

#: What an auditor reads instead of the name of a person in case data.
MASK = "(masked)"


def masked(uow, viewer, records: list) -> list:
    """Audit records (AuditLines) as `viewer` may read them: for auditors, the names of the people of the
    cases they are about (cases, their concerns and feedback) are masked in the notes."""
    if not viewer.sees_masked or not records:
        return records
    about = {r.entity_id for r in records if r.entity == "case"}
    about |= {c.case_id for c in uow.concerns.get_many(r.entity_id for r in records if r.entity == "concern").values()}
    about |= {f.case_id for f in uow.feedback.get_many(r.entity_id for r in records if r.entity == "feedback").values()}
    replace = Replacer([(p.name, MASK) for p in uow.case_people.participants_of(about)])
    return [r._replace(notes=replace(r.notes)) for r in records]


def masked_all(uow, viewer, records: Iterable, *, batch: int = 2000) -> Iterator:
    """`masked`, over a stream of records (an export), a batch at a time."""
    chunk: list = []
    for record in records:
        chunk.append(record)
        if len(chunk) == batch:
            yield from masked(uow, viewer, chunk)
            chunk = []
    yield from masked(uow, viewer, chunk)


def masked_texts(viewer, people, texts: list[str]) -> list[str]:
    """Texts about one case's `people` as `viewer` may read them (auditors: the names masked)."""
    if not viewer.sees_masked:
        return texts
    replace = Replacer([(p.name, MASK) for p in people])
    return [replace(t) for t in texts]
