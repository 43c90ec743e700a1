"""Who answers a request: the traffic split between champion and challenger, and the auto-shift rule.

Modes:

- ``single``: no challenger; the champion answers everything.
- ``canary``: a fixed share of requests goes to the challenger. The side is a hash of the request
  id (random for generated ids, and the same for a client's retry with the same ``X-Request-Id``).
- ``blue-green``: all traffic goes to one side (``active``); switching moves it all at once.
- ``shadow``: the champion answers everything; the challenger scores every request too, after the
  response is sent, and its output is logged (``served = false``) but never returned.

Auto-shift (``AutoShift``), evaluated after each feedback call on the labelled rows each side
served since the last shift: once both sides have ``min_samples`` of them, and the challenger's
quality (``accuracy`` higher or ``mae`` lower) beats the champion's by at least ``min_improvement``,
the challenger gets more traffic: a canary's share grows by ``step`` (up to ``max_share``),
blue-green switches to the challenger, shadow turns into a canary at ``step``. If the champion
wins by that margin instead, a canary shrinks by ``step`` and blue-green switches back. Each
shift restarts the count, so every step needs fresh evidence.

>>> split = TrafficSplit("canary", 0.25)
>>> choose_side("request-1", split) in ("champion", "challenger")
True
>>> AutoShift(min_samples=2).decide({"n": 3, "value": 0.70}, {"n": 3, "value": 0.90})
1
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, replace

from ..errors import InvalidInput

MODES = ("single", "canary", "blue-green", "shadow")
METRICS = {"accuracy": "higher", "mae": "lower"}
DEFAULT_CANARY_SHARE = 0.1


@dataclass(frozen=True)
class TrafficSplit:
    """``mode`` and the share of requests the challenger answers (blue-green: 0 or 1)."""

    mode: str
    challenger_share: float = 0.0

    @property
    def shadow(self) -> bool:
        return self.mode == "shadow"

    def to_dict(self) -> dict:
        """The wire form: ``{"mode", "challenger_share", "champion_share", "active"}``."""
        active = None
        if self.mode == "blue-green":
            active = "challenger" if self.challenger_share >= 1 else "champion"
        return {"mode": self.mode, "challenger_share": self.challenger_share,
                "champion_share": round(1 - self.challenger_share, 6), "active": active}


def choose_side(request_id: str, split: TrafficSplit) -> str:
    """``champion`` or ``challenger`` for this request: deterministic per request id."""
    share = split.challenger_share
    if share <= 0:
        return "champion"
    if share >= 1:
        return "challenger"
    draw = int.from_bytes(hashlib.blake2b(request_id.encode(), digest_size=8).digest(), "big") / 2**64
    return "challenger" if draw < share else "champion"


def _share(value, what: str = "challenger_share") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidInput(f"{what} is a share of requests between 0 and 1 (e.g. 0.1 for 10%), got {value!r}")
    return float(value)


def make_split(mode: str | None, has_challenger: bool, challenger_share=None, active: str | None = None,
               current: TrafficSplit | None = None) -> TrafficSplit:
    """A checked TrafficSplit from what a caller asked for (anything not given stays as in ``current``)."""
    if mode is None:
        mode = current.mode if current else ("canary" if has_challenger else "single")
    if mode not in MODES:
        from ..errors import closest

        raise InvalidInput(f"no traffic mode {mode!r}{closest(str(mode), MODES)}; modes: {', '.join(MODES)}")
    if mode != "single" and not has_challenger:
        raise InvalidInput(f"mode {mode!r} needs a challenger; start the server with one, e.g. "
                           "serve('churn', challenger='challenger') or --challenger challenger")
    if active is not None and active not in ("champion", "challenger"):
        raise InvalidInput(f"active is 'champion' or 'challenger', got {active!r}")
    if active is not None and mode != "blue-green":
        raise InvalidInput(f"active= switches a blue-green server; this one is {mode}: pass mode='blue-green' too")
    if mode in ("single", "shadow"):
        if challenger_share not in (None, 0, 0.0):
            raise InvalidInput(f"in {mode} mode the champion answers every request; to send the challenger a share, "
                               "use mode='canary'")
        return TrafficSplit(mode, 0.0)
    if mode == "blue-green":
        if challenger_share is not None and _share(challenger_share) not in (0.0, 1.0):
            raise InvalidInput("blue-green sends all traffic to one side: give active='champion' or 'challenger' "
                               "(or challenger_share 0 or 1); for a partial share use mode='canary'")
        if active is None and challenger_share is None:
            kept = current.challenger_share if current and current.mode == "blue-green" else 0.0
            return TrafficSplit(mode, kept)
        return TrafficSplit(mode, 1.0 if active == "challenger" or challenger_share == 1 else 0.0)
    if challenger_share is None:
        kept = current.challenger_share if current and current.mode == "canary" else DEFAULT_CANARY_SHARE
        return TrafficSplit(mode, kept)
    return TrafficSplit(mode, _share(challenger_share))


@dataclass(frozen=True)
class AutoShift:
    """The stated policy that moves traffic by observed quality (see the module docstring)."""

    metric: str = "accuracy"
    min_samples: int = 50
    min_improvement: float = 0.02
    step: float = 0.25
    max_share: float = 1.0
    min_share: float = 0.0

    def __post_init__(self):
        if self.metric not in METRICS:
            raise InvalidInput(f"auto_shift metric is one of {', '.join(METRICS)} (from feedback labels), got {self.metric!r}")
        if isinstance(self.min_samples, bool) or not isinstance(self.min_samples, int) or self.min_samples < 1:
            raise InvalidInput(f"auto_shift min_samples is a positive whole number, got {self.min_samples!r}")
        if isinstance(self.min_improvement, bool) or not isinstance(self.min_improvement, (int, float)) \
                or self.min_improvement < 0:
            raise InvalidInput(f"auto_shift min_improvement is a number >= 0, got {self.min_improvement!r}")
        for name in ("step", "max_share", "min_share"):
            _share(getattr(self, name), f"auto_shift {name}")
        if self.step == 0 or self.min_share > self.max_share:
            raise InvalidInput("auto_shift needs step > 0 and min_share <= max_share")

    @classmethod
    def from_value(cls, value) -> AutoShift | None:
        """None, an AutoShift, or a dict of its fields (``dict(metric="accuracy", step=0.25)``)."""
        if value is None or isinstance(value, AutoShift):
            return value
        if not isinstance(value, dict):
            raise InvalidInput(f"auto_shift takes a dict such as dict(metric='accuracy', min_samples=50, "
                               f"min_improvement=0.02, step=0.25), got {type(value).__name__}")
        known = set(cls.__dataclass_fields__)
        unknown = [k for k in value if k not in known]
        if unknown:
            raise InvalidInput(f"auto_shift has no setting {unknown[0]!r}; settings: {', '.join(sorted(known))}")
        return cls(**value)

    def decide(self, champion: dict, challenger: dict) -> int:
        """+1 (challenger better), -1 (champion better) or 0, from ``{"n", "value"}`` of each side."""
        if min(champion["n"], challenger["n"]) < self.min_samples:
            return 0
        if champion["value"] is None or challenger["value"] is None:
            return 0
        gain = challenger["value"] - champion["value"]
        if METRICS[self.metric] == "lower":
            gain = -gain
        if gain >= self.min_improvement:
            return 1
        return -1 if gain <= -self.min_improvement else 0

    def apply(self, split: TrafficSplit, direction: int) -> TrafficSplit:
        """The split after a decision (unchanged when there is nothing to do)."""
        if direction == 0 or split.mode == "single":
            return split
        if split.mode == "shadow":
            return TrafficSplit("canary", min(self.step, self.max_share)) if direction > 0 else split
        if split.mode == "blue-green":
            return replace(split, challenger_share=1.0 if direction > 0 else 0.0)
        share = split.challenger_share + direction * self.step
        return replace(split, challenger_share=round(min(self.max_share, max(self.min_share, share)), 6))

    def to_dict(self) -> dict:
        return asdict(self)
