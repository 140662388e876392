CREATE TABLE "issued_credentials" (
	"id" text PRIMARY KEY NOT NULL,
	"award_id" integer NOT NULL,
	"course_id" integer NOT NULL,
	"credential_id" integer NOT NULL,
	"learner_id" integer NOT NULL,
	"status_list_id" integer NOT NULL,
	"status_index" integer NOT NULL,
	"signing_key_id" integer NOT NULL,
	"credential" jsonb NOT NULL,
	"jwt" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revocation_reason" text,
	"revoked_by" text,
	CONSTRAINT "issued_credentials_award_id_unique" UNIQUE("award_id")
);
--> statement-breakpoint
CREATE TABLE "signing_keys" (
	"id" serial PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"public_key_multibase" text NOT NULL,
	"secret_key_encrypted" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" integer,
	"retired_at" timestamp with time zone,
	CONSTRAINT "signing_keys_key_id_unique" UNIQUE("key_id")
);
--> statement-breakpoint
CREATE TABLE "status_lists" (
	"id" serial PRIMARY KEY NOT NULL,
	"purpose" text NOT NULL,
	"size" integer NOT NULL,
	"bits" "bytea" NOT NULL,
	"allocated" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "identifiers" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "qa_body_name" text;--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "qa_body_url" text;--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "qa_type" text;--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "qa_policy_url" text;--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "logo" "bytea";--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "logo_type" text;--> statement-breakpoint
ALTER TABLE "issued_credentials" ADD CONSTRAINT "issued_credentials_award_id_awards_id_fk" FOREIGN KEY ("award_id") REFERENCES "public"."awards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issued_credentials" ADD CONSTRAINT "issued_credentials_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issued_credentials" ADD CONSTRAINT "issued_credentials_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issued_credentials" ADD CONSTRAINT "issued_credentials_learner_id_lti_users_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."lti_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issued_credentials" ADD CONSTRAINT "issued_credentials_status_list_id_status_lists_id_fk" FOREIGN KEY ("status_list_id") REFERENCES "public"."status_lists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issued_credentials" ADD CONSTRAINT "issued_credentials_signing_key_id_signing_keys_id_fk" FOREIGN KEY ("signing_key_id") REFERENCES "public"."signing_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signing_keys" ADD CONSTRAINT "signing_keys_created_by_admin_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."admin_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "issued_credentials_status_entry_uq" ON "issued_credentials" USING btree ("status_list_id","status_index");--> statement-breakpoint
CREATE INDEX "issued_credentials_learner_idx" ON "issued_credentials" USING btree ("learner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "signing_keys_one_active_uq" ON "signing_keys" USING btree ("status") WHERE status = 'active';