CREATE TABLE "builds" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"artifact_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"status" text DEFAULT 'QUEUED' NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"error" text,
	"input" jsonb NOT NULL,
	"files" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "builds_artifact_id_unique" UNIQUE("artifact_id")
);
--> statement-breakpoint
CREATE INDEX "builds_kind_id" ON "builds" USING btree ("kind","id");