"""Exceptions a handler raises to answer a member; the dispatcher turns them into replies."""

from __future__ import annotations


class UsageError(Exception):
    """Bad input: the reply is the (translated) reason followed by the command's usage."""

    def __init__(self, msgid: str, /, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


class Refusal(Exception):
    """The member may not do this (e.g. organizer only): the reply is the reason alone."""

    def __init__(self, msgid: str, /, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params
