-- A deadline's kind in the history of deadlines holds only the code's kinds (src/cases/deadlines.ts
-- DEADLINE_KINDS), like tips.deadline_kind since 0015: the history is the record of which clock ran
-- when, and a kind the code does not know would record a clock that never existed. One ALTER, one scan of case_deadlines
-- (a few rows per case), under the migrator's one transaction like every migration.
ALTER TABLE "case_deadlines" ADD CONSTRAINT "case_deadlines_kind_check" CHECK ("kind" IN ('triage', 'forward', 'needs_info', 'acknowledge', 'verify'));
