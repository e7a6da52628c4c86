-- A case routed while its district had no liaison was left "assigned" to nobody: the page said
-- "Đã giao cán bộ" beside "Cán bộ phụ trách: Chưa giao", and no sweep ever routed it again.
-- Such cases go back to "received" (with their triage clock still running), where the next
-- routing sweep gives them to a liaison of their district; the contradiction is refused from now on.
UPDATE "tips" SET "status" = 'received', "version" = "version" + 1 WHERE "status" = 'assigned' AND "assignee_id" IS NULL;--> statement-breakpoint
ALTER TABLE "tips" ADD CONSTRAINT "tips_assigned_has_assignee" CHECK ("status" <> 'assigned' OR "assignee_id" IS NOT NULL);
