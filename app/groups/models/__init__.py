"""Working groups: the group and its process phases, memberships and documents."""

from .documents import DOCUMENT_LANGUAGES, GroupDocument
from .groups import GROUP_KIND_TITLES, PHASE_TITLES, GroupKind, GroupPhase, Phase, WorkingGroup
from .memberships import ROLE_TITLES, Membership, Role

__all__ = [
    "DOCUMENT_LANGUAGES",
    "GROUP_KIND_TITLES",
    "PHASE_TITLES",
    "ROLE_TITLES",
    "GroupDocument",
    "GroupKind",
    "GroupPhase",
    "Membership",
    "Phase",
    "Role",
    "WorkingGroup",
]
