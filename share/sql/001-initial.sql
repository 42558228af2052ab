-- The first schema: settings with their history, the daemon's status row,
-- mail domains and users.
PRAGMA application_id = 2003133299;

CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE config_versions (
	version INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	who TEXT NOT NULL,
	client TEXT NOT NULL DEFAULT ''
);

CREATE TABLE config_changes (
	version INTEGER NOT NULL REFERENCES config_versions(version),
	key TEXT NOT NULL,
	old_value TEXT,
	new_value TEXT,
	secret INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (version, key)
);

CREATE TABLE daemon_status (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	pid INTEGER NOT NULL,
	started_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	config_version INTEGER NOT NULL,
	attempted_version INTEGER NOT NULL,
	result TEXT NOT NULL,
	message TEXT NOT NULL,
	listeners TEXT NOT NULL
);

CREATE TABLE domains (
	name TEXT PRIMARY KEY,
	created TEXT NOT NULL
);

CREATE TABLE users (
	domain TEXT NOT NULL REFERENCES domains(name) ON DELETE CASCADE,
	name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created TEXT NOT NULL,
	password_changed TEXT NOT NULL,
	PRIMARY KEY (domain, name)
);
