-- The validator a remembered logon had before its last use, and when it was
-- replaced: two tabs that resume at once both present the old one, and the
-- second must not look like a copied cookie.
ALTER TABLE remember_tokens ADD COLUMN previous_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE remember_tokens ADD COLUMN rotated_at INTEGER NOT NULL DEFAULT 0;
