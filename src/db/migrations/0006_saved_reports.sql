CREATE TABLE "saved_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"period_from" timestamp with time zone NOT NULL,
	"period_to" timestamp with time zone NOT NULL,
	"period_label" text NOT NULL,
	"district_code" text,
	"category" text,
	"number" text DEFAULT '' NOT NULL,
	"place" text DEFAULT '' NOT NULL,
	"issued_on" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"assessment" text DEFAULT '' NOT NULL,
	"next_steps" text DEFAULT '' NOT NULL,
	"signer_title" text DEFAULT '' NOT NULL,
	"signer_name" text DEFAULT '' NOT NULL,
	"recipients" text DEFAULT '' NOT NULL,
	"figures" jsonb NOT NULL,
	"figures_suppressed" jsonb NOT NULL,
	"threshold" integer NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "saved_reports_district_idx" ON "saved_reports" USING btree ("district_code","period_from");
