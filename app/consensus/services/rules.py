"""The decision rule: a round's tally, the outcome it gives, and the lowest quorum a group
allows (the default quorum itself is on the models: `default_quorum`)."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import Outcome, Stance


@dataclass(frozen=True)
class Tally:
    counts: dict[Stance, int]

    @classmethod
    def of(cls, stances: Iterable[Stance]) -> "Tally":
        counter = Counter(stances)
        return cls({stance: counter.get(stance, 0) for stance in Stance})

    @classmethod
    def from_json(cls, data: dict[str, int]) -> "Tally":
        return cls({stance: int(data.get(stance.value, 0)) for stance in Stance})

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict[str, int]:
        return {stance.value: n for stance, n in self.counts.items()}


class DecisionRule:
    """Turns a round's tally into an outcome. Registered by name in DECISION_RULES."""

    name = ""

    def decide(self, tally: Tally, quorum: int) -> Outcome:
        raise NotImplementedError


DECISION_RULES: dict[str, DecisionRule] = {}


def register_rule(cls: type[DecisionRule]) -> type[DecisionRule]:
    DECISION_RULES[cls.name] = cls()
    return cls


@register_rule
class ConsensusRule(DecisionRule):
    """Consensus when the quorum answered and nobody objects; standing aside and
    reservations do not block."""

    name = "consensus"

    def decide(self, tally: Tally, quorum: int) -> Outcome:
        if tally.answered < quorum:
            return Outcome.no_quorum
        if tally.counts[Stance.object]:
            return Outcome.objections
        return Outcome.consensus


def compute_outcome(stances: Iterable[Stance], quorum: int, rule: str = "consensus") -> Outcome:
    """The outcome of a round from its stances alone (a pure function)."""
    return DECISION_RULES[rule].decide(Tally.of(stances), quorum)


def quorum_floor(group, eligible: int) -> int:
    """The lowest quorum a moderator may set: the group's floor, or a simple majority of
    the voting members (or organisations); never more than there are."""
    floor = group.quorum_floor or eligible // 2 + 1
    return max(1, min(floor, eligible))
