"""The roles a person may hold; a person may hold several."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    TEAM_LEAD = "team_lead"
    REVIEWER = "reviewer"
    QA = "qa"
    UNIT_SUPERVISOR = "unit_supervisor"
    SITE_COORDINATOR = "site_coordinator"
    REGIONAL_LEADER = "regional_leader"
    CB_REVIEWER = "cb_reviewer"
    AUDITOR = "auditor"


#: Roles that see only their own region.
REGION_SCOPED = frozenset({Role.SITE_COORDINATOR, Role.REGIONAL_LEADER})
