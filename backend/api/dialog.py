"""POST /api/v1/dialog/messages: one turn of the assistant, the same sessions as every channel."""
from flask import jsonify

from backend.api.blueprint import bp
from backend.api.schemas import FilingOut, MessageIn, TurnOut
from backend.auth import auth
from backend.services.dialog import dialog_turns


@bp.post("/dialog/messages")
@bp.auth_required(auth)
@bp.input(MessageIn, arg_name="message")
@bp.output(TurnOut)
@bp.doc(summary="Send a message to the assistant",
        description="Answers the rendered step. 409 `stale_turn` (with the current step in `turn`) when "
                    "`version` is not the session's current version or a concurrent turn won.",
        responses={409: "The turn was not applied: stale or concurrent."})
def post_message(message):
    """Apply one message (text or a numbered choice) and answer the next step."""
    user_input = {"choice": message["choice"]} if "choice" in message else {"text": message["text"]}
    result = dialog_turns.handle_turn(
        auth.current_user, user_input, channel="miniprogram",
        expected_version=message.get("version"), message_key=message.get("message_id"),
        location=(message["lat"], message["lon"]) if "lat" in message else None,
    )
    return turn_json(result)


_FILING_OUT = FilingOut()


def turn_json(result: dialog_turns.TurnResult):
    """Answer the turn as TurnOut documents it, without a schema pass over the whole reply.

    A turn's reply is already plain JSON values of the documented shape (tests/web/test_turn_json.py holds
    it equal to TurnOut's dump); only a filing summary goes through its schema, which keeps its documented
    fields. The schema pass over every reply cost about a twentieth of a turn.
    """
    answer = result.as_dict()
    if answer["filing"] is not None:
        answer["filing"] = _FILING_OUT.dump(answer["filing"])
    return jsonify(answer)
