"""Every parameter of the deadline-day simulation, in one place, each with the reason for its value.

The base case (agents, requests, answer behaviour, silent spells) was fixed by issue 20 so that runs
compare; the rest are ours, chosen as said beside each. Times are in seconds unless a name says
otherwise. `SIM_SCALE` scales the numbers of agents and requests together (the ratios stay).
"""

import datetime as dt
import math

SEED = 20261215  # one seeded day: every policy and every run sees the same agents and the same consumers

# --- The day ----------------------------------------------------------------------------------------
# 15 December 2026 (a Tuesday), the last day to enrol for coverage from 1 January 2027 on HealthCare.gov.
DAY = dt.date(2026, 12, 15)
PLAN_YEAR = 2027  # the plan year whose open enrollment is current on that day
# Virtual time starts at midnight on the East Coast (no served state is further east) and arrivals end at
# midnight in Hawaii (the last served state to finish the day). The run goes on until every request is
# accepted or expired, so the agents' behaviour is drawn for the next day too.
START = dt.datetime(2026, 12, 15, 5, 0, tzinfo=dt.UTC)
BEHAVIOUR_DAYS = 2  # 15 and 16 December: a request made late on the 15th can be accepted the next morning

# --- Agents (issue 20's base case) --------------------------------------------------------------------
AGENTS = 83_000
# Languages: 80 % English only, 17 % English and Spanish, 3 % English and one other language. The other
# languages are weighted roughly by how many people in the United States speak them at home and speak
# English less than very well (Census ACS), among the languages Help On Demand lists.
LANGUAGE_MIX = {"en": 0.80, "es": 0.17, "other": 0.03}
OTHER_LANGUAGES = {"zh": 0.20, "vi": 0.16, "tl": 0.10, "ar": 0.09, "ko": 0.10, "ru": 0.09, "ht": 0.08, "fr": 0.08,
                   "pt": 0.10}  # fmt: skip
LICENSED_STATES = (1, 5)  # the home state plus 0-4 others, uniformly; others weighted by population (business)
DISPLAY_OPTIONS = {1: 0.65, 2: 0.25, 3: 0.10}  # MLMS display option; 3 = home state only; 4 would not register
STANDARD_HOURS_SHARE = 0.70  # 70 % switch on by weekday standard hours, 30 % by hand (the manual switch)

# Standard hours, Monday to Friday, in the agent's own time zone: (start hour, weight); then lengths.
# Most agents keep office hours; on the busiest days of open enrollment many start early or stay late,
# and one in ten works an afternoon-to-evening shift (so the 19:00 peak finds agents in their hours).
HOURS_STARTS = {7: 0.10, 8: 0.30, 9: 0.35, 10: 0.15, 12: 0.05, 13: 0.05}
HOURS_LENGTHS = {8: 0.55, 9: 0.25, 10: 0.15, 12: 0.05}  # hours; a 13:00 start with 8 hours ends at 21:00

# The manual switch: on each day, an agent on the switch works one stretch (two for some), switching on at
# its start and off at its end. Starts follow the demand curve below (agents switch on when consumers
# come), lengths are log-normal. Guesses: nothing in the seeds says how long agents stay switched on.
MANUAL_ACTIVE_SHARE = 0.85  # of agents on the manual switch, those who switch on at all that day
MANUAL_SECOND_STRETCH_SHARE = 0.30  # of those, who come back for a second stretch later the same day
MANUAL_STRETCH_MEDIAN_HOURS = 3.0
MANUAL_STRETCH_P90_HOURS = 7.0
MANUAL_STRETCH_HOURS = (0.5, 10.0)  # clipped

# --- Answers (issue 20's base case) -------------------------------------------------------------------
# Each agent answers an offer with their own probability, drawn once from Beta(a, b) (mean a / (a + b)).
ANSWER_RATE_BETA = (3.0, 1.0)  # mean 0.75
ACCEPT_SHARE = 0.75  # an answer is an accept three times in four, a reject otherwise
ANSWER_MEDIAN_SECONDS = 120.0  # answer times log-normal: median 2 minutes …
ANSWER_P90_SECONDS = 480.0  # … and 90th percentile 8 minutes
# An answer that comes after the window is refused by the database (the offer has lapsed); agents do not
# answer faster when the window is shorter (the same distribution for every window).
SILENT_SHARE = 0.20  # agents with one silent spell a day while switched on: they answer nothing in it
SILENT_SPELL_HOURS = (1.0, 3.0)  # uniform

# --- After an automatic pause (only where HOD_PAUSE_AFTER_LAPSES is on) -----------------------------------
# The agent is told on their channels. Guesses, stated as such: most agents who meant to be working switch
# back on (one tap) once they see the message, when they next look at their phone; an agent in a silent
# spell sees it when the spell ends. The others stay off until their next standard hours or stretch.
REACTIVATE_SHARE = 0.70
REACTIVATE_MEDIAN_SECONDS = 1200.0  # 20 minutes
REACTIVATE_P90_SECONDS = 5400.0  # 90 minutes

# --- Requests (issue 20's base case) ------------------------------------------------------------------
REQUESTS = 20_000
# Arrivals by local hour of the consumer's day (relative weights per hour, normalised): 2 % between midnight
# and 7:00, a morning peak near 11:00 and an evening peak near 19:00, as a deadline day's traffic looks
# (HealthCare.gov's call centre and web traffic peak late morning and again after work).
DIURNAL = [0.30, 0.20, 0.15, 0.12, 0.13, 0.25, 0.55, 1.5, 3.5, 5.5, 6.6, 6.9, 6.3, 5.8, 5.6, 5.4, 5.2, 5.4, 6.4,
           7.2, 6.6, 5.0, 3.2, 1.4]  # fmt: skip
# Consumers' states and languages follow the agents' mix (issue 20): population, then the language shares.
CONSUMER_LANGUAGE_MIX = {"en": 0.80, "es": 0.17, "other": 0.03}

# --- Goal and report ----------------------------------------------------------------------------------
GOAL_WITHIN_15 = 0.95  # of requests accepted within 15 minutes …
GOAL_MEDIAN_SECONDS = 180.0  # … and a median time to accept of 3 minutes or less
FAILING_CELL_MIN_REQUESTS = 10  # cells (state × language) listed when they have at least this many requests

# 2020 Census resident population, thousands (rounded): agents and consumers by state in proportion to it,
# among the states whose Marketplace type for the plan year is FFM or SBM-FP (read from the database). The
# zipcodes package has no population, so within a state ZIP codes are drawn uniformly.
STATE_POPULATION = {
    "AL": 5024, "AK": 733, "AZ": 7152, "AR": 3012, "CA": 39538, "CO": 5774, "CT": 3606, "DE": 990, "DC": 690,
    "FL": 21538, "GA": 10712, "HI": 1455, "ID": 1839, "IL": 12813, "IN": 6786, "IA": 3190, "KS": 2938, "KY": 4506,
    "LA": 4658, "ME": 1362, "MD": 6177, "MA": 7030, "MI": 10077, "MN": 5706, "MS": 2961, "MO": 6155, "MT": 1084,
    "NE": 1962, "NV": 3105, "NH": 1378, "NJ": 9289, "NM": 2118, "NY": 20201, "NC": 10439, "ND": 779, "OH": 11799,
    "OK": 3959, "OR": 4237, "PA": 13003, "RI": 1097, "SC": 5119, "SD": 887, "TN": 6911, "TX": 29146, "UT": 3272,
    "VT": 643, "VA": 8631, "WA": 7705, "WV": 1794, "WI": 5894, "WY": 577,
}  # fmt: skip

# --- Policies compared on the same seeded day -----------------------------------------------------------
# Each is a set of settings overrides; the rules live in the project's code (agents.pauses, matching.responsiveness,
# referrals.lifecycle), the simulation only sets them. HOD_PAUSE_AFTER_LAPSES=0 turns auto-pause off; the
# experiments (responsiveness tie-break, a shorter window, offers at once) ship off and are tried here on top of the
# default auto-pause (N=2), as they would be deployed.
PAUSE_OFF = 0
TIE_BREAK_MILES = 5  # "a few miles": within a town, or across a city, of the closest eligible agent
SHORT_WINDOW = 300  # 5 minutes: answers take 2 minutes at the median, so four in five still come in time
POLICIES = {
    "seeds (no auto-pause)": {"HOD_PAUSE_AFTER_LAPSES": PAUSE_OFF},
    "auto-pause N=1": {"HOD_PAUSE_AFTER_LAPSES": 1},
    "auto-pause N=2 (default)": {"HOD_PAUSE_AFTER_LAPSES": 2},
    "auto-pause N=3": {"HOD_PAUSE_AFTER_LAPSES": 3},
    "window 5 min (no auto-pause)": {"HOD_PAUSE_AFTER_LAPSES": PAUSE_OFF, "HOD_OFFER_WINDOW_SECONDS": SHORT_WINDOW},
    "window 5 min + auto-pause N=2": {"HOD_PAUSE_AFTER_LAPSES": 2, "HOD_OFFER_WINDOW_SECONDS": SHORT_WINDOW},
    "tie-break 5 mi + auto-pause N=2": {
        "HOD_PAUSE_AFTER_LAPSES": 2,
        "HOD_RESPONSIVENESS_TIE_BREAK_MILES": TIE_BREAK_MILES,
    },
    "two at once + auto-pause N=2": {"HOD_PAUSE_AFTER_LAPSES": 2, "HOD_OFFERS_AT_ONCE": 2},
    "two at once + window 5 min + N=2": {
        "HOD_PAUSE_AFTER_LAPSES": 2,
        "HOD_OFFERS_AT_ONCE": 2,
        "HOD_OFFER_WINDOW_SECONDS": SHORT_WINDOW,
    },
    "two at once + window 5 min + tie-break + N=2": {
        "HOD_PAUSE_AFTER_LAPSES": 2,
        "HOD_OFFERS_AT_ONCE": 2,
        "HOD_OFFER_WINDOW_SECONDS": SHORT_WINDOW,
        "HOD_RESPONSIVENESS_TIE_BREAK_MILES": TIE_BREAK_MILES,
    },
    "three at once + window 5 min + tie-break + N=2": {
        "HOD_PAUSE_AFTER_LAPSES": 2,
        "HOD_OFFERS_AT_ONCE": 3,
        "HOD_OFFER_WINDOW_SECONDS": SHORT_WINDOW,
        "HOD_RESPONSIVENESS_TIE_BREAK_MILES": TIE_BREAK_MILES,
    },
}
DEFAULT_POLICY = "auto-pause N=2 (default)"  # what ships (DESIGN.md: HOD_PAUSE_AFTER_LAPSES defaults to 2)

# Sensitivity (under the default policy): mean answer rate through Beta(a, 1), and the silent share.
SENSITIVITY_ANSWER_RATES = {0.6: (1.5, 1.0), 0.75: (3.0, 1.0), 0.9: (9.0, 1.0)}
SENSITIVITY_SILENT_SHARES = (0.10, 0.20, 0.40)


def lognormal_sigma(median: float, p90: float) -> float:
    """The sigma of a log-normal with this median and 90th percentile (z of 0.9 is 1.2816)."""
    return math.log(p90 / median) / 1.2815515655446004
