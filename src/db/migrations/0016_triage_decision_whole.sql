-- A triage decision is one thing: its outcome, and the reason (not actionable) or the original case
-- (duplicate) that come with it. Reopening a closed case used to clear the outcome and leave the reason
-- and the link behind (src/commands/caseClosure.ts now clears all three). The statistics count "false or
-- malicious" from the reason and "triaged" from the outcome (0010, 0013), so such a case counted as
-- misuse without counting as triaged, and pushed the misuse rate up until it was triaged again.
--
-- First the rows a reopening left that way lose the leftover (the update trigger moves their counts in
-- the same transaction; the audit log keeps what the decision was), then PostgreSQL refuses the mismatch
-- whatever writes it (IS NOT DISTINCT FROM: with "= 'not_actionable'" a NULL outcome would make the check
-- unknown, which a CHECK lets through). One ALTER with both checks: one scan of tips.
UPDATE "tips" SET "not_actionable_reason" = NULL
 WHERE "not_actionable_reason" IS NOT NULL AND "triage_outcome" IS DISTINCT FROM 'not_actionable';--> statement-breakpoint
UPDATE "tips" SET "duplicate_of_id" = NULL
 WHERE "duplicate_of_id" IS NOT NULL AND "triage_outcome" IS DISTINCT FROM 'duplicate';--> statement-breakpoint
ALTER TABLE "tips"
  ADD CONSTRAINT "tips_reason_with_not_actionable" CHECK ("not_actionable_reason" IS NULL OR "triage_outcome" IS NOT DISTINCT FROM 'not_actionable'),
  ADD CONSTRAINT "tips_duplicate_with_outcome" CHECK ("duplicate_of_id" IS NULL OR "triage_outcome" IS NOT DISTINCT FROM 'duplicate');
