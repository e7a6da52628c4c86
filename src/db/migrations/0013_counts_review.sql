-- Review of 0010 (issue #16):
-- 1. A police result may record up to 100,000,000 m² per case, so a month of one commune's results can
--    pass 2^31: the quantity counters become bigint (the plain counts stay integer), and tip_month_facts
--    says so, since it returns the table's own row type.
-- 2. A district's or a commune's figures read only their rows (the primary key starts with the month).
--
-- Changing a counts table's columns means re-creating its facts function (tip_month_facts,
-- help_triage_facts) and its _add function in the same migration: they are declared with the table's
-- row type, and a mismatch makes every insert of a case fail. test/stats/monthCounts.test.ts checks
-- that the update trigger watches exactly the columns the facts functions read.
ALTER TABLE "tip_month_counts"
  ALTER COLUMN "qty_plants" TYPE bigint,
  ALTER COLUMN "qty_area_m2" TYPE bigint,
  ALTER COLUMN "qty_people" TYPE bigint;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "tip_month_facts"(t tips) RETURNS SETOF "tip_month_counts" LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT vn_month(t.received_at), t.district_code, t.commune_code, t.category,
         1, t.urgent::int, (t.source = 'web')::int, (t.source = 'mailbox')::int, (t.source = 'phone')::int,
         (t.triage_outcome IS NOT NULL)::int, (t.triage_outcome IS NOT DISTINCT FROM 'actionable')::int,
             (t.triage_outcome IS NOT DISTINCT FROM 'duplicate')::int,
         (t.triage_outcome IS NOT DISTINCT FROM 'needs_info')::int, (t.triage_outcome IS NOT DISTINCT FROM 'not_actionable')::int,
         (t.not_actionable_reason IS NOT DISTINCT FROM 'false_or_malicious')::int,
         (t.forwarded_at IS NOT NULL)::int, (t.resolved_at IS NOT NULL)::int,
         (t.resolved_at IS NOT NULL AND t.outcome IS NOT DISTINCT FROM 'spot_eliminated')::int,
             (t.resolved_at IS NOT NULL AND t.outcome IS NOT DISTINCT FROM 'plants_destroyed')::int,
         (t.resolved_at IS NOT NULL AND t.outcome IS NOT DISTINCT FROM 'arrests_made')::int,
             (t.resolved_at IS NOT NULL AND t.outcome IS NOT DISTINCT FROM 'nothing_found')::int,
         (t.resolved_at IS NOT NULL AND t.outcome IS NOT DISTINCT FROM 'handed_over')::int,
             (t.resolved_at IS NOT NULL AND t.outcome IS NOT DISTINCT FROM 'referred_counselling')::int,
         (t.resolved_at IS NOT NULL AND t.outcome IS NOT DISTINCT FROM 'referred_treatment')::int,
             (t.resolved_at IS NOT NULL AND t.outcome IS NOT DISTINCT FROM 'not_referred')::int,
         (t.category = 'help_request' AND t.referred IS TRUE)::int,
         CASE WHEN t.resolved_at IS NOT NULL THEN coalesce(t.plants_destroyed, 0) ELSE 0 END::bigint,
         CASE WHEN t.resolved_at IS NOT NULL THEN coalesce(t.area_m2, 0) ELSE 0 END::bigint,
         CASE WHEN t.resolved_at IS NOT NULL THEN coalesce(t.people_handled, 0) ELSE 0 END::bigint,
         CASE WHEN t.resolved_at IS NOT NULL THEN coalesce(t.seized_grams, 0) ELSE 0 END::numeric
$$;--> statement-breakpoint
CREATE INDEX "tip_month_counts_district_idx" ON "tip_month_counts" ("district_code", "month");--> statement-breakpoint
CREATE INDEX "tip_month_counts_commune_idx" ON "tip_month_counts" ("commune_code", "month");--> statement-breakpoint
CREATE INDEX "help_triage_month_counts_district_idx" ON "help_triage_month_counts" ("district_code", "month");--> statement-breakpoint
CREATE INDEX "help_triage_month_counts_commune_idx" ON "help_triage_month_counts" ("commune_code", "month");
