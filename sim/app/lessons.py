"""Lessons: a question, what the market is and what to watch, the essay passage, a configuration.

A lesson only chooses the market (Hydra overrides, as ``ccsim run`` takes them), says what to
look at and names the table of numbers that answers its question (:mod:`sim.app.answers`); the
answer is whatever the model shows. A lesson whose configuration names a
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
        setup: What the configuration sets up, in plain words.
        watch: What to watch on the page while the market runs.
        passage: A short quotation from the essays.
        source: Where the quotation comes from.
        overrides: Hydra overrides of the lesson's market.
        answer: The name of the table that answers the question (:data:`answers.ANSWERS`).
    """

    key: str
    question: str
    setup: str
    watch: str
    passage: str
    source: str
    overrides: tuple[str, ...] = field(default_factory=tuple)
    answer: str = "groups"

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
        question="How do customer-centric and product-centric firms fare in today's market?",
        setup=(
            "Two product-centric firms (pc_a, pc_b, in blues) against two customer-centric ones "
            "(cc_a, cc_b, in oranges) in today's experience economy. Move the controls, press "
            "Reset, and step."),
        watch=(
            "Market share and revenue of the oranges against the blues, and where customers "
            "cluster in the network picture. Growth reads n/a until month 13: it is a rate a "
            "year and needs a year of data."),
        passage=("Customer-centricity flips the process around and starts with the individual "
                 "customer."),
        source=ESSAY_003,
        answer="groups",
    ),
    Lesson(
        key="wom_vs_ads",
        question="Does word of mouth beat advertising?",
        setup=(
            "Today's market: dense social networks, customers who hear from each other and "
            "take little notice of advertising."),
        watch=(
            "The chart of acquisitions by channel: the word-of-mouth line against the "
            "advertising line. Then lower word-of-mouth strength or raise advertising response, "
            "press Reset, and run it again."),
        passage=("These days, customers are more influenced by social proof and opinion than "
                 "by advertising."),
        source=ESSAY_003,
        overrides=("scenario=experience_economy",),
        answer="channels",
    ),
    Lesson(
        key="mattress",
        question="Do you sell a mattress or a night's sleep?",
        setup=(
            "Five firms along the mix, from all product (mix_00) to all customer (mix_100). "
            "Only customer levers pay for cross-selling: offers in the second category to "
            "customers a firm already knows."),
        watch=(
            "The cross-sell line of the channel chart and each firm's budget chart: who sells "
            "the bedlinen, and what it does to their revenue."),
        passage=("You could sell the customer a new mattress, but what they really want is a "
                 "better night's sleep. Knowing this could mean the sale of some high quality, "
                 "cool and crisp bedlinen too."),
        source=ESSAY_003,
        overrides=("firms=mix_ladder",),
        answer="cross_selling",
    ),
    Lesson(
        key="1700s",
        question="What won in the 1700s?",
        setup=(
            "The product-aware economy: sparse networks, little information, customers who "
            "want much the same thing, and advertising that people still answer (about one in "
            "ten). The same four firms as today."),
        watch=(
            "Market share of the blues against the oranges, and the advertising line of the "
            "channel chart. Then load the first lesson (today's market) and compare."),
        passage=("This created a new challenge - the need to inform potential buyers about "
                 "what was new and what has recently become affordable - and the discipline of "
                 "marketing was born."),
        source=ESSAY_003,
        overrides=("scenario=product_aware_economy",),
        answer="groups",
    ),
    Lesson(
        key="incentives",
        question="Revenue bonus or lifetime value?",
        setup=(
            "Four firms start alike, halfway along the mix, and every year move budget between "
            "levers. Two are rewarded on revenue (revenue_a, revenue_b), two on customer "
            "lifetime value (clv_a, clv_b)."),
        watch=(
            "The budget chart: where each firm's budget drifts, year after year (oranges: "
            "customer levers), and what happens to its market share and margin."),
        passage=("a bonus structure that rewards revenue generation rather than lifetime "
                 "customer value, then you need to change tack."),
        source=ESSAY_003,
        overrides=("firms=incentives",),
        answer="budgets",
    ),
    Lesson(
        key="renting",
        question="Renting instead of owning?",
        setup=(
            "Subscriptions: every customer reconsiders every month whether to keep paying. "
            "Retention becomes the whole game."),
        watch="The customers and NPS charts, and 'retention/yr' in the KPI table.",
        passage=("Gen Z and Millennials are priced out of owning many tangible artefacts, so "
                 "instead they rent a house, rent a car, rent music and film"),
        source=ESSAY_003,
        overrides=("scenario=subscription",),
        answer="retention",
    ),
    Lesson(
        key="exploitation",
        question="Does exploitation pay?",
        setup=(
            "An exploiting firm raises prices on its long-standing, locked-in customers; its "
            "twin does not."),
        watch="Their revenue, NPS and customers over the years, from month 13 on.",
        passage=("punishes enterprises that try to impose their own internal requirements or, "
                 "worse yet, maximize their own benefit at the expense of the individual end "
                 "user."),
        source=ESSAY_000,
        overrides=("scenario=exploitation",),
        answer="exploitation",
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
