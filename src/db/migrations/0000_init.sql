CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"subject_type" text,
	"subject_id" text,
	"district_code" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prev_hash" "bytea" NOT NULL,
	"hash" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "coverage" (
	"unit_code" text PRIMARY KEY NOT NULL,
	"police_unit_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"district_code" text,
	"police_unit_id" uuid,
	"token_hash" "bytea" NOT NULL,
	"user_id" uuid,
	"invited_by" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invitations_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "model_communes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"district_code" text NOT NULL,
	"year" integer NOT NULL,
	"commune_code" text NOT NULL,
	"content" text NOT NULL,
	"start_date" text NOT NULL,
	"planned_end_date" text NOT NULL,
	"progress" text DEFAULT '' NOT NULL,
	"completed_at" timestamp with time zone,
	"registered_by" uuid NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"tip_id" uuid,
	"kind" text NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"dedupe_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone,
	"emailed_at" timestamp with time zone,
	CONSTRAINT "notifications_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "police_units" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"district_code" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recovery_key" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"public_key" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recovery_key_holders" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"sealed_private_key" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "staff_users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"district_code" text,
	"police_unit_id" uuid,
	"password_hash" text NOT NULL,
	"key_salt" "bytea" NOT NULL,
	"public_key" "bytea" NOT NULL,
	"wrapped_private_key" "bytea" NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"totp_secret" "bytea",
	"totp_enabled" boolean DEFAULT false NOT NULL,
	"needs_restore" boolean DEFAULT false NOT NULL,
	"notify_mode" text DEFAULT 'instant' NOT NULL,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "staff_users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "tip_items" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tip_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"author" text,
	"author_id" uuid,
	"position" integer DEFAULT 0 NOT NULL,
	"ciphertext" "bytea" NOT NULL,
	"sealed_key" "bytea" NOT NULL,
	"created_hour" timestamp with time zone DEFAULT date_trunc('hour', now()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tip_key_wraps" (
	"tip_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"sealed_private_key" "bytea" NOT NULL,
	CONSTRAINT "tip_key_wraps_tip_id_user_id_pk" PRIMARY KEY("tip_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "tips" (
	"id" uuid PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"category" text NOT NULL,
	"district_code" text NOT NULL,
	"commune_code" text NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"source" text DEFAULT 'web' NOT NULL,
	"no_liaison" boolean DEFAULT false NOT NULL,
	"assignee_id" uuid,
	"assigned_at" timestamp with time zone,
	"triaged_at" timestamp with time zone,
	"triage_outcome" text,
	"not_actionable_reason" text,
	"duplicate_of_id" uuid,
	"forwarded_unit_id" uuid,
	"forwarded_at" timestamp with time zone,
	"acknowledged_at" timestamp with time zone,
	"verify_extended" boolean DEFAULT false NOT NULL,
	"resolved_at" timestamp with time zone,
	"outcome" text,
	"closed_at" timestamp with time zone,
	"deadline_at" timestamp with time zone,
	"deadline_from" timestamp with time zone,
	"deadline_kind" text,
	"referred" boolean,
	"purged_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"public_key" "bytea" NOT NULL,
	"receipt_lookup" "bytea" NOT NULL,
	"receipt_wrapped_key" "bytea" NOT NULL,
	"recovery_sealed_key" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "units" (
	"code" text PRIMARY KEY NOT NULL,
	"parent_code" text,
	"level" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"position" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "coverage" ADD CONSTRAINT "coverage_police_unit_id_police_units_id_fk" FOREIGN KEY ("police_unit_id") REFERENCES "public"."police_units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_staff_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."staff_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recovery_key_holders" ADD CONSTRAINT "recovery_key_holders_user_id_staff_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."staff_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tip_items" ADD CONSTRAINT "tip_items_tip_id_tips_id_fk" FOREIGN KEY ("tip_id") REFERENCES "public"."tips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tip_key_wraps" ADD CONSTRAINT "tip_key_wraps_tip_id_tips_id_fk" FOREIGN KEY ("tip_id") REFERENCES "public"."tips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tip_key_wraps" ADD CONSTRAINT "tip_key_wraps_user_id_staff_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."staff_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_subject_idx" ON "audit_log" USING btree ("subject_type","subject_id");--> statement-breakpoint
CREATE INDEX "audit_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "model_communes_district_year_idx" ON "model_communes" USING btree ("district_code","year");--> statement-breakpoint
CREATE INDEX "notifications_user_idx" ON "notifications" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "tip_items_tip_idx" ON "tip_items" USING btree ("tip_id","kind","position");--> statement-breakpoint
CREATE INDEX "tip_key_wraps_user_idx" ON "tip_key_wraps" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tips_receipt_lookup_idx" ON "tips" USING btree ("receipt_lookup");--> statement-breakpoint
CREATE INDEX "tips_district_received_idx" ON "tips" USING btree ("district_code","received_at");--> statement-breakpoint
CREATE INDEX "tips_received_idx" ON "tips" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "tips_assignee_status_idx" ON "tips" USING btree ("assignee_id","status");--> statement-breakpoint
CREATE INDEX "tips_unit_idx" ON "tips" USING btree ("forwarded_unit_id");--> statement-breakpoint
CREATE INDEX "tips_deadline_idx" ON "tips" USING btree ("deadline_at");--> statement-breakpoint
CREATE INDEX "units_parent_idx" ON "units" USING btree ("parent_code");