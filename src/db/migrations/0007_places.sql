CREATE TABLE "places" (
	"id" uuid PRIMARY KEY NOT NULL,
	"commune_code" text NOT NULL,
	"kind" text NOT NULL,
	"created_on" date NOT NULL,
	"public_key" bytea NOT NULL,
	"recovery_sealed_key" bytea NOT NULL,
	"ciphertext" bytea NOT NULL,
	"sealed_key" bytea NOT NULL,
	CONSTRAINT "places_kind_check" CHECK ("kind" IN ('sale_point', 'use_hangout', 'storage', 'cultivation'))
);
--> statement-breakpoint
CREATE INDEX "places_commune_kind_idx" ON "places" USING btree ("commune_code","kind");
--> statement-breakpoint
CREATE TABLE "place_key_wraps" (
	"place_id" uuid NOT NULL REFERENCES "places"("id") ON DELETE CASCADE,
	"user_id" uuid NOT NULL REFERENCES "staff_users"("id") ON DELETE CASCADE,
	"sealed_private_key" bytea NOT NULL,
	CONSTRAINT "place_key_wraps_place_id_user_id_pk" PRIMARY KEY("place_id","user_id")
);
--> statement-breakpoint
CREATE INDEX "place_key_wraps_user_idx" ON "place_key_wraps" USING btree ("user_id");
--> statement-breakpoint
CREATE TABLE "place_states" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"place_id" uuid NOT NULL REFERENCES "places"("id") ON DELETE CASCADE,
	"state" text NOT NULL,
	"on_date" date NOT NULL,
	"entered_by" uuid NOT NULL,
	CONSTRAINT "place_states_state_check" CHECK ("state" IN ('active', 'eliminated', 're_emerged', 'replanted'))
);
--> statement-breakpoint
CREATE INDEX "place_states_place_idx" ON "place_states" USING btree ("place_id","on_date");
--> statement-breakpoint
CREATE INDEX "place_states_date_idx" ON "place_states" USING btree ("on_date");
--> statement-breakpoint
CREATE TABLE "case_places" (
	"tip_id" uuid NOT NULL REFERENCES "tips"("id") ON DELETE CASCADE,
	"place_id" uuid NOT NULL REFERENCES "places"("id") ON DELETE CASCADE,
	"linked_by" uuid NOT NULL,
	CONSTRAINT "case_places_tip_id_place_id_pk" PRIMARY KEY("tip_id","place_id")
);
--> statement-breakpoint
CREATE INDEX "case_places_place_idx" ON "case_places" USING btree ("place_id");
