-- The second factor (TOTP, totp_store.c): the secret sealed with a key from
-- session.secret ('' when off), the one being enrolled until its first code
-- confirms it, the last time step a code was accepted for (a code is used
-- once), and the one-time recovery codes as salted hashes. The program makes
-- session.secret just after this runs (db.c).
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
CREATE TABLE totp_recovery (
	domain TEXT NOT NULL,
	name TEXT NOT NULL,
	hash TEXT NOT NULL,
	FOREIGN KEY (domain, name) REFERENCES users(domain, name) ON DELETE CASCADE
);
CREATE INDEX totp_recovery_user ON totp_recovery(domain, name);
