"""OSRI ratings: who rates when, what may be rated, and how items roll up into outcomes."""

from pathlib import Path

import pytest

from workflow.actors import Actor
from workflow.case_lifecycle import CaseReview
from workflow.errors import Forbidden, NotAllowed, ValidationFailed
from workflow.ratings import ANI, NA, STRENGTH, Rating, changed, initial, outcome, outcomes, rater
from workflow.reference import load_reference

RULES = load_reference(Path(__file__).resolve().parents[2] / "config").osri


def case(state, case_type="foster_care"):
    return CaseReview(id=1, review_id=1, region="3N", case_type=case_type, case_number="FC-1", state=state,
                      reviewer="r@x", first_qa="q1@x", second_qa="q2@x")


def rated(**by_item):
    ratings = initial("foster_care", RULES)
    ratings.update({int(k.removeprefix("i")): Rating(v) for k, v in by_item.items()})
    return ratings


@pytest.mark.parametrize("state, who", [("assigned", "r@x"), ("reviewed", "r@x"), ("first_qa", "q1@x"),
                                        ("second_qa", "q2@x")])
def test_the_reviewer_then_each_qa_level_rates_in_its_own_state(state, who):
    assert rater(case(state), Actor(who))
    others = {"r@x", "q1@x", "q2@x", "lead@x"} - {who}
    for other in others:
        with pytest.raises(Forbidden):
            rater(case(state), Actor(other))


@pytest.mark.parametrize("state", ["cb_oversight", "finalized", "deidentified", "sampled", "screened", "eliminated"])
def test_ratings_are_locked_after_qa_and_not_open_before_assignment(state):
    with pytest.raises(NotAllowed):
        rater(case(state), Actor("r@x"))


def test_items_4_to_11_of_an_in_home_case_are_na_from_the_start_and_stay_so():
    ratings = initial("in_home", RULES)
    assert {n for n, r in ratings.items() if r.rating == NA} == set(range(4, 12))
    with pytest.raises(ValidationFailed) as refused:
        changed(ratings, {"4": {"rating": "strength"}, "7": {"rating": "ani"}, "5": {"rating": "na"}},
                case_type="in_home", rules=RULES)
    assert set(refused.value.details) == {"4", "7"}


def test_unknown_items_and_ratings_are_refused_and_unsent_items_keep_theirs():
    ratings = initial("foster_care", RULES)
    for bad in ({"19": {"rating": "strength"}}, {"0": {"rating": "na"}}, {"x": {"rating": "na"}},
                {"1": {"rating": "good"}}, {"1": "strength"}):
        with pytest.raises(ValidationFailed):
            changed(ratings, bad, case_type="foster_care", rules=RULES)
    ratings[2] = Rating(STRENGTH, "services in place")
    found = changed(ratings, {"1": {"rating": "ani", "rationale": "late"}, "2": {"rating": "strength"}},
                    case_type="foster_care", rules=RULES)
    assert found == {1: Rating(ANI, "late")}     # item 2 sent unchanged keeps its rationale: no change


def test_an_outcome_is_substantially_achieved_not_achieved_partially_or_not_applicable():
    assert outcome(rated(i2=STRENGTH, i3=STRENGTH), "safety_2", RULES) == "substantially_achieved"
    assert outcome(rated(i2=ANI, i3=ANI), "safety_2", RULES) == "not_achieved"
    assert outcome(rated(i2=STRENGTH, i3=ANI), "safety_2", RULES) == "partially_achieved"
    assert outcome(rated(i2=NA, i3=ANI), "safety_2", RULES) == "not_achieved"       # NA items do not count
    assert outcome(rated(i2=NA, i3=NA), "safety_2", RULES) == "not_applicable"      # all NA
    assert outcome(rated(i2=STRENGTH), "safety_2", RULES) is None                    # item 3 unrated


@pytest.mark.parametrize("code, item", [("safety_1", 1), ("well_being_2", 16)])
def test_a_one_item_outcome_is_never_partially_achieved(code, item):
    assert {outcome(rated(**{f"i{item}": r}), code, RULES) for r in (STRENGTH, ANI, NA)} == \
        {"substantially_achieved", "not_achieved", "not_applicable"}


def test_every_outcome_rolls_up_from_its_own_items():
    all_strength = {n: Rating(STRENGTH) for n in RULES.items}
    assert set(outcomes(all_strength, RULES).values()) == {"substantially_achieved"}
    in_home = initial("in_home", RULES) | {n: Rating(ANI) for n in (1, 2, 3, 12, 13, 14, 15, 16, 17, 18)}
    assert outcomes(in_home, RULES) == {"safety_1": "not_achieved", "safety_2": "not_achieved",
                                        "permanency_1": "not_applicable", "permanency_2": "not_applicable",
                                        "well_being_1": "not_achieved", "well_being_2": "not_achieved",
                                        "well_being_3": "not_achieved"}
