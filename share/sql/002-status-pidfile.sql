-- The status row names the pidfile the daemon holds, so that the daemon is
-- found even after service.pidfile changed and before a restart applies it.
ALTER TABLE daemon_status ADD COLUMN pidfile TEXT NOT NULL DEFAULT '';
