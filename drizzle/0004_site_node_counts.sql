CREATE TABLE "site_node_counts" (
	"artifact_id" text PRIMARY KEY NOT NULL,
	"nodes" integer NOT NULL
);
--> statement-breakpoint
-- Existing nodes are counted once; from here on the trigger keeps the counts.
-- A replica still running the previous release inserts through the same trigger.
INSERT INTO "site_node_counts" ("artifact_id", "nodes")
SELECT "artifact_id", count(*) FROM "localnodes" GROUP BY "artifact_id";
--> statement-breakpoint
CREATE FUNCTION "count_site_nodes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "site_node_counts" ("artifact_id", "nodes") VALUES (NEW."artifact_id", 1)
    ON CONFLICT ("artifact_id") DO UPDATE SET "nodes" = "site_node_counts"."nodes" + 1;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE "site_node_counts" SET "nodes" = "nodes" - 1 WHERE "artifact_id" = OLD."artifact_id";
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "localnodes_count_site_nodes"
AFTER INSERT OR DELETE OR UPDATE OF "artifact_id" ON "localnodes"
FOR EACH ROW EXECUTE FUNCTION "count_site_nodes"();
