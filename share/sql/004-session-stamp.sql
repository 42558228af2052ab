-- A random value that changes whenever a user's sessions must end: a new
-- password, `webmsg-admin user revoke`. A session keeps the stamp it was made
-- with and ends when the user's differs or the user is gone.
ALTER TABLE users ADD COLUMN session_stamp TEXT NOT NULL DEFAULT '';
