"""Spec for web.yaml: the words of the web pages that carry clinical meaning, and the
messages of refused form fields.

Buttons and headings such as "Continue" live in the templates; anything that tells a
person what a symptom means or what to do lives here, with its sources.
"""

from __future__ import annotations

from backspasm.knowledge.schema import ListOf, NonEmptyStr, Obj, Spec

_SOURCES = ListOf(NonEmptyStr(), min_items=1)


def _texts(*keys: str) -> Spec:
    return Obj(required={key: NonEmptyStr() for key in keys})


FILES = {
    "web": Obj(
        required={
            "start": Obj(
                required={
                    "heading": NonEmptyStr(),
                    "lead": NonEmptyStr(),
                    "is": ListOf(NonEmptyStr(), min_items=1),
                    "is_not": ListOf(NonEmptyStr(), min_items=1),
                    "sources": _SOURCES,
                }
            ),
            # The signs are generated from the emergency rules (rules.yaml `sign`).
            "emergency_signs": Obj(
                required={
                    "heading": NonEmptyStr(),
                    "intro": NonEmptyStr(),
                    "levels": Obj(
                        required={"emergency_ambulance": NonEmptyStr(), "emergency": NonEmptyStr()}
                    ),
                    # Under every question: the number, never more than a tap away.
                    "on_questions": NonEmptyStr(),
                    "call": NonEmptyStr(),
                }
            ),
            "form_errors": Obj(
                required={
                    "account": _texts(
                        "email_invalid", "email_taken", "signin_wrong", "password_short",
                        "password_long", "password_repeated", "password_common",
                        "too_many_tries_one", "too_many_tries_other"),
                    "question": _texts("choose", "hours_ago", "number"),
                    "onset": _texts("hours"),
                    "plan_done": _texts("session"),
                    "diary": _texts(
                        "score", "care_kind", "medicine_missing", "medicine_not_needed",
                        "medicine_long", "care_time", "care_minutes", "care_minutes_plan",
                        "note_long", "logged_at"),
                    "timer": _texts("started_at", "started_in_future",
                                    "started_too_long_ago", "minutes"),
                    "settings": _texts("tz", "wake", "sleep", "sleep_before_wake", "region", "name",
                                       "birth_date"),
                }
            ),
            "csrf": NonEmptyStr(),
            "csrf_api": NonEmptyStr(),
            "not_saved": NonEmptyStr(),
        }
    ),
}

