"""The Matrix adapter: matrix-nio's ``AsyncClient`` inside assobot's loop (the only module
importing ``nio``).

Resume point (``next_batch``) and handled event ids are kept through ``host.state`` (SQLite);
the device, its access token and the end-to-end encryption keys live in ``<data_dir>/matrix/``
(owner-only files).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LoginResponse,
    MegolmEvent,
    ReactionEvent,
    RoomCreateEvent,
    RoomCreateResponse,
    RoomGetEventResponse,
    RoomMessageText,
    RoomRedactResponse,
    RoomSendResponse,
    SyncError,
    SyncResponse,
    UnknownEvent,
    UploadResponse,
    WhoamiResponse,
)

from bot.adapters.base import Host, RoomBlocked
from bot.adapters.links import MAX_LINKS, marked_links
from bot.config import MatrixConfig
from bot.i18n import _
from bot.message import (
    Attachment,
    Button,
    ButtonPress,
    Gesture,
    Incoming,
    Member,
    Outgoing,
    Room,
    Vote,
    room_key,
)

log = logging.getLogger(__name__)

PLATFORM = "matrix"
POLL_START = "org.matrix.msc3381.poll.start"  # the name Element sends and renders
POLL_RESPONSES = ("org.matrix.msc3381.poll.response", "m.poll.response")
POLL_END = "org.matrix.msc3381.poll.end"
# Keycap digits: a member reacts with one of them to tap the button with that number.
NUMBERS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
# Left out when comparing reaction keys: the emoji variation selector and skin tones (👍🏽 is 👍).
_EMOJI_VARIANTS = dict.fromkeys(
    map(ord, "\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")
)
# The one reaction a group message of a secret ballot offers: it asks for a private ballot.
BALLOT = "🗳️"
SYNC_TIMEOUT_MS = 30_000
# A generous timeline so a burst (100 votes at once) never leaves a gap in one sync.
SYNC_FILTER: dict[str, Any] = {"room": {"timeline": {"limit": 500}}}
SEND_ATTEMPTS = 6
FIRST_SYNC_WAIT_SECONDS = 60.0
KEEP_EVENT_IDS = timedelta(days=7)
HTML_FORMAT = "org.matrix.custom.html"
# A Matrix event may not exceed 65,536 bytes (its JSON, with the envelope and signatures). A
# message's body and formatted_body both carry its text; in an encrypted room the content is
# encrypted and base64-encoded (4/3 of its size). Text whose two bodies would pass this many
# bytes is sent as several m.notice events, cut on line boundaries.
EVENT_TEXT_BUDGET = 40_000


class MatrixStartError(Exception):
    """The bot could not log in; ``str()`` says what to fix."""


class MatrixSendError(Exception):
    """The homeserver refused a message."""


class MatrixRoomGone(MatrixSendError, RoomBlocked):
    """The bot may no longer write in the room: it was kicked, banned or left it, or the
    homeserver answers M_FORBIDDEN (the app reports it as ``BLOCKED``)."""


class _Client(AsyncClient):  # type: ignore[misc]  # nio is untyped
    """An ``AsyncClient`` that also remembers each room's creators (room version 12 makes them
    organizers although the power-level list leaves them out)."""

    creators: dict[str, frozenset[str]]

    def _handle_joined_state(self, room_id: str, join_info: Any, encrypted_rooms: Any) -> Any:
        # Create events arrive in the state section, which nio shows to no callback.
        for event in (*join_info.state, *join_info.timeline.events):
            if isinstance(event, RoomCreateEvent):
                content = event.source.get("content", {})
                extra = content.get("additional_creators", [])
                names = {event.sender, *(e for e in extra if isinstance(e, str))}
                self.creators[room_id] = frozenset(names)
        return super()._handle_joined_state(room_id, join_info, encrypted_rooms)


@dataclass(frozen=True, slots=True)
class _Credentials:
    user_id: str
    device_id: str
    access_token: str
    homeserver: str


def render(text: str) -> tuple[str, str]:
    """Plain ``body`` and HTML ``formatted_body`` of our neutral text (all of it escaped)."""
    return text, html.escape(text).replace("\n", "<br>")


def _cost(text: str) -> int:
    """The bytes ``text`` takes in an event: its body and formatted body, JSON-encoded."""
    return len(json.dumps(render(text), ensure_ascii=False).encode())


def split_for_events(text: str, budget: int = EVENT_TEXT_BUDGET) -> list[str]:
    """Cut ``text`` into pieces whose two bodies fit ``budget`` bytes each, on line boundaries
    when it can (a single overlong line is cut where it must). Short text is one piece."""
    if _cost(text) <= budget:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        cost = _cost(line) + 8  # the newline in both bodies (\\n and <br>)
        if cost > budget:
            if current:
                pieces.append("\n".join(current))
                current, size = [], 0
            pieces.extend(_cut_line(line, budget))
            continue
        if size + cost > budget and current:
            pieces.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += cost
    if current:
        pieces.append("\n".join(current))
    return [piece for piece in pieces if piece.strip()] or [text[:1000]]


def _cut_line(line: str, budget: int) -> list[str]:
    """A line too long for one event, in pieces that fit (character by character costs)."""
    pieces: list[str] = []
    start = size = 0
    costs: dict[str, int] = {}
    for index, char in enumerate(line):
        cost = costs.get(char)
        if cost is None:
            cost = costs[char] = _cost(char) - _cost("")
        if size + cost > budget - 16:
            pieces.append(line[start:index])
            start, size = index, 0
        size += cost
    pieces.append(line[start:])
    return pieces


class _Hrefs(HTMLParser):
    """The ``href`` of each ``<a>`` in a ``formatted_body``, in order, leaving out the quoted
    message a reply carries (``<mx-reply>``: its links are the quoted event's and author's)."""

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.hrefs: list[str] = []
        self._quoted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mx-reply":
            self._quoted += 1
        elif tag == "a" and not self._quoted and len(self.hrefs) < self.limit:
            href = next((value for name, value in attrs if name == "href"), None)
            if href:
                self.hrefs.append(href)  # attribute values come with entities decoded

    def handle_endtag(self, tag: str) -> None:
        if tag == "mx-reply" and self._quoted:
            self._quoted -= 1


def links_of(content: dict[str, Any]) -> tuple[str, ...]:
    """The web links behind ``<a href>`` in a message's HTML ``formatted_body`` (its plain
    ``body`` is the message's text already)."""
    formatted = content.get("formatted_body")
    if content.get("format") != HTML_FORMAT or not isinstance(formatted, str):
        return ()
    parser = _Hrefs(limit=4 * MAX_LINKS)  # room for mentions and other links left out
    parser.feed(formatted)
    parser.close()
    return marked_links(parser.hrefs)


def looks_like_command(text: str) -> bool:
    """A line the dispatcher may read as a command (``/name`` or ``!name``)."""
    return text.lstrip()[:1] in ("/", "!")


def numbered_buttons(buttons: tuple[tuple[Button, ...], ...]) -> list[Button]:
    """Every button, in reading order (the keycap reactions number them from 1)."""
    return [button for row in buttons for button in row][: len(NUMBERS)]


def _bare_emoji(key: str) -> str:
    """A reaction key without variation selector or skin tone, for comparing."""
    return key.strip().translate(_EMOJI_VARIANTS)


def _key_number(key: str) -> int | None:
    """1-based number of a keycap reaction (with or without the emoji variation selector)."""
    bare = _bare_emoji(key)
    for index, number in enumerate(NUMBERS, start=1):
        if _bare_emoji(number) == bare:
            return index
    return None


def named_reactions(buttons: tuple[tuple[Button, ...], ...]) -> dict[str, str]:
    """Each button's own reaction emoji (👍 for "me too") → the button's ``data``; the first
    button naming an emoji wins, and keycap digits stay the numbered buttons'."""
    found: dict[str, str] = {}
    for button in (b for row in buttons for b in row):
        if not button.reaction or _key_number(button.reaction) is not None:
            continue
        found.setdefault(button.reaction, button.data)
    return found


def file_content(attachment: Attachment, uri: str, keys: dict[str, Any] | None) -> dict[str, Any]:
    """An ``m.file`` message: ``url`` in a plain room, ``file`` (the key to decrypt the
    uploaded ciphertext, an EncryptedFile) in an encrypted one."""
    content: dict[str, Any] = {
        "msgtype": "m.file",
        "body": attachment.filename,
        "filename": attachment.filename,
        "info": {"mimetype": attachment.mime, "size": len(attachment.content)},
        "m.mentions": {},
    }
    if keys is None:
        content["url"] = uri
    else:
        content["file"] = {**keys, "url": uri, "mimetype": attachment.mime}
    return content


def poll_content(
    question: str,
    answers: list[tuple[str, str]],
    disclosed: bool,
    max_selections: int,
    fallback: str,
) -> dict[str, Any]:
    """An MSC3381 poll start: the unstable fields Element reads, plus the stable ones."""
    return {
        POLL_START: {
            "question": {"org.matrix.msc1767.text": question, "body": question},
            "kind": "org.matrix.msc3381.poll.disclosed"
            if disclosed
            else "org.matrix.msc3381.poll.undisclosed",
            "max_selections": max_selections,
            "answers": [{"id": a_id, "org.matrix.msc1767.text": label} for a_id, label in answers],
        },
        "org.matrix.msc1767.text": fallback,
        "body": fallback,
        "m.poll": {
            "question": {"m.text": [{"body": question}]},
            "kind": "m.disclosed" if disclosed else "m.undisclosed",
            "max_selections": max_selections,
            "answers": [{"m.id": a_id, "m.text": [{"body": label}]} for a_id, label in answers],
        },
        "m.text": [{"body": fallback}],
        "m.mentions": {},
    }


class MatrixAdapter:
    """One Matrix account serving every room it has joined."""

    platform = PLATFORM

    def __init__(self, config: MatrixConfig, host: Host, *, data_dir: Path) -> None:
        self.config = config
        self.host = host
        self._gone: set[str] = set()  # rooms the bot was kicked or banned from, or left
        self.folder = data_dir / "matrix"
        self.client: _Client | None = None
        self._opened: _Client | None = None  # the client being logged in, to close if cut short
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._skip_backlog = False
        self._first_sync_done = False
        self._next_batch: str | None = None
        self._joining: set[str] = set()
        self._boot = secrets.token_hex(6)
        self._sends = 0
        self._sync_failures = 0

    # Adapter protocol ---------------------------------------------------------------------

    async def start(self) -> None:
        """Log in, then sync in the background; return after the first sync (or a minute)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        try:
            self.client = await self._connect()
        except BaseException:  # refused, or the start cut short (a stop during the login)
            if self._opened is not None:
                await self._opened.close()
            raise
        self._next_batch = self._state_get("next_batch")
        self._skip_backlog = self._next_batch is None
        self.host.state.forget_events_before(PLATFORM, self._now() - KEEP_EVENT_IDS)
        self._register_callbacks(self.client)
        self._task = asyncio.get_running_loop().create_task(self._sync_loop(), name="matrix")
        try:
            await asyncio.wait_for(self.ready.wait(), FIRST_SYNC_WAIT_SECONDS)
        except TimeoutError:
            log.warning("matrix: no answer from %s yet; still trying", self.config.homeserver)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.client is not None:
            await self.client.close()

    async def send(self, room_id: str, out: Outgoing) -> str:
        client = await self._ready_client()
        if room_id in self._gone and (client is None or room_id not in client.rooms):
            raise MatrixRoomGone(f"{room_id}: the bot is no longer in this room")
        event_id = ""
        if out.poll is not None:
            answers = [(b.data, b.label) for b in out.poll.answers]
            fallback = "\n".join(
                [out.poll.question, *(f"{i}. {label}" for i, (_d, label) in enumerate(answers, 1))]
            )
            content = poll_content(
                out.poll.question,
                answers,
                out.poll.disclosed,
                out.poll.max_selections,
                fallback,
            )
            event_id = await self._send_event(room_id, POLL_START, content)
            self._state_set(f"poll:{event_id}", json.dumps([a for a, _label in answers]))
        elif out.text or out.attachment is None:
            event_id = await self._send_text(room_id, out)
        if out.attachment is not None:
            # A separate m.file event after the text: Matrix has no caption on a file that
            # every client shows. The text's id stays the message id (edits, buttons).
            file_id = await self._send_file(room_id, out.attachment)
            event_id = event_id or file_id
        return event_id

    def _public_buttons(self, room_id: str, out: Outgoing) -> bool:
        """Buttons whose press must stay private, in a room where a reaction is seen by all."""
        return out.private_choice and self._state_get(f"direct:{room_id}") is None

    def _reactions_of(self, room_id: str, out: Outgoing) -> tuple[list[Button], dict[str, str]]:
        """The numbered buttons and the named reactions of a message. A private choice in a
        group room gets one reaction, 🗳️, that asks for a private ballot (any reaction there
        still reaches the handler, which refuses to count it)."""
        buttons = numbered_buttons(out.buttons)
        if buttons and self._public_buttons(room_id, out):
            return buttons, {BALLOT: buttons[0].data}
        return buttons, named_reactions(out.buttons)

    async def _send_text(self, room_id: str, out: Outgoing) -> str:
        """Send the text (several events when it is too big for one: the first one replies,
        the last one carries the buttons); return the id of the last one."""
        *before, last = split_for_events(out.text)
        for index, piece in enumerate(before):
            content = self._message_content(room_id, piece, [])
            if out.reply_to and index == 0:
                content["m.relates_to"] = {"m.in_reply_to": {"event_id": out.reply_to}}
            await self._send_event(room_id, "m.room.message", content)
        if before:
            out = replace(out, text=last, reply_to=None)
        buttons, named = self._reactions_of(room_id, out)
        private = self._public_buttons(room_id, out)
        content = self._message_content(room_id, out.text, buttons, named, private=private)
        if out.reply_to:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": out.reply_to}}
        event_id = await self._send_event(room_id, "m.room.message", content)
        if buttons or named:
            self._state_set(f"buttons:{event_id}", json.dumps([b.data for b in buttons]))
        if named:
            self._state_set(f"reactions:{event_id}", json.dumps(named))
        # Ready-made reactions, the named ones (👍) first: a member taps one instead of typing
        # (never the numbers of a private choice: reacting with them would show the choice).
        for key in (*named, *(() if private else NUMBERS[: len(buttons)])):
            await self._send_event(
                room_id,
                "m.reaction",
                {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}},
            )
        return event_id

    async def _send_file(self, room_id: str, attachment: Attachment) -> str:
        """Upload the file (encrypted first in an encrypted room), then post its m.file."""
        client = self._client()
        room = client.rooms.get(room_id)
        encrypted = bool(room is not None and room.encrypted)
        data = attachment.content
        answer: Any = None
        keys: dict[str, Any] | None = None
        pause = 1.0
        for _attempt in range(SEND_ATTEMPTS):
            # nio waits out 429s and retries timeouts itself; the callable restarts the data.
            answer, keys = await client.upload(
                lambda _got_429, _got_timeouts: data,
                content_type=attachment.mime,
                filename=attachment.filename,
                encrypt=encrypted,
                filesize=len(data),
            )
            if isinstance(answer, UploadResponse):
                break
            if not str(getattr(answer, "status_code", "") or "").startswith("5"):
                break
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)
        if not isinstance(answer, UploadResponse):
            raise MatrixSendError(
                f"{room_id}: upload refused: {getattr(answer, 'message', answer)}"
            )
        content = file_content(attachment, str(answer.content_uri), keys if encrypted else None)
        return await self._send_event(room_id, "m.room.message", content)

    async def edit(self, room_id: str, message_id: str, out: Outgoing) -> None:
        await self._ready_client()
        if self._state_get(f"poll:{message_id}") is not None:
            if out.poll is None:
                await self._end_poll(room_id, message_id, out.text)
            # A native poll shows its own live tally: nothing to replace while it is open.
            return
        buttons, named = self._reactions_of(room_id, out)
        private = self._public_buttons(room_id, out)
        # An edit carries the text twice (fallback and m.new_content): it must fit half.
        text = split_for_events(out.text, EVENT_TEXT_BUDGET // 2)[0]
        new = self._message_content(room_id, text, buttons, named, private=private)
        content = {
            **{k: v for k, v in new.items() if k != "m.mentions"},
            "body": "* " + new["body"],
            "formatted_body": "* " + new["formatted_body"],
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": message_id},
            "m.mentions": {},
        }
        await self._send_event(room_id, "m.room.message", content)
        if buttons or named or self._state_get(f"buttons:{message_id}") is not None:
            self._state_set(f"buttons:{message_id}", json.dumps([b.data for b in buttons]))
        if named or self._state_get(f"reactions:{message_id}") is not None:
            self._state_set(f"reactions:{message_id}", json.dumps(named))

    async def redact(self, room_id: str, event_id: str) -> bool:
        """Remove a member's event (a public reaction to a secret ballot); False when the bot
        lacks the power level to redact others' events, or the homeserver refused."""
        answer = await (await self._ready_client()).room_redact(
            room_id, event_id, reason="assobot: a secret choice is not shown to the room"
        )
        if isinstance(answer, RoomRedactResponse):
            return True
        log.info("matrix: could not redact %s in %s: %s", event_id, room_id, answer)
        return False

    async def private_room(self, member_id: str) -> str | None:
        """A direct room with ``member_id``: the one we already share, or a new one."""
        client = await self._ready_client()
        known = self._state_get(f"dm:{member_id}")
        if known and known in client.rooms:
            room = client.rooms[known]
            if member_id in room.users or member_id in room.invited_users:
                return known
        answer = await client.room_create(
            is_direct=True,
            invite=[member_id],
            preset=_preset_trusted_private(),
            initial_state=[
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ],
        )
        if not isinstance(answer, RoomCreateResponse):
            raise MatrixSendError(f"could not open a direct room: {answer}")
        self._state_set(f"dm:{member_id}", answer.room_id)
        self._state_set(f"direct:{answer.room_id}", member_id)
        return str(answer.room_id)

    # Connecting ---------------------------------------------------------------------------

    def _client_config(self) -> Any:
        return AsyncClientConfig(
            store_sync_tokens=False,  # our next_batch lives in SQLite, after the handlers ran
            encryption_enabled=True,
            max_timeout_retry_wait_time=15,
            request_timeout=SYNC_TIMEOUT_MS / 1000 + 30,
        )

    async def _connect(self) -> _Client:
        """A logged-in client with its encryption store loaded."""
        config = self.config
        store = self.folder / "store"
        store.mkdir(exist_ok=True)
        os.chmod(store, 0o700)
        saved = self._load_credentials()
        if config.access_token:
            saved = await self._whoami(config.access_token)
        if saved is not None:
            client = self._new_client(saved.device_id, store)
            client.restore_login(saved.user_id, saved.device_id, saved.access_token)
            check = await client.whoami()
            if isinstance(check, WhoamiResponse):
                return client
            await client.close()
            if not config.password:
                raise MatrixStartError(
                    f"{config.homeserver} refused the Matrix access token ({check}); "
                    "give a new access_token or a password"
                )
            log.warning("matrix: saved session refused; logging in again")
        client = self._new_client(None, store)
        answer = await client.login(config.password, device_name=config.device_name)
        if not isinstance(answer, LoginResponse):
            await client.close()
            raise MatrixStartError(
                f"{config.homeserver} refused the login of {config.user_id}: {answer.message}"
            )
        self._save_credentials(
            _Credentials(answer.user_id, answer.device_id, answer.access_token, config.homeserver)
        )
        return client

    def _new_client(self, device_id: str | None, store: Path) -> _Client:
        client = _Client(
            self.config.homeserver,
            self.config.user_id,
            device_id=device_id,
            store_path=str(store),
            config=self._client_config(),
        )
        client.creators = {}
        self._opened = client
        return client

    async def _whoami(self, token: str) -> _Credentials:
        probe = AsyncClient(self.config.homeserver, self.config.user_id)
        probe.access_token = token
        try:
            answer = await probe.whoami()
        finally:
            await probe.close()
        if not isinstance(answer, WhoamiResponse) or not answer.device_id:
            raise MatrixStartError(
                f"{self.config.homeserver} refused the Matrix access token "
                f"({getattr(answer, 'message', answer)})"
            )
        return _Credentials(answer.user_id, answer.device_id, token, self.config.homeserver)

    def _credentials_path(self) -> Path:
        return self.folder / "credentials.json"

    def _load_credentials(self) -> _Credentials | None:
        try:
            raw = json.loads(self._credentials_path().read_text(encoding="utf-8"))
            saved = _Credentials(**raw)
        except (OSError, ValueError, TypeError):
            return None
        same = saved.user_id == self.config.user_id and saved.homeserver == self.config.homeserver
        return saved if same else None

    def _save_credentials(self, saved: _Credentials) -> None:
        path = self._credentials_path()
        data = json.dumps(
            {
                "user_id": saved.user_id,
                "device_id": saved.device_id,
                "access_token": saved.access_token,
                "homeserver": saved.homeserver,
            }
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.chmod(path, 0o600)

    # Syncing ------------------------------------------------------------------------------

    def _register_callbacks(self, client: _Client) -> None:
        client.add_event_callback(self._guarded(self._on_invite), InviteMemberEvent)
        client.add_event_callback(self._guarded(self._on_text), RoomMessageText)
        client.add_event_callback(self._guarded(self._on_reaction), ReactionEvent)
        client.add_event_callback(self._guarded(self._on_unknown), UnknownEvent)
        client.add_event_callback(self._guarded(self._on_undecryptable), MegolmEvent)
        client.add_response_callback(self._on_sync, SyncResponse)
        client.add_response_callback(self._on_sync_error, SyncError)

    def _guarded(
        self, callback: Callable[[Any, Any], Awaitable[None]]
    ) -> Callable[[Any, Any], Awaitable[None]]:
        """Wrap a callback: one failing event is logged, and the sync loop goes on."""

        async def run(room: Any, event: Any) -> None:
            try:
                await callback(room, event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(
                    "matrix: %s failed on %s",
                    callback.__name__,
                    getattr(event, "event_id", type(event).__name__),
                )

        return run

    async def _sync_loop(self) -> None:
        """``sync_forever`` until stopped; if it ever ends with an error, start it again from
        the stored ``next_batch`` (with the full state) after a growing pause."""
        client = self._client()
        pause = 1.0
        while True:
            try:
                await client.sync_forever(
                    timeout=SYNC_TIMEOUT_MS,
                    sync_filter=SYNC_FILTER,
                    since=self._next_batch,
                    full_state=True,
                )
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("matrix: sync stopped; retrying in %.0f s", pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 60.0)

    async def _on_sync(self, response: Any) -> None:
        """After every handler of the batch ran: store the resume point, handle lost rooms."""
        self._sync_failures = 0
        for room_id in response.rooms.leave:
            await self._left(room_id)
        self._next_batch = str(response.next_batch)
        self._state_set("next_batch", self._next_batch)
        if not self._first_sync_done:
            self._first_sync_done = True
            self._skip_backlog = False
            log.info("matrix: synced as %s", self._client().user_id)
        self.ready.set()

    async def _on_sync_error(self, response: Any) -> None:
        self._sync_failures += 1
        pause = min(2.0**self._sync_failures, 60.0)
        log.warning("matrix: sync failed (%s); next try in %.0f s", response, pause)
        await asyncio.sleep(pause)
        if not self._first_sync_done:
            # Start sync_forever again so the first sync still brings the full room state.
            raise RuntimeError("first sync failed")

    async def _left(self, room_id: str) -> None:
        client = self._client()
        self._joining.discard(room_id)
        log.info("matrix: no longer in %s (kicked, banned or left)", room_id)
        self._gone.add(room_id)
        with contextlib.suppress(Exception):
            await client.room_forget(room_id)
        client.rooms.pop(room_id, None)

    # Events -------------------------------------------------------------------------------

    async def _on_invite(self, room: Any, event: Any) -> None:
        client = self._client()
        if event.state_key != client.user_id or event.membership != "invite":
            return
        if room.room_id in self._joining or room.room_id in client.rooms:
            return
        if not self._may_invite(event.sender):
            log.info("matrix: invite to %s from %s refused", room.room_id, event.sender)
            self._joining.add(room.room_id)
            await client.room_leave(room.room_id)
            return
        self._joining.add(room.room_id)
        if event.content.get("is_direct"):
            self._state_set(f"direct:{room.room_id}", event.sender)
        answer = await client.join(room.room_id)
        log.info("matrix: invited by %s to %s: %s", event.sender, room.room_id, answer)

    def _may_invite(self, user_id: str) -> bool:
        allowed = self.config.allowed_inviters or (":" + _server_of(self.config.user_id),)
        for entry in allowed:
            if entry.startswith("@") and user_id == entry:
                return True
            if entry.startswith(":") and user_id.endswith(entry):
                return True
        return False

    def _fresh(self, event: Any) -> bool:
        """Not ours, not in the first-ever backlog, and never handled before."""
        client = self._client()
        if event.sender == client.user_id or self._skip_backlog:
            return False
        return self.host.state.first_time(PLATFORM, event.event_id, self._now())

    async def _on_text(self, room: Any, event: Any) -> None:
        content = event.source.get("content", {})
        relation = content.get("m.relates_to") or {}
        if relation.get("rel_type") == "m.replace":
            await self._on_edit(room, event, relation, content.get("m.new_content"))
            return
        if not self._fresh(event):
            return
        text = _strip_reply_fallback(event.body) if "m.in_reply_to" in relation else event.body
        incoming = Incoming(
            room=self._room(room),
            sender=self._member(room, event.sender),
            text=text,
            at=_sent_at(event),  # the dispatcher does not run commands that waited too long
            message_id=event.event_id,
            sender_is_admin=self._is_organizer(room, event.sender),
            links=links_of(content),
        )
        await self.host.receive(incoming)

    async def _on_edit(self, room: Any, event: Any, relation: Any, new: Any) -> None:
        """An edit (``m.replace``) of a member's own text message, delivered marked with the
        original's id for features that read plain messages. Never run as a command (a
        corrected command already ran from the original); an edit into a notice, or of
        another's message (the homeserver does not check who edits), is not delivered."""
        original = relation.get("event_id")
        if not isinstance(original, str) or not isinstance(new, dict):
            return
        text = new.get("body")
        if new.get("msgtype") != "m.text" or not isinstance(text, str):
            return
        if looks_like_command(text) or not self._fresh(event):
            return
        if not await self._own_text(room.room_id, original, event.sender):
            log.info("matrix: edit %s of %s not delivered", event.event_id, original)
            return
        incoming = Incoming(
            room=self._room(room),
            sender=self._member(room, event.sender),
            text=text,
            at=_sent_at(event),
            message_id=original,
            sender_is_admin=self._is_organizer(room, event.sender),
            links=links_of(new),
            edited=True,
        )
        await self.host.receive(incoming)

    async def _own_text(self, room_id: str, event_id: str, sender: str) -> bool:
        """Whether ``event_id`` is a text message (not a notice) that ``sender`` sent. nio
        decrypts the event it fetches in an encrypted room; one it has no key for stays a
        ``MegolmEvent``, and the edit is left out."""
        answer = await self._client().room_get_event(room_id, event_id)
        if not isinstance(answer, RoomGetEventResponse):
            return False
        found = answer.event
        return isinstance(found, RoomMessageText) and found.sender == sender

    async def _on_reaction(self, room: Any, event: Any) -> None:
        data = self._reaction_button(event.reacts_to, event.key)
        if data is None or not self._fresh(event):
            return
        press = ButtonPress(
            room=self._room(room),
            sender=self._member(room, event.sender),
            data=data,
            message_id=event.reacts_to,
            at=self._now(),
            sender_is_admin=self._is_organizer(room, event.sender),
            gesture=self._gesture(room, event),
        )
        await self.host.press(press)

    def _reaction_button(self, message_id: str, key: str) -> str | None:
        """The ``data`` of the button a reaction presses: its number, or its own emoji."""
        number = _key_number(key)
        if number is not None:
            stored = self._state_get(f"buttons:{message_id}")
            data = json.loads(stored) if stored else []
            return str(data[number - 1]) if number <= len(data) else None
        stored = self._state_get(f"reactions:{message_id}")
        named = json.loads(stored) if stored else {}
        bare = _bare_emoji(key)
        return next((str(d) for emoji, d in named.items() if _bare_emoji(emoji) == bare), None)

    async def _on_unknown(self, room: Any, event: Any) -> None:
        if event.type not in POLL_RESPONSES:
            return
        content = event.source.get("content", {})
        poll_id = (content.get("m.relates_to") or {}).get("event_id", "")
        stored = self._state_get(f"poll:{poll_id}") if poll_id else None
        if stored is None or not self._fresh(event):
            return
        answers = (content.get(POLL_RESPONSES[0]) or {}).get("answers")
        if answers is None:
            answers = content.get("m.selections", [])
        known = set(json.loads(stored))
        choices = tuple(a for a in answers if isinstance(a, str) and a in known)
        vote = Vote(
            room=self._room(room),
            sender=self._member(room, event.sender),
            message_id=poll_id,
            choices=choices,
            at=self._now(),
            sender_is_admin=self._is_organizer(room, event.sender),
            gesture=self._gesture(room, event),
        )
        await self.host.vote(vote)

    async def _on_undecryptable(self, room: Any, event: Any) -> None:
        log.warning(
            "matrix: cannot decrypt %s from %s in %s (no room key yet)",
            event.event_id,
            event.sender,
            room.room_id,
        )
        with contextlib.suppress(Exception):
            await self._client().request_room_key(event)

    # Translating --------------------------------------------------------------------------

    def _room(self, room: Any) -> Room:
        private = self._state_get(f"direct:{room.room_id}") is not None
        return Room(PLATFORM, room.room_id, title=room.display_name or "", private=private)

    def _gesture(self, room: Any, event: Any) -> Gesture:
        """A reaction or poll response is a room event: every member of a group room sees it
        (in a direct room, only the bot does)."""
        direct = self._state_get(f"direct:{room.room_id}") is not None
        return Gesture(public=not direct, event_id=str(event.event_id))

    def _member(self, room: Any, user_id: str) -> Member:
        name = room.user_name(user_id) or _localpart(user_id)
        return Member(PLATFORM, user_id, name, username=user_id.removeprefix("@"))

    def _is_organizer(self, room: Any, user_id: str) -> bool:
        """Power level at or above the threshold; in room version 12, also a creator."""
        if room.power_levels.get_user_level(user_id) >= self.config.organizer_power_level:
            return True
        creators = self._client().creators.get(room.room_id, frozenset())
        return _creators_rule(str(room.room_version)) and user_id in set(creators)

    def _message_content(
        self,
        room_id: str,
        text: str,
        buttons: list[Button],
        named: dict[str, str] | None = None,
        *,
        private: bool = False,
    ) -> dict[str, Any]:
        body, formatted = render(text)
        if buttons and private:
            lines = [f"{i}. {b.label}" for i, b in enumerate(buttons, start=1)]
            hint = self._translate(
                room_id,
                _(
                    "Your choice stays private: react with 🗳️ and the bot sends you your ballot "
                    "in a direct chat. Any other reaction here is seen by everyone, so it is not "
                    "counted."
                ),
            )
            body += "\n\n" + "\n".join(lines) + "\n" + hint
            formatted += "<br><br>" + "<br>".join(html.escape(line) for line in lines)
            formatted += "<br><i>" + html.escape(hint) + "</i>"
        elif buttons:
            own = {data: emoji for emoji, data in (named or {}).items()}
            lines = [
                f"{NUMBERS[i]} {b.label}" + (f" ({own[b.data]})" if b.data in own else "")
                for i, b in enumerate(buttons)
            ]
            hint = self._translate(room_id, _("React with a number to choose."))
            body += "\n\n" + "\n".join(lines) + "\n" + hint
            formatted += "<br><br>" + "<br>".join(html.escape(line) for line in lines)
            formatted += "<br><i>" + html.escape(hint) + "</i>"
        return {
            "msgtype": "m.notice",
            "body": body,
            "format": "org.matrix.custom.html",
            "formatted_body": formatted,
            "m.mentions": {},  # echoed text never pings anybody
        }

    def _translate(self, room_id: str, msgid: str) -> str:
        return self.host.voice(room_key(PLATFORM, room_id)).t(msgid)

    # Sending ------------------------------------------------------------------------------

    def _transaction_id(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        """One id per message, reused by every retry of it: the homeserver then stores a
        retried send once. The boot nonce keeps a later identical message distinct."""
        self._sends += 1
        digest = hashlib.sha256(
            json.dumps([self._boot, self._sends, room_id, event_type, content]).encode()
        ).hexdigest()
        return f"assobot.{digest[:32]}"

    async def _send_event(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        client = self._client()
        transaction = self._transaction_id(room_id, event_type, content)
        pause = 1.0
        answer: Any = None
        for _attempt in range(SEND_ATTEMPTS):
            # nio itself waits out 429s (retry_after_ms) and retries network errors.
            answer = await client.room_send(
                room_id, event_type, content, tx_id=transaction, ignore_unverified_devices=True
            )
            if isinstance(answer, RoomSendResponse):
                return str(answer.event_id)
            status = str(getattr(answer, "status_code", "") or "")
            if status == "M_FORBIDDEN":
                raise MatrixRoomGone(f"{room_id}: {getattr(answer, 'message', answer)}")
            if not (status.startswith("5") or status in ("M_UNKNOWN", "")):
                break
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)
        raise MatrixSendError(f"{room_id}: {getattr(answer, 'message', answer)}")

    async def _end_poll(self, room_id: str, poll_id: str, text: str) -> None:
        body, _formatted = render(text)
        content = {
            "m.relates_to": {"rel_type": "m.reference", "event_id": poll_id},
            "org.matrix.msc3381.poll.end": {},
            "org.matrix.msc1767.text": body,
            "body": body,
            "m.text": [{"body": body}],
            "m.mentions": {},
        }
        await self._send_event(room_id, POLL_END, content)

    # Small helpers ------------------------------------------------------------------------

    async def _ready_client(self) -> _Client:
        """The client, once it can send. Before the first sync nio knows no room (it refuses
        to send, and a direct room already shared looks missing): a message from anywhere but
        the sync loop (a timer, the catch-up at start) waits for it, at most
        ``FIRST_SYNC_WAIT_SECONDS``. Replies to the first sync's events go at once: their room
        is known, and the first sync only ends after its handlers. (A client given without
        start(), and so without a sync loop, is used as it is.)"""
        starting = self.client is None or self._task is not None
        if starting and not self.ready.is_set() and asyncio.current_task() is not self._task:
            try:
                await asyncio.wait_for(self.ready.wait(), FIRST_SYNC_WAIT_SECONDS)
            except TimeoutError:
                log.warning("matrix: sending before the first sync (%s)", self.config.homeserver)
        return self._client()

    def _client(self) -> _Client:
        if self.client is None:
            raise MatrixSendError("the Matrix adapter is not started")
        return self.client

    def _now(self) -> datetime:
        return self.host.now()

    def _state_get(self, key: str) -> str | None:
        return self.host.state.get(PLATFORM, key)

    def _state_set(self, key: str, value: str) -> None:
        self.host.state.set(PLATFORM, key, value, self._now())


def _sent_at(event: Any) -> datetime:
    """When the homeserver received an event (its ``origin_server_ts``)."""
    return datetime.fromtimestamp(float(event.server_timestamp) / 1000, UTC)


def _server_of(user_id: str) -> str:
    return user_id.partition(":")[2]


def _localpart(user_id: str) -> str:
    return user_id.removeprefix("@").partition(":")[0]


def _creators_rule(room_version: str) -> bool:
    """Room versions where the creators outrank everyone (12 and later, and the MSC's name)."""
    if room_version.isdecimal():
        return int(room_version) >= 12
    return room_version.startswith("org.matrix.hydra")


def _strip_reply_fallback(body: str) -> str:
    """Remove the ``> <@user> quoted`` lines a client puts before the text of a reply."""
    lines = body.split("\n")
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).strip()


def _preset_trusted_private() -> Any:
    from nio import RoomPreset

    return RoomPreset.trusted_private_chat
