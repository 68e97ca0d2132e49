"""Inviting a relative is no name/ID oracle: one answer for a wrong name and an unknown number, the member is
told of the attempt, and an account gets ten attempts an hour."""
from backend.lib import idnumber

RETIREE_ID = "21010219580312002" + idnumber.check_digit("21010219580312002")
NOBODYS_ID = "44030119800101001" + idnumber.check_digit("44030119800101001")


def invite(actor, name: str, id_number: str):
    return actor.client.post("/api/v1/family/invitations", headers=actor.headers, json={
        "name": name, "id_number": id_number, "relation": "mother", "agent_relation": "other"})


def test_a_guesser_gets_one_answer_the_member_hears_of_it_and_the_eleventh_attempt_waits(as_person, people):
    neighbour = as_person("op-neighbour")

    wrong_name = invite(neighbour, "王秀兰", RETIREE_ID)
    unknown_number = invite(neighbour, "王秀兰", NOBODYS_ID)

    assert wrong_name.status_code == unknown_number.status_code == 404
    assert wrong_name.get_json() == unknown_number.get_json()
    activity = as_person("op-retiree").client.get("/api/v1/me/activity",
                                                   headers=as_person("op-retiree").headers).get_json()
    told = [a for a in activity["activity"] if a["action"] == "family.invite_refused"]
    assert len(told) == 1 and "姓名与身份证号不符" in told[0]["text"]
    statuses = [invite(neighbour, f"王秀{n}", RETIREE_ID).status_code for n in range(8)]
    assert statuses == [404] * 8
    blocked = invite(neighbour, "王秀英", RETIREE_ID)  # even the right name waits now
    assert blocked.status_code == 429 and blocked.get_json()["error"] == "family_too_many_attempts"
