"""The Telegram adapter: python-telegram-bot v22 inside assobot's loop (the only module that
imports ``telegram``).

One text handler, one button handler and one chat-member handler feed the neutral dispatcher;
sending is paced (1 message/s per chat on average, 20/min per group, 30/s overall), honours
429 ``retry_after`` and retries network errors with backoff; the last handled ``update_id`` is
kept through ``host.state`` so that a restart never replays an update (commands sent long before
the bot saw them are the dispatcher's to refuse: messages carry the time they were sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeAlias, TypeVar

from telegram import (
    BotCommand,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.adapters.base import Host, RoomBlocked
from bot.adapters.links import marked_links
from bot.config import ConfigError, TelegramConfig
from bot.i18n import LANGUAGES
from bot.message import (
    Attachment,
    Button,
    ButtonPress,
    Gesture,
    Incoming,
    Member,
    Outgoing,
    Room,
    room_key,
)
from bot.text import clip

log = logging.getLogger(__name__)

PLATFORM = "telegram"
ANONYMOUS_ADMIN_ID = 1087968824  # @GroupAnonymousBot: the sender of anonymous admins' messages
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ALERT = 200  # the Bot API cuts a callback answer's text at 200 characters
ADMIN_CACHE_SECONDS = 300.0
LAST_UPDATE_KEY = "last_update_id"
# After a week without updates Telegram picks the next update id at random (it may be lower):
# an id older than this is no longer trusted to order updates or as a getUpdates offset.
UPDATE_IDS_KEPT = timedelta(days=6)
# Telegram allows about 30 messages/s overall; running exactly at the limit turns network
# jitter into 429s, so we keep a little slack.
OVERALL_PER_SECOND = 29.5
OVERALL_BURST = 4
ANSWERS_AT_ONCE = 8
# The entities that mark a link: a URL typed in the text, and a link behind other words.
LINK_ENTITIES: list[str | None] = [MessageEntity.URL, MessageEntity.TEXT_LINK]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
MAX_MIGRATIONS = 3  # a group upgraded to a supergroup moves once; a loop of moves is refused
T = TypeVar("T")
PTBApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


# Rendering -----------------------------------------------------------------------------------


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, on line boundaries when it
    can (a single overlong line is cut where it must)."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()] or [text[:limit]]


def render(text: str) -> str:
    """Our neutral plain text as Telegram HTML: every character of it shown as typed."""
    return html.escape(text, quote=False)


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Inline keyboard of our buttons (their data is a short id, at most 64 bytes)."""
    if not rows:
        return None
    for row in rows:
        for button in row:
            if len(button.data.encode()) > 64:
                raise ValueError(f"button data longer than 64 bytes: {button.data[:20]!r}…")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


def room_of(chat: Chat) -> Room:
    title = chat.title or chat.full_name or chat.username or str(chat.id)
    return Room(PLATFORM, str(chat.id), title=title, private=chat.type == Chat.PRIVATE)


def member_of(user: User) -> Member:
    return Member(PLATFORM, str(user.id), user.full_name, username=user.username or "")


def links_of(message: Message) -> tuple[str, ...]:
    """The web links Telegram marked in a message's text, or in a media message's caption:
    a ``url`` entity's own text (PTB cuts it at the entity's UTF-16 offsets) and a
    ``text_link``'s target (``[text](url)``)."""
    if message.text is not None:
        marked = message.parse_entities(LINK_ENTITIES)
    else:
        marked = message.parse_caption_entities(LINK_ENTITIES)
    ordered = sorted(marked.items(), key=lambda item: item[0].offset)
    return marked_links(
        (entity.url or "") if entity.type == MessageEntity.TEXT_LINK else text
        for entity, text in ordered
    )


def looks_like_command(text: str) -> bool:
    """A line the dispatcher may read as a command (``/name`` or ``!name``)."""
    return text.lstrip()[:1] in ("/", "!")


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# Pacing --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class ChatPacer:
    """At most ``rate`` messages per second per chat on average, bursts of ``burst`` allowed
    (Telegram tolerates short bursts). Each caller reserves its slot, so concurrent sends to
    one chat queue up in order instead of racing."""

    def __init__(self, rate: float = 1.0, burst: int = 3) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._buckets: dict[int, _Bucket] = {}

    async def wait(self, chat_id: int) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            if len(self._buckets) > 4096:
                self._forget_idle(now)
            bucket = self._buckets[chat_id] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        bucket.tokens -= 1
        if bucket.tokens < 0:
            await asyncio.sleep(-bucket.tokens / self.rate)

    def _forget_idle(self, now: float) -> None:
        for chat_id, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.at) * self.rate >= self.burst:
                del self._buckets[chat_id]


# The adapter ---------------------------------------------------------------------------------


class TelegramAdapter:
    """Telegram groups and private chats, through the Bot API."""

    platform = PLATFORM

    def __init__(
        self,
        config: TelegramConfig,
        host: Host,
        *,
        source: str = "config",
        poll_timeout: float = 10.0,
        max_attempts: int = 8,
        first_backoff: float = 0.5,
        max_backoff: float = 30.0,
        pacer: ChatPacer | None = None,
        stop_grace: float = 10.0,
    ) -> None:
        self.config = config
        self.host = host
        self.source = source  # the configuration file, named in a refused token's error
        self.poll_timeout = poll_timeout
        self.max_attempts = max_attempts
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.pacer = pacer or ChatPacer()
        self.stop_grace = stop_grace
        self.application: PTBApplication = self._build()
        self._admins: dict[int, tuple[float, frozenset[int]]] = {}
        self._last_update_id = 0
        self._last_update_at: datetime | None = None
        self._answering = asyncio.Semaphore(ANSWERS_AT_ONCE)
        self._private_answers: dict[str, str] = {}  # callback query id -> private answer
        self.username = ""
        self._polling: asyncio.Task[None] | None = None
        self._handling = False  # an update is being handled: let it finish before stopping
        self._stopping = asyncio.Event()
        self._moved: dict[int, int] = {}  # a group upgraded to a supergroup -> its new id

    def _build(self) -> PTBApplication:
        base = self.config.api_base_url.rstrip("/")
        application = (
            ApplicationBuilder()
            .token(self.config.token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .rate_limiter(
                # Nearly evenly spaced (bursts of 4): a burst of 30 at the limit would meet
                # Telegram's own counting a few milliseconds apart and turn jitter into 429s.
                AIORateLimiter(
                    overall_max_rate=OVERALL_BURST,
                    overall_time_period=OVERALL_BURST / OVERALL_PER_SECOND,
                    max_retries=3,
                )
            )
            .get_updates_read_timeout(self.poll_timeout + 10)
            .connection_pool_size(64)
            .job_queue(None)
            .pool_timeout(30)
            .build()
        )
        application.add_handler(TypeHandler(Update, self._skip_handled), group=-1)
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGES, self._on_message))
        application.add_handler(CallbackQueryHandler(self._on_button))
        application.add_handler(
            ChatMemberHandler(self._on_member_change, ChatMemberHandler.ANY_CHAT_MEMBER)
        )
        application.add_handler(TypeHandler(Update, self._mark_handled), group=1)
        application.add_error_handler(self._on_error)
        return application

    # Life cycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (getMe), publish the command menu, then poll or open the webhook."""
        stored = self.host.state.get_entry(PLATFORM, LAST_UPDATE_KEY)
        if stored is not None and stored[0].isdecimal():
            self._last_update_id, self._last_update_at = int(stored[0]), stored[1]
        self._stopping.clear()
        try:
            await self._with_retries("connect", 0, self.application.initialize)
        except InvalidToken:
            raise ConfigError(
                f"{self.source}: [telegram] token: Telegram refused it (check it with BotFather)"
            ) from None
        self.username = self.application.bot.username
        await self.application.start()
        # The command menus go out while updates start coming: no member waits for them.
        menus = asyncio.create_task(self.publish_commands(), name="telegram-menus")
        try:
            if self.config.mode == "webhook":
                await self._start_webhook()
            else:
                # Polling: PTB's Updater sends the offset that confirms a batch as soon as it
                # has queued it (before our handlers ran); our own loop confirms only handled
                # updates.
                await self._with_retries("deleteWebhook", 0, self.application.bot.delete_webhook)
                self._polling = asyncio.create_task(self._poll(), name="telegram-polling")
        except BaseException:
            menus.cancel()
            raise
        await menus
        log.info("telegram: connected as @%s", self.username)

    async def _start_webhook(self) -> None:
        updater = self.application.updater
        assert updater is not None
        path = self.config.webhook_url.split("://", 1)[-1].partition("/")[2]
        try:
            await updater.start_webhook(
                listen=self.config.webhook_listen,
                port=self.config.webhook_port,
                url_path=path,
                webhook_url=self.config.webhook_url,
                secret_token=self.config.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        except RuntimeError as error:  # the webhook server needs tornado (PTB's extra)
            raise ConfigError(
                f"{self.source}: [telegram] mode: webhook mode needs "
                f'python-telegram-bot[webhooks] installed ({error}); or use mode = "polling"'
            ) from None

    async def stop(self) -> None:
        """Stop fetching, handle what was fetched (and record it), then disconnect.

        In webhook mode the webhook stays set: while we are down Telegram keeps the updates
        and retries them, and the next start sets it again (deleting it would only make
        Telegram hold them for getUpdates instead)."""
        await self._stop_polling()
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()

    async def _poll(self) -> None:
        """Long-poll getUpdates and handle each update, in order, before asking for more.

        The offset that lets Telegram forget an update is sent only with the next request,
        after the update was handled and its id recorded: a crash at any moment loses nothing
        (the update being handled at that moment comes again, and runs again if the crash came
        before it was recorded)."""
        bot: ExtBot[None] = self.application.bot
        delay = self.first_backoff
        while not self._stopping.is_set():
            last = self._trusted_last_id()
            offset = last + 1 if last else None
            try:
                updates = await bot.get_updates(
                    offset=offset,
                    timeout=timedelta(seconds=self.poll_timeout),
                    allowed_updates=Update.ALL_TYPES,
                )
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error) + 0.1)
                continue
            except Exception as error:  # network, 5xx, 409 Conflict...: wait and ask again
                log.warning("telegram: polling failed (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            delay = self.first_backoff
            for update in updates:
                if self._stopping.is_set():
                    return
                self._handling = True
                try:
                    await self.application.process_update(update)
                finally:
                    self._handling = False
                if update.update_id > self._trusted_last_id():
                    self._record_handled(update.update_id)

    async def _stop_polling(self) -> None:
        """Cancel a pending getUpdates at once; let the update being handled finish (for up to
        ``stop_grace`` seconds): the rest of its batch is not confirmed and comes again."""
        task, self._polling = self._polling, None
        if task is None or task.done():
            return
        self._stopping.set()
        if self._handling:
            await asyncio.wait({task}, timeout=self.stop_grace)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def publish_commands(self) -> None:
        """The command menu (setMyCommands) in French, in English and for everyone else."""
        default = self.host.voice()  # an unknown room speaks the configured language
        menus = [(lang, lang) for lang in LANGUAGES] + [(default.language, None)]
        calls: list[Awaitable[None]] = []
        for language, code in menus:
            voice = replace(default, language=language)
            commands: dict[str, BotCommand] = {}
            for command in self.host.commands:
                name = command.localized_name(language)
                description = voice.t(command.help).strip()
                commands.setdefault(name, BotCommand(name, description[:256] or name))
            menu = list(commands.values())[:100]

            calls.append(self._publish_menu(menu, code))
        await asyncio.gather(*calls)  # the three menus at once

    async def _publish_menu(self, menu: list[BotCommand], code: str | None) -> None:
        def call() -> Awaitable[bool]:
            bot: ExtBot[None] = self.application.bot
            return bot.set_my_commands(menu, language_code=code)

        try:
            await self._with_retries("setMyCommands", 0, call)
        except TelegramError as error:
            log.warning("telegram: command menu (%s) not published: %s", code, error)

    # Sending -------------------------------------------------------------------------------

    async def send(self, room_id: str, out: Outgoing) -> str:
        """Send (split when over 4,096 characters; a file as a document, captioned with the
        text when it fits 1,024 characters, else after the text); return the id of the message
        carrying the buttons; raise when Telegram refuses or stays unreachable.

        A group upgraded to a supergroup (``ChatMigrated``) is followed: the message goes to
        the new chat and the host moves the room's data there. A chat that refuses the bot
        (``Forbidden``: blocked, removed) raises ``RoomBlocked``, without retrying."""
        chat_id = self._current_id(int(room_id))
        for _move in range(MAX_MIGRATIONS):
            try:
                return await self._send(chat_id, out)
            except ChatMigrated as error:
                chat_id = self._follow(chat_id, error.new_chat_id)
            except Forbidden as error:
                raise RoomBlocked(str(error)) from error
        raise RuntimeError(f"chat {room_id} keeps moving")

    async def _send(self, chat_id: int, out: Outgoing) -> str:
        markup = keyboard(out.buttons)
        reply_to = int(out.reply_to) if out.reply_to and out.reply_to.isdecimal() else None
        attachment = out.attachment
        if attachment is not None and len(out.text) <= MAX_CAPTION:
            return await self._send_document(chat_id, attachment, out.text, markup, reply_to)
        pieces = split_text(out.text)
        message_id = ""
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            reply = (
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to and index == 0
                else None
            )

            def call(
                piece: str = piece, last: bool = last, reply: ReplyParameters | None = reply
            ) -> Awaitable[Message]:
                bot: ExtBot[None] = self.application.bot
                return bot.send_message(
                    chat_id,
                    render(piece),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    reply_parameters=reply,
                    link_preview_options=None if out.link_preview else NO_PREVIEW,
                )

            message = await self._with_retries("sendMessage", chat_id, call)
            message_id = str(message.message_id)
        if attachment is not None:  # the text was too long for a caption: the file follows
            await self._send_document(chat_id, attachment, "", None, None)
        return message_id

    async def _send_document(
        self,
        chat_id: int,
        attachment: Attachment,
        caption: str,
        markup: InlineKeyboardMarkup | None,
        reply_to: int | None,
    ) -> str:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None

        def call() -> Awaitable[Message]:
            # A fresh InputFile per attempt: a retried upload must send the whole file again.
            document = InputFile(attachment.content, filename=attachment.filename)
            if attachment.mime:
                document.mimetype = attachment.mime
            bot: ExtBot[None] = self.application.bot
            return bot.send_document(
                chat_id,
                document,
                caption=render(caption) if caption.strip() else None,
                parse_mode=ParseMode.HTML if caption.strip() else None,
                reply_markup=markup,
                reply_parameters=reply,
            )

        message = await self._with_retries("sendDocument", chat_id, call)
        return str(message.message_id)

    async def edit(self, room_id: str, message_id: str, out: Outgoing) -> None:
        """Replace the text and buttons of one of our messages (in place), following a group
        upgraded to a supergroup."""
        chat_id = self._current_id(int(room_id))
        for _move in range(MAX_MIGRATIONS):
            try:
                return await self._edit(chat_id, message_id, out)
            except ChatMigrated as error:
                chat_id = self._follow(chat_id, error.new_chat_id)
            except Forbidden as error:
                raise RoomBlocked(str(error)) from error
        raise RuntimeError(f"chat {room_id} keeps moving")

    def _current_id(self, chat_id: int) -> int:
        """Where a chat lives now (a group upgraded to a supergroup has a new id)."""
        seen = {chat_id}
        while chat_id in self._moved:
            chat_id = self._moved[chat_id]
            if chat_id in seen:
                break
            seen.add(chat_id)
        return chat_id

    def _follow(self, old_id: int, new_id: int) -> int:
        """A group became a supergroup: remember its new id and have the host move the data
        of the room (polls, reminders, settings...) to it. Idempotent."""
        if old_id != new_id and self._moved.get(old_id) != new_id:
            log.info("telegram: chat %s was upgraded to supergroup %s", old_id, new_id)
            self._moved[old_id] = new_id
            self._admins.pop(old_id, None)
            self.host.migrate_room(
                room_key(PLATFORM, str(old_id)), room_key(PLATFORM, str(new_id))
            )
        return new_id

    async def _edit(self, chat_id: int, message_id: str, out: Outgoing) -> None:
        text = out.text if len(out.text) <= MAX_TEXT else out.text[: MAX_TEXT - 1] + "…"

        def call() -> Awaitable[Message | bool]:
            bot: ExtBot[None] = self.application.bot
            return bot.edit_message_text(
                render(text),
                chat_id=chat_id,
                message_id=int(message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(out.buttons),
            )

        try:
            await self._with_retries("editMessageText", chat_id, call)
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise

    async def private_room(self, member_id: str) -> str:
        """A private chat's id is the user's id (Telegram refuses to send there until the user
        has started the bot: that failure is reported by ``send``)."""
        return member_id

    async def _with_retries(self, what: str, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        """Pace, call, and retry on 429 (after ``retry_after``) and network errors or 5xx
        (with backoff); errors Telegram gives for the request itself are raised at once."""
        delay = self.first_backoff
        for attempt in range(1, self.max_attempts + 1):
            if chat_id:
                await self.pacer.wait(chat_id)
            try:
                return await call()
            except RetryAfter as error:
                wait = _seconds(error) + 0.1
                problem: TelegramError = error
            except (BadRequest, Forbidden, InvalidToken, ChatMigrated):
                raise
            except NetworkError as error:
                wait = delay
                delay = min(delay * 2, self.max_backoff)
                problem = error
            if attempt == self.max_attempts:
                log.error(
                    "telegram: %s to chat %s failed after %d attempts: %s",
                    what,
                    chat_id,
                    attempt,
                    problem,
                )
                raise problem
            log.warning(
                "telegram: %s to chat %s failed (%s); retrying in %.1f s",
                what,
                chat_id,
                problem,
                wait,
            )
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    # Receiving -----------------------------------------------------------------------------

    async def _skip_handled(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        """Updates handled before a restart are never run twice."""
        if update.update_id <= self._trusted_last_id():
            log.info("telegram: update %s already handled, skipped", update.update_id)
            raise ApplicationHandlerStop

    async def _mark_handled(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        if update.update_id > self._trusted_last_id():
            self._record_handled(update.update_id)

    def _trusted_last_id(self) -> int:
        """The last handled update id, or 0 once it is too old to order updates by."""
        at = self._last_update_at
        if at is None or self.host.now() - at > UPDATE_IDS_KEPT:
            return 0
        return self._last_update_id

    def _record_handled(self, update_id: int) -> None:
        now = self.host.now()
        self._last_update_id, self._last_update_at = update_id, now
        self.host.state.set(PLATFORM, LAST_UPDATE_KEY, str(update_id), now)

    async def _on_message(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        # An edit comes with the original's id; it is delivered (marked) for features that
        # read plain messages, never run as a command: a corrected command already ran or was
        # refused. Channel posts are not ours.
        edited = update.message is None
        message = update.edited_message if edited else update.message
        if message is None:
            return
        # A group upgraded to a supergroup: the old group gets ``migrate_to_chat_id``, the new
        # supergroup ``migrate_from_chat_id`` (whichever the bot sees first moves the data).
        if message.migrate_to_chat_id:
            self._follow(message.chat.id, message.migrate_to_chat_id)
            return
        if message.migrate_from_chat_id:
            self._follow(message.migrate_from_chat_id, message.chat.id)
            return
        text = message.text or message.caption
        user = message.from_user
        if not text or user is None or user.id == self.application.bot.id:
            return
        if edited and looks_like_command(text):
            return
        anonymous = user.id == ANONYMOUS_ADMIN_ID or (
            message.sender_chat is not None and message.sender_chat.id == message.chat.id
        )
        if user.is_bot and not anonymous:
            return
        room = room_of(message.chat)
        if anonymous:
            sender = Member(PLATFORM, str(message.chat.id), room.title)
        else:
            sender = member_of(user)
        incoming = Incoming(
            room=room,
            sender=sender,
            text=text,
            # When it was sent (the dispatcher does not run stale commands), or edited.
            at=(message.edit_date or message.date) if edited else message.date,
            message_id=str(message.message_id),
            sender_is_admin=anonymous or await self._is_admin(message.chat, user.id),
            bot_username=self.username,
            links=links_of(message),
            edited=edited,
        )
        await self.host.receive(incoming)

    async def _on_button(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        if message is None or not query.data:
            self.application.create_task(self._answer(query.answer()), update=update)
            return
        # The handler may answer the tapper privately (an error on a secret ballot): the
        # callback answer is that private channel, so it is sent once the handler has run
        # (handlers are quick; Telegram shows a spinner until then).
        self._private_answers[query.id] = ""
        try:
            press = ButtonPress(
                room=room_of(message.chat),
                sender=member_of(query.from_user),
                data=query.data,
                message_id=str(message.message_id),
                at=self.host.now(),
                sender_is_admin=await self._is_admin(message.chat, query.from_user.id),
                gesture=Gesture(public=False, token=query.id),  # only the bot sees a tap
            )
            await self.host.press(press)
        finally:
            text = self._private_answers.pop(query.id, "")
            answering = (
                query.answer(clip(text, MAX_ALERT), show_alert=True) if text else query.answer()
            )
            self.application.create_task(self._answer(answering), update=update)

    async def reply_privately(self, room_id: str, member_id: str, token: str, text: str) -> bool:
        """Answer a tap in its callback answer (an alert only the tapper sees); False when the
        tap was already answered, so the app writes in the private chat instead."""
        if token not in self._private_answers:
            return False
        earlier = self._private_answers[token]
        self._private_answers[token] = f"{earlier}\n{text}" if earlier else text
        return True

    async def _answer(self, answering: Awaitable[bool]) -> None:
        try:
            async with self._answering:  # a flood of taps must not flood the HTTP pool
                await answering
        except TelegramError as error:
            log.warning("telegram: callback query not answered: %s", error)

    async def _on_member_change(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.chat_member or update.my_chat_member
        if change is not None:
            self._admins.pop(change.chat.id, None)  # roles changed: ask again next time

    async def _is_admin(self, chat: Chat, user_id: int) -> bool:
        """Chat administrators (the creator included), cached a few minutes."""
        if chat.type == Chat.PRIVATE:
            return False  # the context treats private chats as the member's own room
        now = time.monotonic()
        cached = self._admins.get(chat.id)
        if cached is None or cached[0] < now:
            try:
                members = await self.application.bot.get_chat_administrators(chat.id)
            except TelegramError as error:
                log.warning("telegram: administrators of %s unknown: %s", chat.id, error)
                return False
            ids = frozenset(m.user.id for m in members)
            cached = (now + ADMIN_CACHE_SECONDS, ids)
            self._admins[chat.id] = cached
        return user_id in cached[1]

    async def _on_error(self, update: object, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else "?"
        log.error("telegram: update %s failed", update_id, exc_info=ctx.error)
