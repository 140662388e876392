CREATE TABLE "holder_copies" (
	"id" text PRIMARY KEY NOT NULL,
	"award_id" integer NOT NULL,
	"issued_credential_id" text NOT NULL,
	"holder_did" text NOT NULL,
	"delivered_via" text,
	"signing_key_id" integer NOT NULL,
	"credential" jsonb NOT NULL,
	"jwt" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vc_api_exchanges" (
	"id" text PRIMARY KEY NOT NULL,
	"award_id" integer NOT NULL,
	"challenge" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"holder_copy_id" text
);
--> statement-breakpoint
ALTER TABLE "holder_copies" ADD CONSTRAINT "holder_copies_award_id_awards_id_fk" FOREIGN KEY ("award_id") REFERENCES "public"."awards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holder_copies" ADD CONSTRAINT "holder_copies_issued_credential_id_issued_credentials_id_fk" FOREIGN KEY ("issued_credential_id") REFERENCES "public"."issued_credentials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holder_copies" ADD CONSTRAINT "holder_copies_signing_key_id_signing_keys_id_fk" FOREIGN KEY ("signing_key_id") REFERENCES "public"."signing_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vc_api_exchanges" ADD CONSTRAINT "vc_api_exchanges_award_id_awards_id_fk" FOREIGN KEY ("award_id") REFERENCES "public"."awards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vc_api_exchanges" ADD CONSTRAINT "vc_api_exchanges_holder_copy_id_holder_copies_id_fk" FOREIGN KEY ("holder_copy_id") REFERENCES "public"."holder_copies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "holder_copies_credential_holder_uq" ON "holder_copies" USING btree ("issued_credential_id","holder_did");--> statement-breakpoint
CREATE INDEX "holder_copies_award_idx" ON "holder_copies" USING btree ("award_id");--> statement-breakpoint
CREATE INDEX "vc_api_exchanges_award_idx" ON "vc_api_exchanges" USING btree ("award_id");