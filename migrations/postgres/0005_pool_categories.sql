-- Categories whose requests are also offered to the volunteer pool at once.
-- Volunteer help always is; admins may add others.
CREATE TABLE pool_categories (
    category TEXT PRIMARY KEY
);
INSERT INTO pool_categories (category) VALUES ('volunteer');
