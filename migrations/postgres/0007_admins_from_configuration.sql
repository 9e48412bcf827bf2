-- Whether a role exists only because ADMIN_IDS listed its holder at
-- start-up. Such a role is taken back at the next start-up that no longer
-- lists them; a role the directory or an admin gave (even the same one)
-- is not. Roles granted before this column existed count as given.
ALTER TABLE roles ADD COLUMN from_config BOOLEAN NOT NULL DEFAULT FALSE;
