-- Every enumerated column of a case holds only the values the code defines, as 0012 did for the state.
-- The statistics' triggers (0010, 0013) count each value by name (t.source = 'web', t.outcome IS NOT
-- DISTINCT FROM 'spot_eliminated', …): a value outside the set would be stored and counted nowhere, and
-- no page would name it. The app writes these columns only through its commands, from validated input,
-- so no row breaks the rules; from now on the database refuses one whatever writes it (SQLSTATE 23514).
-- The sets, and where the code defines each (test/stats/valueChecks.test.ts keeps them equal):
--   source                 src/validation/tip.ts TIP_SOURCES
--   category               src/validation/tip.ts CATEGORIES
--   triage_outcome         src/cases/workflow.ts TRIAGE_OUTCOMES
--   not_actionable_reason  src/cases/workflow.ts NOT_ACTIONABLE_REASONS
--   outcome                src/cases/workflow.ts POLICE_OUTCOMES and HELP_OUTCOMES
--   referral_kind          src/help/directory.ts SERVICE_KINDS
--   deadline_kind          src/cases/deadlines.ts DEADLINE_KINDS
-- NULL passes a CHECK (its result is unknown, not false), so the nullable columns keep NULL; source and
-- category are NOT NULL already.
--
-- Unlike 0012 (ADD CONSTRAINT with its scan under the ACCESS EXCLUSIVE lock the ADD takes), each
-- constraint is added NOT VALID (a brief lock, no scan: new writes are checked from then on) and
-- validated by a statement of its own, whose scan of the existing rows needs only SHARE UPDATE EXCLUSIVE,
-- which lets intake insert and update meanwhile -- when the VALIDATE runs in a transaction after the
-- ADD's has committed. Drizzle's migrator (src/db/migrate.ts, drizzle-orm 0.45) applies all pending
-- migrations in ONE transaction, so as this file is run at start the ADD's lock is still held during
-- the scans: tips is blocked for them as for 0012's (7 scans; 0.4 s for 200,000 synthetic cases here,
-- so about 2 s at 1,000,000). The rows are checked and the constraints marked valid either way.
ALTER TABLE "tips" ADD CONSTRAINT "tips_source_check" CHECK ("source" IN ('web', 'mailbox', 'phone')) NOT VALID;--> statement-breakpoint
ALTER TABLE "tips" ADD CONSTRAINT "tips_category_check"
  CHECK ("category" IN ('selling', 'using', 'storage', 'cultivation', 'luring_minors', 'help_request', 'other')) NOT VALID;--> statement-breakpoint
ALTER TABLE "tips" ADD CONSTRAINT "tips_triage_outcome_check"
  CHECK ("triage_outcome" IN ('actionable', 'duplicate', 'needs_info', 'not_actionable')) NOT VALID;--> statement-breakpoint
ALTER TABLE "tips" ADD CONSTRAINT "tips_not_actionable_reason_check"
  CHECK ("not_actionable_reason" IN ('insufficient', 'out_of_scope', 'false_or_malicious', 'other')) NOT VALID;--> statement-breakpoint
ALTER TABLE "tips" ADD CONSTRAINT "tips_outcome_check"
  CHECK ("outcome" IN ('spot_eliminated', 'plants_destroyed', 'arrests_made', 'nothing_found', 'handed_over', 'referred_counselling', 'referred_treatment', 'not_referred')) NOT VALID;--> statement-breakpoint
ALTER TABLE "tips" ADD CONSTRAINT "tips_referral_kind_check"
  CHECK ("referral_kind" IN ('counselling', 'methadone', 'voluntary_rehab', 'community_rehab')) NOT VALID;--> statement-breakpoint
ALTER TABLE "tips" ADD CONSTRAINT "tips_deadline_kind_check"
  CHECK ("deadline_kind" IN ('triage', 'forward', 'needs_info', 'acknowledge', 'verify')) NOT VALID;--> statement-breakpoint
ALTER TABLE "tips" VALIDATE CONSTRAINT "tips_source_check";--> statement-breakpoint
ALTER TABLE "tips" VALIDATE CONSTRAINT "tips_category_check";--> statement-breakpoint
ALTER TABLE "tips" VALIDATE CONSTRAINT "tips_triage_outcome_check";--> statement-breakpoint
ALTER TABLE "tips" VALIDATE CONSTRAINT "tips_not_actionable_reason_check";--> statement-breakpoint
ALTER TABLE "tips" VALIDATE CONSTRAINT "tips_outcome_check";--> statement-breakpoint
ALTER TABLE "tips" VALIDATE CONSTRAINT "tips_referral_kind_check";--> statement-breakpoint
ALTER TABLE "tips" VALIDATE CONSTRAINT "tips_deadline_kind_check";
