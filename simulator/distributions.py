"""Distribution specs of a scenario file, and their quantile functions.

Every random duration in the model is drawn by inverse transform: a uniform
number from the citizen's own stream goes through the distribution's quantile
function. The same uniform gives a longer time under a slower distribution, so
configurations compared on the same citizens stay in step (common random
numbers).

>>> Exponential(mean=10).quantile(np.array([0.5])).round(3)
array([6.931])
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializeAsAny,
    Strict,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

FloatArray = NDArray[np.float64]
NonNegative = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]


class Spec(BaseModel):
    """A distribution of non-negative values (minutes or working days)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def expected(self) -> float:
        """The mean of the distribution."""
        raise NotImplementedError

    def quantile(self, u: FloatArray) -> FloatArray:
        """The values at probabilities `u` (each in [0, 1))."""
        raise NotImplementedError

    @property
    def is_zero(self) -> bool:
        """True when every draw is 0 (no work at all)."""
        return False


class Fixed(Spec):
    """Always `value`; a bare number in a scenario file means this."""

    dist: Literal["fixed"] = "fixed"
    value: NonNegative

    def expected(self) -> float:
        return self.value

    @property
    def is_zero(self) -> bool:
        return self.value == 0

    def quantile(self, u: FloatArray) -> FloatArray:
        return np.full(np.shape(u), self.value)


class Exponential(Spec):
    dist: Literal["exponential"] = "exponential"
    mean: Positive

    def expected(self) -> float:
        return self.mean

    def quantile(self, u: FloatArray) -> FloatArray:
        return -self.mean * np.log1p(-u)


class Uniform(Spec):
    dist: Literal["uniform"] = "uniform"
    min: NonNegative
    max: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) must not exceed max ({self.max:g})")
        return self

    def expected(self) -> float:
        return (self.min + self.max) / 2

    def quantile(self, u: FloatArray) -> FloatArray:
        return self.min + (self.max - self.min) * u


class Triangular(Spec):
    dist: Literal["triangular"] = "triangular"
    min: NonNegative
    mode: NonNegative
    max: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.min <= self.mode <= self.max or self.min == self.max:
            raise ValueError(
                f"mode ({self.mode:g}) must lie between min ({self.min:g}) and max ({self.max:g}), with min < max"
            )
        return self

    def expected(self) -> float:
        return (self.min + self.mode + self.max) / 3

    def quantile(self, u: FloatArray) -> FloatArray:
        low, mode, high = self.min, self.mode, self.max
        split = (mode - low) / (high - low)
        rising = low + np.sqrt(u * (high - low) * (mode - low))
        falling = high - np.sqrt((1 - u) * (high - low) * (high - mode))
        return np.where(u < split, rising, falling)


class Lognormal(Spec):
    """Log-normal with the given mean and standard deviation (not of the log)."""

    dist: Literal["lognormal"] = "lognormal"
    mean: Positive
    sd: NonNegative

    def expected(self) -> float:
        return self.mean

    def quantile(self, u: FloatArray) -> FloatArray:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        mu = math.log(self.mean) - sigma2 / 2
        from scipy import special  # noqa: PLC0415 (scipy costs 25 MB: only where a run needs it)

        return np.asarray(np.exp(mu + math.sqrt(sigma2) * special.ndtri(u)), dtype=np.float64)


class Gamma(Spec):
    """Gamma with the given mean and standard deviation."""

    dist: Literal["gamma"] = "gamma"
    mean: Positive
    sd: Positive

    def expected(self) -> float:
        return self.mean

    def quantile(self, u: FloatArray) -> FloatArray:
        shape = (self.mean / self.sd) ** 2
        scale = self.sd**2 / self.mean
        from scipy import special  # noqa: PLC0415

        return np.asarray(special.gammaincinv(shape, u) * scale, dtype=np.float64)


class Empirical(Spec):
    """Observed values, sampled with replacement."""

    dist: Literal["empirical"] = "empirical"
    values: Annotated[list[NonNegative], Field(min_length=1)]
    source: Annotated[str, Strict()] = ""
    """Where the values come from; the loader fills it in for values read from a CSV file."""

    def expected(self) -> float:
        return sum(self.values) / len(self.values)

    @property
    def is_zero(self) -> bool:
        return not any(self.values)

    def quantile(self, u: FloatArray) -> FloatArray:
        observed = np.sort(np.asarray(self.values, dtype=np.float64))  # monotone in u, for common random numbers
        return observed[np.minimum((u * len(observed)).astype(np.intp), len(observed) - 1)]


KINDS: dict[str, type[Spec]] = {
    cls.model_fields["dist"].default: cls
    for cls in (Fixed, Exponential, Uniform, Triangular, Lognormal, Gamma, Empirical)
}


def parse_distribution(value: Any) -> Spec:
    """A scenario's distribution entry (a number or a mapping with `dist`) -> a Spec."""
    if isinstance(value, Spec):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = {"dist": "fixed", "value": value}
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "distribution",
            "expected a number or a distribution such as {{dist: exponential, mean: 10}}, found {found}",
            {"found": repr(value)},
        )
    kind = value.get("dist")
    if not isinstance(kind, str) or kind not in KINDS:
        close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
        raise PydanticCustomError(
            "distribution",
            "unknown distribution {found}{hint}; expected 'dist' to be one of {kinds}",
            {"found": repr(kind), "hint": f"; did you mean {close[0]!r}?" if close else "", "kinds": ", ".join(KINDS)},
        )
    try:
        return KINDS[kind].model_validate(value)
    except ValidationError as error:
        raise PydanticCustomError("nested", "{inner}", {"path": (), "inner": error.errors()[0]}) from None


Distribution = Annotated[SerializeAsAny[Spec], BeforeValidator(parse_distribution)]
