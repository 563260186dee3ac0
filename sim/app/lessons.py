"""Lessons: a question, a plain explanation, the essay passage it illustrates, a configuration.

A lesson only chooses the market (Hydra overrides, as ``ccsim run`` takes them) and says what
to look at; the answer is whatever the model shows. A lesson whose configuration names a
preset file that this version does not ship (``scenario=exploitation``) says so instead of
loading: the list picks the file up as soon as it exists in ``conf/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..configure import conf_dir


@dataclass(frozen=True)
class Lesson:
    """One question the dashboard can load.

    Attributes:
        key: Short identifier (used in the page's address and in tests).
        question: The question, as a class would ask it.
        explanation: What the configuration sets up and what to watch, in plain words.
        passage: A short quotation from the essays.
        source: Where the quotation comes from.
        overrides: Hydra overrides of the lesson's market.
    """

    key: str
    question: str
    explanation: str
    passage: str
    source: str
    overrides: tuple[str, ...] = field(default_factory=tuple)

    def missing(self) -> list[str]:
        """Preset files the overrides name that ``conf/`` does not have (e.g. ``scenario/x``)."""
        out = []
        for item in self.overrides:
            group, eq, option = item.partition("=")
            is_group = eq and (conf_dir() / group).is_dir()  # seed=3 sets a value, not a preset
            if is_group and not (conf_dir() / group / f"{option}.yaml").exists():
                out.append(f"{group}/{option}")
        return out

    @property
    def available(self) -> bool:
        """True if every preset the lesson names ships with this version."""
        return not self.missing()


ESSAY_003 = "Essay 003, on customer centricity and the experience economy"
ESSAY_000 = "Essay 000, quoting Shoshana Zuboff (McKinsey)"

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        key="explore",
        question="Explore: the default market",
        explanation=(
            "Two product-centric firms (pc_a, pc_b) against two customer-centric ones (cc_a, "
            "cc_b) in today's experience economy. Move the controls, press Reset, and step."),
        passage=("Customer-centricity flips the process around and starts with the individual "
                 "customer."),
        source=ESSAY_003,
    ),
    Lesson(
        key="wom_vs_ads",
        question="Does word of mouth beat advertising?",
        explanation=(
            "Today's market: dense social networks, customers who hear from each other and "
            "take little notice of advertising. Watch the chart of acquisitions by channel "
            "and the 'acq ads' and 'acq WoM' columns of the table. Then lower word-of-mouth "
            "strength or raise advertising response, press Reset, and run it again."),
        passage=("These days, customers are more influenced by social proof and opinion than "
                 "by advertising."),
        source=ESSAY_003,
        overrides=("scenario=experience_economy",),
    ),
    Lesson(
        key="mattress",
        question="Do you sell a mattress or a night's sleep?",
        explanation=(
            "Five firms along the mix, from all product (mix_00) to all customer (mix_100). "
            "Only customer levers pay for cross-selling: offers in the second category to "
            "customers a firm already knows. Watch the cross-sell line of the channel chart "
            "and the 'acq x-sell' column: who sells the bedlinen, and what it does to their "
            "revenue."),
        passage=("You could sell the customer a new mattress, but what they really want is a "
                 "better night's sleep. Knowing this could mean the sale of some high quality, "
                 "cool and crisp bedlinen too."),
        source=ESSAY_003,
        overrides=("firms=mix_ladder",),
    ),
    Lesson(
        key="1700s",
        question="What won in the 1700s?",
        explanation=(
            "The product-aware economy: sparse networks, little information, customers who "
            "want much the same thing, and advertising that people still answer (about one in "
            "ten). The same four firms as today. Compare the table with the default market's."),
        passage=("This created a new challenge - the need to inform potential buyers about "
                 "what was new and what has recently become affordable - and the discipline of "
                 "marketing was born."),
        source=ESSAY_003,
        overrides=("scenario=product_aware_economy",),
    ),
    Lesson(
        key="incentives",
        question="Revenue bonus or lifetime value?",
        explanation=(
            "Four firms start alike, halfway along the mix, and every year move budget between "
            "levers. Two are rewarded on revenue (revenue_a, revenue_b), two on customer "
            "lifetime value (clv_a, clv_b). Watch where each one's budget drifts and what "
            "happens to their share and margin."),
        passage=("a bonus structure that rewards revenue generation rather than lifetime "
                 "customer value, then you need to change tack."),
        source=ESSAY_003,
        overrides=("firms=incentives",),
    ),
    Lesson(
        key="renting",
        question="Renting instead of owning?",
        explanation=(
            "Subscriptions: every customer reconsiders every month whether to keep paying. "
            "Retention becomes the whole game. Watch 'retention/yr', customers and NPS."),
        passage=("Gen Z and Millennials are priced out of owning many tangible artefacts, so "
                 "instead they rent a house, rent a car, rent music and film"),
        source=ESSAY_003,
        overrides=("scenario=subscription",),
    ),
    Lesson(
        key="exploitation",
        question="Does exploitation pay?",
        explanation=(
            "An exploiting firm raises prices on its long-standing, locked-in customers; its "
            "twin does not. Watch their revenue, NPS and customers over the years."),
        passage=("punishes enterprises that try to impose their own internal requirements or, "
                 "worse yet, maximize their own benefit at the expense of the individual end "
                 "user."),
        source=ESSAY_000,
        overrides=("scenario=exploitation",),
    ),
)


def by_key(key: str) -> Lesson:
    """The lesson called ``key``.

    Raises:
        KeyError: no such lesson.
    """
    for lesson in LESSONS:
        if lesson.key == key:
            return lesson
    raise KeyError(f"lesson {key!r}: choose one of {', '.join(x.key for x in LESSONS)}")
