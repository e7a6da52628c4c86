ALTER TABLE "tips" ADD COLUMN "plants_destroyed" integer;--> statement-breakpoint
ALTER TABLE "tips" ADD COLUMN "area_m2" integer;--> statement-breakpoint
ALTER TABLE "tips" ADD COLUMN "people_handled" integer;--> statement-breakpoint
ALTER TABLE "tips" ADD COLUMN "seized_grams" numeric(12, 2);
