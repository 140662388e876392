CREATE TABLE "learner_mail_settings" (
	"learner_id" integer PRIMARY KEY NOT NULL,
	"opted_out" boolean NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learner_mails" (
	"id" serial PRIMARY KEY NOT NULL,
	"issued_credential_id" text NOT NULL,
	"event_key" text NOT NULL,
	"to_address" text NOT NULL,
	"locale" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "issuer_profile" ADD COLUMN "linkedin_organization_id" text;--> statement-breakpoint
ALTER TABLE "learner_mail_settings" ADD CONSTRAINT "learner_mail_settings_learner_id_lti_users_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."lti_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learner_mails" ADD CONSTRAINT "learner_mails_issued_credential_id_issued_credentials_id_fk" FOREIGN KEY ("issued_credential_id") REFERENCES "public"."issued_credentials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "learner_mails_event_uq" ON "learner_mails" USING btree ("issued_credential_id","event_key");