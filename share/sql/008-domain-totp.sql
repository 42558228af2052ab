-- A domain's own second-factor policy (users.c, domain_totp_*): 'inherit'
-- follows the setting login.totp; 'off', 'optional' or 'required' override
-- it for the users of the domain (parent_totp.c decides at each logon).
ALTER TABLE domains ADD COLUMN totp_policy TEXT NOT NULL DEFAULT 'inherit'
	CHECK (totp_policy IN ('inherit', 'off', 'optional', 'required'));
