CREATE TABLE "help_services" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"district_code" text,
	"address" text NOT NULL,
	"phone" text NOT NULL,
	"hours" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_by" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "help_services_kind_check" CHECK ("kind" IN ('counselling', 'methadone', 'voluntary_rehab', 'community_rehab'))
);
--> statement-breakpoint
ALTER TABLE "tips" ADD COLUMN "referral_kind" text;
