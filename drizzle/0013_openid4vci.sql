CREATE TABLE "oid4vci_deliveries" (
	"offer_id" text NOT NULL,
	"configuration_id" text NOT NULL,
	"holder_did" text NOT NULL,
	"holder_copy_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "oid4vci_deliveries_offer_id_configuration_id_pk" PRIMARY KEY("offer_id","configuration_id")
);
--> statement-breakpoint
CREATE TABLE "oid4vci_offers" (
	"id" text PRIMARY KEY NOT NULL,
	"award_id" integer NOT NULL,
	"learner_id" integer NOT NULL,
	"code_hash" text NOT NULL,
	"tx_code_hash" text,
	"tx_code_failures" integer DEFAULT 0 NOT NULL,
	"locale" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"redeemed_at" timestamp with time zone,
	"access_token_hash" text,
	"token_expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "oid4vci_used_nonces" (
	"nonce_hash" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_limit_counters" (
	"key" text NOT NULL,
	"window_start" integer NOT NULL,
	"hits" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "rate_limit_counters_key_window_start_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
ALTER TABLE "oid4vci_deliveries" ADD CONSTRAINT "oid4vci_deliveries_offer_id_oid4vci_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."oid4vci_offers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oid4vci_deliveries" ADD CONSTRAINT "oid4vci_deliveries_holder_copy_id_holder_copies_id_fk" FOREIGN KEY ("holder_copy_id") REFERENCES "public"."holder_copies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oid4vci_offers" ADD CONSTRAINT "oid4vci_offers_award_id_awards_id_fk" FOREIGN KEY ("award_id") REFERENCES "public"."awards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oid4vci_offers" ADD CONSTRAINT "oid4vci_offers_learner_id_lti_users_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."lti_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "oid4vci_offers_code_uq" ON "oid4vci_offers" USING btree ("code_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "oid4vci_offers_token_uq" ON "oid4vci_offers" USING btree ("access_token_hash");--> statement-breakpoint
CREATE INDEX "oid4vci_offers_award_idx" ON "oid4vci_offers" USING btree ("award_id");