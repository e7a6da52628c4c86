DROP INDEX IF EXISTS "model_communes_district_year_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "model_communes_district_year_commune_idx" ON "model_communes" USING btree ("district_code","year","commune_code");
