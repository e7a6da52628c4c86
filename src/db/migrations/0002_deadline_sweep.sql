CREATE TABLE "case_deadlines" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tip_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "deadline_alerts" (
	"deadline_id" bigint NOT NULL,
	"stage" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deadline_alerts_deadline_id_stage_due_at_pk" PRIMARY KEY("deadline_id","stage","due_at")
);
--> statement-breakpoint
ALTER TABLE "case_deadlines" ADD CONSTRAINT "case_deadlines_tip_id_tips_id_fk" FOREIGN KEY ("tip_id") REFERENCES "public"."tips"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "deadline_alerts" ADD CONSTRAINT "deadline_alerts_deadline_id_case_deadlines_id_fk" FOREIGN KEY ("deadline_id") REFERENCES "public"."case_deadlines"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "case_deadlines_tip_idx" ON "case_deadlines" USING btree ("tip_id");
--> statement-breakpoint
CREATE INDEX "case_deadlines_open_due_idx" ON "case_deadlines" USING btree ("due_at") WHERE ended_at IS NULL;
--> statement-breakpoint
INSERT INTO "case_deadlines" ("tip_id", "kind", "started_at", "due_at") SELECT "id", "deadline_kind", "deadline_from", "deadline_at" FROM "tips" WHERE "deadline_at" IS NOT NULL AND "deadline_kind" IS NOT NULL AND "deadline_from" IS NOT NULL;
