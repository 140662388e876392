CREATE TABLE "outbound_allow_list" (
	"id" serial PRIMARY KEY NOT NULL,
	"entry" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbound_allow_list_entry_unique" UNIQUE("entry")
);
--> statement-breakpoint
ALTER TABLE "outbound_allow_list" ADD CONSTRAINT "outbound_allow_list_created_by_admin_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."admin_users"("id") ON DELETE set null ON UPDATE no action;