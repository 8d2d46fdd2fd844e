"""Distribution specs of a scenario file, and their quantile functions.

Every random duration in the model is drawn by inverse transform: a uniform
number from the citizen's own stream goes through the distribution's quantile
function. The same uniform gives a longer time under a slower distribution, so
configurations compared on the same citizens stay in step (common random
numbers).

Every parameter is finite and at most `MAX_PARAMETER`; a scenario field
further bounds the largest value its distribution can ever draw (see
`at_most`), so no draw overflows or stretches the working calendar without end.

>>> Exponential(mean=10).quantile(np.array([0.5])).round(3)
array([6.931])
>>> round(Exponential(mean=10).largest(), 1)
367.4
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    SerializationInfo,
    SerializeAsAny,
    Strict,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError, SchemaSerializer, core_schema

FloatArray = NDArray[np.float64]
MAX_PARAMETER = 1e12
"""The largest number any distribution parameter (or observed value) may be."""
MAX_SPREAD = 1e6
"""The largest sd / mean of a lognormal or gamma distribution."""
U_MAX = 1 - 2**-53
"""The largest uniform number a stream draws (NumPy's `random()` is in [0, 1) with 53 bits)."""
NonNegative = Annotated[float, Strict(), Field(ge=0, le=MAX_PARAMETER, allow_inf_nan=False)]
Positive = Annotated[float, Strict(), Field(gt=0, le=MAX_PARAMETER, allow_inf_nan=False)]


def _refuse(path: tuple[str | int, ...], message: str) -> PydanticCustomError:
    return PydanticCustomError("scenario", "{message}", {"message": message, "path": path})


class Sample:
    """Observed values: an immutable float64 array, compared and serialised like a list of numbers.

    A million values cost 8 MB here, not the 32 MB of a list of Python floats.

    >>> Sample([4.5, 6, 3]) == [4.5, 6.0, 3.0]
    True
    """

    __slots__ = ("_sorted", "array")

    def __init__(self, values: Any) -> None:
        array = np.array(values, dtype=np.float64)
        array.flags.writeable = False
        self.array: FloatArray = array
        self._sorted: FloatArray | None = None

    def sorted(self) -> FloatArray:
        """The values in increasing order (sorted once)."""
        if self._sorted is None:
            self._sorted = np.sort(self.array)
        return self._sorted

    def __reduce__(self) -> tuple[type[Sample], tuple[FloatArray]]:
        return Sample, (self.array,)

    def __len__(self) -> int:
        return len(self.array)

    def __iter__(self) -> Iterator[float]:
        return iter(self.array.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sample):
            return bool(np.array_equal(self.array, other.array))
        if isinstance(other, list | tuple | np.ndarray):
            try:
                return bool(np.array_equal(self.array, np.asarray(other, dtype=np.float64)))
            except (TypeError, ValueError):
                return False
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.array.tobytes())

    def __repr__(self) -> str:
        shown = ", ".join(f"{value:g}" for value in self.array[:5])
        return f"Sample([{shown}{', ...' if len(self) > 5 else ''}], {len(self)} values)"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.of,
            serialization=core_schema.plain_serializer_function_ser_schema(cls._dump, info_arg=True),
        )

    @classmethod
    def of(cls, values: Any) -> Sample:
        """Validated observed values: at least one, each a finite number from 0 to MAX_PARAMETER."""
        if isinstance(values, Sample):
            return values
        if isinstance(values, np.ndarray) and values.dtype == np.float64 and values.ndim == 1:
            array = values
        elif isinstance(values, list | tuple):
            for k, value in enumerate(values):
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise _refuse((k,), f"expected a number, found {_short(value)}")
                if isinstance(value, int) and abs(value) > MAX_PARAMETER:
                    raise _refuse((k,), f"expected a number <= {MAX_PARAMETER:g}, found {_short(value)}")
            array = np.asarray(values, dtype=np.float64)
        else:
            raise _refuse((), f"expected a list of numbers, found {_short(values)}")
        if not len(array):
            raise _refuse((), "expected at least one value, found none")
        wrong = ~((array >= 0) & (array <= MAX_PARAMETER))  # NaN is wrong too
        if wrong.any():
            k = int(np.argmax(wrong))
            raise _refuse((k,), f"expected a number from 0 to {MAX_PARAMETER:g}, found {float(array[k])!r}")
        return cls(array)

    def _dump(self, info: SerializationInfo) -> Any:
        return self.array.tolist() if info.mode == "json" else self


Sample.__pydantic_serializer__ = SchemaSerializer(  # type: ignore[attr-defined]
    core_schema.any_schema(serialization=core_schema.plain_serializer_function_ser_schema(Sample._dump, info_arg=True))
)
"""So that a sample inside a free-form mapping (a configuration's changes) dumps as a list too."""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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

    def largest(self) -> float:
        """The largest value a draw can take: the quantile of the largest uniform a stream gives."""
        return float(self.quantile(np.array([U_MAX]))[0])


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

    @model_validator(mode="after")
    def _spread(self) -> Lognormal:
        _check_spread(self.mean, self.sd)
        return self

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

    @model_validator(mode="after")
    def _spread(self) -> Gamma:
        _check_spread(self.mean, self.sd)
        return self

    def expected(self) -> float:
        return self.mean

    def quantile(self, u: FloatArray) -> FloatArray:
        shape = (self.mean / self.sd) ** 2
        scale = self.sd**2 / self.mean
        from scipy import special  # noqa: PLC0415

        return np.asarray(special.gammaincinv(shape, u) * scale, dtype=np.float64)


class Normal(Spec):
    """Normal with the given mean and standard deviation, truncated at 0 (a duration is never negative)."""

    dist: Literal["normal"] = "normal"
    mean: NonNegative
    sd: NonNegative

    @model_validator(mode="after")
    def _spread(self) -> Normal:
        if self.mean == 0 and self.sd == 0:
            raise ValueError("mean and sd are both 0: use {dist: fixed, value: 0} for no time at all")
        _check_spread(max(self.mean, self.sd), self.sd)
        return self

    def expected(self) -> float:
        if self.sd == 0:
            return self.mean
        from scipy import stats  # noqa: PLC0415

        return float(stats.truncnorm.mean(-self.mean / self.sd, math.inf, loc=self.mean, scale=self.sd))

    def quantile(self, u: FloatArray) -> FloatArray:
        if self.sd == 0:
            return np.full(np.shape(u), self.mean)
        from scipy import special  # noqa: PLC0415

        below = special.ndtr(-self.mean / self.sd)  # the probability cut off at 0
        return np.asarray(np.maximum(self.mean + self.sd * special.ndtri(below + u * (1 - below)), 0.0))


class Weibull(Spec):
    """Weibull with the given shape and scale."""

    dist: Literal["weibull"] = "weibull"
    shape: Annotated[float, Strict(), Field(ge=0.01, le=1000, allow_inf_nan=False)]
    scale: Positive

    def expected(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)

    def quantile(self, u: FloatArray) -> FloatArray:
        return np.asarray(self.scale * (-np.log1p(-u)) ** (1 / self.shape), dtype=np.float64)


class Erlang(Spec):
    """Erlang: the sum of `k` exponential phases, with the given mean in all."""

    dist: Literal["erlang"] = "erlang"
    k: Annotated[int, Strict(), Field(ge=1, le=1000)]
    mean: Positive

    def expected(self) -> float:
        return self.mean

    def quantile(self, u: FloatArray) -> FloatArray:
        from scipy import special  # noqa: PLC0415

        return np.asarray(special.gammaincinv(self.k, u) * self.mean / self.k, dtype=np.float64)


class Pert(Spec):
    """PERT (a beta distribution) from the least, most likely and greatest times."""

    dist: Literal["pert"] = "pert"
    min: NonNegative
    mode: NonNegative
    max: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Pert:
        if not self.min <= self.mode <= self.max or self.min == self.max:
            raise ValueError(
                f"mode ({self.mode:g}) must lie between min ({self.min:g}) and max ({self.max:g}), with min < max"
            )
        return self

    def _shapes(self) -> tuple[float, float]:
        width = self.max - self.min
        return 1 + 4 * (self.mode - self.min) / width, 1 + 4 * (self.max - self.mode) / width

    def expected(self) -> float:
        return (self.min + 4 * self.mode + self.max) / 6

    def quantile(self, u: FloatArray) -> FloatArray:
        from scipy import special  # noqa: PLC0415

        alpha, beta = self._shapes()
        return np.asarray(self.min + (self.max - self.min) * special.betaincinv(alpha, beta, u), dtype=np.float64)


class Empirical(Spec):
    """Observed values, sampled with replacement; with `weights`, a histogram (each value as often as its weight)."""

    dist: Literal["empirical"] = "empirical"
    values: Sample
    weights: Sample | None = None
    source: Annotated[str, Strict(), Field(max_length=2000)] = ""
    """Where the values come from; the loader fills it in for values read from a CSV file."""

    @model_validator(mode="after")
    def _weighted(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                found = f"{len(self.values)} values, {len(self.weights)} weights"
                raise ValueError(f"expected one weight per value, found {found}")
            if not self.weights.array.sum() > 0:
                raise ValueError("expected weights with a positive sum")
        return self

    def expected(self) -> float:
        if self.weights is None:
            return float(self.values.array.mean())
        return float(np.average(self.values.array, weights=self.weights.array))

    @property
    def is_zero(self) -> bool:
        return not self.values.array.any()

    def quantile(self, u: FloatArray) -> FloatArray:
        if self.weights is None:
            observed = self.values.sorted()  # monotone in u, for common random numbers
            return observed[np.minimum((u * len(observed)).astype(np.intp), len(observed) - 1)]
        order = np.argsort(self.values.array, kind="stable")
        edges = np.cumsum(self.weights.array[order])
        place = np.searchsorted(edges / edges[-1], u, side="right")
        return self.values.array[order][np.minimum(place, len(order) - 1)]


class Combined(Spec):
    """Steps a configuration merges into one: the parts drawn at one probability, added up or the longest.

    Drawn at one probability, the parts are comonotone: a file slow in one part is slow in the
    others (one officer, one sitting, one file). Made by `merge_steps`, never written in a file.
    """

    dist: Literal["combined"] = "combined"
    parts: tuple[Spec, ...]
    how: Literal["sum", "longest"] = "sum"

    def expected(self) -> float:
        if self.how == "sum":
            return sum(part.expected() for part in self.parts)
        grid = (np.arange(4096) + 0.5) / 4096  # the mean of the longest part, by the midpoint rule
        return float(self.quantile(grid).mean())

    @property
    def is_zero(self) -> bool:
        return all(part.is_zero for part in self.parts)

    def quantile(self, u: FloatArray) -> FloatArray:
        values = np.stack([part.quantile(u) for part in self.parts])
        return np.asarray(values.sum(axis=0) if self.how == "sum" else values.max(axis=0), dtype=np.float64)


def _check_spread(mean: float, sd: float) -> None:
    """Refuse an sd above MAX_SPREAD times the mean: the shape of the distribution stays a finite number."""
    if sd > MAX_SPREAD * mean:
        raise ValueError(f"sd ({sd:g}) must be at most {MAX_SPREAD:g} times the mean ({mean:g})")


KINDS: dict[str, type[Spec]] = {
    cls.model_fields["dist"].default: cls
    for cls in (Fixed, Exponential, Uniform, Triangular, Lognormal, Gamma, Normal, Weibull, Erlang, Pert, Empirical)
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


def at_most(limit: float, unit: str) -> Callable[[Spec], Spec]:
    """A check that no draw of a distribution can exceed `limit` (in `unit`)."""

    def check(spec: Spec) -> Spec:
        largest = spec.largest()
        if not largest <= limit:
            raise _refuse(
                (),
                f"its largest possible draw is {largest:.3g} {unit}: expected a distribution whose draws stay "
                f"within {limit:g} {unit} (see docs/limits.md)",
            )
        return spec

    return check


MAX_MINUTES = 1e8
"""The largest duration in minutes any draw may take (about 190 years)."""
MAX_WORKING_DAYS = 1e5
"""The largest approval wait in working days any draw may take (about 400 years)."""
Minutes = Annotated[Distribution, AfterValidator(at_most(MAX_MINUTES, "minutes"))]
"""A distribution of minutes (counter, back-office work, patience)."""
WorkingDays = Annotated[Distribution, AfterValidator(at_most(MAX_WORKING_DAYS, "working days"))]
"""A distribution of working days (approval waits)."""
