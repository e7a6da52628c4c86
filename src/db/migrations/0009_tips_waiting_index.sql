-- The minute sweep asks which districts have tips still "received", and each routing batch reads a
-- district's waiting tips oldest first. Without this index both scanned every case: at 1,000,000 cases
-- (npm run bench -- national) the sweep's first query alone read the whole table every minute. Waiting
-- tips are few at any time, so the partial index stays small whatever the number of cases.
CREATE INDEX IF NOT EXISTS "tips_waiting_idx" ON "tips" ("district_code", "received_at", "id") WHERE "status" = 'received';
