"""A fake Telegram Bot API server (aiohttp on 127.0.0.1) that python-telegram-bot talks to.

It keeps users, chats, administrators and messages; serves ``getUpdates`` long polling from a
queue that tests fill (``say``, ``tap``, ``member_changed``); records every call; answers with
the Bot API's JSON envelope and objects in the shape PTB 22.8 parses; decodes form-encoded,
multipart (``sendDocument``: name and bytes of the file kept) and JSON bodies; and can enforce a
rate limit (429 + ``retry_after``) or simulate an outage (502), a group upgraded to a supergroup
(``upgrade``: 400 with ``migrate_to_chat_id``) and a chat that refuses the bot (``block``: 403).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import ClientSession, web

TOKEN = "123456789:AAFakeTokenForTheTestsOnly_abcdefghij"
BOT_ID = 123456789
ANONYMOUS_ADMIN_ID = 1087968824
MAX_TEXT = 4096
MAX_CAPTION = 1024

_JSON_FIELDS = {
    "reply_markup",
    "reply_parameters",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "entities",
}
_INT_FIELDS = {
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "user_id",
    "cache_time",
    "max_connections",
}
_BOOL_FIELDS = {"drop_pending_updates", "show_alert", "disable_notification"}
_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_PERMISSIONS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


@dataclass(frozen=True)
class CallbackAnswer:
    """What answerCallbackQuery showed the tapper alone (a toast, or an alert to dismiss)."""

    text: str
    show_alert: bool


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the bot uploaded (a multipart part): its name, type and bytes."""

    filename: str
    content_type: str
    content: bytes


@dataclass(slots=True)
class Call:
    """One request the bot made: method, decoded parameters, when, and the HTTP status."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass(slots=True)
class Chat:
    id: int
    type: str
    title: str = ""
    first_name: str = ""
    creator: int | None = None
    admins: set[int] = field(default_factory=set)
    next_message_id: int = 1
    migrated_to: int | None = None  # a group upgraded to a supergroup: its new id
    blocked: bool = False  # the user blocked the bot, or the bot was removed from the group

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name
        else:
            data["title"] = self.title
        return data


class _HtmlText(HTMLParser):
    """Checks Telegram HTML (only its tags) and returns the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.error = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS and not self.error:
            self.error = f'Unsupported start tag "{tag}"'

    def handle_endtag(self, tag: str) -> None:
        if tag not in _HTML_TAGS and not self.error:
            self.error = f'Unsupported end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(text: str, parse_mode: str) -> str:
    """What a Telegram client shows for ``text`` sent with ``parse_mode``; ApiError if bad."""
    if parse_mode.upper() != "HTML":
        return text
    if "&" in text.replace("&lt;", "").replace("&gt;", "").replace("&amp;", "").replace(
        "&quot;", ""
    ):
        raise ApiError(400, "Bad Request: can't parse entities: unsupported entity")
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    if parser.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
    return "".join(parser.parts)


class FakeTelegram:
    """The whole fake: world state, update queue, call log, faults. ``await start()`` first."""

    def __init__(self, *, token: str = TOKEN, bot_username: str = "assobot_test_bot") -> None:
        self.token = token
        self.bot = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "assobot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, Chat] = {}
        self.started: set[int] = set()  # users who started a private chat with the bot
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, Upload] = {}  # by file_id
        self.webhook: dict[str, Any] = {}  # setWebhook's parameters while one is set
        self.calls: list[Call] = []
        self.answered: list[str] = []
        self.callback_answers: dict[str, CallbackAnswer] = {}  # query id -> what the tapper read
        self._updates: list[dict[str, Any]] = []
        self._confirmed = 0
        self._update_ids = itertools.count(500_000)
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._outage_until = 0.0
        self._forced_429: list[int] = []
        self._rate: float = 0.0
        self._rate_retry_after = 1
        self._tokens = 0.0
        self._tokens_at = 0.0
        self.rate_limited = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Life cycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What goes in ``[telegram] api_base_url``."""
        return f"http://127.0.0.1:{self.port}"

    # The world -----------------------------------------------------------------------------

    def user(self, first_name: str, *, username: str = "", language: str = "fr") -> int:
        user_id = next(self._user_ids)
        data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            data["username"] = username
        if language:
            data["language_code"] = language
        self.users[user_id] = data
        return user_id

    def group(
        self, title: str, *, creator: int | None = None, admins: tuple[int, ...] = ()
    ) -> int:
        chat_id = -1_000_000_000_000 - next(self._group_ids)
        self.chats[chat_id] = Chat(
            chat_id, "supergroup", title, creator=creator, admins=set(admins)
        )
        return chat_id

    def private_chat(self, user_id: int) -> int:
        """The user starts the bot: their private chat (id = user id) now accepts messages."""
        self.started.add(user_id)
        user = self.users[user_id]
        self.chats[user_id] = Chat(user_id, "private", first_name=user["first_name"])
        return user_id

    def small_group(
        self, title: str, *, creator: int | None = None, admins: tuple[int, ...] = ()
    ) -> int:
        """A basic group (an id without the -100 prefix), which may later become a supergroup."""
        chat_id = -next(self._group_ids) - 4000
        self.chats[chat_id] = Chat(chat_id, "group", title, creator=creator, admins=set(admins))
        return chat_id

    def upgrade(self, chat_id: int, *, announce: bool = False) -> int:
        """The group becomes a supergroup with a new id; the old id answers 400 with
        ``migrate_to_chat_id``. Message ids carry over (as the bot sees them in these tests).
        ``announce``: queue the two service messages Telegram sends (the old group's
        ``migrate_to_chat_id``, the supergroup's ``migrate_from_chat_id``)."""
        old = self.chats[chat_id]
        new_id = -1_000_000_000_000 - next(self._group_ids)
        self.chats[new_id] = Chat(
            new_id,
            "supergroup",
            old.title,
            creator=old.creator,
            admins=set(old.admins),
            next_message_id=old.next_message_id,
        )
        for (where, message_id), message in list(self.messages.items()):
            if where == chat_id:
                self.messages[(new_id, message_id)] = {
                    **message,
                    "chat": self.chats[new_id].as_json(),
                }
        old.migrated_to = new_id
        if announce:
            user = self.users.get(old.creator or 0) or self.bot
            base = {"date": int(time.time()), "from": user}
            self.push(
                "message",
                {
                    **base,
                    "message_id": self._message_id(old),
                    "chat": old.as_json(),
                    "migrate_to_chat_id": new_id,
                },
            )
            self.push(
                "message",
                {
                    **base,
                    "message_id": self._message_id(self.chats[new_id]),
                    "chat": self.chats[new_id].as_json(),
                    "migrate_from_chat_id": chat_id,
                },
            )
        return new_id

    def block(self, chat_id: int) -> None:
        """The user blocks the bot (a private chat), or the bot is removed (a group)."""
        self.chats[chat_id].blocked = True

    def set_admin(self, chat_id: int, user_id: int, admin: bool = True) -> None:
        """Change an administrator without telling the bot (see ``member_changed``)."""
        admins = self.chats[chat_id].admins
        if admin:
            admins.add(user_id)
        else:
            admins.discard(user_id)

    # Updates the tests queue ---------------------------------------------------------------

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: payload})
        self._wake()
        return update_id

    def say(
        self,
        chat_id: int,
        user_id: int,
        text: str | None,
        *,
        date: float | None = None,
        anonymous: bool = False,
        kind: str = "message",
        extra: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> int:
        """``user`` sends ``text`` in ``chat`` (``anonymous``: as an anonymous group admin);
        ``entities`` as the Bot API gives them (see ``entity``), after the ``bot_command``
        entity Telegram adds to a leading ``/command``."""
        chat = self.chats[chat_id]
        message: dict[str, Any] = {
            "message_id": self._message_id(chat),
            "date": int(date if date is not None else time.time()),
            "chat": chat.as_json(),
        }
        if anonymous:
            message["from"] = {
                "id": ANONYMOUS_ADMIN_ID,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
            message["sender_chat"] = chat.as_json()
        else:
            message["from"] = self.users[user_id]
        if text is not None:
            message["text"] = text
            marked = list(entities or ())
            if text.startswith("/"):
                length = utf16_length(text.split()[0])
                marked.insert(0, {"type": "bot_command", "offset": 0, "length": length})
            if marked:
                message["entities"] = marked
        if kind == "edited_message":
            message["edit_date"] = int(time.time())
        message.update(extra or {})
        self.messages[(chat_id, message["message_id"])] = message
        return self.push(kind, message)

    def send_photo(
        self,
        chat_id: int,
        user_id: int,
        caption: str,
        *,
        caption_entities: list[dict[str, Any]] | None = None,
    ) -> int:
        """``user`` sends a photo captioned ``caption`` (a media message: no ``text``)."""
        photo = {"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}
        extra: dict[str, Any] = {"photo": [photo], "caption": caption}
        if caption_entities:
            extra["caption_entities"] = caption_entities
        return self.say(chat_id, user_id, None, extra=extra)

    def edit(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        text: str,
        *,
        entities: list[dict[str, Any]] | None = None,
    ) -> int:
        """``user`` edits their message ``message_id``: an ``edited_message`` update with the
        original's id and date, ``edit_date`` now, and the new text and entities."""
        original = self.messages[(chat_id, message_id)]
        if original["from"]["id"] != user_id:
            raise ValueError("Telegram lets only the author edit a message")
        message = {
            key: value
            for key, value in original.items()
            if key not in ("text", "entities", "caption", "caption_entities")
        }
        message["text"] = text
        marked = list(entities or ())
        if text.startswith("/"):
            length = utf16_length(text.split()[0])
            marked.insert(0, {"type": "bot_command", "offset": 0, "length": length})
        if marked:
            message["entities"] = marked
        message["edit_date"] = max(int(time.time()), original["date"])
        self.messages[(chat_id, message_id)] = message
        return self.push("edited_message", message)

    def tap(self, chat_id: int, user_id: int, message_id: int, data: str) -> int:
        """``user`` taps the button with ``data`` under our message ``message_id``."""
        message = self.messages[(chat_id, message_id)]
        query = {
            "id": str(next(self._callback_ids)),
            "from": self.users[user_id],
            "message": message,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self.push("callback_query", query)

    def member_changed(self, chat_id: int, user_id: int, status: str) -> int:
        """A ``chat_member`` update: ``user`` became ``status`` (administrator, member...)."""
        chat = self.chats[chat_id]
        if status in ("administrator", "creator"):
            chat.admins.add(user_id)
        else:
            chat.admins.discard(user_id)
        user = self.users[user_id]
        payload = {
            "chat": chat.as_json(),
            "from": user,
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": user},
            "new_chat_member": self._member_json(chat, user_id),
        }
        return self.push("chat_member", payload)

    async def deliver_webhook(self, *, secret: str | None = None) -> list[int]:
        """Like Telegram with a webhook set: POST each pending update to its URL (with the
        registered secret, or ``secret`` when given; "" sends no secret header) and return the
        HTTP statuses; an update answered 200 is delivered, any other stays pending."""
        url = self.webhook["url"]
        token = self.webhook.get("secret_token", "") if secret is None else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        statuses: list[int] = []
        async with ClientSession() as session:
            for update in [u for u in self._updates if u["update_id"] >= self._confirmed]:
                async with session.post(url, json=update, headers=headers) as response:
                    statuses.append(response.status)
                if response.status == 200:
                    self._confirmed = max(self._confirmed, update["update_id"] + 1)
        return statuses

    @property
    def confirmed(self) -> int:
        """Updates below this id were confirmed by an offset (Telegram forgets them)."""
        return self._confirmed

    def restart_update_ids(self, start: int) -> None:
        """As Telegram after a week without updates: the next ids start anew, possibly lower;
        what was delivered and confirmed is gone."""
        self._updates = [u for u in self._updates if u["update_id"] >= self._confirmed]
        self._update_ids = itertools.count(start)
        self._confirmed = 0

    def forget_confirmations(self) -> None:
        """As if Telegram never received the offsets that confirmed the updates (a crash)."""
        self._confirmed = 0

    # Faults --------------------------------------------------------------------------------

    def outage(self, seconds: float) -> None:
        """Answer every request with 502 Bad Gateway for ``seconds``."""
        self._outage_until = time.monotonic() + seconds

    def fail_next_sends(self, times: int, retry_after: int) -> None:
        """The next ``times`` sendMessage calls get 429 with ``retry_after``."""
        self._forced_429.extend([retry_after] * times)

    def limit_rate(self, per_second: float, retry_after: int = 1) -> None:
        """Enforce ``per_second`` sends+edits overall (a bucket of that size), 0 = off."""
        self._rate = per_second
        self._rate_retry_after = retry_after
        self._tokens = per_second
        self._tokens_at = time.monotonic()

    # What happened -------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Our bot's messages (as they are now, edits applied), oldest first."""
        return [
            m
            for (c, _id), m in sorted(self.messages.items(), key=lambda kv: kv[0][1])
            if m.get("from", {}).get("id") == BOT_ID and (chat_id is None or c == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """The text of our messages (a document's caption, "" when it has none)."""
        return [m.get("text", m.get("caption", "")) for m in self.sent(chat_id)]

    def documents(self, chat_id: int | None = None) -> list[tuple[dict[str, Any], Upload]]:
        """Our document messages with the file each one carried, oldest first."""
        return [
            (m, self.files[m["document"]["file_id"]])
            for m in self.sent(chat_id)
            if "document" in m
        ]

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    async def wait_for(
        self, condition: Callable[[], object], *, timeout: float = 30.0, what: str = ""
    ) -> None:
        """Wait until ``condition()`` is true (generous: machines in CI are slow)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}")
            await asyncio.sleep(0.02)

    # The server ----------------------------------------------------------------------------

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _message_id(self, chat: Chat) -> int:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _decode(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if time.monotonic() < self._outage_until:
                raise ApiError(502, "Bad Gateway")
            handler = self._methods().get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as error:
            call.status = error.status
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.status)
        return web.json_response({"ok": True, "result": result})

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], Awaitable[Any]]]:
        return {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "setmycommands": self._set_my_commands,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "editmessagetext": self._edit_message_text,
            "answercallbackquery": self._answer_callback_query,
            "getchatadministrators": self._get_chat_administrators,
            "getchat": self._get_chat,
        }

    async def _true(self, params: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: bad webhook: an HTTPS URL must be provided")
        self.webhook = dict(params)
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset:
            self._confirmed = max(self._confirmed, offset)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            waiting = self._changed
            ready = [u for u in self._updates if u["update_id"] >= self._confirmed][:limit]
            if ready or time.monotonic() >= deadline:
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiting.wait(), deadline - time.monotonic())

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands[params.get("language_code") or ""] = list(params["commands"])
        return True

    def _check_rate(self) -> None:
        if self._forced_429:
            retry_after = self._forced_429.pop(0)
            self.rate_limited += 1
            raise _too_many(retry_after)
        if not self._rate:
            return
        now = time.monotonic()
        self._tokens = min(self._rate, self._tokens + (now - self._tokens_at) * self._rate)
        self._tokens_at = now
        if self._tokens < 1:
            self.rate_limited += 1
            raise _too_many(self._rate_retry_after)
        self._tokens -= 1

    def _chat_for_sending(self, params: dict[str, Any]) -> Chat:
        chat = self.chats.get(int(params.get("chat_id") or 0))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.type == "private" and chat.id not in self.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.blocked:
            if chat.type == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_sending(params)
        self._check_rate()
        raw = str(params.get("text", ""))
        text = visible_text(raw, str(params.get("parse_mode") or ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        message: dict[str, Any] = {
            "message_id": self._message_id(chat),
            "date": int(time.time()),
            "chat": chat.as_json(),
            "from": {k: self.bot[k] for k in ("id", "is_bot", "first_name", "username")},
            "text": text,
            "html": raw,
        }
        markup = _markup(params.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and (chat.id, reply.get("message_id")) in self.messages:
            message["reply_to_message"] = self.messages[(chat.id, reply["message_id"])]
        self.messages[(chat.id, message["message_id"])] = message
        return _public(message)

    async def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_sending(params)
        self._check_rate()
        upload = params.get("document")
        if not isinstance(upload, Upload):
            raise ApiError(400, "Bad Request: there is no document in the request")
        raw = str(params.get("caption") or "")
        caption = visible_text(raw, str(params.get("parse_mode") or ""))
        if len(caption) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        file_id = f"BQAC{len(self.files) + 1:06d}"
        self.files[file_id] = upload
        message: dict[str, Any] = {
            "message_id": self._message_id(chat),
            "date": int(time.time()),
            "chat": chat.as_json(),
            "from": {k: self.bot[k] for k in ("id", "is_bot", "first_name", "username")},
            "document": {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": upload.filename,
                "mime_type": upload.content_type,
                "file_size": len(upload.content),
            },
        }
        if caption:
            message.update(caption=caption, html=raw)
        markup = _markup(params.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and (chat.id, reply.get("message_id")) in self.messages:
            message["reply_to_message"] = self.messages[(chat.id, reply["message_id"])]
        self.messages[(chat.id, message["message_id"])] = message
        return _public(message)

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_sending(params)
        self._check_rate()
        key = (chat.id, int(params.get("message_id") or 0))
        message = self.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw = str(params.get("text", ""))
        text = visible_text(raw, str(params.get("parse_mode") or ""))
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = _markup(params.get("reply_markup"))
        if text == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.update(text=text, html=raw, edit_date=int(time.time()))
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return _public(message)

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        text = str(params.get("text", ""))
        if len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.answered.append(str(params["callback_query_id"]))
        self.callback_answers[str(params["callback_query_id"])] = CallbackAnswer(
            text, str(params.get("show_alert", "")).lower() in ("true", "1")
        )
        return True

    def _member_json(self, chat: Chat, user_id: int) -> dict[str, Any]:
        user = self.users.get(user_id) or self.bot
        if user_id == chat.creator:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in chat.admins:
            rights = dict.fromkeys(_PERMISSIONS, True)
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                **rights,
            }
        return {"status": "member", "user": user}

    async def _get_chat_administrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self.chats.get(int(params.get("chat_id") or 0))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.type == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        ids = ([chat.creator] if chat.creator else []) + sorted(chat.admins - {chat.creator})
        return [self._member_json(chat, user_id) for user_id in ids]

    async def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chats.get(int(params.get("chat_id") or 0))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return {**chat.as_json(), "accent_color_id": 0, "max_reaction_count": 11}


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the Bot API's unit for entity offsets (an emoji outside
    the Basic Multilingual Plane counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def entity(text: str, part: str, kind: str, *, start: int = 0, **fields: Any) -> dict[str, Any]:
    """The Bot API entity of ``kind`` covering the first ``part`` of ``text`` found from
    ``start``: ``entity(text, "le site", "text_link", url="https://...")``."""
    index = text.index(part, start)
    return {
        "type": kind,
        "offset": utf16_length(text[:index]),
        "length": utf16_length(part),
        **fields,
    }


def _too_many(retry_after: int) -> ApiError:
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the Bot API returns it (our bookkeeping keys removed)."""
    return {k: v for k, v in message.items() if k != "html"}


def _markup(value: object) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not value.get("inline_keyboard"):
        return None
    for row in value["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data", "")
            if len(data.encode()) > 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return value


async def _decode(request: web.Request) -> dict[str, Any]:
    """Parameters from the query string, a JSON body or a (multipart) form body; an uploaded
    file becomes an ``Upload``."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = value
                else:  # a multipart file part
                    content = value.file.read()
                    params[key] = Upload(value.filename, value.content_type, content)
    decoded: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            if key in _JSON_FIELDS:
                value = json.loads(value)
            elif key in _INT_FIELDS:
                value = int(value) if value.lstrip("-").isdigit() else value
            elif key in _BOOL_FIELDS:
                value = value.lower() == "true"
        decoded[key] = value
    return decoded


def unescape(text: str) -> str:
    """The visible text of Telegram HTML (for assertions on raw requests)."""
    return html.unescape(text)
