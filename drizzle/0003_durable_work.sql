CREATE TABLE "distributor_work" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"distributor_id" integer NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"script_run_id" integer,
	"sealed_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deadline_at" timestamp with time zone NOT NULL,
	"taken_at" timestamp with time zone,
	"reply" jsonb
);
--> statement-breakpoint
ALTER TABLE "distributors" ADD COLUMN "public_key" text;--> statement-breakpoint
ALTER TABLE "distributors" ADD COLUMN "config_error" text;--> statement-breakpoint
ALTER TABLE "distributors" ADD COLUMN "config_error_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "distributor_work" ADD CONSTRAINT "distributor_work_distributor_id_distributors_id_fk" FOREIGN KEY ("distributor_id") REFERENCES "public"."distributors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "distributor_work" ADD CONSTRAINT "distributor_work_script_run_id_script_runs_id_fk" FOREIGN KEY ("script_run_id") REFERENCES "public"."script_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "distributor_work_pending" ON "distributor_work" USING btree ("distributor_id","created_at");--> statement-breakpoint
CREATE INDEX "distributor_work_deadline" ON "distributor_work" USING btree ("deadline_at");--> statement-breakpoint
-- Rows written before these foreign keys existed may point at deleted records:
-- drop what can no longer be shown, and unset references to deleted builds.
DELETE FROM "boot_events" WHERE "distributor_id" NOT IN (SELECT "id" FROM "distributors");--> statement-breakpoint
DELETE FROM "script_runs" WHERE "localnode_id" NOT IN (SELECT "id" FROM "localnodes") OR "distributor_id" NOT IN (SELECT "id" FROM "distributors");--> statement-breakpoint
UPDATE "distributors" SET "ipxe_uefi" = NULL WHERE "ipxe_uefi" IS NOT NULL AND "ipxe_uefi" NOT IN (SELECT "id" FROM "builds");--> statement-breakpoint
UPDATE "distributors" SET "ipxe_bios" = NULL WHERE "ipxe_bios" IS NOT NULL AND "ipxe_bios" NOT IN (SELECT "id" FROM "builds");--> statement-breakpoint
ALTER TABLE "boot_events" ADD CONSTRAINT "boot_events_distributor_id_distributors_id_fk" FOREIGN KEY ("distributor_id") REFERENCES "public"."distributors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "distributors" ADD CONSTRAINT "distributors_ipxe_uefi_builds_id_fk" FOREIGN KEY ("ipxe_uefi") REFERENCES "public"."builds"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "distributors" ADD CONSTRAINT "distributors_ipxe_bios_builds_id_fk" FOREIGN KEY ("ipxe_bios") REFERENCES "public"."builds"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "script_runs" ADD CONSTRAINT "script_runs_localnode_id_localnodes_id_fk" FOREIGN KEY ("localnode_id") REFERENCES "public"."localnodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "script_runs" ADD CONSTRAINT "script_runs_distributor_id_distributors_id_fk" FOREIGN KEY ("distributor_id") REFERENCES "public"."distributors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "boot_events_at" ON "boot_events" USING btree ("at");