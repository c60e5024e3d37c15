"""Local stand-ins for remote services (the Telegram Bot API), served on 127.0.0.1."""
