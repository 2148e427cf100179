CREATE TABLE "boot_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"distributor_id" integer NOT NULL,
	"artifact_id" text NOT NULL,
	"mac" text,
	"ip" text,
	"kind" text NOT NULL,
	"detail" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "distributors" (
	"id" serial PRIMARY KEY NOT NULL,
	"artifact_id" text NOT NULL,
	"name" text NOT NULL,
	"token_sha256" text NOT NULL,
	"online" boolean DEFAULT false NOT NULL,
	"last_seen_at" timestamp with time zone,
	"on" boolean DEFAULT false NOT NULL,
	"device" text,
	"range" text,
	"ipxe_uefi" integer,
	"ipxe_bios" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "distributors_token_sha256_unique" UNIQUE("token_sha256")
);
--> statement-breakpoint
CREATE TABLE "script_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"localnode_id" integer NOT NULL,
	"distributor_id" integer NOT NULL,
	"user" text NOT NULL,
	"status" text DEFAULT 'QUEUED' NOT NULL,
	"exit_code" integer,
	"output" text DEFAULT '' NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "localnodes" ADD COLUMN "host_key" text;--> statement-breakpoint
CREATE INDEX "boot_events_distributor" ON "boot_events" USING btree ("distributor_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "distributors_artifact_name" ON "distributors" USING btree ("artifact_id","name");