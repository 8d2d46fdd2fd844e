"""The optimiser's answer in words: the brief's section (English and Bahasa Indonesia), the guarantee, optimise.md.

`answer(optimum, lang)` says "the cheapest staffing that meets the standard
costs X a month", or "with Y a month the best achievable is Z", with the
numbers and their intervals; `guarantee` says what the answer is worth: the
confidence it carries and how many simulations it took (in optimise.md and on
the terminal), and `brief_guarantee` says it in the one sentence a policy
brief has room for (`brief_section`: the brief's paragraphs).
"""

from __future__ import annotations

import math

from simulator.experiments.optimise import Optimum
from simulator.experiments.optimise_question import ALL, MONTHLY, Question, Requirement, Staffing
from simulator.report.language import LANGUAGES, Language, language, messages

DOMAIN = "optimise"
"""The optimiser's words: `locale/<language>/LC_MESSAGES/optimise.po`."""
NUMBERS = ("wait_minutes", "wait_minutes_p90", "lead_time_days", "within_standard_share", "ikm")
"""Metrics the section always reports for the chosen staffing."""


class Words:
    """The optimiser's words in one language, with the project's number formats."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.base: Language = language(lang)
        self.words = messages(lang, DOMAIN)

    def say(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)

    def count(self, noun: str, count: int) -> str:
        return self.say(f"{noun}_{'one' if count == 1 else 'many'}", count=count)

    def money(self, amount: float) -> str:
        return self.base.number(amount, 0)

    def metric(self, metric: str, service: str = ALL) -> str:
        name = self.words.get(f"metric_{metric}") or self.base.words.get(f"metric_{metric}") or metric
        return name if service == ALL else self.say("service", metric=name, service=service)

    def label(self, metric: str, service: str = ALL) -> str:
        """A metric as an axis label: 'Wait', 'IKM', '90th-percentile wait'."""
        name = self.words.get(f"label_{metric}") or self.base.words.get(f"label_{metric}")
        name = name or self.metric(metric)[:1].upper() + self.metric(metric)[1:]
        return name if service == ALL else self.say("service", metric=name, service=service)

    def unit(self, metric: str) -> str:
        return self.words.get(f"unit_{metric}") or self.base.words.get(f"unit_{metric}", "")

    def share(self, share: float) -> str:
        """A confidence as per cent: '95%', '97.5%'."""
        return self.base.percent(share, digits=0 if round(100 * share, 6) % 1 == 0 else 1)

    def value(self, metric: str, number: float) -> str:
        """A metric's value with its unit: shares in per cent, times with theirs."""
        if math.isnan(number):
            return self.base.say("not_available")
        unit = self.unit(metric)
        if unit == "%":
            return self.base.percent(number, digits=1)
        text = self.base.number(number, 0 if abs(number) >= 1000 else 1 if abs(number) >= 10 else 2)
        return f"{text} {unit}" if unit else text

    def interval(self, metric: str, low: float, high: float) -> str:
        return self.say("interval", low=self.value(metric, low), high=self.value(metric, high))

    def threshold(self, metric: str, number: float) -> str:
        """A threshold as it was given: 30 minutes, 90%, 76.61."""
        unit = self.unit(metric)
        if unit == "%":
            return self.base.localise(f"{100 * number:g}%")
        text = self.base.localise(f"{number:,g}")
        return f"{text} {unit}" if unit else text

    def requirement(self, requirement: Requirement) -> str:
        key = "at_most" if requirement.at_most else "at_least"
        name = self.metric(requirement.metric, requirement.service)
        return self.say(key, metric=name, value=self.threshold(requirement.metric, requirement.threshold))

    def requirements(self, question: Question) -> str:
        if not question.requirements:
            return self.say("every_requirement")
        return self.base.listing([self.requirement(r) for r in question.requirements])

    def staffing(self, question: Question, staffing: Staffing) -> str:
        parts = []
        for variable, value in zip(question.variables, staffing, strict=True):
            pieces = variable.path.split(".")
            field = pieces[-2] if pieces[-1] == "default" else pieces[-1]
            agency = pieces[pieces.index("agencies") + 1] if "agencies" in pieces else ""
            parts.append(self.say(field, value=value, agency=agency.replace("_", " ")))
        return self.base.listing(parts)

    def ranges(self, question: Question) -> str:
        return ", ".join(f"{v.given} {v.low}..{v.high}" for v in question.variables)


def _numbers(optimum: Optimum, words: Words) -> str:
    """'the wait 12.3 minutes [11.0 to 13.6], ...' for the chosen staffing, every service together."""
    table = optimum.numbers
    wanted = [*(r.metric for r in optimum.question.requirements if r.service == ALL), *NUMBERS]
    parts = []
    for metric in dict.fromkeys(wanted):
        row = table[(table["metric"] == metric) & (table["service"] == ALL)]
        if len(row):
            mean, low, high = (float(row.iloc[0][k]) for k in ("mean", "ci_low", "ci_high"))
            parts.append(f"{words.metric(metric)} {words.value(metric, mean)} {words.interval(metric, low, high)}")
    return words.base.listing(parts)


def _row(optimum: Optimum, metric: str, service: str) -> tuple[float, float, float]:
    table = optimum.numbers
    row = table[(table["metric"] == metric) & (table["service"] == service)]
    if not len(row):
        return (math.nan, math.nan, math.nan)
    return float(row.iloc[0]["mean"]), float(row.iloc[0]["ci_low"]), float(row.iloc[0]["ci_high"])


def _why_none(optimum: Optimum, words: Words) -> str:
    """Why nothing met: the verdict of the staffing with the most staff that was simulated (or else judged)."""
    if not optimum.verdicts:
        return ""
    most = max(optimum.verdicts, key=lambda s: (optimum.verdicts[s].replications > 0, sum(s), optimum.costs[s], s))
    return words.say("why", reason=f"{words.staffing(optimum.question, most)}: {optimum.verdicts[most].reason}")


def answer(optimum: Optimum, lang: str = "en") -> str:
    """The answer in one paragraph."""
    words = Words(lang)
    question = optimum.question
    common = {"configuration": question.configuration, "requirements": words.requirements(question)}
    budgeted = question.objective.trend == "improves"
    if optimum.chosen is None:
        why = _why_none(optimum, words)
        if budgeted:
            return words.say("budget_none", budget=words.money(question.budget or 0), ranges=words.ranges(question),
                             why=why, **common)  # fmt: skip
        return words.say("cheapest_none", ranges=words.ranges(question), why=why, **common)
    staffing = words.staffing(question, optimum.chosen)
    numbers = _numbers(optimum, words)
    objective = question.objective
    cost = words.money(optimum.chosen_cost)
    if objective.trend == "cost":
        return words.say("cheapest", cost=cost, staffing=staffing, numbers=numbers, **common)
    if objective.trend == "rises":
        mean, low, high = _row(optimum, objective.metric, objective.service)
        interval = words.say("interval", low=words.money(low), high=words.money(high))
        return words.say("per_case", per_case=words.money(mean), interval=interval, cost=cost, staffing=staffing,
                         numbers=numbers, **common)  # fmt: skip
    mean, low, high = _row(optimum, objective.metric, objective.service)
    meeting = words.say("meeting", requirements=common["requirements"]) if question.requirements else ""
    return words.say(
        "budget",
        budget=words.money(question.budget or 0),
        metric=words.metric(objective.metric, objective.service),
        value=words.value(objective.metric, mean),
        interval=words.interval(objective.metric, low, high),
        staffing=staffing,
        cost=cost,
        meeting=meeting,
        numbers=numbers,
        configuration=question.configuration,
    )


def guarantee(optimum: Optimum, lang: str = "en") -> str:
    """What the answer is worth, in one paragraph: its confidence, and how the search got there."""
    words = Words(lang)
    question = optimum.question
    confidence = words.share(question.confidence)
    sentences = []
    if optimum.chosen is not None and question.requirements:
        replications = int(optimum.numbers["replications"].max())
        sentences.append(words.say(
            "guarantee_feasible",
            confidence=words.share(1 - question.alphas[0]),
            requirements=words.count("requirement", len(question.requirements)),
            looks=words.count("look", len(question.looks)),
            replications=replications,
        ))  # fmt: skip
    selection = optimum.selection
    if optimum.chosen is not None and selection is not None and optimum.contenders > 1:
        objective = question.objective
        delta = words.value(objective.metric, selection.delta)
        sentences.append(words.say("guarantee_select", confidence=words.share(1 - selection.alpha),
                                   metric=words.metric(objective.metric, objective.service), delta=delta,
                                   contenders=optimum.contenders))  # fmt: skip
        if question.requirements:
            sentences.append(words.say("guarantee_joint", confidence=confidence))
        if not selection.settled:
            left = sum(1 for count in selection.replications if count >= max(selection.replications))
            sentences.append(words.say("guarantee_unsettled", most=question.most, left=left))
    if optimum.chosen is not None and optimum.confirmations > 1:
        alpha = words.share(question.alphas[0])
        sentences.append(words.say("guarantee_retries", count=optimum.confirmations, alpha=alpha))
    sentences.append(search_sentence(optimum, words))
    if optimum.contradictions:
        sentences.append(words.say("contradictions", count=optimum.contradictions))
    return " ".join(sentences)


def search_sentence(optimum: Optimum, words: Words) -> str:
    question = optimum.question

    def count(number: int) -> str:
        return words.base.localise(f"{number:,}")

    stages = [words.say(f"stage_{stage}", count=count(n)) for stage, n in optimum.simulations.items() if n]
    overloaded = sum(1 for v in optimum.verdicts.values() if v.status == "overloaded" and not v.replications)
    within = words.say("within_budget", within=count(optimum.within_budget)) if question.budget is not None else ""
    return words.say(
        "search",
        simulations=count(optimum.total_simulations),
        stages=", ".join(stages),
        simulated=count(len(optimum.verdicts) - overloaded),
        grid=count(optimum.grid),
        budget=within,
        inferred=count(optimum.inferred),
        outdone=count(optimum.outdone),
        overloaded=count(overloaded),
        first=question.first,
        candidates=count(optimum.within_budget),
        naive=count(optimum.within_budget * question.first),
    )


def brief_guarantee(optimum: Optimum, lang: str = "en") -> str:
    """What the answer is worth, in the one sentence a brief has room for: its confidence and the search's work.

    The confidence is the chance that every claim holds together: one minus
    the feasibility error of each confirmation run and, when KN chose among
    several and settled, its selection error.
    """
    words = Words(lang)
    question = optimum.question
    search = search_fragment(optimum, words)
    feasible = optimum.chosen is not None and bool(question.requirements)
    selection = optimum.selection if optimum.chosen is not None and optimum.contenders > 1 else None
    values: dict[str, object] = {"search": search, "contenders": optimum.contenders, "most": question.most}
    error = optimum.confirmations * question.alphas[0] if feasible else 0.0
    if feasible:
        values["replications"] = int(optimum.numbers["replications"].max())
    if selection is not None:
        objective = question.objective
        values |= {"metric": words.metric(objective.metric, objective.service),
                   "delta": words.value(objective.metric, selection.delta)}  # fmt: skip
        error += selection.alpha if selection.settled else 0.0
        if selection.settled:
            key = "brief_feasible_best" if feasible else "brief_best"
        else:
            key = "brief_feasible_unsettled" if feasible else "brief_unsettled"
        sentence = words.say(key, confidence=words.share(max(0.0, 1 - error)), **values)
    elif feasible:
        sentence = words.say("brief_feasible", confidence=words.share(max(0.0, 1 - error)), **values)
    else:  # nothing chosen, or nothing to guarantee: the fullest staffing within the budget, alone in contention
        sentence = search[:1].upper() + search[1:] + "."
    if optimum.contradictions:
        sentence += " " + words.say("contradictions", count=optimum.contradictions)
    return sentence


def search_fragment(optimum: Optimum, words: Words) -> str:
    """'the search simulated 9 of the 800 staffings in the ranges, 140 simulations in all'."""
    question = optimum.question

    def count(number: int) -> str:
        return words.base.localise(f"{number:,}")

    overloaded = sum(1 for v in optimum.verdicts.values() if v.status == "overloaded" and not v.replications)
    within = words.say("within_budget", within=count(optimum.within_budget)) if question.budget is not None else ""
    return words.say(
        "brief_search",
        simulated=count(len(optimum.verdicts) - overloaded),
        grid=count(optimum.grid),
        budget=within,
        simulations=count(optimum.total_simulations),
    )


def brief_section(optimum: Optimum, lang: str = "en") -> list[str]:
    """The policy brief's paragraphs on staffing: the answer, then its guarantee in one sentence."""
    return [answer(optimum, lang), brief_guarantee(optimum, lang)]


def title(lang: str = "en") -> str:
    """The heading of the brief's staffing section and of optimise.md."""
    return Words(lang).say("title")


def caption(optimum: Optimum, lang: str = "en") -> str:
    """The caption of the brief's staffing figure (`optimise_plots.staffing_figure`)."""
    return Words(lang).say("brief_caption", configuration=optimum.question.configuration)


def figure_name(optimum: Optimum, lang: str = "en") -> str:
    """The staffing figure as a list of figures names it: 'staff cost against the IKM and the wait (integrated)'."""
    return Words(lang).say("brief_figure_name", configuration=optimum.question.configuration)


def markdown(optimum: Optimum) -> str:
    """optimise.md: the answer and its whole guarantee in each language, the question, the chosen numbers."""
    question = optimum.question
    lines = [f"# {title('en')}", ""]
    for lang in LANGUAGES:
        if lang != "en":
            lines += [f"## {Words(lang).say('title')}", ""]
        lines += [answer(optimum, lang) + "\n", guarantee(optimum, lang) + "\n"]
    lines += ["## The question", ""]
    lines += [f"- configuration: `{question.configuration}`"]
    lines += [f"- vary: `{v.given}` from {v.low} to {v.high}" + (f" (`{v.path}`)" if v.path != v.given else "")
              for v in question.variables]  # fmt: skip
    lines += [f"- require: `{r.text}`" for r in question.requirements]
    objective = question.objective
    goal = "maximise" if objective.maximise else "minimise"
    lines += [f"- objective: {goal} `{objective.label}`" + (f" within {question.budget:,.0f} a month" if question.budget
              is not None else "")]  # fmt: skip
    lines += [f"- confidence {question.confidence:g}; looks at {', '.join(map(str, question.looks))} replications", ""]
    if optimum.chosen is not None:
        lines += ["## The chosen staffing", ""]
        lines += [f"- `{path}` = {value}" for path, value in question.named(optimum.chosen).items()]
        lines += [f"- {MONTHLY}: {optimum.chosen_cost:,.0f}", ""]
        count = int(optimum.numbers["replications"].max())
        level = f"{question.confidence:.0%}"
        lines += [
            f"Its numbers over {count} replications (`chosen.csv`; {level} intervals, in each metric's range):",
            "",
        ]
        lines += ["| metric | service | mean | interval |", "|---|---|---:|---|"]
        for row in optimum.numbers.itertuples():
            lines.append(f"| {row.metric} | {row.service} | {row.mean:.4g} | {row.ci_low:.4g} to {row.ci_high:.4g} |")
        lines.append("")
    lines += ["## Every candidate judged", "", "See `candidates.csv` (one row each) and `replications.csv`.", ""]
    return "\n".join(lines)
