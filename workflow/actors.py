"""Who is acting, as the domain needs to know them."""

from dataclasses import dataclass, field

from workflow.roles import REGION_SCOPED, Role

#: The case states a Children's Bureau reviewer sees.
OVERSEEN_STATES = frozenset({"cb_oversight", "finalized", "deidentified"})

SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """A person (named by e-mail) with their roles, region and declared conflicts of interest."""

    email: str
    roles: frozenset[Role] = frozenset()
    region: str | None = None
    conflict_cases: frozenset[int] = frozenset()
    conflict_regions: frozenset[str] = frozenset()
    conflict_participants: frozenset[str] = frozenset()

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def scope(self) -> str | None:
        """The one region a region-scoped person sees, or None for people who see the whole unit."""
        return self.region if self.roles and self.roles <= REGION_SCOPED else None

    def sees(self, region: str) -> bool:
        return self.scope in (None, region)

    @property
    def only_oversees(self) -> bool:
        """Children's Bureau reviewers (and nothing else) see cases only from secondary oversight on."""
        return self.roles == {Role.CB_REVIEWER}

    def sees_case(self, region: str, state: str) -> bool:
        return self.sees(region) and (not self.only_oversees or state in OVERSEEN_STATES)

    @property
    def sees_masked(self) -> bool:
        """Auditors (and only they) see the names of people in case data masked."""
        return self.roles == {Role.AUDITOR}

    def conflicted_with(self, *, case_id: int | None, region: str, participants: set[str]) -> bool:
        return (
            (case_id is not None and case_id in self.conflict_cases)
            or region in self.conflict_regions
            or bool(self.conflict_participants & participants)
        )


SYSTEM_ACTOR = Actor(email=SYSTEM)


@dataclass(frozen=True)
class Directory:
    """The people a guard may need to look up by e-mail (the assignees of `assign`)."""

    people: dict[str, Actor] = field(default_factory=dict)

    def get(self, email: str) -> Actor | None:
        return self.people.get(email)
