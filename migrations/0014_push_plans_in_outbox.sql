-- A committed send whose pushes are still to be planned (docs/push.md "Durability") keeps
-- its outbox entry, with what the planner needs, until they are: a node killed between the
-- commit and the planner's write leaves the entry, and the relay on any node plans them.
ALTER TABLE inbox_outbox ADD COLUMN push_plans text;  -- JSON written by the push planner; NULL: none owed
