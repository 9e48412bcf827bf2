-- Which outgoing messages go first under Telegram's rate: 0 answers to the
-- person talking to the bot, 1 cards and alerts to responders, 2 bulk
-- (notices). Other queues leave it at 0.
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
