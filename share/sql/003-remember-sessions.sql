-- "Remember me": a selector to find the token and a SHA-256 hash of its
-- validator, never the password and never the validator itself. Ended by
-- logoff, a password change, `webmsg-admin user revoke`, or its age.
CREATE TABLE remember_tokens (
	selector TEXT PRIMARY KEY,
	validator_hash TEXT NOT NULL,
	domain TEXT NOT NULL,
	name TEXT NOT NULL,
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	FOREIGN KEY (domain, name) REFERENCES users(domain, name) ON DELETE CASCADE
);
CREATE INDEX remember_tokens_user ON remember_tokens(domain, name);

-- How many webmail sessions the daemon holds, for the console.
ALTER TABLE daemon_status ADD COLUMN sessions INTEGER NOT NULL DEFAULT 0;
