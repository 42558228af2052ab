-- Remembered logons live in the session store beside this database now
-- (remember.h): it outlives restarts and a shared store shares it. The
-- program copies the rows there just before this runs, in the same
-- transaction (db.c, remember_move_from_db): a failed copy leaves the table.
DROP TABLE remember_tokens;
