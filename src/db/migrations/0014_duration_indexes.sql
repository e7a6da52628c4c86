-- The statistics' percentiles for a period that holds most of the cases (a year of the whole country)
-- walk each duration's own index in order to the rank they need instead of sorting every duration
-- (src/stats/durations.ts). Only cases that have the duration are in it: intake writes no entry (a new
-- tip has neither duration); triage and the police's acknowledgement write one each.
CREATE INDEX "tips_triage_seconds_idx" ON "tips" ("triage_seconds") INCLUDE ("received_at", "district_code", "commune_code", "category", "urgent")
  WHERE "triage_seconds" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tips_acknowledge_seconds_idx" ON "tips" ("acknowledge_seconds") INCLUDE ("received_at", "district_code", "commune_code", "category")
  WHERE "acknowledge_seconds" IS NOT NULL;
