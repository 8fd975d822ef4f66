"""What can go wrong under the consensus rules: each error has a translated message and
its HTTP status."""

from flask_babel import lazy_gettext as _l

from ...core.errors import DomainError


class ConsensusError(DomainError):
    message = _l("This action is not allowed on this proposal.")


class NotModerator(ConsensusError):
    status_code = 403
    message = _l("Only the group's moderator or the project manager may do this.")


class NotAVotingMember(ConsensusError):
    status_code = 403
    message = _l(
        "Only voting members of the group take a position; observers and the moderator do not."
    )


class RoundClosed(ConsensusError):
    message = _l("This round is closed; positions can no longer be changed.")


class RoundAlreadyOpen(ConsensusError):
    message = _l("A round is already open on this proposal. Close it first.")


class ProposalDecided(ConsensusError):
    message = _l("This proposal has been decided; its record cannot be changed.")


class NotARepresentative(ConsensusError):
    status_code = 403
    message = _l(
        "This group decides per institution: only an organisation's representative or their deputy answers for it."
    )


class NotAllowedToName(ConsensusError):
    status_code = 403
    message = _l(
        "Only the project manager names representatives; a representative names their own deputy."
    )


class InvalidRepresentation(ConsensusError):
    status_code = 400
    message = _l("This person cannot answer for this organisation in this group.")


class CannotSupersede(ConsensusError):
    status_code = 400
    message = _l("Only a decision of the same group can be superseded.")


class ReasonRequired(ConsensusError):
    status_code = 400
    message = _l("Please give a reason for reservations or an objection.")


class InvalidRound(ConsensusError):
    status_code = 400
    message = _l("The round cannot be opened with these settings.")


class ReminderTooSoon(ConsensusError):
    status_code = 429
    message = _l("A reminder for this round was sent less than a day ago.")


class NoVotingMembers(ConsensusError):
    message = _l("This group has no voting members, so no round can be opened.")


class SecretPositionFinal(ConsensusError):
    status_code = 409
    message = _l(
        "In a secret round a position cannot be changed: nothing links it to you, so it cannot be found again."
    )
