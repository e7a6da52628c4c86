CREATE TABLE "commune_classifications" (
	"commune_code" text NOT NULL,
	"year" integer NOT NULL,
	"level" text NOT NULL,
	"decision" text,
	"decided_on" text,
	"entered_by" uuid NOT NULL,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "commune_classifications_commune_code_year_pk" PRIMARY KEY("commune_code","year"),
	CONSTRAINT "commune_classifications_level_check" CHECK ("level" IN ('drug_free', 'has_drugs', 'key_type_3', 'key_type_2', 'key_type_1'))
);
--> statement-breakpoint
CREATE INDEX "commune_classifications_year_idx" ON "commune_classifications" USING btree ("year");
