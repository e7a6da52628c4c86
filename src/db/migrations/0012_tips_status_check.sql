-- A case's state is one of the workflow's (src/cases/workflow.ts STATUSES). Test fixtures once wrote
-- "triaged", a state no page, query or transition knows: such a row is counted by nothing that reads
-- states and moved by no sweep. The app writes states only through its commands, so no row breaks
-- the rule; from now on the database refuses one whatever writes it.
ALTER TABLE "tips" ADD CONSTRAINT "tips_status_check" CHECK ("status" IN ('received', 'assigned', 'needs_info', 'actionable', 'forwarded', 'acknowledged', 'verifying', 'resolved', 'closed'));
