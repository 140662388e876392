CREATE TABLE "edc_seals" (
	"id" serial PRIMARY KEY NOT NULL,
	"chain_pem" text NOT NULL,
	"private_key_encrypted" text NOT NULL,
	"source" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" integer
);
--> statement-breakpoint
CREATE TABLE "edc_trust_anchors" (
	"id" serial PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"certificate_pem" text NOT NULL,
	"fingerprint_sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "edc_trust_anchors_fingerprint_sha256_unique" UNIQUE("fingerprint_sha256")
);
--> statement-breakpoint
ALTER TABLE "edc_seals" ADD CONSTRAINT "edc_seals_created_by_admin_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."admin_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "edc_seals_one_active_uq" ON "edc_seals" USING btree ("status") WHERE status = 'active';