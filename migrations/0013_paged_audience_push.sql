-- Issue 14 point 6: a push to an audience (/push.json) is paged in the background as a
-- durable job, by the same jobs and workers as /message/broadcast (docs/push.md
-- "Endpoints"). `kind` says which: 'message' (a broadcast's system message) or 'push' (an
-- audience push; `send` holds its audience and notifications, `delivered` counts the users
-- whose pushes were written).
ALTER TABLE broadcast_jobs ADD COLUMN kind text NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'push'));
