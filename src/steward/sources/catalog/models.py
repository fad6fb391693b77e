"""The catalog's document models: the envelope and the ``spec`` of each Steward and Backstage kind."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from steward.errors import InvalidInputError
from steward.graph import NodeKind, is_email, is_kind
from steward.refs import normalise_ref

STEWARD_API = "steward/v1"
BACKSTAGE_API_PREFIX = "backstage.io/"


def _ref_validator(expect: Literal["team", "person"] | None, default_kind: Literal["team", "person"]) -> Any:
    """A pydantic before-validator: normalise a reference, optionally demanding one kind."""

    def check(value: object) -> object:
        if not isinstance(value, str):
            return value  # the str type check reports it
        try:
            out = normalise_ref(value, default_kind=default_kind)
        except InvalidInputError as exc:
            raise ValueError(exc.message) from exc
        if expect is not None and not is_kind(out, NodeKind.TEAM if expect == "team" else NodeKind.PERSON):
            raise ValueError(f"{value!r} refers to a {out.split(':', 1)[0]}; expected a {expect}")
        return out

    return BeforeValidator(check)


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _one_or_many(value: object) -> object:
    """Accept ``owners: alice@x.com`` as well as a list."""
    if isinstance(value, str):
        return [value]
    return [] if value is None else value


def _date_text(value: object) -> object:
    """YAML reads ``2026-03-01`` as a date; keep it as ISO text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


OwnerRef = Annotated[str, _ref_validator(None, "team")]
PersonRef = Annotated[str, _ref_validator("person", "person")]
TeamRef = Annotated[str, _ref_validator("team", "team")]
#: One item or a list (what the JSON Schema says a user may write).
_ONE_OR_MANY = BeforeValidator(_one_or_many, json_schema_input_type=NonEmpty | list[NonEmpty])
OwnerList = Annotated[list[OwnerRef], _ONE_OR_MANY]
PersonList = Annotated[list[PersonRef], _ONE_OR_MANY]
TeamList = Annotated[list[TeamRef], _ONE_OR_MANY]
TextList = Annotated[list[NonEmpty], _ONE_OR_MANY]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _Open(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class _Metadata(_Open):
    name: NonEmpty
    namespace: NonEmpty | None = None
    title: str | None = None
    annotations: dict[str, str] | None = None


class _Envelope(_Open):
    apiVersion: NonEmpty
    kind: NonEmpty
    metadata: _Metadata
    spec: dict[str, Any] | None = None


def _email(value: str) -> str:
    if not is_email(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


class _PersonSpec(_Strict):
    email: Annotated[NonEmpty, AfterValidator(_email)]
    displayName: str | None = None
    active: bool = True
    aliases: TextList = Field(default_factory=list)
    left_at: Annotated[str | None, BeforeValidator(_date_text, json_schema_input_type=str | None)] = None
    teams: TeamList = Field(default_factory=list)


def _clock_text(value: object) -> object:
    """YAML 1.1 reads an unquoted ``9:30`` as the sexagesimal integer 570; take it as the time it was."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


def _timezone(value: str) -> str:
    from steward.governance.rotations import check_timezone

    check_timezone(value)
    return value


def _iso_date(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from exc
    return value


DateText = Annotated[str, BeforeValidator(_date_text, json_schema_input_type=str), AfterValidator(_iso_date)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class _HandoffSpec(_Strict):
    day: Weekday = Field(description="The weekday the shift changes hands")
    time: Annotated[str, BeforeValidator(_clock_text, json_schema_input_type=str),
                    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = Field(
        "09:00", description="HH:MM, in the rotation's timezone")
    timezone: Annotated[NonEmpty, AfterValidator(_timezone)] = Field(
        "UTC", description="An IANA timezone, e.g. Europe/London")


class _RotationWeekSpec(_Strict):
    start: DateText = Field(description="The handoff date this week starts on (a handoff day)")
    person: PersonRef = Field(description="Who is on call that week, whatever the cycle says")


class _RotationSpec(_Strict):
    members: Annotated[PersonList, Field(min_length=1)] = Field(
        description="People on call in turn, one week each, in this order")
    start: DateText = Field(description="The first handoff is on the handoff day on or after this date")
    handoff: _HandoffSpec = Field(description="When the shift changes hands each week")
    weeks: list[_RotationWeekSpec] = Field(default_factory=list,
                                           description="Explicit weeks that override the cycle")


class _TeamSpec(_Strict):
    displayName: str | None = None
    description: str | None = None
    handle: NonEmpty | None = None
    aliases: TextList = Field(default_factory=list)
    members: PersonList = Field(default_factory=list)
    parent: TeamRef | None = None
    children: TeamList = Field(default_factory=list)
    rotation: _RotationSpec | None = Field(None, description="An on-call rotation: members and a weekly schedule")


class _OwnershipSpec(_Strict):
    artifact: NonEmpty
    owners: OwnerList = Field(default_factory=list)
    stewards: OwnerList = Field(default_factory=list)


class _DeploymentSpec(_Strict):
    environment: NonEmpty
    serves: NonEmpty | None = None
    depends_on: TextList = Field(default_factory=list)
    runbook: str | None = None
    description: str | None = None
    owners: OwnerList = Field(default_factory=list)
    stewards: OwnerList = Field(default_factory=list)


def _item(value: object) -> object:
    """A playbook item may be written as plain text."""
    return {"text": value} if isinstance(value, str) else value


class _PlaybookItem(_Strict):
    text: NonEmpty = Field(description="What to check, do or say")
    owners: OwnerList = Field(default_factory=list, description="Who does it (people or teams)")


#: A list of items, each plain text or ``{text, owners}``.
PlaybookItems = list[Annotated[_PlaybookItem, BeforeValidator(_item, json_schema_input_type=NonEmpty | _PlaybookItem)]]


class _PlaybookAppliesTo(_Strict):
    kinds: TextList = Field(default_factory=list, description="Node kinds (Dataset, ModelVersion, Deployment, ...)")
    tags: TextList = Field(default_factory=list, description="Tags: an artifact's 'tags' property or a "
                           "deployment's environment")
    artifacts: TextList = Field(default_factory=list, description="Artifacts by node id")


class _PlaybookSpec(_Strict):
    description: str | None = None
    applies_to: _PlaybookAppliesTo
    owners: OwnerList = Field(default_factory=list, description="Who keeps this playbook current")
    failure_modes: PlaybookItems = Field(default_factory=list)
    rollback_criteria: PlaybookItems = Field(default_factory=list)
    data_integrity_checks: PlaybookItems = Field(default_factory=list)
    communication: PlaybookItems = Field(default_factory=list)


class _BsProfile(_Open):
    email: str | None = None
    displayName: str | None = None


class _BsUserSpec(_Open):
    profile: _BsProfile | None = None
    memberOf: TeamList = Field(default_factory=list)


class _BsGroupSpec(_Open):
    profile: _BsProfile | None = None
    members: PersonList = Field(default_factory=list)
    parent: TeamRef | None = None
    children: TeamList = Field(default_factory=list)


class _BsOwnedSpec(_Open):
    owner: OwnerRef | None = None


_STEWARD_SPECS: dict[str, type[BaseModel]] = {
    "Person": _PersonSpec,
    "Team": _TeamSpec,
    "Ownership": _OwnershipSpec,
    "Deployment": _DeploymentSpec,
    "Playbook": _PlaybookSpec,
}
_BACKSTAGE_SPECS: dict[str, type[BaseModel]] = {
    "User": _BsUserSpec,
    "Group": _BsGroupSpec,
    "Component": _BsOwnedSpec,
    "Resource": _BsOwnedSpec,
}
ARTIFACT_ANNOTATION = "steward/artifact"
