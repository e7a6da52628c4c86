-- The plan's figures, counted ahead (issue #16). Every report period is made of whole days in Vietnam and
-- almost always of whole months, and the figures are sums of per-case counters. Summing one row per
-- (month, commune, category) instead of reading every case keeps a year's statistics fast at 1,000,000
-- cases; the days at the edges of a custom period are counted from the cases themselves with the same
-- function (tip_month_facts), so both paths count alike.
--
-- Kept in step by triggers in the same transaction as the change: every statement that inserts, updates,
-- deletes or truncates cases also applies its difference here, whichever command ran it, so no command
-- can forget to and nothing can drift. Month granularity says less about when a tip came than the case
-- row's own minute does.

-- The first day of the Vietnam (UTC+7, no daylight saving) month of an instant.
CREATE FUNCTION "vn_month"(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT date_trunc('month', (at AT TIME ZONE 'UTC') + interval '7 hours')::date $$;--> statement-breakpoint

CREATE TABLE "tip_month_counts" (
  "month" date NOT NULL,
  "district_code" text NOT NULL,
  "commune_code" text NOT NULL,
  "category" text NOT NULL,
  "received" integer NOT NULL DEFAULT 0,
  "urgent" integer NOT NULL DEFAULT 0,
  "source_web" integer NOT NULL DEFAULT 0,
  "source_mailbox" integer NOT NULL DEFAULT 0,
  "source_phone" integer NOT NULL DEFAULT 0,
  "triaged" integer NOT NULL DEFAULT 0,
  "triage_actionable" integer NOT NULL DEFAULT 0,
  "triage_duplicate" integer NOT NULL DEFAULT 0,
  "triage_needs_info" integer NOT NULL DEFAULT 0,
  "triage_not_actionable" integer NOT NULL DEFAULT 0,
  "false_or_malicious" integer NOT NULL DEFAULT 0,
  "forwarded" integer NOT NULL DEFAULT 0,
  "resolved" integer NOT NULL DEFAULT 0,
  "outcome_spot_eliminated" integer NOT NULL DEFAULT 0,
  "outcome_plants_destroyed" integer NOT NULL DEFAULT 0,
  "outcome_arrests_made" integer NOT NULL DEFAULT 0,
  "outcome_nothing_found" integer NOT NULL DEFAULT 0,
  "outcome_handed_over" integer NOT NULL DEFAULT 0,
  "outcome_referred_counselling" integer NOT NULL DEFAULT 0,
  "outcome_referred_treatment" integer NOT NULL DEFAULT 0,
  "outcome_not_referred" integer NOT NULL DEFAULT 0,
  "referred" integer NOT NULL DEFAULT 0,
  "qty_plants" integer NOT NULL DEFAULT 0,
  "qty_area_m2" integer NOT NULL DEFAULT 0,
  "qty_people" integer NOT NULL DEFAULT 0,
  "qty_seized_grams" numeric NOT NULL DEFAULT 0,
  PRIMARY KEY ("month", "district_code", "commune_code", "category")
);--> statement-breakpoint

-- Help requests by the month they were triaged in (the 80% referral figure counts over triage, not receipt).
CREATE TABLE "help_triage_month_counts" (
  "month" date NOT NULL,
  "district_code" text NOT NULL,
  "commune_code" text NOT NULL,
  "triaged" integer NOT NULL DEFAULT 0,
  "referred" integer NOT NULL DEFAULT 0,
  "referred_counselling" integer NOT NULL DEFAULT 0,
  "referred_methadone" integer NOT NULL DEFAULT 0,
  "referred_voluntary_rehab" integer NOT NULL DEFAULT 0,
  "referred_community_rehab" integer NOT NULL DEFAULT 0,
  "referred_unspecified" integer NOT NULL DEFAULT 0,
  PRIMARY KEY ("month", "district_code", "commune_code")
);--> statement-breakpoint

-- One case's contribution to tip_month_counts: the one definition of every counter (the triggers, the
-- backfill below and the app's count of partial months all use it).
CREATE FUNCTION "tip_month_facts"(t tips) RETURNS SETOF "tip_month_counts" LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
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
         CASE WHEN t.resolved_at IS NOT NULL THEN coalesce(t.plants_destroyed, 0) ELSE 0 END,
         CASE WHEN t.resolved_at IS NOT NULL THEN coalesce(t.area_m2, 0) ELSE 0 END,
         CASE WHEN t.resolved_at IS NOT NULL THEN coalesce(t.people_handled, 0) ELSE 0 END,
         CASE WHEN t.resolved_at IS NOT NULL THEN coalesce(t.seized_grams, 0) ELSE 0 END::numeric
$$;--> statement-breakpoint

-- One help request's contribution to help_triage_month_counts (none for other cases or before triage).
CREATE FUNCTION "help_triage_facts"(t tips) RETURNS SETOF "help_triage_month_counts" LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT vn_month(t.triaged_at), t.district_code, t.commune_code, 1, (t.referred IS TRUE)::int,
         (t.referred IS TRUE AND t.referral_kind IS NOT DISTINCT FROM 'counselling')::int,
             (t.referred IS TRUE AND t.referral_kind IS NOT DISTINCT FROM 'methadone')::int,
         (t.referred IS TRUE AND t.referral_kind IS NOT DISTINCT FROM 'voluntary_rehab')::int,
             (t.referred IS TRUE AND t.referral_kind IS NOT DISTINCT FROM 'community_rehab')::int,
         (t.referred IS TRUE AND t.referral_kind IS NULL)::int
   WHERE t.category = 'help_request' AND t.triaged_at IS NOT NULL
$$;--> statement-breakpoint

-- Add one case's counters (sign 1) or take them away (sign -1). A plpgsql function, so its plan is
-- kept for the session: the trigger costs a submission one small upsert.
CREATE FUNCTION "tip_month_counts_add"(d "tip_month_counts", sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tip_month_counts AS c VALUES (d.month, d.district_code, d.commune_code, d.category, sign * d.received, sign * d.urgent,
      sign * d.source_web, sign * d.source_mailbox, sign * d.source_phone, sign * d.triaged, sign * d.triage_actionable,
      sign * d.triage_duplicate, sign * d.triage_needs_info, sign * d.triage_not_actionable, sign * d.false_or_malicious, sign * d.forwarded,
      sign * d.resolved, sign * d.outcome_spot_eliminated, sign * d.outcome_plants_destroyed, sign * d.outcome_arrests_made,
      sign * d.outcome_nothing_found, sign * d.outcome_handed_over, sign * d.outcome_referred_counselling,
      sign * d.outcome_referred_treatment, sign * d.outcome_not_referred, sign * d.referred, sign * d.qty_plants, sign * d.qty_area_m2,
      sign * d.qty_people, sign * d.qty_seized_grams)
  ON CONFLICT (month, district_code, commune_code, category) DO UPDATE SET received = c.received + excluded.received,
      urgent = c.urgent + excluded.urgent, source_web = c.source_web + excluded.source_web,
      source_mailbox = c.source_mailbox + excluded.source_mailbox, source_phone = c.source_phone + excluded.source_phone,
      triaged = c.triaged + excluded.triaged, triage_actionable = c.triage_actionable + excluded.triage_actionable,
      triage_duplicate = c.triage_duplicate + excluded.triage_duplicate,
      triage_needs_info = c.triage_needs_info + excluded.triage_needs_info,
      triage_not_actionable = c.triage_not_actionable + excluded.triage_not_actionable,
      false_or_malicious = c.false_or_malicious + excluded.false_or_malicious, forwarded = c.forwarded + excluded.forwarded,
      resolved = c.resolved + excluded.resolved, outcome_spot_eliminated = c.outcome_spot_eliminated + excluded.outcome_spot_eliminated,
      outcome_plants_destroyed = c.outcome_plants_destroyed + excluded.outcome_plants_destroyed,
      outcome_arrests_made = c.outcome_arrests_made + excluded.outcome_arrests_made,
      outcome_nothing_found = c.outcome_nothing_found + excluded.outcome_nothing_found,
      outcome_handed_over = c.outcome_handed_over + excluded.outcome_handed_over,
      outcome_referred_counselling = c.outcome_referred_counselling + excluded.outcome_referred_counselling,
      outcome_referred_treatment = c.outcome_referred_treatment + excluded.outcome_referred_treatment,
      outcome_not_referred = c.outcome_not_referred + excluded.outcome_not_referred, referred = c.referred + excluded.referred,
      qty_plants = c.qty_plants + excluded.qty_plants, qty_area_m2 = c.qty_area_m2 + excluded.qty_area_m2,
      qty_people = c.qty_people + excluded.qty_people, qty_seized_grams = c.qty_seized_grams + excluded.qty_seized_grams;
END $$;--> statement-breakpoint

CREATE FUNCTION "help_triage_month_counts_add"(d "help_triage_month_counts", sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO help_triage_month_counts AS c VALUES (d.month, d.district_code, d.commune_code, sign * d.triaged, sign * d.referred,
      sign * d.referred_counselling, sign * d.referred_methadone, sign * d.referred_voluntary_rehab, sign * d.referred_community_rehab,
      sign * d.referred_unspecified)
  ON CONFLICT (month, district_code, commune_code) DO UPDATE SET triaged = c.triaged + excluded.triaged,
      referred = c.referred + excluded.referred, referred_counselling = c.referred_counselling + excluded.referred_counselling,
      referred_methadone = c.referred_methadone + excluded.referred_methadone,
      referred_voluntary_rehab = c.referred_voluntary_rehab + excluded.referred_voluntary_rehab,
      referred_community_rehab = c.referred_community_rehab + excluded.referred_community_rehab,
      referred_unspecified = c.referred_unspecified + excluded.referred_unspecified;
END $$;--> statement-breakpoint

-- A case's old counters out, its new ones in. Row by row: a submission or a staff action changes one
-- case, and updates that touch no counted column (an assignment, a new deadline, a version) do not call
-- it at all (the WHEN clause below).
CREATE FUNCTION "tip_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM tip_month_counts_add(f, -1) FROM tip_month_facts(OLD) f;
    PERFORM help_triage_month_counts_add(f, -1) FROM help_triage_facts(OLD) f;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM tip_month_counts_add(f, 1) FROM tip_month_facts(NEW) f;
    PERFORM help_triage_month_counts_add(f, 1) FROM help_triage_facts(NEW) f;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint

CREATE TRIGGER "tip_counts_insert_delete" AFTER INSERT OR DELETE ON "tips" FOR EACH ROW EXECUTE FUNCTION tip_counts_apply();--> statement-breakpoint
CREATE TRIGGER "tip_counts_update" AFTER UPDATE ON "tips" FOR EACH ROW
  WHEN (OLD.received_at IS DISTINCT FROM NEW.received_at OR OLD.district_code IS DISTINCT FROM NEW.district_code OR OLD.commune_code IS DISTINCT FROM NEW.commune_code OR OLD.category IS DISTINCT FROM NEW.category OR OLD.urgent IS DISTINCT FROM NEW.urgent OR OLD.source IS DISTINCT FROM NEW.source OR OLD.triaged_at IS DISTINCT FROM NEW.triaged_at OR OLD.triage_outcome IS DISTINCT FROM NEW.triage_outcome OR OLD.not_actionable_reason IS DISTINCT FROM NEW.not_actionable_reason OR OLD.forwarded_at IS DISTINCT FROM NEW.forwarded_at OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.outcome IS DISTINCT FROM NEW.outcome OR OLD.referred IS DISTINCT FROM NEW.referred OR OLD.referral_kind IS DISTINCT FROM NEW.referral_kind OR OLD.plants_destroyed IS DISTINCT FROM NEW.plants_destroyed OR OLD.area_m2 IS DISTINCT FROM NEW.area_m2 OR OLD.people_handled IS DISTINCT FROM NEW.people_handled OR OLD.seized_grams IS DISTINCT FROM NEW.seized_grams)
  EXECUTE FUNCTION tip_counts_apply();--> statement-breakpoint

-- TRUNCATE fires no row trigger: the counts go with the cases.
CREATE FUNCTION "tip_counts_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE tip_month_counts, help_triage_month_counts;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "tip_counts_truncate" AFTER TRUNCATE ON "tips" FOR EACH STATEMENT EXECUTE FUNCTION tip_counts_truncate();--> statement-breakpoint

-- The cases already there.
INSERT INTO tip_month_counts SELECT f.month, f.district_code, f.commune_code, f.category, sum(f.received), sum(f.urgent), sum(f.source_web),
    sum(f.source_mailbox), sum(f.source_phone), sum(f.triaged), sum(f.triage_actionable), sum(f.triage_duplicate), sum(f.triage_needs_info),
    sum(f.triage_not_actionable), sum(f.false_or_malicious), sum(f.forwarded), sum(f.resolved), sum(f.outcome_spot_eliminated),
    sum(f.outcome_plants_destroyed), sum(f.outcome_arrests_made), sum(f.outcome_nothing_found), sum(f.outcome_handed_over),
    sum(f.outcome_referred_counselling), sum(f.outcome_referred_treatment), sum(f.outcome_not_referred), sum(f.referred), sum(f.qty_plants),
    sum(f.qty_area_m2), sum(f.qty_people), sum(f.qty_seized_grams)
  FROM tips t, LATERAL tip_month_facts(t) f GROUP BY 1, 2, 3, 4;--> statement-breakpoint
INSERT INTO help_triage_month_counts SELECT f.month, f.district_code, f.commune_code, sum(f.triaged), sum(f.referred),
    sum(f.referred_counselling), sum(f.referred_methadone), sum(f.referred_voluntary_rehab), sum(f.referred_community_rehab),
    sum(f.referred_unspecified)
  FROM tips t, LATERAL help_triage_facts(t) f GROUP BY 1, 2, 3;--> statement-breakpoint

-- The edges of a custom period count help requests by triage day from the cases themselves.
CREATE INDEX "tips_help_triaged_idx" ON "tips" ("triaged_at") WHERE "category" = 'help_request';
--> statement-breakpoint

-- The time-to-triage and time-to-acknowledge percentiles need every case of the period (a percentile
-- cannot be added up), so that read is index-only: about a sixth of the table's size to scan.
CREATE INDEX "tips_timing_idx" ON "tips" ("received_at") INCLUDE ("district_code", "commune_code", "category", "urgent", "triaged_at",
    "forwarded_at", "acknowledged_at");--> statement-breakpoint

-- "Overdue during the period" only ever concerns deadlines that were missed (not ended by their due time).
CREATE INDEX "case_deadlines_missed_idx" ON "case_deadlines" ("due_at") INCLUDE ("tip_id", "ended_at") WHERE "ended_at" IS NULL OR "ended_at" > "due_at";
