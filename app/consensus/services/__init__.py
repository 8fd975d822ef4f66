"""The consensus rules, one module per part of a proposal's life:

- `errors`: what can go wrong, each with a translated message and HTTP status;
- `rules`: the tally, the decision rule and the quorum;
- `access`: who moderates and who takes a position;
- `representation`: who answers for an organisation in a group that decides per institution;
- `proposals`: proposals and their versions;
- `rounds`: opening and closing rounds;
- `positions`: recording and changing positions, and their history;
- `reminders`: who answers, their mails, reminders;
- `discussion`: contributions to a proposal's discussion;
- `reading`: what a viewer may see of a round, and the diff between versions.

Every function takes the acting person, checks the rule, changes the session and flushes;
the view (or the worker) commits once. A broken rule raises a ConsensusError subclass with
a translated message. Every moderator action is written to the audit log.

The views and other packages import this package (`from app.consensus import services`)."""

from ..models import QUORUM_SHARE, default_quorum
from .access import (
    active_membership,
    can_moderate,
    count_eligible,
    count_voting_members,
    moderates_group,
    require_moderator,
    require_open_proposal,
    takes_position,
    voting_membership_of,
    voting_memberships,
    voting_memberships_stmt,
)
from .discussion import (
    EditWindowPassed,
    NotAMember,
    add_comment,
    can_comment,
    edit_comment,
    hide_comment,
)
from .errors import (
    CannotSupersede,
    ConsensusError,
    InvalidRepresentation,
    InvalidRound,
    NotAllowedToName,
    NotARepresentative,
    NotAVotingMember,
    NotModerator,
    NoVotingMembers,
    ProposalDecided,
    ReasonRequired,
    ReminderTooSoon,
    RoundAlreadyOpen,
    RoundClosed,
    SecretPositionFinal,
)
from .positions import (
    answering_membership_in,
    history_of,
    lock_round,
    position_of,
    record_position,
    secret_stances,
    stored_stances,
)
from .proposals import (
    BINDING_LANGUAGES,
    create_proposal,
    decisions_of,
    revise_proposal,
)
from .reading import (
    DiffPart,
    HistoryEntry,
    RoundView,
    Seat,
    diff_texts,
    round_view,
    seat_label,
    seat_of,
)
from .reminders import (
    REMINDER_INTERVAL,
    answered_keys,
    mail_people,
    remind_non_responders,
    round_recipients,
)
from .representation import (
    RepresentationRow,
    answering_membership,
    may_deputise,
    representation_rows,
    representations_of,
    set_representation,
)
from .rounds import (
    close_due_rounds,
    close_due_rounds_job,
    close_round,
    open_round,
)
from .rules import (
    DECISION_RULES,
    ConsensusRule,
    DecisionRule,
    Tally,
    compute_outcome,
    quorum_floor,
    register_rule,
)

__all__ = [
    "SecretPositionFinal",
    "secret_stances",
    "stored_stances",
    "moderates_group",
    "HistoryEntry",
    "history_of",
    "lock_round",
    "quorum_floor",
    "BINDING_LANGUAGES",
    "CannotSupersede",
    "ConsensusError",
    "ConsensusRule",
    "DECISION_RULES",
    "DecisionRule",
    "DiffPart",
    "EditWindowPassed",
    "InvalidRepresentation",
    "InvalidRound",
    "NoVotingMembers",
    "NotAMember",
    "NotARepresentative",
    "NotAVotingMember",
    "NotAllowedToName",
    "NotModerator",
    "ProposalDecided",
    "QUORUM_SHARE",
    "REMINDER_INTERVAL",
    "ReasonRequired",
    "ReminderTooSoon",
    "RepresentationRow",
    "RoundAlreadyOpen",
    "RoundClosed",
    "RoundView",
    "Seat",
    "Tally",
    "active_membership",
    "add_comment",
    "answered_keys",
    "answering_membership",
    "answering_membership_in",
    "can_comment",
    "can_moderate",
    "close_due_rounds",
    "close_due_rounds_job",
    "close_round",
    "compute_outcome",
    "count_eligible",
    "count_voting_members",
    "create_proposal",
    "decisions_of",
    "default_quorum",
    "diff_texts",
    "edit_comment",
    "hide_comment",
    "mail_people",
    "may_deputise",
    "open_round",
    "position_of",
    "record_position",
    "register_rule",
    "remind_non_responders",
    "representation_rows",
    "representations_of",
    "require_moderator",
    "require_open_proposal",
    "revise_proposal",
    "round_recipients",
    "round_view",
    "seat_label",
    "seat_of",
    "set_representation",
    "takes_position",
    "voting_membership_of",
    "voting_memberships",
    "voting_memberships_stmt",
]
