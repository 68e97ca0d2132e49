"""Home, sign-in, text size, settings, and the assistant as a chat and as filing steps."""
from __future__ import annotations

import re
import unicodedata
import uuid

from flask import abort, current_app, redirect, request, session, url_for
from sqlalchemy import select

from backend.auth import identity_for_page_code
from backend.extensions import db
from backend.models import WeChatIdentity
from backend.pages.base import (
    bp, current_identity, current_person, error_text, form_problem, language, person_required, render_page, safe_next,
    sign_in, sign_out, signed_in,
)
from backend.pages.forms import DevLoginForm, MessageForm, SettingsForm, SignOutForm, StartForm, TextSizeForm
from backend.pages.steps import SessionSteps, step_problem
from backend.pages.words import word
from backend.services.filing import profile
from backend.lib.errors import DomainError

# What a visitor can do, in the order of the home page; large text shows three and "more" per screen.
SERVICES = (
    ("file", "pages.file"), ("my_filings", "pages.filings"), ("chat", "pages.chat"),
    ("institutions", "pages.institutions"), ("chronic", "pages.chronic"), ("family", "pages.family"),
    ("activity", "pages.activity"), ("estimate", "pages.estimate"), ("settings", "pages.settings"),
)
LARGE_PER_SCREEN = 3
# Large text asks the settings one per screen, then saves them together (the same service call).
SETTINGS_STEPS = SessionSteps("settings", ("language", "large_text", "phone"))


def _dev_allowed() -> bool:
    return current_app.config.get("APP_ENV") in ("development", "testing")


@bp.get("/")
def home():
    """Ask what the visitor wants to do (three at a time and "more" in large text)."""
    from backend.pages.base import large_text

    page = max(1, request.args.get("page", 1, type=int) or 1)
    items = list(SERVICES)
    more = None
    if large_text():
        start = (page - 1) * LARGE_PER_SCREEN
        if start >= len(items):
            start, page = 0, 1
        more = page + 1 if start + LARGE_PER_SCREEN < len(items) else None
        items = items[start:start + LARGE_PER_SCREEN]
    return render_page("pages/home.html", services=items, more=more)


@bp.get("/signin")
def signin():
    """Explain how to sign in: from the mini-program, or the development sign-in."""
    return render_page("pages/signin.html", dev=_dev_allowed(), next=safe_next(request.args.get("next")))


@bp.get("/auth")
def token_signin():
    """Exchange a one-time page code (POST /api/v1/auth/page-code, the web-view) for a page session."""
    # Only the 60-second, single-use code: a 7-day API token in an address would sit in logs and history.
    identity = identity_for_page_code(request.args.get("code", ""))
    if identity is None:
        return render_page("pages/signin.html", status=401, dev=_dev_allowed(), next=url_for("pages.home"),
                           problem=True)
    sign_in(identity)
    # Redirect at once so the token leaves the address bar and the history.
    return redirect(safe_next(request.args.get("next")))


@bp.route("/dev-login", methods=["GET", "POST"])
def dev_login():
    """Pick a demo or test identity (development and testing only; 404 in production)."""
    if not _dev_allowed():
        abort(404)
    form = DevLoginForm()
    if form.validate_on_submit():
        identity = profile.dev_identity(form.openid.data.strip())
        sign_in(identity)
        return redirect(safe_next(form.next.data))
    if not form.next.data:
        form.next.data = safe_next(request.args.get("next"))
    people = db.session.scalars(select(WeChatIdentity).where(WeChatIdentity.app_id == "dev",
                                                             WeChatIdentity.person_id.is_not(None))
                                .order_by(WeChatIdentity.openid)).all()
    return render_page("pages/dev_login.html", form=form, people=people)


@bp.post("/signout")
def signout():
    """End the page session."""
    if SignOutForm().validate_on_submit():
        sign_out()
    return redirect(url_for("pages.home"))


@bp.post("/text-size")
def text_size():
    """Switch large text on or off (stored on the person; in the session before sign-in)."""
    form = TextSizeForm()
    target = safe_next(form.next.data)
    if not form.validate_on_submit():
        return redirect(target)
    on = form.large.data == "1"
    identity = current_identity()
    if identity is not None and identity.person is not None:
        profile.update_settings(identity.person, large_text=on)
    else:
        session["m_large"] = on
    return redirect(target)


@bp.route("/settings", methods=["GET", "POST"])
@person_required
def settings():
    """Show and change language, large text and phone (the owner's own form shows the full phone).

    Large text asks them one per screen (a ``step`` field), normal text in one form; both save with
    ``profile.update_settings``.
    """
    from backend.pages.base import large_text

    person = current_person()
    in_steps = "step" in request.form if request.method == "POST" else large_text()
    if in_steps:
        return _settings_steps(person)
    form = SettingsForm()
    problem = None
    if form.validate_on_submit():
        try:
            profile.update_settings(person, language=form.language.data, large_text=form.large_text.data,
                                    phone=form.phone.data or None)
            return redirect(url_for("pages.settings", saved=1))
        except DomainError as exc:
            problem = error_text(exc)
    elif form.is_submitted():
        problem = form_problem(form)
    else:
        form.language.data, form.large_text.data = person.language or "zh_CN", bool(person.large_text)
        form.phone.data = profile.own_phone(person)
    return render_page("pages/settings.html", form=form, me=profile.view(person), problem=problem,
                       saved=request.args.get("saved"), signout_form=SignOutForm(formdata=None))


def _settings_steps(person):
    """Large text: language, then large text, then phone, one per screen; saved together at the end."""
    from backend import messages
    from backend.pages.base import language

    steps, lang = SETTINGS_STEPS, language()
    posted = request.method == "POST"
    requested = (request.form if posted else request.args).get("step")
    if not posted and requested is None:
        steps.clear()
    step = steps.current(requested)
    draft = steps.draft()
    answers = {"language": draft.get("language", person.language or "zh_CN"),
               "large_text": draft.get("large_text", bool(person.large_text)),
               "phone": draft.get("phone", profile.own_phone(person))}
    form = SettingsForm() if posted else SettingsForm(formdata=None)
    problem, status = None, 200
    if posted:
        problem = step_problem(form, step, word("choose_one", lang) if step != "phone" else
                               messages.text("invalid_phone", lang))
        if problem is None:
            answers[step] = getattr(form, step).data
            if step == "phone":
                answers["phone"] = (answers["phone"] or "").strip()
            steps.keep(step, answers[step])
            following = steps.after(step)
            if following:
                return redirect(url_for("pages.settings", step=following))
            try:
                profile.update_settings(person, language=answers["language"], large_text=bool(answers["large_text"]),
                                        phone=answers["phone"] or None)
                steps.clear()
                return redirect(url_for("pages.settings", saved=1))
            except DomainError as exc:
                problem = error_text(exc)
        if step == "phone":
            answers["phone"] = form.phone.data or ""  # the owner's own entry, kept to correct it
    form.language.data, form.large_text.data, form.phone.data = (answers["language"], bool(answers["large_text"]),
                                                                  answers["phone"])
    names = dict((c.value, c.label) for c in form.language.choices)
    done = {"language": (word("language", lang), names.get(answers["language"], answers["language"])),
            "large_text": (word("large_on", lang), word("yes_large" if answers["large_text"] else "no_large", lang))}
    so_far = [done[name] for name in steps.order[:steps.order.index(step)]]
    before = steps.before(step)
    return render_page("pages/settings.html", status=status, form=form, me=profile.view(person), problem=problem,
                       saved=request.args.get("saved"), signout_form=SignOutForm(formdata=None), step=step,
                       number=steps.number(step), total=len(steps.order), answers=answers, so_far=so_far,
                       languages=[(c.value, c.label) for c in form.language.choices],
                       back=url_for("pages.settings", step=before) if before else None)


def _without_choice_lines(text: str, choices: list[dict]) -> str:
    """Drop the "1 label" lines a chat shows: pages show choices as buttons."""
    labels = {f"{c['number']} {c['label']}" for c in choices}
    lines = [line for line in text.split("\n") if line.strip() not in labels]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _turn_view(reply: dict | None) -> dict | None:
    if reply is None:
        return None
    choices = reply.get("choices") or []
    messages = [_without_choice_lines(m, choices) for m in (reply.get("messages") or [reply.get("text", "")])]
    return {**reply, "messages": [m for m in messages if m], "choices": choices}


def _irreversible_named(text: str, reply: dict | None) -> dict | None:
    """Return the irreversible choice shown that ``text`` names by its number or its label, if any."""
    said = unicodedata.normalize("NFKC", text).strip().rstrip("。.!！").replace(" ", "")
    for choice in (reply or {}).get("choices") or []:
        label = unicodedata.normalize("NFKC", choice["label"]).replace(" ", "")
        if choice.get("irreversible") and said in (str(choice["number"]), label):
            return choice
    return None


def _send_from(form: MessageForm) -> str | None:
    """Send the page's answer to the assistant; return what to tell the person instead when it is not sent."""
    identity = current_identity()
    text = (form.text.data or "").strip()
    if form.choice.data is None and not text:
        return None
    if form.choice.data is None:
        # Submitting, signing or cancelling takes a tap on its own button: typed in the answer box, its number
        # or its name (and an Enter) is not that deliberate act, so the page asks for the tap and sends nothing.
        decisive = _irreversible_named(text, profile.last_reply(identity))
        if decisive is not None:
            return word("tap_to_confirm", language(), label=decisive["label"])
    session["m_said"] = (text or f"{form.choice.data}")[:200]
    profile.send(identity, text=text or None, choice=form.choice.data, version=form.version.data,
                 message_id=form.message_id.data)
    return None


@bp.route("/chat", methods=["GET", "POST"])
@signed_in
def chat():
    """Talk to the assistant: the same engine and sessions as the official account and the API."""
    form, problem = MessageForm(), None
    if form.validate_on_submit():
        problem = _send_from(form)
        if problem is None:
            return redirect(url_for("pages.chat"))
    elif form.is_submitted():
        problem = form_problem(form)
    turn = _turn_view(profile.last_reply(current_identity()))
    form = MessageForm(formdata=None, version=turn["version"] if turn else None, message_id=uuid.uuid4().hex,
                       text=form.text.data if problem else None)
    return render_page("pages/chat.html", form=form, turn=turn, said=session.get("m_said"), problem=problem)


@bp.route("/file", methods=["GET", "POST"])
@person_required
def file():
    """File step by step: one question per screen, the filing flow of the same assistant."""
    form, problem = MessageForm(), None
    if form.validate_on_submit():
        problem = _send_from(form)
        if problem is None:
            return redirect(url_for("pages.file"))
    elif form.is_submitted():
        problem = form_problem(form)
    turn = _turn_view(profile.last_reply(current_identity()))
    in_flow = bool(turn and (turn.get("flow") == "filing" or turn.get("filing")))
    form = MessageForm(formdata=None, version=turn["version"] if turn else None, message_id=uuid.uuid4().hex,
                       text=form.text.data if problem else None)
    return render_page("pages/file.html", form=form, turn=turn if in_flow else None, problem=problem,
                       start_form=StartForm(formdata=None))


@bp.post("/file/start")
@person_required
def file_start():
    """Begin (or begin again) a filing."""
    if StartForm().validate_on_submit():
        profile.start_filing(current_identity())
    return redirect(url_for("pages.file"))
