-- Under Telegram's limit the sender serves the person talking to the bot
-- first (0), then cards and alerts to responders (1), then bulk: notices,
-- follower updates, digests (2). Claims take the most urgent due job first.
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
