CREATE TABLE "external_achievements" (
	"id" serial PRIMARY KEY NOT NULL,
	"learner_id" integer NOT NULL,
	"credential_key" text NOT NULL,
	"issuer_id" text NOT NULL,
	"achievement_id" text NOT NULL,
	"achievement_name" text NOT NULL,
	"credential" jsonb NOT NULL,
	"report" jsonb NOT NULL,
	"credits" text,
	"issued_at" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone,
	"status" text DEFAULT 'pending' NOT NULL,
	"decided_by" text,
	"decision_reason" text,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pathway_awards" (
	"id" serial PRIMARY KEY NOT NULL,
	"pathway_id" integer NOT NULL,
	"learner_id" integer NOT NULL,
	"uuid" text NOT NULL,
	"credential" jsonb NOT NULL,
	"jwt" text NOT NULL,
	"status_list_id" integer NOT NULL,
	"status_index" integer NOT NULL,
	"signing_key_id" integer NOT NULL,
	"components" jsonb NOT NULL,
	"credits" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"flagged_at" timestamp with time zone,
	"flag_reason" text,
	"reviewed_revocations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"decision" text,
	"decision_reason" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "pathway_awards_uuid_unique" UNIQUE("uuid")
);
--> statement-breakpoint
CREATE TABLE "pathway_coordinators" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"granted_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pathway_followers" (
	"pathway_id" integer NOT NULL,
	"learner_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pathway_followers_pathway_id_learner_id_pk" PRIMARY KEY("pathway_id","learner_id")
);
--> statement-breakpoint
CREATE TABLE "pathways" (
	"id" serial PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"rules" jsonb NOT NULL,
	"definition" jsonb NOT NULL,
	"lock_version" integer DEFAULT 1 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "external_achievements" ADD CONSTRAINT "external_achievements_learner_id_lti_users_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."lti_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_awards" ADD CONSTRAINT "pathway_awards_pathway_id_pathways_id_fk" FOREIGN KEY ("pathway_id") REFERENCES "public"."pathways"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_awards" ADD CONSTRAINT "pathway_awards_learner_id_lti_users_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."lti_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_awards" ADD CONSTRAINT "pathway_awards_status_list_id_status_lists_id_fk" FOREIGN KEY ("status_list_id") REFERENCES "public"."status_lists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_awards" ADD CONSTRAINT "pathway_awards_signing_key_id_signing_keys_id_fk" FOREIGN KEY ("signing_key_id") REFERENCES "public"."signing_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_coordinators" ADD CONSTRAINT "pathway_coordinators_user_id_lti_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."lti_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_coordinators" ADD CONSTRAINT "pathway_coordinators_granted_by_admin_users_id_fk" FOREIGN KEY ("granted_by") REFERENCES "public"."admin_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_followers" ADD CONSTRAINT "pathway_followers_pathway_id_pathways_id_fk" FOREIGN KEY ("pathway_id") REFERENCES "public"."pathways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_followers" ADD CONSTRAINT "pathway_followers_learner_id_lti_users_id_fk" FOREIGN KEY ("learner_id") REFERENCES "public"."lti_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "external_achievements_learner_credential_uq" ON "external_achievements" USING btree ("learner_id","credential_key");--> statement-breakpoint
CREATE UNIQUE INDEX "pathway_awards_pathway_learner_uq" ON "pathway_awards" USING btree ("pathway_id","learner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pathway_awards_status_entry_uq" ON "pathway_awards" USING btree ("status_list_id","status_index");--> statement-breakpoint
CREATE INDEX "pathway_awards_learner_idx" ON "pathway_awards" USING btree ("learner_id");