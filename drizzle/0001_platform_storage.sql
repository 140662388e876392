CREATE TABLE "pending_launches" (
	"ticket_hash" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"id_token" text NOT NULL,
	"platform_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pending_launches" ADD CONSTRAINT "pending_launches_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;